import { readFileSync } from "node:fs";
import type { InvoiceEvent, Shipment } from "../lib/canonical/types";
import { errorMessage } from "../lib/errors";
import { configValue, count, throttledStatus, type Done, type Node, type NodeAPI, type NodeDef, type NodeMessageInFlow, type Send } from "../lib/red";
import type { RateContract } from "../lib/rating/executed-cost";
import {
  DEFAULT_RATING_OPTIONS,
  executedCharges,
  ledgerKeysOfInvoice,
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
    try {
      if (contractsType === "json") fixed = parseContracts(JSON.parse(contractsValue || "null"), "contracts (dialog)");
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
    const setStatus = throttledStatus(this);
    const counts = { rated: 0, matched: 0, unmatched: 0, refused: 0 };
    const showStatus = (last: string) =>
      setStatus({
        fill: counts.refused ? "red" : counts.unmatched ? "yellow" : "green",
        shape: "dot",
        text: `${count(counts.rated)} rated · ${count(counts.matched)} matched · ${count(counts.unmatched)} no accrual${counts.refused ? ` · ${count(counts.refused)} refused` : ""} · ${last}`.slice(0, 90),
      });

    const contractsFor = async (msg: Msg): Promise<RateContract[]> => {
      if (fixed) return fixed;
      const raw = await readContracts!(msg);
      if (raw === undefined || raw === null) throw ruleError(where, "required", "holds no contract table", raw);
      return parseContracts(typeof raw === "string" ? JSON.parse(raw) : raw, where);
    };

    /** Stores the record under one key: written before the message goes on, so the audit finds it after a crash. */
    const remember = async (key: string, record: AccrualRecord) => {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const row = await store.getRuleState(scope, key);
        if (row && JSON.stringify(row.value) === JSON.stringify(record)) return;
        if ((await store.putRuleState(scope, key, record, null, row?.version ?? 0)) !== null) return;
      }
      throw new Error(`rate: the ledger entry ${key} kept changing under this node (${MAX_ATTEMPTS} attempts)`);
    };

    const rate = async (msg: Msg, shipment: Shipment) => {
      const rated = rateShipment(shipment, await contractsFor(msg), options);
      const now = new Date();
      const { total, charges } = executedCharges(shipment, rated, now);
      const record: AccrualRecord = { accrualKey: total.accounting!.accrualKey!, shipmentId: rated.shipmentId, scac: rated.scac, currency: rated.currency, totalMinor: rated.totalMinor, charges, ratedAt: now.toISOString() };
      // A re-rated shipment (resend, replay) gives the same amounts; ratedAt alone does not make a new entry.
      const known = (await store.getRuleState(scope, `SHIPMENT|${rated.shipmentId}`))?.value as AccrualRecord | undefined;
      const keep = known && known.totalMinor === record.totalMinor && JSON.stringify(known.charges.map((c) => c.amount)) === JSON.stringify(charges.map((c) => c.amount)) ? known : record;
      for (const key of ledgerKeysOfShipment(shipment, rated.scac)) await remember(key, keep);
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
      msg.accrual = found ? { accrualKey: found.accrualKey, shipmentId: found.shipmentId, scac: found.scac, total: { currency: found.currency, amountMinor: found.totalMinor } } : null;
      // No accrual: an empty list, so the tolerance check sends the invoice to review (NO_ACCRUAL).
      msg.accruals = found ? found.charges : [];
      if (found) counts.matched++;
      else counts.unmatched++;
      showStatus(`${invoice.invoiceNumber} → ${found ? found.shipmentId : "no accrual"}`);
    };

    this.on("input", (msg: NodeMessageInFlow, send: Send, done: Done) => {
      const m = msg as Msg;
      const p = m.payload as { schema?: unknown } | null;
      const work =
        p && typeof p === "object" && p.schema === "shipment/1"
          ? rate(m, p as Shipment)
          : p && typeof p === "object" && p.schema === "invoice-event/1"
            ? match(m, p as InvoiceEvent)
            : Promise.reject(ruleError("payload.schema", "schema", 'must be "shipment/1" (to rate) or "invoice-event/1" (to match to its accrual)', p && typeof p === "object" ? p.schema : p));
      work
        .then(() => {
          send(m);
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
