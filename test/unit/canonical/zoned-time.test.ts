import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { InputError } from "../../../nodes/lib/errors";
import { offsetMinutesAt, resolveOccurredAt, zonedToInstant } from "../../../nodes/lib/canonical/zoned-time";
import { compileMapping } from "../../../nodes/lib/mapping/mapper";

describe("local date-time in an IANA zone to an instant", () => {
  it("gives the offset in force: winter and summer in Berlin, Chicago, and a half-hour zone", () => {
    assert.equal(zonedToInstant("2026-01-15T09:30:00", "Europe/Berlin"), "2026-01-15T09:30:00+01:00");
    assert.equal(zonedToInstant("2026-07-15T09:30", "Europe/Berlin"), "2026-07-15T09:30:00+02:00");
    assert.equal(zonedToInstant("2026-07-15T09:30:00", "America/Chicago"), "2026-07-15T09:30:00-05:00");
    assert.equal(zonedToInstant("2026-01-15T23:59:59.250", "America/Chicago"), "2026-01-15T23:59:59.250-06:00");
    assert.equal(zonedToInstant("2026-07-15T12:00:00", "Asia/Kolkata"), "2026-07-15T12:00:00+05:30");
    assert.equal(zonedToInstant("2026-07-15T12:00:00", "UTC"), "2026-07-15T12:00:00+00:00");
  });

  it("moves a time in the spring-forward gap forward by the jump", () => {
    // Berlin 2026-03-29: 02:00 CET -> 03:00 CEST; 02:30 does not exist.
    assert.equal(zonedToInstant("2026-03-29T02:30:00", "Europe/Berlin"), "2026-03-29T03:30:00+02:00");
    // New York 2026-03-08: 02:00 EST -> 03:00 EDT.
    assert.equal(zonedToInstant("2026-03-08T02:15:00", "America/New_York"), "2026-03-08T03:15:00-04:00");
  });

  it("takes the first of a time that happens twice in the fall-back hour", () => {
    // Berlin 2026-10-25: 03:00 CEST -> 02:00 CET; 02:30 happens at +02:00 and again at +01:00.
    assert.equal(zonedToInstant("2026-10-25T02:30:00", "Europe/Berlin"), "2026-10-25T02:30:00+02:00");
    assert.equal(zonedToInstant("2026-11-01T01:30:00", "America/Chicago"), "2026-11-01T01:30:00-05:00");
  });

  it("names the field and the rule for a bad local time or zone", () => {
    assert.throws(() => zonedToInstant("2026-02-30T10:00:00", "Europe/Berlin"), (e: unknown) => e instanceof InputError && /localDateTime "2026-02-30T10:00:00" is not a valid date-time/.test(e.message));
    assert.throws(() => zonedToInstant("30.11.2026 10:00", "Europe/Berlin"), (e: unknown) => e instanceof InputError && e.details.field === "localDateTime");
    assert.throws(() => zonedToInstant("2026-11-30T10:00:00", "Mars/Olympus"), (e: unknown) => e instanceof InputError && /timeZone "Mars\/Olympus" is not an IANA time zone/.test(e.message));
  });

  it("for any wall time outside a gap, reads back as the same wall time at the offset in force (property)", () => {
    const zones = ["Europe/Berlin", "America/New_York", "America/Chicago", "Australia/Sydney", "Asia/Kolkata", "America/Sao_Paulo"];
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 11, 31) }), (zone, ms) => {
        // A real instant, written as its wall time in the zone, must come back as that instant or
        // (in the repeated hour) an hour earlier, never anything else.
        const offset = offsetMinutesAt(zone, ms);
        const wall = new Date(Math.floor(ms / 1000) * 1000 + offset * 60_000).toISOString().slice(0, 19);
        const back = zonedToInstant(wall, zone);
        assert.equal(back.slice(0, 19), wall, "same wall time");
        const diff = Math.floor(ms / 1000) * 1000 - Date.parse(back);
        assert.ok(diff === 0 || diff === 3_600_000 || diff === 1_800_000, `${zone} ${wall}: ${back} is ${diff} ms off`);
      }),
      { numRuns: 500 },
    );
  });

  it("resolveOccurredAt fills occurredAt only where wall-clock time is all there is", () => {
    assert.equal((resolveOccurredAt({ localDateTime: "2026-07-01T08:00:00", timeZone: "America/Chicago" }) as { occurredAt?: string }).occurredAt, "2026-07-01T08:00:00-05:00");
    const given = { occurredAt: "2026-07-01T13:00:00Z", localDateTime: "2026-07-01T08:00:00", timeZone: "America/Chicago" };
    assert.equal(resolveOccurredAt(given), given, "an object with occurredAt is left as it is");
    assert.deepEqual(resolveOccurredAt({ localDateTime: "2026-07-01T08:00:00" }), { localDateTime: "2026-07-01T08:00:00" }, "no zone, nothing to resolve");
  });

  it("$zonedTime gives the same answer on the fast path and on jsonata", async () => {
    const source = '{"at": $zonedTime(local, zone), "none": $zonedTime(missing, zone)}';
    const fast = compileMapping(source, "json");
    const slow = compileMapping(source, "json", { fast: false });
    assert.equal(fast.engine, "fast");
    const input = { local: "2026-03-29T02:30:00", zone: "Europe/Berlin" };
    assert.deepEqual(JSON.parse(JSON.stringify(await fast.map(input, {}))), { at: "2026-03-29T03:30:00+02:00" });
    assert.deepEqual(await fast.map(input, {}), await slow.map(input, {}));
    await assert.rejects(fast.map({ local: "tomorrow", zone: "Europe/Berlin" }, {}), /localDateTime "tomorrow"/);
  });
});
