/**
 * Customer portal simulator: where customer-service alerts land.
 *
 *   POST /api/v1/alerts   {alertId?, orderId, type, message, newEta?, severity?, shipmentId?} → 201; same alertId → 200 existing
 *   GET  /api/v1/alerts[?orderId=&type=]  → {items, count}
 *
 * `type` ∈ DELAY | ETA_CHANGE | EXCEPTION | DELIVERED | SHIPPED | PARTIAL | CANCELLED | INFO.
 * `newEta` must be ISO 8601 with offset (a customer-facing ETA without zone is a bug).
 */
import { HttpSimulator, type SimReply, type SimRequest, type SimulatorOptions } from "./lib/server";
import { asObject, optIsoDateTime, optString, reqString } from "./lib/validate";

export const ALERT_TYPES = ["DELAY", "ETA_CHANGE", "EXCEPTION", "DELIVERED", "SHIPPED", "PARTIAL", "CANCELLED", "INFO"] as const;

interface Alert {
  id: string;
  alertId?: string;
  orderId: string;
  shipmentId?: string;
  type: string;
  severity: "INFO" | "WARNING" | "CRITICAL";
  message: string;
  newEta?: string;
  receivedAt: string;
}

export class PortalSimulator extends HttpSimulator {
  private readonly alerts: Alert[] = [];
  private readonly byAlertId = new Map<string, Alert>();

  constructor(options: SimulatorOptions = {}) {
    super("portal", options);
    this.route("POST", "/api/v1/alerts", (req) => this.postAlert(req));
    this.route("GET", "/api/v1/alerts", (req) => {
      const orderId = req.query.get("orderId");
      const type = req.query.get("type");
      const items = this.alerts.filter((a) => (orderId === null || a.orderId === orderId) && (type === null || a.type === type));
      return { status: 200, body: { items, count: items.length } };
    });
  }

  private postAlert(req: SimRequest): SimReply {
    const b = asObject(req.body);
    const alertId = optString(b, "alertId", { max: 100 });
    if (alertId !== undefined) {
      const prior = this.byAlertId.get(alertId);
      if (prior) return { status: 200, body: prior };
    }
    const type = reqString(b, "type", { max: 20 });
    if (!(ALERT_TYPES as readonly string[]).includes(type)) return this.error(400, "INVALID_FIELD", `type must be one of ${ALERT_TYPES.join(", ")}`);
    const severity = optString(b, "severity", { max: 10 }) ?? (type === "EXCEPTION" || type === "CANCELLED" ? "CRITICAL" : type === "DELAY" ? "WARNING" : "INFO");
    if (severity !== "INFO" && severity !== "WARNING" && severity !== "CRITICAL") return this.error(400, "INVALID_FIELD", "severity must be INFO, WARNING or CRITICAL");
    const a: Alert = {
      id: `AL-${String(this.alerts.length + 1).padStart(6, "0")}`,
      orderId: reqString(b, "orderId", { max: 64 }),
      type,
      severity,
      message: reqString(b, "message", { max: 2000 }),
      receivedAt: new Date().toISOString(),
    };
    if (alertId !== undefined) a.alertId = alertId;
    const shipmentId = optString(b, "shipmentId", { max: 64 });
    if (shipmentId) a.shipmentId = shipmentId;
    const newEta = optIsoDateTime(b, "newEta");
    if (newEta) a.newEta = newEta;
    if (type === "ETA_CHANGE" && !newEta) return this.error(400, "MISSING_FIELD", "ETA_CHANGE needs newEta");
    this.alerts.push(a);
    if (alertId !== undefined) this.byAlertId.set(alertId, a);
    // Alerts are unbounded by nature; cap them so a soak test cannot exhaust memory.
    if (this.alerts.length > 100_000) {
      const old = this.alerts.shift();
      if (old?.alertId) this.byAlertId.delete(old.alertId);
    }
    return { status: 201, body: a };
  }

  protected snapshot(): Record<string, unknown> {
    const byType: Record<string, number> = {};
    for (const t of ALERT_TYPES) byType[t] = 0;
    for (const a of this.alerts) byType[a.type] = (byType[a.type] ?? 0) + 1;
    return { alerts: this.alerts, count: this.alerts.length, byType };
  }

  protected resetState(): void {
    this.alerts.length = 0;
    this.byAlertId.clear();
  }
}

export function createPortalSimulator(options: SimulatorOptions = {}): PortalSimulator {
  return new PortalSimulator(options);
}
