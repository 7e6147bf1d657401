import { errorMessage } from "../lib/errors";
import { count, configValue, throttledStatus, type Node, type NodeAPI, type NodeDef, type NodeMessageInFlow } from "../lib/red";
import { namePattern, remoteJoin } from "../lib/sftp/names";
import { SftpPickup, type FileReport, type PickupFolders, type PickupState } from "../lib/sftp/pickup";
import type { InboxItem } from "../lib/store";
import type { SftpServerNode } from "../lsync-sftp-server/lsync-sftp-server";
import type { StoreNode } from "../lsync-store/lsync-store";

export interface SftpInDef extends NodeDef {
  server: string;
  store: string;
  folder: string;
  pattern: string;
  /** Seconds between polls. */
  interval: string | number;
  format: "auto" | "x12" | "csv";
  delimiter: string;
  processingFolder: string;
  archiveFolder: string;
  errorFolder: string;
  /** Where 997s go; empty: none are written. */
  ackFolder: string;
  maxInFlight: string | number;
}

/** A sub-folder name is taken below the watched folder; an absolute path is used as it is. */
export function pickupFolders(def: Pick<SftpInDef, "folder" | "processingFolder" | "archiveFolder" | "errorFolder" | "ackFolder">): PickupFolders {
  const inbound = configValue(def.folder) || ".";
  const under = (value: string, fallback: string) => {
    const v = configValue(value) || fallback;
    return v.startsWith("/") ? v : remoteJoin(inbound, v);
  };
  const ack = configValue(def.ackFolder);
  return {
    inbound,
    processing: under(def.processingFolder, "processing"),
    archive: under(def.archiveFolder, "archive"),
    error: under(def.errorFolder, "error"),
    ack: ack ? (ack.startsWith("/") ? ack : remoteJoin(inbound, ack)) : "",
  };
}

/** "Tab" is how the editor offers a tab delimiter. */
export function csvDelimiter(value: string | undefined): string {
  if (!value || value === ",") return ",";
  return value === "tab" || value === "\\t" ? "\t" : value;
}

type Status = { fill: "green" | "yellow" | "red" | "grey"; shape: "dot" | "ring"; text: string };

function statusOf(state: PickupState, polling: boolean): Status {
  const load = `${count(state.takenIn)} files in · ${count(state.inFlight)} records in flight`;
  const extra = [state.duplicates ? `${count(state.duplicates)} duplicate` : "", state.errors ? `${count(state.errors)} refused` : ""].filter(Boolean).join(" · ");
  return { fill: state.errors ? "yellow" : "green", shape: polling ? "ring" : "dot", text: [polling ? "polling" : "", load, extra].filter(Boolean).join(" · ") };
}

export default function register(RED: NodeAPI): void {
  function LsyncSftpInNode(this: Node, def: SftpInDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const server = RED.nodes.getNode(def.server) as SftpServerNode | null;
    const storeNode = RED.nodes.getNode(def.store) as StoreNode | null;
    if (!server || !storeNode) {
      this.status({ fill: "red", shape: "ring", text: !server ? "no SFTP server configured" : "no store configured" });
      this.error(`SFTP in needs ${!server ? "an SFTP server" : "a store"} configuration`);
      return;
    }
    const setStatus = throttledStatus(this);
    const intervalMs = Math.max(1, Number(configValue(String(def.interval ?? ""))) || 60) * 1000;
    const folders = pickupFolders(def);

    const toMsg = (item: InboxItem, resumed: boolean): NodeMessageInFlow => {
      const props = item.props ?? {};
      return {
        _msgid: RED.util.generateId(),
        topic: item.topic,
        payload: JSON.parse(item.payload) as unknown,
        file: { name: props.file, sha256: props.sha256, format: props.format, ...(props.line ? { line: Number(props.line) } : {}), ...(props.set ? { set: props.set } : {}) },
        idempotencyKey: item.key,
        receivedAt: new Date(item.receivedAt).toISOString(),
        intake: { source: node.id, id: item.id, resumed },
      } as NodeMessageInFlow;
    };

    const onReport = (report: FileReport) => {
      const msg = { _msgid: RED.util.generateId(), topic: report.name, payload: report } as NodeMessageInFlow & Record<string, unknown>;
      if (report.outcome === "error") {
        // Parked already: msg.deadLetterId lets a dead-letter node after a Catch pass it on instead of parking it twice.
        msg.deadLetterId = report.deadLetterId;
        node.error(report.reason, msg);
      } else if (report.outcome === "duplicate") {
        node.warn(`${report.name}: duplicate, not processed again (${report.reason}); moved to ${report.movedTo}`);
      }
      node.send([null, msg]);
    };

    const pickup = new SftpPickup({
      source: this.id,
      store: storeNode.store,
      connect: () => server.connect(),
      folders,
      match: namePattern(configValue(def.pattern) || "*"),
      read: { format: def.format === "x12" || def.format === "csv" ? def.format : "auto", csvDelimiter: csvDelimiter(def.delimiter) },
      maxInFlight: Math.max(1, Number(def.maxInFlight) || 10_000),
      emit: (item, resumed) => node.send([toMsg(item, resumed), null]),
      report: onReport,
      park: (reason, payload) => storeNode.store.parkDeadLetter({ nodeId: node.id, nodeType: "lsync-sftp-in", nodeName: node.name || null, flowId: node.z, reason, payload }),
    });

    let timer: NodeJS.Timeout | null = null;
    let closing = false;
    let running: Promise<void> = Promise.resolve();
    const schedule = () => {
      if (!closing) timer = setTimeout(() => (running = pollOnce()), intervalMs);
    };
    const pollOnce = async () => {
      timer = null;
      setStatus(statusOf(pickup.state(), true));
      try {
        await pickup.poll();
        setStatus(statusOf(pickup.state(), false));
      } catch (err) {
        // The files stay where they are; the next poll tries again.
        setStatus({ fill: "red", shape: "ring", text: `${server.address}: ${errorMessage(err)}`.slice(0, 120) });
        node.error(`SFTP poll of ${folders.inbound} on ${server.address} failed: ${errorMessage(err)}`);
      }
      schedule();
    };

    // Resumed records are sent once every flow has started (as the scanner intake does), then polling begins.
    const begin = () => {
      if (server.configured === false) {
        // No host (say, ${SFTP_HOST} unset on a machine without the partner's server): nothing to poll, nothing failing.
        this.status({ fill: "grey", shape: "ring", text: "idle: the SFTP server has no host set" });
        node.log(`SFTP in idle: its SFTP server config has no host (an unset environment variable?)`);
        return;
      }
      running = pickup
        .resume()
        .then(() => pollOnce())
        .catch((err: unknown) => node.error(`SFTP in did not start: ${errorMessage(err)}`));
    };
    this.status({ fill: "grey", shape: "ring", text: `waiting to poll ${server.address}` });
    RED.events.once("flows:started", begin);
    this.on("close", (_removed: boolean, done: () => void) => {
      closing = true;
      RED.events.off("flows:started", begin);
      if (timer) clearTimeout(timer);
      // A poll under way finishes its current file: stopping halfway is safe, but finishing is quicker to recover.
      void pickup.stop();
      running.then(done, done);
    });
  }
  RED.nodes.registerType("lsync-sftp-in", LsyncSftpInNode);
}
