/**
 * Listing, inspecting, replaying and discarding dead letters: the operations behind the admin API
 * (`/lsync/dead-letters`) and the replay node's flow commands. Each answers like an HTTP handler,
 * `{ status, body }`, errors as `{ error, field? }`, so both callers report them the same way.
 */
import type { Request, Response } from "express";
import { replayTargetFor, findDeadLetterStore } from "./dead-letter-registry";
import { errorMessage } from "./errors";
import { recordManualTouch } from "./events/record";
import { maskingRules, maskPayload, type MaskingRules } from "./masking";
import type { NodeAPI } from "./red";
import { queueAudit } from "./security/audit";
import { mayUnmask, PERMISSIONS } from "./security/roles";
import type { AuditFilter, DeadLetter, DeadLetterFilter, DeadLetterState, LsyncStore, NewAuditEntry } from "./store";

/** A store as the admin API names it: the store config node's id and its store. */
export interface StoreRef {
  id: string;
  store: LsyncStore;
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export const READ_PERMISSION = PERMISSIONS.deadLettersRead;
/** Replay and discard are separate: an operator may replay (with a reason) but not discard. */
export const REPLAY_PERMISSION = PERMISSIONS.deadLettersReplay;
export const DISCARD_PERMISSION = PERMISSIONS.deadLettersDiscard;
export const AUDIT_PERMISSION = PERMISSIONS.auditRead;

/** How a reader sees payloads: masked (financial and personal fields) unless they may see them. */
export interface Viewer {
  unmask: boolean;
  rules: MaskingRules;
}

const STATES: readonly DeadLetterState[] = ["parked", "replayed", "discarded"];
const MAX_REASON = 2000;

const fail = (status: number, error: string, field?: string): Answer => ({ status, body: field ? { error, field } : { error } });

/** A query or body value as one string (`?a=1&a=2` and objects are refused by the caller). */
function text(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A positive integer id, or null. */
function parseId(value: unknown): number | null {
  const s = text(value);
  if (s === undefined || !/^[1-9][0-9]{0,15}$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

/** How a letter reads in answers: times as ISO strings; the payload only when asked for. */
export function letterView(letter: DeadLetter, withPayload: boolean): Record<string, unknown> {
  const { payload, resolution, at, ...rest } = letter;
  return {
    ...rest,
    at: new Date(at).toISOString(),
    resolution: resolution ? { ...resolution, at: new Date(resolution.at).toISOString() } : null,
    ...(withPayload ? { payload } : {}),
  };
}

/** Query → filter: `state` (parked, replayed, discarded; all when absent), `limit`, `node`, `correlationId`, `before`. */
export function parseListQuery(query: Record<string, unknown>): { filter: DeadLetterFilter } | { answer: Answer } {
  const filter: DeadLetterFilter = {};
  for (const [field, value] of Object.entries(query)) {
    if (value !== undefined && text(value) === undefined) return { answer: fail(400, `${field} must be given once, as text`, field) };
  }
  const state = text(query.state);
  if (state && state !== "all") {
    if (!STATES.includes(state as DeadLetterState)) {
      return { answer: fail(400, `state must be one of ${STATES.join(", ")} or all (got "${state}")`, "state") };
    }
    filter.state = state as DeadLetterState;
  }
  const limit = text(query.limit);
  if (limit) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) return { answer: fail(400, `limit must be a whole number from 1 to 1000 (got "${limit}")`, "limit") };
    filter.limit = n;
  }
  const before = text(query.before);
  if (before) {
    const id = parseId(before);
    if (id === null) return { answer: fail(400, `before must be a dead letter id (got "${before}")`, "before") };
    filter.beforeId = id;
  }
  const node = text(query.node);
  if (node) filter.nodeId = node;
  const correlationId = text(query.correlationId);
  if (correlationId) filter.correlationId = correlationId;
  return { filter };
}

export async function listLetters(where: StoreRef, query: Record<string, unknown>): Promise<Answer> {
  const parsed = parseListQuery(query);
  if ("answer" in parsed) return parsed.answer;
  const letters = await where.store.listDeadLetters(parsed.filter);
  return { status: 200, body: { store: where.id, deadLetters: letters.map((l) => letterView(l, false)) } };
}

/** The letter, or the answer saying why not (400 for a malformed id, 404 for an unknown one). */
async function findLetter(where: StoreRef, rawId: unknown): Promise<{ letter: DeadLetter } | { answer: Answer }> {
  const id = parseId(rawId);
  if (id === null) return { answer: fail(400, `dead letter id must be a positive whole number (got ${JSON.stringify(rawId) ?? "nothing"})`, "id") };
  const letter = await where.store.getDeadLetter(id);
  if (!letter) return { answer: fail(404, `no dead letter ${id} in store ${where.id}`) };
  return { letter };
}

/** One letter with its payload; masked for a viewer who may not see financial and personal fields (flows see it whole). */
export async function inspectLetter(where: StoreRef, rawId: unknown, viewer?: Viewer): Promise<Answer> {
  const found = await findLetter(where, rawId);
  if ("answer" in found) return found.answer;
  const view = letterView(found.letter, true);
  if (viewer && !viewer.unmask) {
    view.payload = maskPayload(view.payload, viewer.rules);
    view.masked = true;
  }
  return { status: 200, body: { store: where.id, deadLetter: view } };
}

/**
 * Writes an audit entry for a replay or discard into the letter's store before the answer goes
 * out; if the store refuses it now, the entry waits in the audit queue rather than failing an
 * action that has already happened.
 */
async function audit(where: StoreRef, entry: NewAuditEntry): Promise<void> {
  await where.store.recordAudit(entry).catch(() => queueAudit(entry));
}

function notParked(letter: DeadLetter): Answer {
  const how = letter.resolution ? ` by ${letter.resolution.by} at ${new Date(letter.resolution.at).toISOString()}` : "";
  return fail(409, `dead letter ${letter.id} is not parked any more: it was ${letter.state}${how}`);
}

function parseReason(raw: unknown): { reason: string } | { answer: Answer } {
  const reason = typeof raw === "string" ? raw.trim() : "";
  if (!reason) return { answer: fail(400, "reason is required: say why (it is recorded with the dead letter)", "reason") };
  if (reason.length > MAX_REASON) return { answer: fail(400, `reason is longer than ${MAX_REASON} characters`, "reason") };
  return { reason };
}

/**
 * The message a replay node sends for a letter. It carries the failed message's `_msgid` and
 * `intake` reference again: the dedupe node derives its claim ref from them, so it sees the
 * failed attempt's own claim as a redelivery (passes) while a key another message delivered
 * stays a duplicate (dropped).
 */
export function replayedMessage(letter: DeadLetter, replay: { by: string; at: string; reason: string }): Record<string, unknown> {
  const msg: Record<string, unknown> = {};
  if (letter.origin?.msgId) msg._msgid = letter.origin.msgId;
  msg.payload = letter.payload;
  if (letter.correlationId) msg.correlationId = letter.correlationId;
  if (letter.idempotencyKey) msg.idempotencyKey = letter.idempotencyKey;
  const origin = letter.origin?.intake;
  if (origin) msg.intake = { source: origin.source, id: origin.id, ...(origin.part === undefined ? {} : { part: origin.part }) };
  msg.replay = { deadLetterId: letter.id, by: replay.by, at: replay.at, reason: replay.reason };
  return msg;
}

/**
 * Replays a parked letter through the replay node configured for it. The letter is marked
 * replayed (parked → replayed, atomically, with who/when/why) once that node has been found and
 * just before it sends, so two replays of one letter at the same moment send it once; with no
 * replay node for it the answer is 422 and the letter stays parked.
 */
export async function replayLetter(where: StoreRef, rawId: unknown, by: string, rawReason: unknown): Promise<Answer> {
  const parsed = parseReason(rawReason);
  if ("answer" in parsed) return parsed.answer;
  const found = await findLetter(where, rawId);
  if ("answer" in found) return found.answer;
  const { letter } = found;
  if (letter.state !== "parked") return notParked(letter);
  const route = replayTargetFor(where.store, letter);
  if (!route.ok) return fail(422, route.error);
  if (!(await where.store.resolveDeadLetter(letter.id, "replayed", by, parsed.reason))) {
    const now = await where.store.getDeadLetter(letter.id);
    return now ? notParked(now) : fail(404, `no dead letter ${letter.id} in store ${where.id}`);
  }
  recordManualTouch(letter, "replayed", by);
  const resolved = (await where.store.getDeadLetter(letter.id)) ?? letter;
  const at = new Date(resolved.resolution?.at ?? Date.now()).toISOString();
  await audit(where, { user: by, action: "dead-letter.replay", target: String(letter.id), detail: { store: where.id, reason: parsed.reason, node: letter.nodeId, replayedBy: route.target.nodeId } });
  route.target.emit(replayedMessage(letter, { by, at, reason: parsed.reason }));
  return { status: 200, body: { store: where.id, replayedBy: route.target.nodeId, deadLetter: letterView(resolved, false) } };
}

/** Discards a parked letter for good, recording who, when and why. Nothing is sent. */
export async function discardLetter(where: StoreRef, rawId: unknown, by: string, rawReason: unknown): Promise<Answer> {
  const parsed = parseReason(rawReason);
  if ("answer" in parsed) return parsed.answer;
  const found = await findLetter(where, rawId);
  if ("answer" in found) return found.answer;
  if (found.letter.state !== "parked") return notParked(found.letter);
  if (!(await where.store.resolveDeadLetter(found.letter.id, "discarded", by, parsed.reason))) {
    const now = await where.store.getDeadLetter(found.letter.id);
    return now ? notParked(now) : fail(404, `no dead letter ${found.letter.id} in store ${where.id}`);
  }
  recordManualTouch(found.letter, "discarded", by);
  const resolved = (await where.store.getDeadLetter(found.letter.id)) ?? found.letter;
  await audit(where, { user: by, action: "dead-letter.discard", target: String(found.letter.id), detail: { store: where.id, reason: parsed.reason, node: found.letter.nodeId } });
  return { status: 200, body: { store: where.id, deadLetter: letterView(resolved, false) } };
}

/** Query → audit filter: `limit` (1–1000), `before` (id), `user`, `action` (exact, or a prefix ending in "."), `since` (ISO time). */
export function parseAuditQuery(query: Record<string, unknown>): { filter: AuditFilter } | { answer: Answer } {
  const filter: AuditFilter = {};
  for (const [field, value] of Object.entries(query)) {
    if (value !== undefined && text(value) === undefined) return { answer: fail(400, `${field} must be given once, as text`, field) };
  }
  const limit = text(query.limit);
  if (limit) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) return { answer: fail(400, `limit must be a whole number from 1 to 1000 (got "${limit}")`, "limit") };
    filter.limit = n;
  }
  const before = text(query.before);
  if (before) {
    const id = parseId(before);
    if (id === null) return { answer: fail(400, `before must be an audit entry id (got "${before}")`, "before") };
    filter.beforeId = id;
  }
  const since = text(query.since);
  if (since) {
    const t = Date.parse(since);
    if (!Number.isFinite(t)) return { answer: fail(400, `since must be an ISO 8601 time (got "${since}")`, "since") };
    filter.since = t;
  }
  const user = text(query.user);
  if (user) filter.user = user;
  const action = text(query.action);
  if (action) filter.action = action;
  return { filter };
}

export async function listAuditEntries(where: StoreRef, query: Record<string, unknown>): Promise<Answer> {
  const parsed = parseAuditQuery(query);
  if ("answer" in parsed) return parsed.answer;
  const entries = await where.store.listAudit(parsed.filter);
  return { status: 200, body: { store: where.id, audit: entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })) } };
}

/** Who is asking: the editor user when adminAuth is on, else "anonymous". */
export function requester(req: Request): string {
  const user = (req as Request & { user?: { username?: unknown } }).user;
  return typeof user?.username === "string" && user.username ? user.username : "anonymous";
}

const routed = new WeakSet<object>();

/**
 * The admin API, registered once per admin app (each node module that uses it calls this):
 *
 * - `GET  /lsync/dead-letters?state=&limit=&node=&correlationId=&before=&store=` — newest first, without payloads (read)
 * - `GET  /lsync/dead-letters/:id?store=` — one letter with its payload (read)
 * - `POST /lsync/dead-letters/:id/replay?store=` `{ reason }` — through the replay node configured for it (replay)
 * - `POST /lsync/dead-letters/:id/discard?store=` `{ reason }` (discard)
 * - `GET  /lsync/audit?limit=&before=&user=&action=&since=&store=` — the audit trail, newest first (lsync-audit.read)
 *
 * Payloads are masked for readers without `lsync-finance.read`; replays and discards are audited.
 *
 * `store` is a store config node id; without it, the first store with dead letters is used.
 */
export function registerDeadLetterRoutes(RED: Pick<NodeAPI, "httpAdmin" | "auth"> & { settings?: unknown }): void {
  const app = RED.httpAdmin;
  if (routed.has(app)) return;
  routed.add(app);
  const read = RED.auth.needsPermission(READ_PERMISSION);
  const replay = RED.auth.needsPermission(REPLAY_PERMISSION);
  const discard = RED.auth.needsPermission(DISCARD_PERMISSION);
  const auditRead = RED.auth.needsPermission(AUDIT_PERMISSION);
  // The masking setting (settings.ts `lsyncMasking`), read once; a bad one falls back to the defaults.
  let rules: MaskingRules;
  try {
    rules = maskingRules((RED.settings as { lsyncMasking?: unknown } | undefined)?.lsyncMasking);
  } catch {
    rules = maskingRules(undefined);
  }
  /** Signed in (adminAuth on) → the token's scope decides; no user (open editor) → unmasked. */
  const viewerOf = (req: Request): Viewer => {
    const r = req as Request & { user?: unknown; authInfo?: { scope?: unknown } };
    return { unmask: mayUnmask(r.user !== undefined && r.user !== null, r.authInfo?.scope), rules };
  };

  const handle = (action: (where: StoreRef, req: Request) => Promise<Answer>) => (req: Request, res: Response) => {
    const named = text(req.query.store);
    const where = findDeadLetterStore(named);
    if (!where) {
      const answer = named
        ? fail(404, `no store ${named} with dead letters is deployed`, "store")
        : fail(404, "no store with dead letters is deployed (deploy a dead letter or replay node with a store)");
      res.status(answer.status).json(answer.body);
      return;
    }
    action(where, req)
      .then((answer) => res.status(answer.status).json(answer.body))
      .catch((err: unknown) => res.status(500).json({ error: errorMessage(err) }));
  };
  const body = (req: Request): Record<string, unknown> =>
    req.body && typeof req.body === "object" ? (req.body as Record<string, unknown>) : {};

  app.get(
    "/lsync/dead-letters",
    read,
    handle((where, req) => {
      const { store: _store, ...query } = req.query as Record<string, unknown>;
      return listLetters(where, query);
    }),
  );
  app.get("/lsync/dead-letters/:id", read, handle((where, req) => inspectLetter(where, req.params.id, viewerOf(req))));
  app.post(
    "/lsync/dead-letters/:id/replay",
    replay,
    handle((where, req) => replayLetter(where, req.params.id, requester(req), body(req).reason)),
  );
  app.post(
    "/lsync/dead-letters/:id/discard",
    discard,
    handle((where, req) => discardLetter(where, req.params.id, requester(req), body(req).reason)),
  );
  app.get(
    "/lsync/audit",
    auditRead,
    handle((where, req) => {
      const { store: _store, ...query } = req.query as Record<string, unknown>;
      return listAuditEntries(where, query);
    }),
  );
}
