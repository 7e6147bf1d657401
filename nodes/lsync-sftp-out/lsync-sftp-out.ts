import { errorMessage, InputError } from "../lib/errors";
import { configValue, count, throttledStatus, type Done, type Node, type NodeAPI, type NodeDef, type NodeMessageInFlow, type Send } from "../lib/red";
import { dropFile } from "../lib/sftp/drop";
import { fileNameFromPattern, remoteJoin } from "../lib/sftp/names";
import type { SftpServerNode } from "../lsync-sftp-server/lsync-sftp-server";

export interface SftpOutDef extends NodeDef {
  server: string;
  folder: string;
  /** `{{property}}` placeholders from the message, e.g. `204-{{idempotencyKey}}.edi`. */
  filename: string;
  /** Message property holding the content (default payload). */
  property: string;
}

type Msg = NodeMessageInFlow & Record<string, unknown>;

/** The file's bytes: text or a Buffer as they are, anything else as JSON. */
export function fileContent(value: unknown, property: string): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (value === undefined || value === null) throw new InputError(`msg.${property} is empty: nothing to write`, { field: property, rule: "required" });
  return Buffer.from(JSON.stringify(value), "utf8");
}

export default function register(RED: NodeAPI): void {
  function LsyncSftpOutNode(this: Node, def: SftpOutDef): void {
    RED.nodes.createNode(this, def);
    const server = RED.nodes.getNode(def.server) as SftpServerNode | null;
    if (!server) {
      this.status({ fill: "red", shape: "ring", text: "no SFTP server configured" });
      this.error("SFTP out needs an SFTP server configuration");
      return;
    }
    const setStatus = throttledStatus(this);
    const folder = configValue(def.folder) || ".";
    const pattern = def.filename?.trim() || "{{filename}}";
    const property = def.property?.trim() || "payload";
    let written = 0;
    let existing = 0;
    this.status({ fill: "grey", shape: "ring", text: `ready · ${server.address}` });

    this.on("input", (inMsg: NodeMessageInFlow, send: Send, done: Done) => {
      const msg = inMsg as Msg;
      let name: string;
      let content: Buffer;
      try {
        const named = fileNameFromPattern(pattern, (path) => RED.util.getMessageProperty(msg, path) as unknown);
        if (!named.ok) throw new InputError(named.error, { field: "filename", rule: "pattern" });
        name = named.name;
        content = fileContent(RED.util.getMessageProperty(msg, property), property);
      } catch (err) {
        return done(err instanceof Error ? err : new Error(errorMessage(err)));
      }
      setStatus({ fill: "yellow", shape: "ring", text: `writing ${name}` });
      (async () => {
        const remote = await server.connect();
        try {
          await remote.ensureFolder(folder);
          return await dropFile(remote, folder, name, content);
        } finally {
          await remote.end();
        }
      })()
        .then((outcome) => {
          if (outcome === "written") written++;
          else existing++;
          setStatus({ fill: "green", shape: "dot", text: `${count(written)} written · ${count(existing)} already there` });
          msg.sftp = { path: remoteJoin(folder, name), outcome, bytes: content.length };
          send(msg);
          done();
        })
        .catch((err: unknown) => {
          setStatus({ fill: "red", shape: "ring", text: `${name}: ${errorMessage(err)}`.slice(0, 120) });
          done(new Error(`SFTP write of ${remoteJoin(folder, name)} on ${server.address} failed: ${errorMessage(err)}`));
        });
    });
  }
  RED.nodes.registerType("lsync-sftp-out", LsyncSftpOutNode);
}
