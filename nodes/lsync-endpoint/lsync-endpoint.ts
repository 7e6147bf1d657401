import { EndpointClient, type EndpointAuth, type EndpointOptions, type EndpointTls } from "../lib/http/endpoint-client";
import { configValue, type Node, type NodeAPI, type NodeDef } from "../lib/red";
import { registerCredentials } from "../lib/security/redact";

export type SystemKind = "ERP" | "WMS" | "TMS" | "FINANCE" | "CARRIER" | "PORTAL";

export interface EndpointNodeDef extends NodeDef {
  system: SystemKind;
  baseUrl: string;
  authType: EndpointAuth["type"];
  apiKeyHeader: string;
  timeoutMs: number | string;
  maxSockets: number | string;
  /** OAuth2 client credentials (absent in flows from before OAuth2). */
  tokenUrl?: string;
  clientId?: string;
  scope?: string;
  audience?: string;
  /** Id of a core `tls-config` node: client certificate, key and CA for https (mTLS). */
  tls?: string;
  /** In-call retries for calls safe to repeat; absent = 0. */
  retries?: number | string;
  /** Consecutive failures that open the circuit; absent or 0 = no breaker. */
  breakerThreshold?: number | string;
  breakerCoolDownMs?: number | string;
  /** Calls per second; absent or 0 = unlimited. */
  rateLimit?: number | string;
}

interface EndpointCredentials {
  apiKey?: string;
  token?: string;
  username?: string;
  password?: string;
  clientSecret?: string;
}

export interface EndpointNode extends Node<EndpointCredentials> {
  system: SystemKind;
  client: EndpointClient;
}

/** What RED.nodes.getNode gives for a core tls-config node. */
interface TlsConfigNode {
  addTLSOptions(opts: EndpointTls): EndpointTls;
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

/** 0 allowed (switches a feature off); empty, missing or nonsense gives the fallback. */
function nonNegative(value: number | string | undefined, fallback: number): number {
  if (value === undefined || value === null || value === "") return fallback;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

export function authFrom(def: EndpointNodeDef, creds: EndpointCredentials): EndpointAuth {
  switch (def.authType) {
    case "apiKey":
      return { type: "apiKey", header: def.apiKeyHeader || "x-api-key", value: creds.apiKey ?? "" };
    case "bearer":
      return { type: "bearer", token: creds.token ?? "" };
    case "basic":
      return { type: "basic", username: creds.username ?? "", password: creds.password ?? "" };
    case "oauth2": {
      const auth: EndpointAuth = {
        type: "oauth2",
        tokenUrl: configValue(def.tokenUrl) || "/oauth/token",
        clientId: configValue(def.clientId),
        clientSecret: creds.clientSecret ?? "",
      };
      const scope = configValue(def.scope);
      const audience = configValue(def.audience);
      if (scope) auth.scope = scope;
      if (audience) auth.audience = audience;
      return auth;
    }
    default:
      return { type: "none" };
  }
}

/** The client options a node definition gives (absent new properties keep an old flow's behaviour). */
export function clientOptionsFrom(def: EndpointNodeDef, creds: EndpointCredentials, tls?: EndpointTls): EndpointOptions {
  const options: EndpointOptions = {
    baseUrl: resolveBaseUrl(def.system ?? "ERP", def.baseUrl),
    auth: authFrom(def, creds),
    timeoutMs: positive(def.timeoutMs, 10_000),
    maxSockets: positive(def.maxSockets, 8),
    retry: { retries: Math.min(10, Math.floor(nonNegative(def.retries, 0))) },
    circuitBreaker: {
      failureThreshold: Math.floor(nonNegative(def.breakerThreshold, 0)),
      coolDownMs: positive(def.breakerCoolDownMs, 30_000),
    },
    rateLimitPerSecond: nonNegative(def.rateLimit, 0),
  };
  if (tls) options.tls = tls;
  return options;
}

export default function register(RED: NodeAPI): void {
  function LsyncEndpointNode(this: Node<EndpointCredentials>, def: EndpointNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this as EndpointNode;
    node.system = def.system ?? "ERP";
    let tls: EndpointTls | undefined;
    if (def.tls) {
      const tlsNode = RED.nodes.getNode(def.tls) as unknown as TlsConfigNode | null;
      if (tlsNode && typeof tlsNode.addTLSOptions === "function") tls = tlsNode.addTLSOptions({});
      else this.error(`endpoint: TLS configuration ${def.tls} not found; calls go without a client certificate`);
    }
    // Keys, tokens and passwords never reach a log line, an error message or a dead letter.
    registerCredentials(this.credentials);
    node.client = new EndpointClient(clientOptionsFrom(def, this.credentials ?? {}, tls));
    this.on("close", () => node.client.close());
  }
  RED.nodes.registerType<Node<EndpointCredentials>, EndpointNodeDef, object, EndpointCredentials>("lsync-endpoint", LsyncEndpointNode, {
    credentials: {
      apiKey: { type: "password" },
      token: { type: "password" },
      username: { type: "text" },
      password: { type: "password" },
      clientSecret: { type: "password" },
    },
  });
}
