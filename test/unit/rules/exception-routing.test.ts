import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  checkException,
  closeException,
  DEFAULT_ROUTE_RULES,
  escalate,
  openException,
  parseRouteRules,
  routeFor,
} from "../../../nodes/lib/rules/exception-routing";
import { exception } from "./_fixtures";

const rules = parseRouteRules(DEFAULT_ROUTE_RULES);

describe("exception routing rules", () => {
  it("operational issues to logistics, posting issues to finance, delivery issues to customer service; critical on a shorter clock", () => {
    const route = (type: Parameters<typeof exception>[1], sev: Parameters<typeof exception>[2] = "WARN") => {
      const r = routeFor(rules, exception("E", type, sev));
      return `${r?.team}/${r?.slaMinutes}`;
    };
    assert.equal(route("SHORT_PICK"), "logistics/240");
    assert.equal(route("SHORT_PICK", "CRITICAL"), "logistics/60");
    assert.equal(route("INVOICE_VARIANCE"), "finance/1440");
    assert.equal(route("INVOICE_VARIANCE", "CRITICAL"), "finance/240");
    assert.equal(route("DELAY"), "customer-service/120");
    assert.equal(route("MISSING_ACK"), "logistics/240");
  });

  it("dialog rows (comma-separated types) parse; bad rows name the field", () => {
    const [r] = parseRouteRules([{ types: "short_pick, DAMAGE", severity: "any", team: "dc-ops", slaMinutes: "30" }]);
    assert.deepEqual(r, { types: ["SHORT_PICK", "DAMAGE"], severity: "ANY", team: "dc-ops", slaMinutes: 30 });
    assert.throws(() => parseRouteRules([{ types: "LOST", team: "x", slaMinutes: 1 }]), /rules\[0\]\.types: LOST is not an ExceptionEvent type/);
    assert.throws(() => parseRouteRules([{ types: "*", team: "two words", slaMinutes: 1 }]), /rules\[0\]\.team: must be a queue name/);
    assert.throws(() => parseRouteRules([{ types: "*", team: "x", slaMinutes: -1 }]), /rules\[0\]\.slaMinutes: must be a number of minutes ≥ 0/);
    assert.throws(() => parseRouteRules([]), /rules: must be a non-empty array/);
    assert.equal(routeFor(parseRouteRules([{ types: "DELAY", team: "cs", slaMinutes: 1 }]), exception("E", "DAMAGE")), null);
  });

  it("checkException names the field that is wrong", () => {
    assert.throws(() => checkException({ schema: "order/1" }), /payload\.schema: must be "exception-event\/1"/);
    assert.throws(() => checkException({ ...exception("E", "DELAY"), type: "LOST" }), /payload\.type: is not an ExceptionEvent type/);
    assert.throws(() => checkException({ ...exception("E", "DELAY"), exceptionId: "" }), /payload\.exceptionId/);
  });
});

describe("SLA clock", () => {
  const t0 = Date.parse("2025-03-03T15:00:00Z");
  const rule = { types: ["*"], severity: "ANY" as const, team: "logistics", slaMinutes: 60 };

  it("starts at detectedAt (or receipt when that is in the future) and runs slaMinutes", () => {
    const open = openException(exception("E1", "SHORT_PICK"), rule, t0 + 5 * 60_000);
    assert.equal(open.openedAt, t0);
    assert.equal(open.dueAt, t0 + 60 * 60_000);
    const future = openException(exception("E1", "SHORT_PICK", "WARN", { detectedAt: "2099-01-01T00:00:00Z" }), rule, t0);
    assert.equal(future.openedAt, t0);
    assert.equal(openException(exception("E1", "SHORT_PICK"), { ...rule, slaMinutes: 0 }, t0).dueAt, null);
  });

  it("resolved in time is within SLA; escalation stops the clock and marks the closure", () => {
    const open = openException(exception("E1", "SHORT_PICK"), rule, t0);
    assert.deepEqual(closeException(open, t0 + 30 * 60_000), {
      team: "logistics", openedAt: "2025-03-03T15:00:00.000Z", resolvedAt: "2025-03-03T15:30:00.000Z", minutesOpen: 30, withinSla: true, escalated: false,
    });
    const { state, escalation } = escalate(open, t0 + 75 * 60_000);
    assert.equal(state.dueAt, null);
    assert.equal(escalation.overdueMinutes, 15);
    const closed = closeException(state, t0 + 90 * 60_000);
    assert.deepEqual([closed.withinSla, closed.escalated], [false, true]);
  });
});
