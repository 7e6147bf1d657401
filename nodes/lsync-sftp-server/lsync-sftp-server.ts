import { parseFingerprints } from "../lib/sftp/host-key";
import { connectSftp, type RemoteFiles, type SftpConnectOptions } from "../lib/sftp/connection";
import { configValue, type Node, type NodeAPI, type NodeDef } from "../lib/red";

export interface SftpServerDef extends NodeDef {
  host: string;
  port: string | number;
  username: string;
  /** Pinned `SHA256:…` host key fingerprints (comma or newline separated). */
  fingerprints: string;
  allowUnknownHostKey: boolean;
  connectTimeout: string | number;
  operationTimeout: string | number;
}

interface SftpCredentials {
  password?: string;
  privateKey?: string;
  passphrase?: string;
}

export interface SftpServerNode extends Node<SftpCredentials> {
  /** `user@host:port`, for status texts and logs (never a secret). */
  address: string;
  /** False when no host is set (an unset `${VAR}`): the intakes using it stay idle instead of failing every poll. */
  configured: boolean;
  /** A new SFTP session; the caller ends it. */
  connect(): Promise<RemoteFiles>;
}

/** The connection settings from the config, secrets from its credentials (`${VAR}` resolved by Node-RED). */
export function connectOptions(def: SftpServerDef, credentials: SftpCredentials | undefined): SftpConnectOptions {
  const seconds = (v: string | number | undefined, fallback: number) => Math.max(1, Number(configValue(String(v ?? ""))) || fallback) * 1000;
  return {
    host: configValue(def.host),
    port: Math.trunc(Number(configValue(String(def.port ?? ""))) || 22),
    username: configValue(def.username),
    password: configValue(credentials?.password) || undefined,
    // A key pasted into the editor keeps its line breaks; one from an environment variable may carry "\n".
    privateKey: credentials?.privateKey?.trim() ? credentials.privateKey.replace(/\\n/g, "\n") : undefined,
    passphrase: configValue(credentials?.passphrase) || undefined,
    fingerprints: parseFingerprints(configValue(def.fingerprints)),
    allowUnknownHostKey: def.allowUnknownHostKey === true,
    connectTimeoutMs: seconds(def.connectTimeout, 20),
    operationTimeoutMs: seconds(def.operationTimeout, 60),
  };
}

export default function register(RED: NodeAPI): void {
  function LsyncSftpServerNode(this: Node<SftpCredentials>, def: SftpServerDef): void {
    RED.nodes.createNode(this, def);
    const node = this as SftpServerNode;
    const options = connectOptions(def, this.credentials);
    node.address = `${options.username}@${options.host}:${options.port}`;
    node.configured = options.host !== "";
    node.connect = () => {
      if (!options.host) return Promise.reject(new Error("SFTP server: host is empty (or its ${VAR} is not set)"));
      if (!options.username) return Promise.reject(new Error("SFTP server: username is empty (or its ${VAR} is not set)"));
      if (!options.password && !options.privateKey) return Promise.reject(new Error(`SFTP ${node.address}: no password and no private key in the credentials`));
      return connectSftp(options);
    };
  }
  RED.nodes.registerType<Node<SftpCredentials>, SftpServerDef, object, SftpCredentials>("lsync-sftp-server", LsyncSftpServerNode, {
    credentials: { password: { type: "password" }, privateKey: { type: "password" }, passphrase: { type: "password" } },
  });
}
