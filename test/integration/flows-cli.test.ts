/**
 * Promoting flows between two real Node-RED instances with lsync-flows: an analyst changes the
 * flow on dev, the change is pulled into flows/, pushed to prod with prod's environment file, and
 * the warehouse-to-transport scenario then runs on prod against the simulators (which stand in for
 * prod's TMS/ERP, reached through the URLs prod.env takes from the host environment). A push that
 * would bring a missing variable, a missing node type or a literal secret is refused, and a change
 * made on prod after the diff is a conflict, not an overwrite.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import mqtt from "mqtt";
import { assembleFlows, formatFlowFile, readFlowFile, type FlowNode } from "../../launcher/flow-file";
import { startSimulators, stopSimulators, type Simulators } from "../../simulators/index";
import { publishScannerEvents } from "../../simulators/scanner-publisher";
import { AdminApi, ConflictError } from "../../cli/lib/admin-api";
import { deployPlan, planPush, pull, push } from "../../cli/lib/commands";
import { readEnvFile, resolveEnvFile } from "../../cli/lib/env-file";
import bcrypt from "bcryptjs";
import { getJson, REPO, startProduct, waitFor, type RunningProduct } from "../helpers/product";

const TAB = "w2t0000000000000";
const TMS_NODE = "w2t0000000000006";
const DEDUPE_NODE = "w2t0000000000005";
const COMMENT_NODE = "w2t0000000000009";
const TMS_ENDPOINT = "cfg0000000000003";
const PROD_TMS_KEY = `prod-tms-key-${process.pid}`;
const DEV_SECRET = `dev-only-secret-${process.pid}`;

/** Prod runs with adminAuth (production requires editor users): the CLI signs in with a token. */
let prodToken = "";
const ADMIN_PASSWORD = `prod-admin-${process.pid}`;

function runCli(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((ok) => {
    const env = { ...process.env, LSYNC_ADMIN_TOKEN: prodToken };
    execFile(process.execPath, [join(REPO, "dist", "cli", "lsync-flows.js"), ...args], { cwd: REPO, env }, (err, stdout, stderr) => {
      ok({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

async function startBroker(): Promise<{ url: string; stop: () => Promise<void> }> {
  const { Aedes } = await import("aedes");
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `mqtt://127.0.0.1:${port}`, stop: () => new Promise<void>((done) => broker.close(() => server.close(() => done()))) };
}

const subscriptions = (p: RunningProduct) => p.output().match(/\[lsync-scanner-in:[^\]]*\] subscribed to/g)?.length ?? 0;

describe("lsync-flows: dev to prod", { timeout: 300_000 }, () => {
  let root: string;
  let flowsDir: string;
  let sims: Simulators;
  let broker: { url: string; stop: () => Promise<void> };
  let dev: RunningProduct;
  let prod: RunningProduct;
  let devApi: AdminApi;
  let prodApi: AdminApi;
  const lines: string[] = [];
  const print = (line: string) => lines.push(line);
  const output = () => lines.splice(0).join("\n");

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "lsync-flows-cli-"));
    // The repository as an analyst has it checked out; the tests work on this copy.
    flowsDir = join(root, "flows");
    cpSync(join(REPO, "flows"), flowsDir, { recursive: true });
    // The TMS endpoint authenticates with a key: a credential that travels as ${TMS_API_KEY}.
    const credentialsFile = join(flowsDir, "environments", "credentials.json");
    const shipped = JSON.parse(readFileSync(credentialsFile, "utf8")) as Record<string, unknown>;
    writeFileSync(credentialsFile, `${JSON.stringify({ ...shipped, [TMS_ENDPOINT]: { apiKey: "${TMS_API_KEY}" } }, null, 4)}\n`);
    appendFileSync(join(flowsDir, "environments", "prod.env"), "TMS_API_KEY=${PROD_TMS_API_KEY}\n");
    appendFileSync(join(flowsDir, "environments", "dev.env"), "TMS_API_KEY=\n");

    // Prod's systems: the simulators, its TMS requiring the key; prod's own broker.
    sims = await startSimulators({ host: "127.0.0.1", basePort: 0, options: { tms: { auth: { type: "apiKey", header: "x-api-key", value: PROD_TMS_KEY } } } });
    broker = await startBroker();

    dev = await startProduct();
    devApi = new AdminApi(dev.editorUrl);

    // Prod runs an older version of the flow (no comment, another dedupe name) and the environment
    // prod.env resolves from the prod host's variables.
    const prodDir = join(root, "prod-data");
    mkdirSync(prodDir);
    const older = assembleFlows(join(REPO, "flows"))
      .filter((n) => n.id !== COMMENT_NODE)
      .map((n) => (n.id === DEDUPE_NODE ? { ...n, name: "Drop resubmitted scans (old)" } : n));
    writeFileSync(join(prodDir, "flows.json"), formatFlowFile(older));
    const prodEnv = resolveEnvFile(readEnvFile(flowsDir, "prod"), {
      PROD_CREDENTIAL_SECRET: `prod-credential-secret-${process.pid}`,
      PROD_MQTT_URL: broker.url,
      PROD_MQTT_PROTOCOL: "4", // the test's broker is aedes, MQTT 3.1.1
      PROD_TMS_URL: sims.tms.url,
      PROD_ERP_URL: sims.erp.url,
      PROD_WMS_URL: sims.wms.url,
      PROD_FINANCE_URL: sims.finance.url,
      PROD_CARRIER_URL: sims.carrier.url,
      PROD_PORTAL_URL: sims.portal.url,
      PROD_TMS_API_KEY: PROD_TMS_KEY,
      // The freight tab's carrier SFTP drop and signed invoice pushes (no SFTP server in this test).
      PROD_CARRIER_SFTP_HOST: "127.0.0.1",
      PROD_CARRIER_SFTP_USER: "carrier",
      PROD_CARRIER_SFTP_HOST_KEY: "SHA256:notchecked",
      PROD_CARRIER_SFTP_KEY: "/nonexistent/key",
      PROD_CARRIER_WEBHOOK_SECRET: "prod-webhook-secret",
      PROD_WMS_USER: "admin",
      PROD_WMS_PASSWORD: "admin",
      PROD_USERS_FILE: join(root, "prod-users"),
    });
    writeFileSync(join(root, "prod-users"), `deployer:admin:${bcrypt.hashSync(ADMIN_PASSWORD, 4)}\n`);
    prod = await startProduct(prodEnv, prodDir);
    const signIn = await fetch(`${prod.editorUrl}/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: "node-red-admin", grant_type: "password", scope: "*", username: "deployer", password: ADMIN_PASSWORD }),
    });
    assert.equal(signIn.status, 200, "the deployer signs in to prod");
    prodToken = ((await signIn.json()) as { access_token: string }).access_token;
    prodApi = new AdminApi(prod.editorUrl, prodToken);
  });

  after(async () => {
    await dev?.stop();
    await prod?.stop();
    await broker?.stop();
    if (sims) await stopSimulators(sims);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("pull: an analyst's change on dev lands in the tab's own file, deterministically, without credentials", async () => {
    // The analyst renames the TMS node, changes its batch size, and switches the TMS endpoint to
    // API-key auth, typing dev's key into its credential field.
    const current = await devApi.getFlows();
    const edited = current.flows.map((n) => {
      if (n.id === TMS_NODE) return { ...n, name: "TMS: load execution (batched 100)", batchSize: "100" };
      if (n.id === TMS_ENDPOINT) return { ...n, authType: "apiKey", credentials: { apiKey: DEV_SECRET } };
      return n;
    });
    await devApi.deployFlows(edited, current.rev, "full");

    assert.equal(await pull({ url: dev.editorUrl, dir: flowsDir }, print), 0);
    const report = output();
    // Every tab lands in the file of flows/ it came from, nothing more.
    const shippedFiles = readdirSync(join(REPO, "flows")).filter((f) => f.endsWith(".json")).sort();
    assert.ok(shippedFiles.includes("warehouse-to-transport.json"));
    assert.deepEqual(readdirSync(flowsDir).filter((f) => f.endsWith(".json")).sort(), shippedFiles, report);
    const tab = readFlowFile(join(flowsDir, "warehouse-to-transport.json"));
    const tms = tab.find((n) => n.id === TMS_NODE)!;
    assert.equal(tms.name, "TMS: load execution (batched 100)");
    assert.equal(tms.batchSize, "100");
    // Only that node differs from what the repository had.
    const repoNodes = new Map(readFlowFile(join(REPO, "flows", "warehouse-to-transport.json")).map((n) => [n.id, n]));
    assert.deepEqual(tab.filter((n) => JSON.stringify(n) !== JSON.stringify(repoNodes.get(n.id))).map((n) => n.id), [TMS_NODE]);
    assert.equal(tab[0]!.type, "tab", "the tab comes first");
    const config = readFlowFile(join(flowsDir, "config.json"));
    assert.deepEqual(config.filter((n) => n.authType === "apiKey").map((n) => n.id), [TMS_ENDPOINT]);

    for (const f of readdirSync(flowsDir).filter((x) => x.endsWith(".json"))) {
      const text = readFileSync(join(flowsDir, f), "utf8");
      assert.ok(!text.includes(DEV_SECRET), `${f} holds no credential`);
      assert.ok(!text.includes('"credentials"'), `${f} has no credentials property`);
      assert.ok(text.endsWith("]\n"));
    }
    // Pulling again changes nothing: same bytes.
    const before = readFileSync(join(flowsDir, "warehouse-to-transport.json"), "utf8");
    assert.equal(await pull({ url: dev.editorUrl, dir: flowsDir }, print), 0);
    assert.match(output(), /same\s+warehouse-to-transport\.json/);
    assert.equal(readFileSync(join(flowsDir, "warehouse-to-transport.json"), "utf8"), before);
  });

  it("diff against prod lists added, removed and changed nodes and exits 1", async () => {
    const { code, out } = await runCli(["diff", "--url", prod.editorUrl, "--dir", flowsDir]);
    assert.equal(code, 1, out);
    assert.match(out, new RegExp(`\\+ added\\s+comment ${COMMENT_NODE}`));
    assert.match(out, new RegExp(`~ changed\\s+lsync-dedupe ${DEDUPE_NODE} .*: name`));
    assert.match(out, new RegExp(`~ changed\\s+lsync-tms ${TMS_NODE} "TMS: load execution \\(batched 100\\)" on tab "Warehouse-to-transport handoff": batchSize, name`));
    assert.match(out, /batchSize: "200" -> "100"/);
  });

  /** A copy of the checked-out flows/ with one change, for a push that must be refused. */
  function variant(name: string, change: (dir: string) => void): string {
    const dir = join(root, name);
    cpSync(flowsDir, dir, { recursive: true });
    change(dir);
    return dir;
  }
  function editTab(dir: string, edit: (nodes: FlowNode[]) => FlowNode[]): void {
    const file = join(dir, "warehouse-to-transport.json");
    writeFileSync(file, formatFlowFile(edit(readFlowFile(file))));
  }

  async function assertBlocked(dir: string, ...expected: RegExp[]): Promise<void> {
    const revBefore = (await prodApi.getFlows()).rev;
    const code = await push({ dir, env: "prod", target: { url: prod.editorUrl, token: prodToken } }, print);
    const out = output();
    assert.equal(code, 1, out);
    assert.match(out, /push blocked: nothing deployed/);
    for (const re of expected) assert.match(out, re);
    assert.equal((await prodApi.getFlows()).rev, revBefore, "prod was not touched");
  }

  it("a variable missing from prod.env blocks the push, naming it and the node using it", async () => {
    const dir = variant("missing-env", (d) => {
      const file = join(d, "environments", "prod.env");
      writeFileSync(file, readFileSync(file, "utf8").replace(/^TMS_URL=.*\n/m, ""));
    });
    await assertBlocked(dir, /env-var: lsync-endpoint cfg0000000000003 "TMS" \(config\) \.baseUrl: environment variable TMS_URL \(used as \$\{TMS_URL\}\) is not defined in .*prod\.env/);
  });

  it("a node type prod has not installed blocks the push, naming it", async () => {
    const dir = variant("missing-type", (d) =>
      editTab(d, (nodes) => [...nodes, { id: "w2t00000000000x1", type: "acme-rfid-in", z: TAB, name: "Gate reader", x: 100, y: 400, wires: [[]] }]),
    );
    await assertBlocked(dir, /node-type: acme-rfid-in w2t00000000000x1 "Gate reader" on tab "Warehouse-to-transport handoff" \.type: node type "acme-rfid-in" is not installed on the target/);
  });

  it("a literal secret in a flow blocks the push, naming the node and property", async () => {
    const dir = variant("literal-secret", (d) =>
      editTab(d, (nodes) => [
        ...nodes,
        {
          id: "w2t00000000000x2",
          type: "change",
          z: TAB,
          name: "Add TMS auth",
          rules: [{ t: "set", p: "headers.authorization", pt: "msg", to: "Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0", tot: "str" }],
          x: 100,
          y: 460,
          wires: [[]],
        },
      ]),
    );
    await assertBlocked(dir, /literal-secret: change w2t00000000000x2 "Add TMS auth" on tab "Warehouse-to-transport handoff" \.rules\[0\]\.to: the value holds a bearer token/);
  });

  it("a change made on prod after the diff is a conflict, not an overwrite", async () => {
    const plan = await planPush({ dir: flowsDir, env: "prod", target: { url: prod.editorUrl, token: prodToken } });
    assert.deepEqual(plan.problems, []);
    // A colleague deploys on prod meanwhile.
    const now = await prodApi.getFlows();
    assert.equal(now.rev, plan.remote.rev);
    const theirs = now.flows.map((n) => (n.id === DEDUPE_NODE ? { ...n, name: "Colleague's hotfix" } : n));
    await prodApi.deployFlows(theirs, now.rev, "full");

    await assert.rejects(deployPlan(plan, "full"), (err: unknown) => err instanceof ConflictError && /changed after the diff was made/.test(err.message));
    // The same through the command, deploying onto the rev a reviewed diff showed.
    const code = await push({ dir: flowsDir, env: "prod", target: { url: prod.editorUrl, token: prodToken }, rev: plan.remote.rev }, print);
    assert.equal(code, 3, output());
    const after = await prodApi.getFlows();
    assert.equal(after.flows.find((n) => n.id === DEDUPE_NODE)?.name, "Colleague's hotfix", "the colleague's change is still there");
  });

  it("push deploys flows/ to prod; the scenario then runs on prod against the simulators", async () => {
    const subscribedBefore = subscriptions(prod);
    const dry = await runCli(["push", "--url", prod.editorUrl, "--env", "prod", "--dir", flowsDir, "--dry-run"]);
    assert.equal(dry.code, 0, dry.out);
    assert.match(dry.out, /dry run: nothing deployed/);
    assert.match(dry.out, /Colleague's hotfix/, "the diff shows what the push replaces");

    const pushed = await runCli(["push", "--url", prod.editorUrl, "--env", "prod", "--dir", flowsDir, "--deployment-type", "full"]);
    assert.equal(pushed.code, 0, pushed.out);
    assert.match(pushed.out, /deployed \(full\)/);
    const again = await runCli(["diff", "--url", prod.editorUrl, "--dir", flowsDir]);
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /no differences/);
    const idle = await runCli(["push", "--url", prod.editorUrl, "--env", "prod", "--dir", flowsDir]);
    assert.equal(idle.code, 0, idle.out);
    assert.match(idle.out, /nothing to deploy \(credential references alone are sent with --force\)/);

    // The redeployed intake subscribes again; then scans go to prod's broker.
    await waitFor(async () => subscriptions(prod), (n) => n > subscribedBefore, 30_000, "prod's intake to subscribe after the deploy");
    const loads = new Set<string>();
    let seen = 0;
    const watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    await watcher.subscribeAsync("wms/+/scanner/+/+", { qos: 1 });
    watcher.on("message", (_topic, payload) => {
      seen++;
      const scan = JSON.parse(payload.toString()) as { deviceId: string; seq: number; loadId?: string };
      if (scan.loadId) loads.add(`${scan.deviceId}|${scan.seq}`);
    });
    await publishScannerEvents({ url: broker.url, count: 60, rate: 0, resubmitShare: 0, rawShare: 0, seed: 11, protocolVersion: 4 });
    await waitFor(async () => seen, (n) => n >= 60, 20_000, "our subscriber to see every scan");
    await watcher.endAsync();
    assert.ok(loads.size > 0, "some scans name a load");

    const state = await waitFor(
      () => getJson<{ eventsAccepted: number; eventsRejected: number }>(`${sims.tms.url}/_sim/state`),
      (s) => s.eventsAccepted + s.eventsRejected >= loads.size,
      60_000,
      `${loads.size} events at prod's TMS`,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nprod said:\n${prod.output().slice(-3000)}`);
    });
    assert.equal(state.eventsAccepted, loads.size, prod.output().slice(-3000));
    assert.equal(state.eventsRejected, 0);
    // Prod's TMS answers 401 without the right key, so every event accepted above means prod
    // resolved ${TMS_API_KEY} from its own environment. The simulator logs the header redacted.
    const received = await getJson<{ entries?: Array<{ path: string; headers: Record<string, string> }> }>(`${sims.tms.url}/_sim/received`);
    const calls = (received.entries ?? (received as unknown as Array<{ path: string; headers: Record<string, string> }>)).filter((e) => e.path.includes("execution-events"));
    assert.ok(calls.length > 0);
    for (const c of calls) assert.ok(c.headers["x-api-key"], "every TMS call carries the key");
    for (const f of readdirSync(flowsDir, { recursive: true }) as string[]) {
      if (f.endsWith(".json") || f.endsWith(".env")) assert.ok(!readFileSync(join(flowsDir, f), "utf8").includes(PROD_TMS_KEY), `${f} does not hold prod's key`);
    }
  });
});
