import { hostname } from "node:os";
import type { IClientOptions } from "mqtt";
import { configValue, type Node, type NodeAPI, type NodeDef } from "../lib/red";

export interface BrokerNodeDef extends NodeDef {
  url: string;
  clientIdPrefix: string;
  /** "4" (MQTT 3.1.1), "5", or "" to take MQTT_PROTOCOL (default 5). */
  protocolVersion: "" | "4" | "5";
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
    const version = protocolVersion(def.protocolVersion);
    node.clientOptions = (clientKey) => ({
      clientId: clientId(def.clientIdPrefix, clientKey),
      protocolVersion: version,
      ...(this.credentials?.username ? { username: this.credentials.username } : {}),
      ...(this.credentials?.password ? { password: this.credentials.password } : {}),
    });
  }
  RED.nodes.registerType<Node<BrokerCredentials>, BrokerNodeDef, object, BrokerCredentials>("lsync-broker", LsyncBrokerNode, {
    credentials: { username: { type: "text" }, password: { type: "password" } },
  });
}
