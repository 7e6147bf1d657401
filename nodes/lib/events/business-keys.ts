/**
 * The business numbers a canonical object touches (order, the customer's PO, shipment, delivery,
 * BOL, PRO, SSCC, invoice, tracking, load): what the event log indexes, so a trace can start from any of them.
 * One plain function over the canonical types; it never throws on odd input (a half-valid object
 * is logged with whatever keys it has).
 */
import type { CanonicalObject, Reference } from "../canonical/types";
import type { BusinessKey, BusinessKeyType } from "../store";

/** Reference.type as the profiles and systems write it → the key type it is traced as. */
const REFERENCE_TYPES: Record<string, BusinessKeyType> = {
  PO: "po",
  SO: "order",
  ORDER: "order",
  DEPOSITOR_ORDER: "order",
  DELIVERY: "delivery",
  BOL: "bol",
  PRO: "pro",
  SSCC: "sscc",
  INVOICE: "invoice",
  TRACKING: "tracking",
  LOAD: "load",
  SHIPMENT: "shipment",
  SHIPMENT_ID: "shipment",
};

/** The key type a Reference.type is traced as; null for references the trace does not index (WORK_ORDER, NETSUITE_ID). */
export function keyTypeOfReference(type: string): BusinessKeyType | null {
  return REFERENCE_TYPES[type.trim().toUpperCase()] ?? null;
}

class KeySet {
  private readonly seen = new Set<string>();
  readonly keys: BusinessKey[] = [];
  add(type: BusinessKeyType | null, value: unknown): void {
    if (!type || typeof value !== "string") return;
    const trimmed = value.trim();
    const id = `${type}\u0000${trimmed}`;
    if (trimmed === "" || this.seen.has(id)) return;
    this.seen.add(id);
    this.keys.push({ type, value: trimmed });
  }
  refs(refs: readonly (Reference | undefined)[] | undefined): void {
    for (const ref of refs ?? []) if (ref && typeof ref.type === "string") this.add(keyTypeOfReference(ref.type), ref.value);
  }
}

/** The business keys of one canonical object, in a stable order without duplicates. */
export function businessKeysOf(value: unknown): BusinessKey[] {
  if (!value || typeof value !== "object") return [];
  const object = value as CanonicalObject;
  const set = new KeySet();
  const schema = typeof object.schema === "string" ? object.schema.split("/")[0] : "";
  switch (schema) {
    case "order": {
      const o = object as Extract<CanonicalObject, { schema: "order/1" }>;
      set.add("order", o.orderId);
      set.refs(o.references);
      break;
    }
    case "shipment": {
      const s = object as Extract<CanonicalObject, { schema: "shipment/1" }>;
      set.add("shipment", s.shipmentId);
      set.refs(s.references);
      for (const ref of s.orderRefs ?? []) set.add("order", ref?.orderId);
      for (const line of s.lines ?? []) set.refs([line?.orderRef]);
      for (const unit of s.handlingUnits ?? []) {
        set.add("sscc", unit?.sscc);
        set.add("tracking", unit?.trackingNumber);
        for (const c of unit?.contents ?? []) set.add("order", c?.orderRef);
      }
      break;
    }
    case "shipment-status-event": {
      const e = object as Extract<CanonicalObject, { schema: "shipment-status-event/1" }>;
      set.refs(e.shipmentRefs);
      break;
    }
    case "inventory-movement": {
      const m = object as Extract<CanonicalObject, { schema: "inventory-movement/1" }>;
      set.add("sscc", m.handlingUnit?.sscc);
      set.add("sscc", m.handlingUnit?.parentSscc);
      set.refs(m.sourceDocs);
      break;
    }
    case "invoice-event": {
      const i = object as Extract<CanonicalObject, { schema: "invoice-event/1" }>;
      set.add("invoice", i.invoiceNumber);
      set.refs(i.shipmentRefs);
      for (const line of i.lines ?? []) set.refs(line?.shipmentRefs);
      break;
    }
    case "freight-charge": {
      const c = object as Extract<CanonicalObject, { schema: "freight-charge/1" }>;
      set.refs(c.shipmentRefs);
      set.refs([c.invoiceRef]);
      break;
    }
    case "exception-event": {
      const x = object as Extract<CanonicalObject, { schema: "exception-event/1" }>;
      set.refs(x.subjectRefs);
      break;
    }
  }
  return set.keys;
}
