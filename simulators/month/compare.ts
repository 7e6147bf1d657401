/**
 * Compares what the product left in every system after a driven month (drive.ts) with the ground
 * truth computed from the generated world alone (truth.ts). Returns the figures and a printable
 * report; a mismatch is anything the truth says should be otherwise, listed with its key.
 */
import { siteInfo } from "../lib/catalog";
import type { ExceptionKind, Month, Team } from "./model";
import { auditVerdict, computeTruth, pickedShipments, teamsFor } from "./truth";
import type { DriveResult, FinalState } from "./drive";

export interface Check {
  name: string;
  /** How many things were checked. */
  checked: number;
  /** Keys of what did not match (first few kept in `examples`). */
  mismatches: number;
  examples: string[];
}

export interface MonthFigures {
  seed: number;
  days: number;
  sites: string[];
  orders: number;
  shipments: number;
  exceptions: Record<ExceptionKind, number>;
  resentMilestones: number;
  milestonesSent: number;
  duplicateInvoices: number;
  erpOrders: number;
  wmsPickings: number;
  wmsConfirmations: number;
  tmsLoads: number;
  portalAlerts: number;
  finance: { accruals: number; invoiceReady: number; apInvoices: number };
  /** Truth's audit of the month's invoices, and what the run sent of the freight side. */
  audit: { approved: number; exceptions: number; duplicates: number };
  freightSent: { loads: number; invoices: number };
  accrualMismatchWithDetention: number;
  queued: Record<string, number>;
  /** Queue entries at a team the truth does not name for that exception (reported, not a mismatch). */
  alsoQueued: Record<string, number>;
  checks: Check[];
  mismatches: number;
  seconds: { total: number; enter: number; handoverWait: number; play: number; settle: number };
  ordersPerSecond: number;
}

interface FinAccrual {
  shipmentId: string;
  amount: { currency: string; amountMinor: number };
  balance?: { currency: string; amountMinor: number };
}
interface FinInvoiceReady {
  orderId?: string;
  shipmentId?: string;
  receivedAt: string;
}
interface FinAp {
  carrierId: string;
  invoiceNumber: string;
}

const EXPECTED_ALERT: Record<ExceptionKind, string[]> = { SHORT_PICK: ["PARTIAL"], DELAY: ["DELAY"], REROUTE: ["ETA_CHANGE", "INFO"] };

class Checker {
  readonly checks: Check[] = [];
  start(name: string): Check {
    const c = { name, checked: 0, mismatches: 0, examples: [] };
    this.checks.push(c);
    return c;
  }
}

function expect(c: Check, ok: boolean, key: string): void {
  c.checked++;
  if (ok) return;
  c.mismatches++;
  if (c.examples.length < 5) c.examples.push(key);
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const i of items) out.set(key(i), (out.get(key(i)) ?? 0) + 1);
  return out;
}

export function compareMonth(month: Month, run: DriveResult): MonthFigures {
  const truth = computeTruth(month);
  const { final, salesOrderOf } = run;
  const checker = new Checker();
  const soOf = (orderId: string) => salesOrderOf.get(orderId) ?? `?${orderId}`;
  const exceptionOf = new Map(month.exceptions.map((e) => [e.orderId, e]));

  // Every order once in each system, by its natural key there.
  const erpByPo = countBy(final.erpOrders, (o) => o.poRef);
  const pickByOrigin = countBy(final.wmsPickings, (p) => String(p.origin));
  const loadByRef = countBy(final.tmsLoads, (l) => l.reference ?? l.loadId.replace(/^SO-/, ""));
  const confByOrigin = countBy(final.wmsConfirmations, (c) => String(c.origin));
  const oneErp = checker.start("ERP: one sales order per order");
  const onePick = checker.start("WMS: one pick per order");
  const oneLoad = checker.start("TMS: one load per order");
  const oneConf = checker.start("WMS: one pick confirmation per order");
  for (const o of month.orders) {
    const so = soOf(o.orderId);
    expect(oneErp, erpByPo.get(o.orderId) === 1, `${o.orderId}: ${erpByPo.get(o.orderId) ?? 0}`);
    expect(onePick, pickByOrigin.get(so) === 1, `${o.orderId}/${so}: ${pickByOrigin.get(so) ?? 0}`);
    expect(oneLoad, loadByRef.get(so) === 1, `${o.orderId}/${so}: ${loadByRef.get(so) ?? 0}`);
    expect(oneConf, confByOrigin.get(so) === 1, `${o.orderId}/${so}: ${confByOrigin.get(so) ?? 0}`);
  }

  // Picks confirmed in the WMS (every site of the month reports picks there): each posted to the
  // ERP once, as a transfer from the site's storage location to staging at its plant, in the
  // quantities the order's first shipment carries (what was picked; a short pick's rest ships later).
  const pickPosted = checker.start("ERP: every WMS pick posted once, 311 to staging at the order's plant, as picked");
  const originOfConf = new Map(final.wmsConfirmations.map((c) => [String(c.id), String(c.origin)]));
  const postingsBySo = new Map<string, FinalState["erpPickPostings"]>();
  for (const p of final.erpPickPostings) {
    const so = originOfConf.get(p.key.split("|")[2]!) ?? "?";
    postingsBySo.set(so, [...(postingsBySo.get(so) ?? []), p]);
  }
  const pickedShipment = pickedShipments(month);
  for (const o of month.orders) {
    const so = soOf(o.orderId);
    const site = siteInfo(o.site);
    const postings = postingsBySo.get(so) ?? [];
    const picked = new Map<string, number>();
    for (const l of pickedShipment.get(o.orderId)?.lines ?? []) if (l.quantity > 0) picked.set(l.sku, (picked.get(l.sku) ?? 0) + l.quantity);
    const posted = new Map<string, number>();
    for (const p of postings) posted.set(p.material, (posted.get(p.material) ?? 0) + p.quantity);
    const where = postings.every((p) => p.movementType === "311" && p.plant === site.plant && p.from === site.storageLocation && p.to === site.stagingLocation);
    const once = new Set(postings.map((p) => p.key)).size === postings.length;
    const same = posted.size === picked.size && [...picked].every(([sku, q]) => posted.get(sku) === q);
    expect(pickPosted, where && once && same, `${o.orderId}/${so} at ${site.plant}: picked ${JSON.stringify([...picked])}, posted ${JSON.stringify(postings.map((p) => [p.key, p.movementType, p.material, p.quantity, `${p.plant}/${p.from}->${p.to}`]))}`);
  }

  // Exceptions: the ERP order marked, one customer alert of the right kind, nothing for the others.
  const erpBySo = new Map(final.erpOrders.map((o) => [o.salesOrder, o]));
  const alertsByOrder = new Map<string, string[]>();
  for (const a of final.portalAlerts) alertsByOrder.set(a.orderId, [...(alertsByOrder.get(a.orderId) ?? []), a.type]);
  const erpStatus = checker.start("ERP: exception status on the order (none on the others)");
  const alerts = checker.start("Portal: one alert of the right kind per exception (none for the others)");
  for (const o of month.orders) {
    const so = soOf(o.orderId);
    const e = exceptionOf.get(o.orderId);
    const status = erpBySo.get(so)?.status ?? "(missing)";
    expect(erpStatus, status === (e ? e.kind : ""), `${o.orderId}/${so}: ${status || "none"} (want ${e?.kind ?? "none"})`);
    const got = alertsByOrder.get(so) ?? [];
    const ok = e ? got.length === 1 && EXPECTED_ALERT[e.kind].includes(got[0]!) : got.length === 0;
    expect(alerts, ok, `${o.orderId}/${so}: [${got.join(",")}] (want ${e ? EXPECTED_ALERT[e.kind].join("|") : "none"})`);
  }

  // Teams: each exception on every team the truth names, once; nothing queued for an order without one.
  const queued = countBy(final.queues, (q) => q.team);
  const perKey = countBy(final.queues, (q) => `${q.topic}|${q.exceptionId}`);
  const noDupQueue = checker.start("Queues: no exception queued twice at a team");
  for (const [key, n] of perKey) expect(noDupQueue, n === 1, `${key}: ${n}×`);
  const teamCheck = checker.start("Queues: every exception at the team(s) truth.ts assigns");
  const alsoQueued: Record<string, number> = {};
  const byOrder = new Map<string, typeof final.queues>();
  for (const q of final.queues) if (q.orderRef) byOrder.set(q.orderRef, [...(byOrder.get(q.orderRef) ?? []), q]);
  for (const e of month.exceptions) {
    const so = soOf(e.orderId);
    const mine = (byOrder.get(so) ?? []).filter((q) => q.type === e.kind && !q.topic.endsWith("/escalated"));
    const teams = new Set(mine.map((q) => q.team));
    const want = teamsFor(e.kind);
    const missing = want.filter((t) => !teams.has(t));
    expect(teamCheck, missing.length === 0, `${e.kind} ${e.orderId}/${so}: at [${[...teams].join(",")}], missing ${missing.join(",")}`);
    for (const t of teams) if (!want.includes(t as Team)) alsoQueued[`${e.kind}→${t}`] = (alsoQueued[`${e.kind}→${t}`] ?? 0) + 1;
  }
  const stray = checker.start("Queues: nothing queued for an order without an exception");
  const exceptionSos = new Set(month.exceptions.map((e) => soOf(e.orderId)));
  const monthSos = new Set(salesOrderOf.values());
  for (const q of final.queues) if (q.orderRef && monthSos.has(q.orderRef)) expect(stray, exceptionSos.has(q.orderRef), `${q.topic} ${q.type} ${q.orderRef}`);

  // Finance: nothing posted twice by its natural key; no invoice-ready before its order's trigger.
  const fin = (final.finance ?? {}) as { accruals?: FinAccrual[]; invoiceReady?: FinInvoiceReady[]; apInvoices?: FinAp[] };
  const accruals = fin.accruals ?? [];
  const ready = fin.invoiceReady ?? [];
  const ap = fin.apInvoices ?? [];
  const finDup = checker.start("Finance: no accrual, invoice-ready or AP invoice posted twice (by shipment / order+shipment / carrier+number)");
  for (const [key, n] of countBy(accruals, (a) => `accrual ${a.shipmentId}`)) expect(finDup, n === 1, `${key}: ${n}×`);
  for (const [key, n] of countBy(ready, (r) => `invoice-ready ${r.orderId ?? ""}/${r.shipmentId ?? ""}`)) expect(finDup, n === 1, `${key}: ${n}×`);
  for (const [key, n] of countBy(ap, (a) => `AP ${a.carrierId}/${a.invoiceNumber}`)) expect(finDup, n === 1, `${key}: ${n}×`);
  // The earliest moment an invoice-ready may come is when the driver made the customer's trigger
  // known (truth.ts's rule, in wall-clock time): per shipment for customers billing partials, when
  // the last shipment reaches it for the others. The shipped trigger is known from the ERP's goods
  // issue or the pickup milestone, whichever came first.
  const monthOrderOf = new Map([...salesOrderOf].map(([orderId, so]) => [so, orderId]));
  const shipmentOfDelivery = new Map(run.goodsIssued.map((g) => [g.delivery, g.shipmentId]));
  const customerById = new Map(month.customers.map((c) => [c.customerId, c]));
  const orderById = new Map(month.orders.map((o) => [o.orderId, o]));
  const shipmentsOf = new Map<string, string[]>();
  for (const x of month.shipments) shipmentsOf.set(x.orderId, [...(shipmentsOf.get(x.orderId) ?? []), x.shipmentId]);
  const knownAt = new Map<string, number>(); // kind|shipmentId → first sent
  const note = (kind: string, shipmentId: string, at: number) => knownAt.set(`${kind}|${shipmentId}`, Math.min(knownAt.get(`${kind}|${shipmentId}`) ?? Infinity, at));
  for (const e of run.sent) note(e.kind, e.shipmentId, e.sentAt);
  for (const g of run.goodsIssued) note("SHIPPED", g.shipmentId, g.sentAt);
  const early = checker.start("Finance: no invoice-ready before its trigger was sent (the customer's trigger, per shipment or on completion)");
  for (const r of ready) {
    const orderId = (r.orderId && monthOrderOf.get(r.orderId)) || undefined;
    if (!orderId) continue;
    const customer = customerById.get(orderById.get(orderId)!.customerId)!;
    const triggered = (shipmentId: string) => knownAt.get(`${customer.trigger}|${shipmentId}`);
    const all = shipmentsOf.get(orderId) ?? [];
    const shipment = r.shipmentId ? shipmentOfDelivery.get(r.shipmentId) : undefined;
    let allowed: number | undefined;
    if (customer.partials === "PER_SHIPMENT" && shipment) allowed = triggered(shipment);
    else if (customer.partials === "PER_SHIPMENT") allowed = Math.min(...all.map((x) => triggered(x) ?? Infinity));
    else allowed = all.every((x) => triggered(x) !== undefined) ? Math.max(...all.map((x) => triggered(x)!)) : undefined;
    const ok = allowed !== undefined && Number.isFinite(allowed) && Date.parse(r.receivedAt) >= allowed;
    expect(early, ok, `${orderId}/${r.orderId}${shipment ? `/${shipment}` : ""} (${customer.trigger}, ${customer.partials}, ${all.length} shipment(s)): ready ${r.receivedAt}, trigger ${allowed !== undefined && Number.isFinite(allowed) ? new Date(allowed).toISOString() : "not sent"}`);
  }

  // And every invoice the truth makes due is there: per shipment, or one per order on completion.
  if (run.goodsIssued.length > 0) {
    const due = countBy([...truth.billing.values()], (b) => b.orderId);
    const readyPerOrder = countBy(ready.filter((r) => r.orderId && monthOrderOf.has(r.orderId)), (r) => monthOrderOf.get(r.orderId!)!);
    const complete = checker.start("Finance: every invoice the customer's trigger makes due is ready (per shipment, or once on completion)");
    for (const o of month.orders) {
      const want = due.get(o.orderId) ?? 0;
      const got = readyPerOrder.get(o.orderId) ?? 0;
      expect(complete, got === want, `${o.orderId}/${soOf(o.orderId)}: ${got} invoice-ready (want ${want})`);
    }
  }

  // Freight (when the run sent it): accrual = executed cost per shipment; the audit's verdicts.
  const freight = run.freightSent.loads > 0 || run.freightSent.invoices > 0;
  const detention = new Set(month.shipments.filter((x) => x.detentionHours > 0).map((x) => x.shipmentId));
  let accrualMismatchWithDetention = 0;
  if (freight) {
    const acc = checker.start("Finance: one accrual per shipment, equal to its executed cost (amount plus adjustments)");
    const byShipment = new Map<string, FinAccrual[]>();
    for (const a of accruals) byShipment.set(a.shipmentId, [...(byShipment.get(a.shipmentId) ?? []), a]);
    for (const [shipmentId, want] of truth.accrualByShipment) {
      const mine = byShipment.get(shipmentId) ?? [];
      const got = mine[0] ? (mine[0].balance ?? mine[0].amount) : null;
      const ok = mine.length === 1 && got !== null && got.currency === want.currency && got.amountMinor === want.amountMinor;
      if (!ok && detention.has(shipmentId)) accrualMismatchWithDetention++;
      expect(acc, ok, `${shipmentId}: ${mine.length}× ${got ? `${got.amountMinor} ${got.currency}` : "none"} (want ${want.amountMinor} ${want.currency}${detention.has(shipmentId) ? ", incl. detention" : ""})`);
    }
    const invoiceOf = (q: { exceptionId: string }) => /[A-Z]{4}-\d{6,}/.exec(q.exceptionId)?.[0] ?? null;
    const atFinance = final.queues.filter((q) => q.team === "finance" && !q.topic.endsWith("/escalated"));
    const variances = new Set(atFinance.filter((q) => q.type === "INVOICE_VARIANCE").map(invoiceOf));
    const dupQueued = countBy(atFinance.filter((q) => q.type === "DUPLICATE_INVOICE"), (q) => invoiceOf(q) ?? "?");
    const apByNumber = countBy(ap, (a) => a.invoiceNumber);
    const audit = checker.start("Audit: approved invoices in AP once; beyond tolerance at finance's queue, not in AP; duplicates caught at finance's queue");
    for (const inv of month.invoices) {
      const verdict = auditVerdict(month, inv);
      const posted = apByNumber.get(inv.invoiceNumber) ?? 0;
      if (verdict === "APPROVED") expect(audit, posted === 1 && !variances.has(inv.invoiceNumber), `${inv.invoiceNumber} approved: in AP ${posted}×${variances.has(inv.invoiceNumber) ? ", and a variance" : ""}`);
      else if (verdict === "EXCEPTION") expect(audit, posted === 0 && variances.has(inv.invoiceNumber), `${inv.invoiceNumber} beyond tolerance: in AP ${posted}×, variance ${variances.has(inv.invoiceNumber) ? "queued" : "missing"}`);
      else expect(audit, (dupQueued.get(inv.invoiceNumber) ?? 0) >= 1 && posted <= 1, `${inv.invoiceNumber} resent: duplicate ${dupQueued.get(inv.invoiceNumber) ?? 0}× at finance, in AP ${posted}×`);
    }
  }

  // Nothing parked: a dead letter is work the month did not expect the product to leave undone.
  if (final.deadLetters) {
    const parked = checker.start("Product: nothing parked in the dead letters");
    expect(parked, final.deadLetters.length === 0, `${final.deadLetters.length} parked`);
    for (const d of final.deadLetters.slice(0, 4)) parked.examples.push(`${d.nodeName ?? "?"} [${d.correlationId ?? ""}]: ${d.reason.slice(0, 160)}`);
  }

  const exceptions: Record<ExceptionKind, number> = { SHORT_PICK: 0, DELAY: 0, REROUTE: 0 };
  for (const e of month.exceptions) exceptions[e.kind]++;
  const mismatches = checker.checks.reduce((n, c) => n + c.mismatches, 0);
  const t = run.timings;
  return {
    seed: month.seed,
    days: month.days,
    sites: [...new Set(month.orders.map((o) => o.site))].sort(),
    orders: month.orders.length,
    shipments: truth.shipments,
    exceptions,
    resentMilestones: month.shipments.reduce((n, s) => n + s.resentMilestones.length, 0),
    milestonesSent: run.sent.length,
    duplicateInvoices: truth.audit.duplicates,
    erpOrders: final.erpOrders.filter((o) => erpByPo.has(o.poRef) && month.orders.length > 0 && salesOrderOf.has(o.poRef)).length,
    wmsPickings: final.wmsPickings.filter((p) => monthSos.has(String(p.origin))).length,
    wmsConfirmations: final.wmsConfirmations.filter((c) => monthSos.has(String(c.origin))).length,
    tmsLoads: final.tmsLoads.filter((l) => monthSos.has(l.reference ?? "")).length,
    portalAlerts: final.portalAlerts.filter((a) => monthSos.has(a.orderId)).length,
    finance: { accruals: accruals.length, invoiceReady: ready.length, apInvoices: ap.length },
    audit: truth.audit,
    freightSent: run.freightSent,
    accrualMismatchWithDetention,
    queued: Object.fromEntries(queued),
    alsoQueued,
    checks: checker.checks,
    mismatches,
    seconds: { total: t.totalMs / 1000, enter: t.enterMs / 1000, handoverWait: t.handoverWaitMs / 1000, play: t.playMs / 1000, settle: t.settleMs / 1000 },
    ordersPerSecond: month.orders.length / (t.totalMs / 1000),
  };
}

export function formatReport(f: MonthFigures): string {
  const lines = [
    `Simulated month: seed ${f.seed}, ${f.days} days, sites ${f.sites.join(", ")}`,
    `  orders ${f.orders}, shipments ${f.shipments}; exceptions SHORT_PICK ${f.exceptions.SHORT_PICK}, DELAY ${f.exceptions.DELAY}, REROUTE ${f.exceptions.REROUTE} (${((100 * (f.exceptions.SHORT_PICK + f.exceptions.DELAY + f.exceptions.REROUTE)) / Math.max(1, f.orders)).toFixed(1)} %)`,
    `  milestones sent ${f.milestonesSent}, of them resent ${f.resentMilestones}; duplicate carrier invoices in the month ${f.duplicateInvoices}`,
    `  product end state: ERP orders ${f.erpOrders}, WMS picks ${f.wmsPickings}, confirmations ${f.wmsConfirmations}, TMS loads ${f.tmsLoads}, portal alerts ${f.portalAlerts}; finance accruals ${f.finance.accruals}, invoice-ready ${f.finance.invoiceReady}, AP invoices ${f.finance.apInvoices}`,
    `  freight: ${f.freightSent.loads} loads dispatched, ${f.freightSent.invoices} carrier invoices sent; truth's audit: ${f.audit.approved} approved, ${f.audit.exceptions} beyond tolerance, ${f.audit.duplicates} duplicates${f.accrualMismatchWithDetention ? `; accrual mismatches on shipments with detention: ${f.accrualMismatchWithDetention}` : ""}`,
    `  team queues: ${Object.entries(f.queued).map(([t, n]) => `${t} ${n}`).join(", ") || "none"}${Object.keys(f.alsoQueued).length ? `; also queued (beyond truth's teams): ${Object.entries(f.alsoQueued).map(([k, n]) => `${k} ${n}`).join(", ")}` : ""}`,
    `  time: ${f.seconds.total.toFixed(1)} s (entering ${f.seconds.enter.toFixed(1)}, waiting for handover ${f.seconds.handoverWait.toFixed(1)}, picks/milestones ${f.seconds.play.toFixed(1)}, settling ${f.seconds.settle.toFixed(1)}); ${f.ordersPerSecond.toFixed(1)} orders/s`,
    "  checks:",
    ...f.checks.map((c) => `    ${c.mismatches === 0 ? "ok  " : "FAIL"} ${c.name}: ${c.checked} checked, ${c.mismatches} mismatched${c.examples.length ? ` (e.g. ${c.examples.join("; ")})` : ""}`),
    `  ${f.mismatches === 0 ? "no mismatches" : `${f.mismatches} mismatches`}`,
  ];
  return lines.join("\n");
}
