import { readFileSync } from "node:fs";
import type { InvoiceEvent, Shipment, ShipmentStatusEvent } from "../lib/canonical/types";
import { errorMessage } from "../lib/errors";
import { configValue, count, throttledStatus, type Done, type Node, type NodeAPI, type NodeDef, type NodeMessageInFlow, type Send } from "../lib/red";
import { detentionAtStop, expectedCharges, expectedTotalMinor, stopDwellOf, withLaterCharge } from "../lib/rating/detention-at-stop";
import type { RateContract } from "../lib/rating/executed-cost";
import {
  DEFAULT_RATING_OPTIONS,
  executedCharges,
  ledgerKeysOfInvoice,
  ledgerKeysOfRefs,
  ledgerKeysOfShipment,
  parseContracts,
  rateShipment,
  type AccrualRecord,
} from "../lib/rating/rate-shipment";
import { ruleError } from "../lib/rules/common";
import { describeTyped, typedValueReader } from "../lib/rules/typed-input";
import type { LsyncStore } from "../lib/store";
import type { StoreNode } from "../lsync-store/lsync-store";

export interface RateDef extends NodeDef {
  store: string;
  /** Nodes with the same ledger name share what was rated (the rating node and the invoice matcher). */
  ledger?: string;
  /** The contract table: fixed JSON, a message/flow/global property, an environment variable, or a JSON file. */
  contracts: string;
  contractsType: "json" | "msg" | "flow" | "global" | "env" | "file";
  zoneScheme?: string;
  freeTimeHours?: string | number;
  /** Where a delivery event's arrival at its stop is (default msg.arrivedAt). */
  arrivedAt?: string;
  arrivedAtType?: "msg" | "flow" | "global" | "env" | "jsonata";
  /** How long a delivery waits for its shipment's ledger entry (rated by another flow) before failing. */
  waitSeconds?: string | number;
}

type Msg = NodeMessageInFlow & Record<string, unknown>;
const MAX_ATTEMPTS = 8;

export default function register(RED: NodeAPI): void {
  function LsyncRateNode(this: Node, def: RateDef): void {
    RED.nodes.createNode(this, def);
    const refuse = (why: string) => {
      this.status({ fill: "red", shape: "ring", text: why.slice(0, 60) });
      this.error(`rate: ${why}`);
      this.on("input", (_m: NodeMessageInFlow, _s: Send, done: Done) => done(new Error(`rate: ${why}`)));
    };
    const storeNode = RED.nodes.getNode(def.store) as StoreNode | null;
    if (!storeNode) return refuse("no store configured (the rated accruals must survive a restart for the invoice audit)");
    const store: LsyncStore = storeNode.store;
    const scope = `rate:${def.ledger?.trim() || "freight"}`;
    const contractsType = def.contractsType || "json";
    const contractsValue = def.contracts ?? "";
    // Fixed tables (dialog JSON, file) are checked once: a broken table refuses everything rather than rate wrongly.
    let fixed: RateContract[] | null = null;
    // No table at all: the node only matches invoices and prices detention from the ledger.
    const noContracts = contractsType === "json" && !contractsValue.trim();
    try {
      if (noContracts) fixed = [];
      else if (contractsType === "json") fixed = parseContracts(JSON.parse(contractsValue), "contracts (dialog)");
      else if (contractsType === "file") {
        const path = configValue(contractsValue);
        if (!path) throw new Error("contracts file: no path set");
        fixed = parseContracts(JSON.parse(readFileSync(path, "utf8")), `contracts file ${path}`);
      }
    } catch (err) {
      return refuse(errorMessage(err));
    }
    const readContracts = fixed ? null : typedValueReader(RED, this, contractsValue, contractsType);
    const where = describeTyped(contractsValue, contractsType);
    const options = {
      zoneScheme: configValue(def.zoneScheme) || DEFAULT_RATING_OPTIONS.zoneScheme,
      freeTimeHours: Number(configValue(String(def.freeTimeHours ?? ""))) || DEFAULT_RATING_OPTIONS.freeTimeHours,
    };
    const readArrival = typedValueReader(RED, this, def.arrivedAt || "arrivedAt", def.arrivedAtType || "msg");
    const arrivalWhere = describeTyped(def.arrivedAt || "arrivedAt", def.arrivedAtType || "msg");
    const waitText = configValue(String(def.waitSeconds ?? ""));
    const waitMs = (waitText !== "" && Number.isFinite(Number(waitText)) ? Math.max(0, Number(waitText)) : 60) * 1000;
    const setStatus = throttledStatus(this);
    const counts = { rated: 0, matched: 0, unmatched: 0, detention: 0, refused: 0 };
    const showStatus = (last: string) =>
      setStatus({
        fill: counts.refused ? "red" : counts.unmatched ? "yellow" : "green",
        shape: "dot",
        text: `${count(counts.rated)} rated · ${count(counts.matched)} matched · ${count(counts.unmatched)} no accrual${counts.detention ? ` · ${count(counts.detention)} detention` : ""}${counts.refused ? ` · ${count(counts.refused)} refused` : ""} · ${last}`.slice(0, 90),
      });

    const contractsFor = async (msg: Msg): Promise<RateContract[]> => {
      if (noContracts) throw ruleError("contracts", "required", "this node has no contract table: it matches invoices and prices detention from the ledger, but cannot rate a shipment", null);
      if (fixed) return fixed;
      const raw = await readContracts!(msg);
      if (raw === undefined || raw === null) throw ruleError(where, "required", "holds no contract table", raw);
      return parseContracts(typeof raw === "string" ? JSON.parse(raw) : raw, where);
    };

    /**
     * Writes one ledger key with what `next` makes of the entry there now, retried on a concurrent
     * write (a resent dispatch and a delivery's detention may land together): written before the
     * message goes on, so the audit finds it after a crash.
     */
    const update = async (key: string, next: (current: AccrualRecord | undefined) => AccrualRecord) => {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const row = await store.getRuleState(scope, key);
        const current = row?.value as AccrualRecord | undefined;
        const record = next(current);
        if (current && JSON.stringify(current) === JSON.stringify(record)) return;
        if ((await store.putRuleState(scope, key, record, null, row?.version ?? 0)) !== null) return;
      }
      throw new Error(`rate: the ledger entry ${key} kept changing under this node (${MAX_ATTEMPTS} attempts)`);
    };

    const rate = async (msg: Msg, shipment: Shipment) => {
      const contracts = await contractsFor(msg);
      const rated = rateShipment(shipment, contracts, options);
      const now = new Date();
      const { total, charges } = executedCharges(shipment, rated, now);
      const detentionRate = contracts.find((c) => c.scac === rated.scac)?.accessorials.DETENTION;
      const keys = ledgerKeysOfShipment(shipment, rated.scac);
      const fresh: AccrualRecord = {
        accrualKey: total.accounting!.accrualKey!,
        shipmentId: rated.shipmentId,
        scac: rated.scac,
        currency: rated.currency,
        totalMinor: rated.totalMinor,
        charges,
        ratedAt: now.toISOString(),
        terms: { freeTimeHours: options.freeTimeHours, detentionPerHourMinor: typeof detentionRate === "number" ? detentionRate : null },
        keys,
      };
      const merge = (current: AccrualRecord | undefined): AccrualRecord => {
        if (!current) return fresh;
        const allKeys = [...new Set([...(current.keys ?? []), ...keys])];
        // A re-rated shipment (resend, replay) with the same amounts keeps its entry (ratedAt included).
        const same = current.totalMinor === fresh.totalMinor && JSON.stringify(current.charges.map((c) => c.amount)) === JSON.stringify(charges.map((c) => c.amount)) && JSON.stringify(current.terms) === JSON.stringify(fresh.terms);
        // Detention a delivery already added stays: a resent dispatch does not take it away.
        return { ...(same ? current : fresh), keys: allKeys, ...(current.later?.length ? { later: current.later } : {}) };
      };
      for (const key of keys) await update(key, merge);
      msg.shipment = shipment;
      msg.payload = total;
      msg.charges = charges;
      msg.rating = rated;
      counts.rated++;
      showStatus(`${rated.shipmentId} ${rated.totalMinor} ${rated.currency}`);
    };

    const match = async (msg: Msg, invoice: InvoiceEvent) => {
      if (!Array.isArray(invoice.lines)) throw ruleError("payload.lines", "required", "an invoice to match needs its charge lines", invoice.lines);
      let found: AccrualRecord | null = null;
      for (const key of ledgerKeysOfInvoice(invoice)) {
        found = ((await store.getRuleState(scope, key))?.value as AccrualRecord | undefined) ?? null;
        if (found) break;
      }
      msg.accrual = found ? { accrualKey: found.accrualKey, shipmentId: found.shipmentId, scac: found.scac, total: { currency: found.currency, amountMinor: expectedTotalMinor(found) } } : null;
      // No accrual: an empty list, so the tolerance check sends the invoice to review (NO_ACCRUAL).
      msg.accruals = found ? expectedCharges(found) : [];
      if (found) counts.matched++;
      else counts.unmatched++;
      showStatus(`${invoice.invoiceNumber} → ${found ? found.shipmentId : "no accrual"}`);
    };

    /** The ledger entry of the shipment an event names (LOAD or SHIPMENT ref, BOL, PRO); waits a while for another flow to rate it. */
    const ledgerEntryOf = async (event: ShipmentStatusEvent): Promise<AccrualRecord> => {
      // The freight tab rates a load under its load id: a LOAD reference names the shipment too.
      const keys = ledgerKeysOfRefs(event.shipmentRefs, event.carrier?.scac ?? "", ["LOAD", "SHIPMENT"]);
      const deadline = Date.now() + waitMs;
      for (;;) {
        for (const key of keys) {
          const found = (await store.getRuleState(scope, key))?.value as AccrualRecord | undefined;
          if (found) return found;
        }
        if (Date.now() >= deadline) throw ruleError("payload.shipmentRefs", "ledger", `no shipment rated under ${keys.join(", ") || "(no LOAD, SHIPMENT, BOL or PRO reference)"}: the delivery's detention cannot be priced (replay it once the shipment is rated)`, event.shipmentRefs);
        await new Promise((r) => setTimeout(r, Math.min(2000, Math.max(1, deadline - Date.now()))));
      }
    };

    /** A delivery (or departure) at a stop: detention beyond free time into the ledger, and on as an accrual adjustment. */
    const detention = async (msg: Msg, event: ShipmentStatusEvent): Promise<boolean> => {
      const dwell = stopDwellOf(event, await readArrival(msg), arrivalWhere);
      const record = await ledgerEntryOf(event);
      const found = detentionAtStop(record, dwell, { correlationId: event.correlationId, causationId: event.id }, new Date());
      if (!found) {
        showStatus(`${record.shipmentId} at ${dwell.stopRef}: within free time`);
        return false;
      }
      // Each key gets the charge on top of what it holds now; the last one written is the entry as it stands.
      let updated = withLaterCharge(record, found.charge);
      for (const key of record.keys ?? [`SHIPMENT|${record.shipmentId}`]) {
        await update(key, (current) => (updated = withLaterCharge(current ?? record, found.charge)));
      }
      msg.event = event;
      msg.payload = found.adjustment;
      msg.accrual = { accrualKey: record.accrualKey, shipmentId: record.shipmentId, scac: record.scac, total: { currency: record.currency, amountMinor: expectedTotalMinor(updated) } };
      counts.detention++;
      showStatus(`${record.shipmentId}: ${found.hours} h detention ${found.adjustment.amount.amountMinor} ${found.adjustment.amount.currency}`);
      return true;
    };

    this.on("input", (msg: NodeMessageInFlow, send: Send, done: Done) => {
      const m = msg as Msg;
      const p = m.payload as { schema?: unknown } | null;
      const schema = p && typeof p === "object" ? p.schema : undefined;
      const work: Promise<boolean> =
        schema === "shipment/1"
          ? rate(m, p as Shipment).then(() => true)
          : schema === "invoice-event/1"
            ? match(m, p as InvoiceEvent).then(() => true)
            : schema === "shipment-status-event/1"
              ? detention(m, p as ShipmentStatusEvent)
              : Promise.reject(ruleError("payload.schema", "schema", 'must be "shipment/1" (to rate), "invoice-event/1" (to match to its accrual) or "shipment-status-event/1" (detention at its stop)', schema ?? p));
      work
        .then((sendOn) => {
          if (sendOn) send(m);
          done();
        })
        .catch((err: Error) => {
          counts.refused++;
          showStatus(`refused: ${err.message}`);
          done(err);
        });
    });
  }
  RED.nodes.registerType("lsync-rate", LsyncRateNode);
}
