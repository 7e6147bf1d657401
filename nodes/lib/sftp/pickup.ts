/**
 * SFTP pickup: polls a folder and takes each matching file in exactly once.
 *
 * Per file: claim (rename into `processing/`, so two pollers never take the same file) → read →
 * SHA-256 → parse into records → (X12) claim the interchange (sender + ISA13) in the store →
 * ledger + inbox rows in ONE transaction → emit the records → 997 (X12; and the TA1 when the sender
 * asked) to the ack folder → move to `archive/`. A file that cannot be parsed gets a dead letter,
 * its 997 (faults inside groups) or TA1 R (envelope faults), a `<name>.reason.txt` and goes to
 * `error/`. An interchange received before in another file (same sender and ISA13, other content)
 * is refused the same way, with TA1 R 025.
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
import { INTERCHANGE_DEDUPE_DAYS, INTERCHANGE_DEDUPE_SCOPE } from "../x12";
import { readFileRecords, type FileFormat, type ReadOptions } from "./file-records";
import { remoteJoin, sha256Hex } from "./names";

export interface PickupFolders {
  inbound: string;
  processing: string;
  archive: string;
  error: string;
  /** Where 997s (`<name>.997`) and TA1s (`<name>.ta1`) for X12 files are written; empty: none. */
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
  /** The TA1 written for the file (X12: envelope fault, duplicate interchange, or ISA14 = 1). */
  ta1: string | null;
}

export interface PickupOptions {
  /** The sftp-in node id: inbox source and ledger scope. */
  source: string;
  store: LsyncStore;
  connect: () => Promise<RemoteFiles>;
  folders: PickupFolders;
  match: (name: string) => boolean;
  read: Omit<ReadOptions, "ackControlNumber" | "ta1ControlNumber" | "duplicate">;
  /** How long an X12 interchange (sender + ISA13) is remembered (default 365 days). */
  interchangeWindowMs?: number;
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
      const acks = sameFile ? await this.writeAck(remote, name, content, known.id, sha256) : { ack997: null, ta1: null };
      const movedTo = await this.moveAside(remote, claimed, folders.archive, name, sha256);
      if (!sameFile) this.counts.duplicates++;
      return this.finish({ ...base, format: null, outcome: sameFile ? "recovered" : "duplicate", records: 0, movedTo, ...acks,
        reason: sameFile ? null : `same content as ${known.name}, taken in ${new Date(known.takenAt).toISOString()}` });
    }

    let reading = readFileRecords(name, content, { ...this.options.read, ackControlNumber: 0 });
    let firstSeen = "";
    if (reading.error === null && reading.interchangeKey) {
      // The same interchange in another file (other bytes: the ledger knows identical content).
      // The claimant is the content, so a redo of this very file after a crash passes again.
      const windowMs = this.options.interchangeWindowMs ?? INTERCHANGE_DEDUPE_DAYS * 86_400_000;
      const claim = await store.claimDedupe(INTERCHANGE_DEDUPE_SCOPE, reading.interchangeKey, windowMs, `file:${sha256}`);
      if (!claim.first) {
        reading = readFileRecords(name, content, { ...this.options.read, ackControlNumber: 0, duplicate: true });
        firstSeen = `; first received ${new Date(claim.firstSeenAt).toISOString()}`;
      }
    }
    if (reading.error !== null) {
      const acks =
        reading.format === "x12"
          ? readFileRecords(name, content, { ...this.options.read, ackControlNumber: hashControlNumber(sha256), ta1ControlNumber: ta1ControlNumber(sha256), duplicate: firstSeen !== "" })
          : { ack997: null, ta1: null };
      const reason = `${name}: ${reading.error}${firstSeen}`;
      const deadLetterId = await this.options.park(reason, { file: name, sha256, format: reading.format, folder: folders.inbound, reason: `${reading.error}${firstSeen}` });
      if (acks.ack997 && folders.ack) await dropFile(remote, folders.ack, `${name}.997`, Buffer.from(acks.ack997));
      if (acks.ta1 && folders.ack) await dropFile(remote, folders.ack, `${name}.ta1`, Buffer.from(acks.ta1));
      const movedTo = await this.moveAside(remote, claimed, folders.error, name, sha256);
      await remote.write(`${movedTo}.reason.txt`, Buffer.from(`${reason}\n`));
      this.counts.errors++;
      return this.finish({ ...base, format: reading.format, outcome: "error", records: 0, movedTo, reason, deadLetterId, ack997: acks.ack997, ta1: acks.ta1 });
    }

    const topic = remoteJoin(folders.inbound, name);
    const items = reading.records.map((r) => ({ source, key: r.key, topic, payload: r.payload, props: { ...r.props, sha256 } }));
    const taken = await store.takeInFile({ scope: source, name, sha256 }, items);
    if (taken.duplicate) {
      // Another poller took the same content in between our lookup and our transaction.
      const movedTo = await this.moveAside(remote, claimed, folders.archive, name, sha256);
      this.counts.duplicates++;
      return this.finish({ ...base, format: reading.format, outcome: "duplicate", records: 0, movedTo, ack997: null, ta1: null, reason: `same content as ${taken.file.name}` });
    }
    await this.options.hooks?.afterRecord?.(name);
    const receivedAt = taken.file.takenAt;
    taken.ids.forEach((id, i) => {
      this.inFlight.add(id);
      this.options.emit({ ...items[i]!, id, receivedAt }, false);
    });
    this.counts.takenIn++;
    const acks = await this.writeAck(remote, name, content, taken.file.id, sha256);
    const movedTo = await this.moveAside(remote, claimed, folders.archive, name, sha256);
    return this.finish({ ...base, format: reading.format, outcome: "taken-in", records: items.length, movedTo, ...acks });
  }

  /**
   * The 997 of a file taken in, numbered from its ledger row so that a redo after a crash builds
   * the same one, and its TA1 when the sender asked (numbered from the content hash); each written
   * once per file name. Null for CSV.
   */
  private async writeAck(remote: RemoteFiles, name: string, content: Buffer, ledgerId: number, sha256: string): Promise<{ ack997: string | null; ta1: string | null }> {
    const reading = readFileRecords(name, content, { ...this.options.read, ackControlNumber: ledgerId, ta1ControlNumber: ta1ControlNumber(sha256) });
    if (reading.format !== "x12") return { ack997: null, ta1: null };
    const folder = this.options.folders.ack;
    if (reading.ack997 && folder) await dropFile(remote, folder, `${name}.997`, Buffer.from(reading.ack997));
    if (reading.ta1 && folder) await dropFile(remote, folder, `${name}.ta1`, Buffer.from(reading.ta1));
    return { ack997: reading.ack997, ta1: reading.ta1 };
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

/** A TA1 control number: stable for the same content, apart from the 997's (both may go out). */
function ta1ControlNumber(sha256: string): number {
  return hashControlNumber(sha256Hex(Buffer.from(`${sha256}:ta1`)));
}
