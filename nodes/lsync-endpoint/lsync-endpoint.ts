import { EndpointClient, type EndpointAuth } from "../lib/http/endpoint-client";
import { configValue, type Node, type NodeAPI, type NodeDef } from "../lib/red";

export type SystemKind = "ERP" | "WMS" | "TMS" | "FINANCE" | "CARRIER" | "PORTAL";

export interface EndpointNodeDef extends NodeDef {
  system: SystemKind;
  baseUrl: string;
  authType: EndpointAuth["type"];
  apiKeyHeader: string;
  timeoutMs: number | string;
  maxSockets: number | string;
}

interface EndpointCredentials {
  apiKey?: string;
  token?: string;
  username?: string;
  password?: string;
}

export interface EndpointNode extends Node<EndpointCredentials> {
  system: SystemKind;
  client: EndpointClient;
}

/** Where each system's simulator listens by default, so the shipped flows run with no setup. */
const DEFAULT_URLS: Record<SystemKind, { env: string; url: string }> = {
  ERP: { env: "ERP_URL", url: "http://127.0.0.1:3101" },
  WMS: { env: "WMS_URL", url: "http://127.0.0.1:3102" },
  TMS: { env: "TMS_URL", url: "http://127.0.0.1:3103" },
  FINANCE: { env: "FINANCE_URL", url: "http://127.0.0.1:3104" },
  CARRIER: { env: "CARRIER_URL", url: "http://127.0.0.1:3105" },
  PORTAL: { env: "PORTAL_URL", url: "http://127.0.0.1:3106" },
};

export function resolveBaseUrl(system: SystemKind, configured: string | undefined): string {
  const fallback = DEFAULT_URLS[system] ?? DEFAULT_URLS.ERP;
  return configValue(configured) || process.env[fallback.env]?.trim() || fallback.url;
}

function positive(value: number | string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

export function authFrom(def: EndpointNodeDef, creds: EndpointCredentials): EndpointAuth {
  switch (def.authType) {
    case "apiKey":
      return { type: "apiKey", header: def.apiKeyHeader || "x-api-key", value: creds.apiKey ?? "" };
    case "bearer":
      return { type: "bearer", token: creds.token ?? "" };
    case "basic":
      return { type: "basic", username: creds.username ?? "", password: creds.password ?? "" };
    default:
      return { type: "none" };
  }
}

export default function register(RED: NodeAPI): void {
  function LsyncEndpointNode(this: Node<EndpointCredentials>, def: EndpointNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this as EndpointNode;
    node.system = def.system ?? "ERP";
    node.client = new EndpointClient({
      baseUrl: resolveBaseUrl(node.system, def.baseUrl),
      auth: authFrom(def, this.credentials ?? {}),
      timeoutMs: positive(def.timeoutMs, 10_000),
      maxSockets: positive(def.maxSockets, 8),
    });
    this.on("close", () => node.client.close());
  }
  RED.nodes.registerType<Node<EndpointCredentials>, EndpointNodeDef, object, EndpointCredentials>("lsync-endpoint", LsyncEndpointNode, {
    credentials: {
      apiKey: { type: "password" },
      token: { type: "password" },
      username: { type: "text" },
      password: { type: "password" },
    },
  });
}
