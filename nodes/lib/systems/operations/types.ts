import type { EndpointClient } from "../../http/endpoint-client";
import type { RowOutcome } from "../../outbox/dispatcher";
import type { OutboxBatch } from "../../store";

/**
 * An outbound operation of a system node: which mapping turns the canonical object into the
 * vendor's shape, how many can share a call, and how a batch is sent and its answer read.
 */
export interface Operation {
  id: string;
  system: "ERP" | "WMS" | "TMS" | "FINANCE" | "CARRIER" | "PORTAL";
  title: string;
  /** Outbound mapping profile (canonical/profiles/profiles.json). */
  profile: string;
  /** Largest batch the vendor API takes in one call; 1 = one call per object. */
  maxBatch: number;
  defaultBatch: number;
  send(client: EndpointClient, batch: OutboxBatch): Promise<RowOutcome[]>;
}
