import { readFileSync } from "node:fs";
import type { Order, Shipment, ShipmentStatusEvent } from "../lib/canonical/types";
import { errorMessage } from "../lib/errors";
import { intakeRefOf, settleFinished } from "../lib/intake/settlement";
import { configValue, count, throttledStatus, type Done, type Node, type NodeAPI, type NodeDef, type NodeMessageInFlow, type Send, type TypedValue } from "../lib/red";
import {
  billingRuleFor,
  decideBilling,
  DEFAULT_BILLING_RULES,
  newOrderState,
  orderIdOf,
  parseBillingRules,
  shipmentIdOf,
  type BillingRuleSet,
  type OrderBillingState,
} from "../lib/rules/billing";
import { ruleError } from "../lib/rules/common";
import { describeTyped, typedValueReader } from "../lib/rules/typed-input";
import type { LsyncStore } from "../lib/store";
import type { StoreNode } from "../lsync-store/lsync-store";

export interface BillingEligibilityDef extends NodeDef {
  store: string;
  /** Nodes with the same scope share the order state (several instances of one flow); empty: this node. */
  scope?: string;
  customer: string;
  customerType: TypedValue["type"];
  customerClass?: string;
  customerClassType?: TypedValue["type"];
  rulesFrom: "dialog" | "msg" | "file";
  rules?: unknown;
  rulesProperty?: string;
  rulesFile?: string;
  /**
   * A "not yet" decision ends the journey of a message taken in by an intake (its state is in the
   * store): settle the intake item there. Invoices go on to finance, whose node settles them.
   */
  settleIntake?: boolean;
}

/** The analyst's default: the sold-to (else bill-to) party's first id on the order, else on the shipment. */
export const DEFAULT_CUSTOMER_EXPRESSION = '$append(order.parties, shipment.parties)[role = "SOLD_TO" or role = "BILL_TO"][0].ids[0].value';
const MAX_ATTEMPTS = 8;

type Msg = NodeMessageInFlow & Record<string, unknown>;

export default function register(RED: NodeAPI): void {
  function LsyncBillingEligibilityNode(this: Node, def: BillingEligibilityDef): void {
    RED.nodes.createNode(this, def);
    const storeNode = RED.nodes.getNode(def.store) as StoreNode | null;
    const refuse = (why: string) => {
      this.status({ fill: "red", shape: "ring", text: why.slice(0, 60) });
      this.error(`billing eligibility: ${why}`);
      this.on("input", (_m: NodeMessageInFlow, _s: Send, done: Done) => done(new Error(`billing eligibility: ${why}`)));
    };
    if (!storeNode) return refuse("no store configured (the order state must survive a restart)");
    const store: LsyncStore = storeNode.store;
    const scope = `billing:${def.scope?.trim() || this.id}`;
    let fixedRules: BillingRuleSet | null = null;
    try {
      if (def.rulesFrom === "file") {
        const path = configValue(def.rulesFile);
        if (!path) throw new Error("rules file: no path set");
        fixedRules = parseBillingRules(JSON.parse(readFileSync(path, "utf8")), `rules file ${path}`);
      } else if (def.rulesFrom !== "msg") {
        fixedRules = parseBillingRules(Array.isArray(def.rules) ? def.rules : DEFAULT_BILLING_RULES);
      }
    } catch (err) {
      return refuse(errorMessage(err));
    }
    const rulesProperty = def.rulesProperty || "billingRules";
    const customerValue = def.customer || DEFAULT_CUSTOMER_EXPRESSION;
    const customerType = def.customerType || "jsonata";
    const readCustomer = typedValueReader(RED, this, customerValue, customerType);
    const classValue = def.customerClass ?? "customerClass";
    const classType = def.customerClassType || "msg";
    const readClass = classValue ? typedValueReader(RED, this, classValue, classType) : async () => undefined;
    const setStatus = throttledStatus(this);
    const counts = { ready: 0, waiting: 0, errors: 0 };
    // Events of one order are decided one at a time in this process; the store's version check covers other instances.
    const queues = new Map<string, Promise<void>>();

    const showStatus = (last: string) =>
      setStatus({
        fill: counts.errors ? "red" : counts.waiting ? "yellow" : "green",
        shape: "dot",
        text: `${count(counts.ready)} invoice-ready · ${count(counts.waiting)} not yet${counts.errors ? ` · ${count(counts.errors)} refused` : ""} · ${last}`.slice(0, 80),
      });

    const handle = async (msg: Msg, send: Send): Promise<void> => {
      const event = msg.payload as ShipmentStatusEvent;
      if (!event || typeof event !== "object" || event.schema !== "shipment-status-event/1") {
        throw ruleError("payload.schema", "schema", 'must be "shipment-status-event/1" (a canonical ShipmentStatusEvent)', (event as { schema?: unknown } | null)?.schema);
      }
      const shipment = (msg.shipment ?? null) as Shipment | null;
      const order = (msg.order ?? null) as Order | null;
      if (shipment !== null && (typeof shipment !== "object" || shipment.schema !== "shipment/1")) throw ruleError("msg.shipment.schema", "schema", 'must be "shipment/1" when msg.shipment is given', shipment?.schema);
      if (order !== null && (typeof order !== "object" || order.schema !== "order/1")) throw ruleError("msg.order.schema", "schema", 'must be "order/1" when msg.order is given', order?.schema);
      const orderId = orderIdOf(shipment, order);
      if (!orderId) throw ruleError("msg.shipment.orderRefs", "required", "the order the shipment belongs to is needed (msg.order or msg.shipment.orderRefs[0].orderId)", shipment?.orderRefs);
      const key = `order|${orderId}`;
      // Later events of an order often come without the order: the customer and class seen first are kept.
      const known = (await store.getRuleState(scope, key))?.value as OrderBillingState | undefined;
      const rawCustomer = await readCustomer(msg);
      const customerId = typeof rawCustomer === "number" || (typeof rawCustomer === "string" && rawCustomer) ? String(rawCustomer) : known?.customerId;
      if (!customerId) throw ruleError(describeTyped(customerValue, customerType), "required", `gives no customer id, and order ${orderId} has none stored yet`, rawCustomer);
      const rawClass = await readClass(msg);
      const customerClass = typeof rawClass === "string" && rawClass ? rawClass : (known?.customerClass ?? null);
      const ruleSet = fixedRules ?? parseBillingRules(msg[rulesProperty], `msg.${rulesProperty}`);
      const rule = billingRuleFor(ruleSet, customerId, customerClass);
      if (!rule) throw ruleError("rules", "customerRule", `no billing rule for customer ${customerId}${customerClass ? ` or class ${customerClass}` : ""} and no "*" row`, customerId);

      for (let attempt = 1; ; attempt++) {
        const row = await store.getRuleState(scope, key);
        const previous = (row?.value as OrderBillingState | undefined) ?? newOrderState(orderId, customerId);
        const { state, decision } = decideBilling(previous, { rule, customerId, event, shipment, order, release: msg.release === true, now: new Date() });
        if (customerClass) state.customerClass = customerClass;
        const changed = !row || JSON.stringify(state) !== JSON.stringify(previous);
        // Stored before it is sent: a crash after this re-sends the same invoice when the event comes again.
        const written = changed ? await store.putRuleState(scope, key, state, null, row?.version ?? 0) : row.version;
        if (written === null) {
          if (attempt >= MAX_ATTEMPTS) throw new Error(`billing state of order ${orderId} kept changing under this node (${attempt} attempts)`);
          continue;
        }
        const shipmentId = shipmentIdOf(event, shipment);
        if (decision.eligible) {
          counts.ready++;
          msg.billing = { eligible: true, orderId, customerId, rule: decision.rule, shipments: decision.shipments, redelivery: decision.redelivery, event: event.id };
          msg.payload = decision.invoice;
          send([msg, null]);
          showStatus(`${orderId} ready`);
        } else {
          counts.waiting++;
          msg.billing = { eligible: false, orderId, shipmentId, customerId, rule: decision.rule, code: decision.code, reason: decision.reason };
          const intake = def.settleIntake === true ? intakeRefOf(msg) : null;
          if (intake) await settleFinished(intake, "done");
          send([null, msg]);
          showStatus(`${orderId} ${decision.code.toLowerCase()}`);
        }
        return;
      }
    };

    this.on("input", (msg: NodeMessageInFlow, send: Send, done: Done) => {
      const m = msg as Msg;
      const shipment = m.shipment as Shipment | undefined;
      const order = m.order as Order | undefined;
      const queueKey = orderIdOf(shipment, order) ?? "";
      const previous = queues.get(queueKey) ?? Promise.resolve();
      const run = previous.then(() => handle(m, send)).then(
        () => done(),
        (err: Error) => {
          counts.errors++;
          showStatus("error");
          done(err);
        },
      );
      queues.set(queueKey, run);
      void run.finally(() => {
        if (queues.get(queueKey) === run) queues.delete(queueKey);
      });
    });
  }
  RED.nodes.registerType("lsync-billing-eligibility", LsyncBillingEligibilityNode);
}
