import { hostname } from "node:os";
import type { IClientOptions } from "mqtt";
import { configValue, type Node, type NodeAPI, type NodeDef } from "../lib/red";
import { registerCredentials } from "../lib/security/redact";

export interface BrokerNodeDef extends NodeDef {
  url: string;
  clientIdPrefix: string;
  /** "4" (MQTT 3.1.1), "5", or "" to take MQTT_PROTOCOL (default 5). */
  protocolVersion: "" | "4" | "5";
  /** A core tls-config node: CA to trust the broker, client certificate, SNI. Absent in older flows. */
  tls?: string;
}

/** The TLS options of a connection, as a core tls-config node fills them in. */
export interface BrokerTls {
  ca?: string | Buffer | string[] | Buffer[];
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  rejectUnauthorized?: boolean;
  servername?: string;
  ALPNProtocols?: string[];
}

/** What RED.nodes.getNode gives for a core tls-config node. */
interface TlsConfigNode {
  addTLSOptions(opts: BrokerTls): BrokerTls;
}

/**
 * Connection options for one client: id, protocol, credentials when set, TLS options when a TLS
 * config node is chosen (used by mqtts:// and wss:// URLs; mqtt.js ignores them on plain mqtt://).
 */
export function brokerClientOptions(
  def: Pick<BrokerNodeDef, "clientIdPrefix" | "protocolVersion">,
  clientKey: string,
  credentials: BrokerCredentials | undefined,
  tls?: BrokerTls,
): IClientOptions {
  return {
    clientId: clientId(def.clientIdPrefix, clientKey),
    protocolVersion: protocolVersion(def.protocolVersion),
    ...(credentials?.username ? { username: credentials.username } : {}),
    ...(credentials?.password ? { password: credentials.password } : {}),
    ...(tls ?? {}),
  };
}

interface BrokerCredentials {
  username?: string;
  password?: string;
}

export interface BrokerNode extends Node<BrokerCredentials> {
  url: string;
  /** Connection options for one client of this broker; `clientKey` makes its client id unique and stable. */
  clientOptions(clientKey: string): IClientOptions;
}

export const DEFAULT_MQTT_URL = "mqtt://127.0.0.1:1883";

/**
 * MQTT 5 brings shared subscriptions, session expiry and user properties (a raw scan's sequence
 * number); the embedded broker speaks 3.1.1 only, so `npm start` sets MQTT_PROTOCOL=4 for it.
 */
export function protocolVersion(configured: string | undefined): 4 | 5 {
  const value = configValue(configured) || process.env.MQTT_PROTOCOL?.trim() || "5";
  return value === "4" || value === "3.1.1" ? 4 : 5;
}

/**
 * The client id must be stable across restarts (the broker keeps our persistent session under
 * it) and distinct per instance (two instances with one id would keep taking the session from
 * each other): prefix, instance name (LSYNC_INSTANCE or host name), node id.
 */
export function clientId(prefix: string, clientKey: string): string {
  const instance = (process.env.LSYNC_INSTANCE || hostname()).replace(/[^A-Za-z0-9_-]/g, "").slice(0, 24);
  return `${prefix || "lsync"}-${instance}-${clientKey}`.slice(0, 64);
}

export default function register(RED: NodeAPI): void {
  function LsyncBrokerNode(this: Node<BrokerCredentials>, def: BrokerNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this as BrokerNode;
    // An unset ${MQTT_URL} stays literal: fall back to the environment, then to the local default.
    node.url = configValue(def.url) || process.env.MQTT_URL?.trim() || DEFAULT_MQTT_URL;
    // The password never reaches a log line, an error message or a dead letter.
    registerCredentials(this.credentials);
    let tls: BrokerTls | undefined;
    if (def.tls) {
      const tlsNode = RED.nodes.getNode(def.tls) as unknown as TlsConfigNode | null;
      if (tlsNode && typeof tlsNode.addTLSOptions === "function") tls = tlsNode.addTLSOptions({});
      else this.error(`broker: TLS configuration ${def.tls} not found; connecting without its certificates`);
    }
    if (tls && /^(mqtt|tcp|ws):\/\//i.test(node.url)) {
      this.warn(`broker: a TLS configuration is set but ${node.url} is not a TLS URL (use mqtts:// or wss://)`);
    }
    node.clientOptions = (clientKey) => brokerClientOptions(def, clientKey, this.credentials, tls);
  }
  RED.nodes.registerType<Node<BrokerCredentials>, BrokerNodeDef, object, BrokerCredentials>("lsync-broker", LsyncBrokerNode, {
    credentials: { username: { type: "text" }, password: { type: "password" } },
  });
}
