/**
 * SFTP pickup: polls a folder and takes each matching file in exactly once.
 *
 * Per file: claim (rename into `processing/`, so two pollers never take the same file) → read →
 * SHA-256 → parse into records → ledger + inbox rows in ONE transaction → emit the records → 997
 * (X12) to the ack folder → move to `archive/`. A file that cannot be parsed gets a dead letter,
 * its 997 (when the envelope could be read), a `<name>.reason.txt` and goes to `error/`.
 *
 * Restart safety: a file left in `processing/` is looked up by its content hash. In the ledger:
 * its records are in the inbox (resumed like any intake's), so it is only archived. Not in the
 * ledger: nothing of it was taken in, so it is processed from the start. Either way every record
 * is taken in once.
 */
import type { InboxItem, LsyncStore } from "../store";
import { InFlightWindow, resumePending } from "../intake/in-flight";
import { registerIntake } from "../intake/settlement";
import type { RemoteFiles } from "./connection";
import { dropFile } from "./drop";
import { readFileRecords, type FileFormat, type ReadOptions } from "./file-records";
import { remoteJoin, sha256Hex } from "./names";

export interface PickupFolders {
  inbound: string;
  processing: string;
  archive: string;
  error: string;
  /** Where 997s for X12 files are written; empty: none. */
  ack: string;
}

export type FileOutcome = "taken-in" | "duplicate" | "error" | "recovered";

/** One line in the pickup's report per file (the node's second output). */
export interface FileReport {
  name: string;
  sha256: string;
  format: FileFormat | null;
  outcome: FileOutcome;
  records: number;
  /** Where the file ended up on the server. */
  movedTo: string | null;
  reason: string | null;
  deadLetterId: number | null;
  ack997: string | null;
}

export interface PickupOptions {
  /** The sftp-in node id: inbox source and ledger scope. */
  source: string;
  store: LsyncStore;
  connect: () => Promise<RemoteFiles>;
  folders: PickupFolders;
  match: (name: string) => boolean;
  read: Omit<ReadOptions, "ackControlNumber">;
  /** Records emitted and not settled before a poll leaves new files waiting. */
  maxInFlight: number;
  emit: (item: InboxItem, resumed: boolean) => void;
  report: (report: FileReport) => void;
  /** Parks a refused file as a dead letter; resolves with its id. */
  park: (reason: string, payload: unknown) => Promise<number>;
  /**
   * Test seams where a crash is simulated: throwing stops the file there, as a killed process would.
   * Not for flows.
   */
  hooks?: { afterClaim?: (name: string) => Promise<void>; afterRecord?: (name: string) => Promise<void> };
}

export interface PickupState {
  takenIn: number;
  duplicates: number;
  errors: number;
  inFlight: number;
  lastPoll: number | null;
}

export class SftpPickup {
  /** Records handed to the flow and not yet settled; a resume waits for room, a poll claims no file while full. */
  private readonly inFlight: InFlightWindow;
  private readonly counts = { takenIn: 0, duplicates: 0, errors: 0 };
  private lastPoll: number | null = null;
  private stopped = false;
  /** Files this run left in processing/ (first poll: all of them, from an earlier run). */
  private recoverAll = true;
  private readonly leftBehind = new Set<string>();
  private readonly unregister: () => void;

  constructor(private readonly options: PickupOptions) {
    this.inFlight = new InFlightWindow(options.maxInFlight);
    this.unregister = registerIntake(options.source, options.store, (id) => void this.inFlight.release(id));
  }

  /**
   * Emits the records taken in before the last stop and not settled, oldest first, no more than
   * maxInFlight at a time (the same resume as the MQTT and webhook intakes).
   */
  resume(): Promise<number> {
    return resumePending(this.options.store, this.options.source, this.inFlight, (item) => this.options.emit(item, true), { stopped: () => this.stopped });
  }

  state(): PickupState {
    return { ...this.counts, inFlight: this.inFlight.size, lastPoll: this.lastPoll };
  }

  /** One round: recover what is left in processing/, then take in new files. Rejects on connection faults. */
  async poll(): Promise<FileReport[]> {
    if (this.stopped) return [];
    const { folders } = this.options;
    const remote = await this.options.connect();
    const reports: FileReport[] = [];
    try {
      for (const folder of [folders.processing, folders.archive, folders.error, folders.ack]) {
        if (folder) await remote.ensureFolder(folder);
      }
      const stuck = (await remote.list(folders.processing)).filter((e) => e.type === "file" && (this.recoverAll || this.leftBehind.has(e.name)));
      this.recoverAll = false;
      for (const entry of stuck) {
        if (this.stopped) break;
        const report = await this.processClaimed(remote, entry.name, true);
        if (report) reports.push(report);
      }
      const waiting = (await remote.list(folders.inbound))
        .filter((e) => e.type === "file" && !e.name.startsWith(".") && this.options.match(e.name))
        .sort((a, b) => a.name.localeCompare(b.name));
      for (const entry of waiting) {
        if (this.stopped || this.inFlight.full) break;
        try {
          await remote.rename(remoteJoin(folders.inbound, entry.name), remoteJoin(folders.processing, entry.name));
        } catch {
          // Claimed by another poller (or a name clash in processing/): not ours this round.
          continue;
        }
        const report = await this.processClaimed(remote, entry.name, false);
        if (report) reports.push(report);
      }
    } finally {
      this.lastPoll = Date.now();
      await remote.end();
    }
    return reports;
  }

  private async processClaimed(remote: RemoteFiles, name: string, recovering: boolean): Promise<FileReport | null> {
    const { folders, store, source } = this.options;
    const claimed = remoteJoin(folders.processing, name);
    this.leftBehind.add(name);
    await this.options.hooks?.afterClaim?.(name);
    let content: Buffer;
    try {
      content = await remote.read(claimed);
    } catch (err) {
      // Another poller's start-up recovery took it out of processing/ first: that poller takes it
      // in (the ledger keeps it to once); nothing here to report.
      if (!(await remote.exists(claimed))) {
        this.leftBehind.delete(name);
        return null;
      }
      throw err;
    }
    const sha256 = sha256Hex(content);
    const base = { name, sha256, deadLetterId: null, reason: null };

    const known = await store.fileByHash(source, sha256);
    if (known) {
      // Taken in before: by an earlier run that stopped before archiving (its records are in the
      // inbox), or the same content dropped again.
      const sameFile = recovering && known.name === name;
      // Its 997 may not have been written before the stop: written now (once per name, same numbers).
      const ack997 = sameFile ? await this.writeAck(remote, name, content, known.id) : null;
      const movedTo = await this.moveAside(remote, claimed, folders.archive, name, sha256);
      if (!sameFile) this.counts.duplicates++;
      return this.finish({ ...base, format: null, outcome: sameFile ? "recovered" : "duplicate", records: 0, movedTo, ack997,
        reason: sameFile ? null : `same content as ${known.name}, taken in ${new Date(known.takenAt).toISOString()}` });
    }

    const reading = readFileRecords(name, content, { ...this.options.read, ackControlNumber: 0 });
    if (reading.error !== null) {
      const ack997 = reading.format === "x12" ? readFileRecords(name, content, { ...this.options.read, ackControlNumber: hashControlNumber(sha256) }).ack997 : null;
      const reason = `${name}: ${reading.error}`;
      const deadLetterId = await this.options.park(reason, { file: name, sha256, format: reading.format, folder: folders.inbound, reason: reading.error });
      if (ack997 && folders.ack) await dropFile(remote, folders.ack, `${name}.997`, Buffer.from(ack997));
      const movedTo = await this.moveAside(remote, claimed, folders.error, name, sha256);
      await remote.write(`${movedTo}.reason.txt`, Buffer.from(`${reason}\n`));
      this.counts.errors++;
      return this.finish({ ...base, format: reading.format, outcome: "error", records: 0, movedTo, reason, deadLetterId, ack997 });
    }

    const topic = remoteJoin(folders.inbound, name);
    const items = reading.records.map((r) => ({ source, key: r.key, topic, payload: r.payload, props: { ...r.props, sha256 } }));
    const taken = await store.takeInFile({ scope: source, name, sha256 }, items);
    if (taken.duplicate) {
      // Another poller took the same content in between our lookup and our transaction.
      const movedTo = await this.moveAside(remote, claimed, folders.archive, name, sha256);
      this.counts.duplicates++;
      return this.finish({ ...base, format: reading.format, outcome: "duplicate", records: 0, movedTo, ack997: null, reason: `same content as ${taken.file.name}` });
    }
    await this.options.hooks?.afterRecord?.(name);
    const receivedAt = taken.file.takenAt;
    taken.ids.forEach((id, i) => {
      this.inFlight.add(id);
      this.options.emit({ ...items[i]!, id, receivedAt }, false);
    });
    this.counts.takenIn++;
    const ack997 = await this.writeAck(remote, name, content, taken.file.id);
    const movedTo = await this.moveAside(remote, claimed, folders.archive, name, sha256);
    return this.finish({ ...base, format: reading.format, outcome: "taken-in", records: items.length, movedTo, ack997 });
  }

  /**
   * The 997 of a file taken in, numbered from its ledger row so that a redo after a crash builds
   * the same one; written once per file name. Null for CSV.
   */
  private async writeAck(remote: RemoteFiles, name: string, content: Buffer, ledgerId: number): Promise<string | null> {
    const reading = readFileRecords(name, content, { ...this.options.read, ackControlNumber: ledgerId });
    if (reading.format !== "x12" || !reading.ack997) return null;
    if (this.options.folders.ack) await dropFile(remote, this.options.folders.ack, `${name}.997`, Buffer.from(reading.ack997));
    return reading.ack997;
  }

  private finish(report: FileReport): FileReport {
    this.leftBehind.delete(report.name);
    this.options.report(report);
    return report;
  }

  /** Moves a claimed file into `folder`; a name taken there already gets the content hash appended. */
  private async moveAside(remote: RemoteFiles, from: string, folder: string, name: string, sha256: string): Promise<string> {
    for (const candidate of [name, `${name}.${sha256.slice(0, 12)}`, `${name}.${sha256.slice(0, 12)}.${Date.now()}`]) {
      const to = remoteJoin(folder, candidate);
      if (await remote.exists(to)) continue;
      try {
        await remote.rename(from, to);
      } catch (err) {
        // Another poller's start-up recovery moved it first (its ledger entry says the file was
        // taken in, once): the file is where it belongs, nothing is left to move.
        if (!(await remote.exists(from))) return remoteJoin(folder, name);
        throw err;
      }
      return to;
    }
    throw new Error(`cannot move ${from} into ${folder}: every candidate name is taken`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.inFlight.close();
    this.unregister();
  }
}

/** A 997 control number for a refused file (no ledger row): stable for the same content. */
function hashControlNumber(sha256: string): number {
  return (parseInt(sha256.slice(0, 8), 16) % 999_999_999) + 1;
}
