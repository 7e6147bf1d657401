import type { EndpointClient } from "../../http/endpoint-client";
import type { RowOutcome } from "../../outbox/dispatcher";
import type { OutboxBatch } from "../../store";

/** What an operation may use when it calls its system. */
export interface OperationContext {
  client: EndpointClient;
  /**
   * The endpoint's user and password, for systems that authenticate inside the request body
   * (Odoo JSON-RPC). Added at call time only: never part of the stored outbox body.
   */
  login: { username: string; password: string } | null;
  /** The node's mapping bindings (also visible to the operation, e.g. the Odoo database name). */
  bindings: Record<string, unknown>;
}

/**
 * A row's outcome, with the vendor's answer for the flow when the operation has one (the created
 * document, the picking as read back). The answer is mapped by the operation's answer profile.
 */
export type OperationOutcome = RowOutcome & { answer?: unknown };

/** The answer of a read-only query, or why there is none. */
export type QueryOutcome =
  | { ok: true; answer: unknown }
  | { ok: false; retryable: boolean; error: string; retryAfterMs: number | null };

interface OperationBase {
  id: string;
  system: "ERP" | "WMS" | "TMS" | "FINANCE" | "CARRIER" | "PORTAL";
  title: string;
  /** Outbound mapping profile (canonical/profiles/profiles.json): canonical object → request body. */
  profile: string;
  /**
   * Inbound profile turning the vendor's answer into canonical objects. An operation that has one
   * gives its node a second output, "answers", one message per canonical object.
   */
  answerProfile?: string;
}

/**
 * A change in the system (post, create, update): recorded in the outbox first and delivered from
 * there in batches, with retries, under a stable Idempotency-Key.
 */
export interface CommandOperation extends OperationBase {
  kind?: "command";
  /**
   * The lifecycle state the system is in for the business object once the product has told it
   * (the WMS holds the order ALLOCATED once the pick is instructed; finance has it BILLABLE once
   * invoice-ready is posted). Recorded with the queued call; the drift rules read it.
   */
  lifecycleState?: string;
  /** Largest batch the vendor API takes in one call; 1 = one call per object. */
  maxBatch: number;
  defaultBatch: number;
  send(ctx: OperationContext, batch: OutboxBatch): Promise<OperationOutcome[]>;
}

/**
 * A read-only question (where is this parcel?): asked directly while the message waits, retried
 * on transient failures; nothing is stored because asking again later is always safe.
 */
export interface QueryOperation extends OperationBase {
  kind: "query";
  answerProfile: string;
  maxBatch: number;
  defaultBatch: number;
  /** `perCall`: the node's batch size, at most maxBatch (e.g. tracking numbers per request). */
  ask(ctx: OperationContext, body: unknown, call: { idempotencyKey: string; correlationId: string | null }, perCall: number): Promise<QueryOutcome>;
}

export type Operation = CommandOperation | QueryOperation;
