/**
 * Warehouse to transport takes each site's picks from one channel: the WMS poll takes the pick
 * confirmations of the sites in LSYNC_WMS_PICK_SITES, and the function node parks the RF picks of
 * those same sites. If the two read the variable differently, a pick reaches the ERP twice (or not
 * at all), so they are checked against each other for every way it can be set, including unset
 * (an imported flow, outside npm start's default).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { siteWanted } from "../../../nodes/lib/intake/polling-intake";
import { siteSet } from "../../../nodes/lsync-poll-in/lsync-poll-in";

interface FlowNode {
  id: string;
  type: string;
  name?: string;
  func?: string;
  sites?: string;
}

const flow = JSON.parse(readFileSync(join(__dirname, "..", "..", "..", "flows", "warehouse-to-transport.json"), "utf8")) as FlowNode[];
const router = flow.find((n) => n.type === "function" && n.name === "RF pick at a site that picks in the WMS?");
const poll = flow.find((n) => n.type === "lsync-poll-in" && n.name === "WMS pick confirmations");

type Msg = { payload?: unknown; batch?: Msg[] };
type Route = (msg: Msg, env: { get(name: string): string | undefined }) => Array<Msg | Msg[] | null>;

/** The function node's code as Node-RED runs it: a function body over msg and env. */
const route = new Function("msg", "env", router?.func ?? "") as Route;

const pick = (site: string): Msg => ({ payload: { type: "PICK", site: { ids: [{ scheme: "WMS_SITE", value: site }] } } });

/** What the poll node's sites setting becomes with the variable set to `value` (Node-RED leaves an unset ${VAR} as it is). */
const pollSites = (value: string | undefined) => siteSet(value === undefined ? poll!.sites : poll!.sites!.replace("${LSYNC_WMS_PICK_SITES}", value));

describe("warehouse to transport: which sites pick in the WMS", () => {
  it("the flow has both steps, reading LSYNC_WMS_PICK_SITES", () => {
    assert.ok(router?.func, "the RF pick router is a function node");
    assert.equal(poll?.sites, "${LSYNC_WMS_PICK_SITES}");
  });

  for (const value of [undefined, "", "DC3", "DC1, DC3", "DC1,DC3", "*", "none"]) {
    it(`the WMS poll and the RF router agree with LSYNC_WMS_PICK_SITES=${JSON.stringify(value)}`, () => {
      const env = { get: (name: string) => (name === "LSYNC_WMS_PICK_SITES" ? value : undefined) };
      for (const site of ["DC1", "DC2", "DC3"]) {
        const fromWms = siteWanted(pollSites(value), site);
        const [post, park] = route(pick(site), env);
        assert.equal(park !== null, fromWms, `${site}: the poll ${fromWms ? "takes" : "leaves"} its WMS picks, so its RF pick is ${fromWms ? "parked" : "posted"}`);
        assert.equal(post !== null, !fromWms);
      }
    });
  }

  it("a batch is split by the same rule, each parked scan on its own message", () => {
    const env = { get: () => "DC3" };
    const [post, park] = route({ batch: [pick("DC1"), pick("DC3"), pick("DC2"), pick("DC3")] }, env);
    const sites = (list: Msg[]) => list.map((m) => (m.payload as { site: { ids: Array<{ value: string }> } }).site.ids[0]!.value);
    assert.deepEqual(sites((post as Msg).batch!), ["DC1", "DC2"]);
    assert.deepEqual(sites(park as Msg[]), ["DC3", "DC3"]);
  });
});
