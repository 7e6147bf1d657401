/**
 * Security on a running product (started as `npm start` starts it) with a users file: who may
 * deploy, replay and discard (403 otherwise), amounts masked without the finance permission, the
 * audit trail, and no configured secret in an exported flow, the flow files or a log line.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import bcrypt from "bcryptjs";
import mqtt from "mqtt";
import { startProduct, waitFor, type RunningProduct } from "../helpers/product";

const PASSWORD = "correct horse battery";
const USERS = { root: ["admin"], ana: ["analyst"], olga: ["operator"], vic: ["viewer"], fiona: ["viewer", "finance"] } as const;
type UserName = keyof typeof USERS;

/** Values the product is configured with that must never be shown. */
const CREDENTIAL_SECRET = "cs-4f1d9a7e2b6c8053";
const ENV_API_KEY = "tms-env-key-7c2e91ab";
const FLOW_API_KEY = "sk-flowcred-5d8e3f0a";

interface DeadLetterView {
  id: number;
  reason: string;
  payload?: unknown;
  masked?: boolean;
}

describe("security on a running product with a users file", { timeout: 180_000 }, () => {
  let product: RunningProduct;
  let usersDir: string;
  const tokens = new Map<UserName, string>();

  async function api(user: UserName | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${product.editorUrl}${path}`, {
      method,
      headers: {
        accept: "application/json",
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(user ? { authorization: `Bearer ${tokens.get(user)}` } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, body: json as Record<string, unknown> };
  }

  async function login(user: UserName): Promise<string> {
    const res = await fetch(`${product.editorUrl}/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: "node-red-admin", grant_type: "password", scope: "", username: user, password: PASSWORD }),
    });
    assert.equal(res.status, 200, `${user} can sign in`);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  before(async () => {
    usersDir = mkdtempSync(join(tmpdir(), "lsync-users-"));
    const hash = bcrypt.hashSync(PASSWORD, 4);
    const lines = Object.entries(USERS).map(([name, roles]) => `${name}:${roles.join(",")}:${hash}`);
    writeFileSync(join(usersDir, "users"), `# test users\n${lines.join("\n")}\n`);
    product = await startProduct({
      LSYNC_USERS_FILE: join(usersDir, "users"),
      LSYNC_CREDENTIAL_SECRET: CREDENTIAL_SECRET,
      TMS_API_KEY: ENV_API_KEY,
    });
    for (const user of Object.keys(USERS) as UserName[]) tokens.set(user, await login(user));

    // A scan the mapping cannot use, carrying an amount and an e-mail address: it is parked.
    const client = await mqtt.connectAsync(product.mqttUrl, { protocolVersion: 4 });
    await client.publishAsync("wms/DC1/scanner/RF-666/pick", JSON.stringify({ deviceId: "RF-666", seq: "x", amountMinor: 81612, email: "jane@example.com" }), { qos: 1 });
    await client.endAsync();
    await waitFor(() => api("root", "GET", "/lsync/dead-letters"), (r) => ((r.body?.deadLetters as unknown[]) ?? []).length >= 1, 20_000, "the bad scan to be parked");
  });

  after(async () => {
    await product?.stop("SIGINT");
    rmSync(usersDir, { recursive: true, force: true });
  });

  async function firstLetterId(): Promise<number> {
    const list = await api("root", "GET", "/lsync/dead-letters?state=parked");
    return (list.body.deadLetters as DeadLetterView[])[0]!.id;
  }

  it("without a token the admin API answers 401", async () => {
    assert.equal((await api(null, "GET", "/flows")).status, 401);
    assert.equal((await api(null, "GET", "/lsync/dead-letters")).status, 401);
  });

  it("the business dashboard asks the editor's users: 401 without, the page for a viewer", async () => {
    const page = `${product.editorUrl}/api/dashboard/`;
    const anonymous = await fetch(page);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get("www-authenticate") ?? "", /^Basic realm="Logistics Sync dashboard"/);
    const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });
    assert.equal((await fetch(page, { headers: basic("vic", "wrong") })).status, 401);
    const viewer = await fetch(page, { headers: basic("vic", PASSWORD) });
    assert.equal(viewer.status, 200);
    assert.match(await viewer.text(), /<html/i);
    // The data travels over socket.io: joining its namespace needs the same sign-in. Spoken by
    // hand (engine.io long-polling: open, send CONNECT "40", read the answer).
    const joinNamespace = async (headers: Record<string, string>): Promise<string> => {
      const base = `${product.editorUrl}/api/dashboard/socket.io/?EIO=4&transport=polling`;
      const open = await (await fetch(base, { headers })).text();
      const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
      await fetch(`${base}&sid=${sid}`, { method: "POST", headers: { ...headers, "content-type": "text/plain;charset=UTF-8" }, body: "40" });
      return (await fetch(`${base}&sid=${sid}`, { headers })).text();
    };
    assert.match(await joinNamespace({}), /^44.*dashboard: sign in with an editor user/, "CONNECT_ERROR without credentials");
    assert.match(await joinNamespace(basic("vic", PASSWORD)), /^40\{"sid"/, "connected when signed in");
  });

  it("a viewer reads flows but cannot deploy (403)", async () => {
    const flows = await api("vic", "GET", "/flows", undefined, { "Node-RED-API-Version": "v2" });
    assert.equal(flows.status, 200);
    const deploy = await api("vic", "POST", "/flows", flows.body, { "Node-RED-API-Version": "v2", "Node-RED-Deployment-Type": "full" });
    assert.equal(deploy.status, 403, JSON.stringify(deploy.body));
    assert.match(String(deploy.body.message), /vic is signed in but their role does not allow POST \/flows/);
  });

  it("a viewer cannot replay or discard (403); an operator may replay (with a reason) but not discard", async () => {
    const id = await firstLetterId();
    assert.equal((await api("vic", "POST", `/lsync/dead-letters/${id}/replay`, { reason: "try again" })).status, 403);
    assert.equal((await api("vic", "POST", `/lsync/dead-letters/${id}/discard`, { reason: "junk" })).status, 403);
    assert.equal((await api("olga", "POST", `/lsync/dead-letters/${id}/discard`, { reason: "junk" })).status, 403);
    const noReason = await api("olga", "POST", `/lsync/dead-letters/${id}/replay`, {});
    assert.equal(noReason.status, 400);
    assert.equal(noReason.body.field, "reason");
    // Allowed; the shipped flows have no replay node for it, so the letter stays parked (422).
    assert.equal((await api("olga", "POST", `/lsync/dead-letters/${id}/replay`, { reason: "TMS is back" })).status, 422);
  });

  it("amounts and personal fields are masked for a user without lsync-finance.read, shown to one with it", async () => {
    const id = await firstLetterId();
    const masked = await api("vic", "GET", `/lsync/dead-letters/${id}`);
    assert.equal(masked.status, 200);
    const maskedLetter = masked.body.deadLetter as DeadLetterView;
    assert.equal(maskedLetter.masked, true);
    const maskedText = JSON.stringify(maskedLetter.payload);
    assert.ok(!maskedText.includes("81612") && !maskedText.includes("jane@example.com"), maskedText);
    assert.ok(maskedText.includes("RF-666"), "fields that are not configured stay readable");
    for (const user of ["fiona", "root"] as const) {
      const open = (await api(user, "GET", `/lsync/dead-letters/${id}`)).body.deadLetter as DeadLetterView;
      assert.equal(open.masked, undefined, user);
      assert.ok(JSON.stringify(open.payload).includes("81612"), `${user} sees the amount`);
    }
    assert.ok(!product.output().includes("81612"), "the amount is not in the console log either");
  });

  it("an analyst deploys and discards; both are in the audit trail with who and when; a viewer cannot read it", async () => {
    const before = Date.now();
    const current = await api("ana", "GET", "/flows", undefined, { "Node-RED-API-Version": "v2" });
    const tab = { id: "sectab000000001", type: "tab", label: "security test" };
    const nodes = [
      tab,
      // An endpoint with a literal API key in its credentials: kept encrypted, never exported.
      { id: "secep0000000001", type: "lsync-endpoint", name: "secured", system: "TMS", baseUrl: "http://127.0.0.1:9", authType: "apiKey", credentials: { apiKey: FLOW_API_KEY } },
      { id: "secinj00000001", type: "inject", z: tab.id, once: true, onceDelay: 0.1, repeat: "", topic: "", payload: "", payloadType: "date", props: [{ p: "payload" }], wires: [["secfn000000001"]] },
      {
        id: "secfn000000001",
        type: "function",
        z: tab.id,
        name: "leaky",
        func: 'node.warn("calling TMS with " + env.get("TMS_API_KEY"));\nthrow new Error("refused key " + env.get("TMS_API_KEY") + " and " + env.get("LSYNC_CREDENTIAL_SECRET"));',
        outputs: 1,
        wires: [[]],
      },
      { id: "seccatch0000001", type: "catch", z: tab.id, scope: null, uncaught: false, wires: [["secdl0000000001"]] },
      { id: "secdl0000000001", type: "lsync-dead-letter", z: tab.id, name: "park", store: "cfg0000000000001", wires: [] },
    ];
    const flows = (current.body.flows as Array<{ id: string }>).concat(nodes);
    const deploy = await api("ana", "POST", "/flows", { flows, rev: current.body.rev }, { "Node-RED-API-Version": "v2", "Node-RED-Deployment-Type": "nodes" });
    assert.equal(deploy.status, 200, JSON.stringify(deploy.body));

    // The function's error reaches the dead letters, with the secrets redacted.
    const parked = await waitFor(
      () => api("root", "GET", "/lsync/dead-letters?node=secfn000000001"),
      (r) => ((r.body.deadLetters as unknown[]) ?? []).length >= 1,
      20_000,
      "the function's failure to be parked",
    );
    const reason = (parked.body.deadLetters as DeadLetterView[])[0]!.reason;
    assert.match(reason, /refused key \*\*\* and \*\*\*/);

    const id = await firstLetterId();
    assert.equal((await api("ana", "POST", `/lsync/dead-letters/${id}/discard`, { reason: "test scan" })).status, 200);

    const audit = await waitFor(
      () => api("ana", "GET", "/lsync/audit?limit=50"),
      (r) => ((r.body.audit as Array<{ action: string }>) ?? []).some((e) => e.action === "flows.set"),
      10_000,
      "the deploy to be audited",
    );
    const entries = audit.body.audit as Array<{ user: string; action: string; target: string; at: string; detail: { reason?: string } | null }>;
    const deployed = entries.find((e) => e.action === "flows.set")!;
    assert.equal(deployed.user, "ana");
    assert.ok(Date.parse(deployed.at) >= before - 1000);
    const discarded = entries.find((e) => e.action === "dead-letter.discard")!;
    assert.deepEqual([discarded.user, discarded.target, discarded.detail?.reason], ["ana", String(id), "test scan"]);
    assert.ok(entries.some((e) => e.action === "permission.fail" && e.user === "vic"), "refused attempts are audited too");
    assert.equal((await api("vic", "GET", "/lsync/audit")).status, 403);
  });

  it("no exported flow, flow file or log line contains a configured secret", async () => {
    const exported = JSON.stringify((await api("root", "GET", "/flows", undefined, { "Node-RED-API-Version": "v2" })).body);
    assert.ok(exported.includes("secep0000000001"), "the endpoint with the key is deployed");
    const files = readdirSync(product.dataDir).filter((f) => f.startsWith("flows"));
    assert.ok(files.includes("flows_cred.json"), `credentials are kept in their own file: ${files.join(", ")}`);
    await waitFor(async () => product.output(), (out) => out.includes("calling TMS with"), 10_000, "the function's warning in the log");
    const places: Array<[string, string]> = [
      ["GET /flows", exported],
      ...files.map((f): [string, string] => [f, readFileSync(join(product.dataDir, f), "utf8")]),
      ["the console log", product.output()],
    ];
    for (const [where, text] of places) {
      for (const secret of [CREDENTIAL_SECRET, ENV_API_KEY, FLOW_API_KEY]) assert.ok(!text.includes(secret), `${secret} in ${where}`);
    }
    assert.match(product.output(), /calling TMS with \*\*\*/);
  });
});

describe("production without users", { timeout: 60_000 }, () => {
  it("refuses to start, saying what to set", async () => {
    const env = { NODE_ENV: "production", LSYNC_CREDENTIAL_SECRET: CREDENTIAL_SECRET, LSYNC_USERS_FILE: "", SIMULATORS: "off" };
    const dataDir = mkdtempSync(join(tmpdir(), "lsync-prod-"));
    try {
      await assert.rejects(startProduct(env, dataDir), (err: Error) => {
        assert.match(err.message, /product exited early \(1\)/);
        assert.match(err.message, /could not start: NODE_ENV=production needs editor users: set LSYNC_USERS_FILE/);
        return true;
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
