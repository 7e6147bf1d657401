#!/usr/bin/env node
/**
 * `npm start`: the whole product on embedded defaults, in one process.
 * - an MQTT broker on 1883 (embedded, MQTT 3.1.1) unless MQTT_URL names one;
 * - the ERP/WMS/TMS/finance/carrier/portal simulators unless SIMULATORS=off, and a scanner
 *   publisher at SCANNER_RATE events/s (0 = off);
 * - Node-RED with our nodes and the scenario flows from flows/, editor on http://localhost:1880.
 * Ctrl-C stops everything cleanly.
 */
import express from "express";
import { randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { createServer, type Server } from "node:net";
import { dirname, join, resolve } from "node:path";
import { applyCredentialRefs, readCredentialRefs } from "./credential-refs";
import { syncFlowFile } from "./flow-file";

const packageRoot = resolve(__dirname, "..", "..");
const log = (line: string) => console.log(`[logistics-sync] ${line}`);

interface Stoppable {
  name: string;
  stop: () => Promise<void>;
}
const running: Stoppable[] = [];

async function startEmbeddedBroker(port: number): Promise<string> {
  const { Aedes } = await import("aedes");
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => ok());
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "EADDRINUSE") {
      console.error(
        `[logistics-sync] port ${port} is taken, probably by an MQTT broker already running there: ` +
          `use it with MQTT_URL=mqtt://127.0.0.1:${port} npm start (or choose another port with MQTT_PORT)`,
      );
      process.exit(1);
    }
    throw err;
  });
  running.push({
    name: "MQTT broker",
    stop: () => new Promise<void>((done) => broker.close(() => server.close(() => done()))),
  });
  return `mqtt://127.0.0.1:${port}`;
}

/** Credential references from flows/ into the runtime's credentials file (launcher/credential-refs.ts). */
function applyCredentials(settings: { userDir: string; flowFile: string; credentialSecret?: unknown }): void {
  const credFile = join(settings.userDir, settings.flowFile.replace(/\.json$/, "") + "_cred.json");
  const secret = typeof settings.credentialSecret === "string" ? settings.credentialSecret : "";
  if (!secret) return log("credential references not applied: settings have no credentialSecret");
  try {
    const set = applyCredentialRefs(readCredentialRefs(join(packageRoot, "flows")), credFile, secret);
    if (set > 0) log(`credential references applied: ${set} field(s) from flows/environments/credentials.json`);
  } catch (err) {
    log(`credential references not applied (${(err as Error).message}); set them in the editor`);
  }
}

async function startSimulatorsIfWanted(mqttUrl: string): Promise<Record<string, string>> {
  if ((process.env.SIMULATORS ?? "on").toLowerCase() === "off") return {};
  const sims = await import("../simulators/index.js");
  const basePort = Number(process.env.SIMULATOR_BASE_PORT ?? 3101);
  // The embedded Odoo stand-in has a login of its own; the WMS endpoint's credentials are the
  // references ${WMS_USER}/${WMS_PASSWORD} (flows/environments/credentials.json), set to it here
  // unless the environment names a real WMS user.
  if (!process.env.WMS_USER) {
    process.env.WMS_USER = "lsync";
    process.env.WMS_PASSWORD = randomBytes(12).toString("base64url");
  }
  const wms = { login: process.env.WMS_USER, password: process.env.WMS_PASSWORD ?? "" };
  // The carrier invoice webhook's signing secret (${CARRIER_WEBHOOK_SECRET}): one of its own unless set; register
  // the carrier simulator with it (POST /_sim/webhooks) to have it push invoices.
  process.env.CARRIER_WEBHOOK_SECRET ||= randomBytes(18).toString("base64url");
  // The scanner publisher's loads come planned and tendered, so the freight tab can rate them.
  const { planScannerLoad } = await import("../simulators/lib/scanner-load-plan.js");
  const started = await sims.startSimulators({ host: "127.0.0.1", basePort, options: { wms, tms: { planImplicitLoad: planScannerLoad } } });
  running.push({ name: "simulators", stop: () => sims.stopSimulators() });
  const urls: Record<string, string> = {};
  for (const [name, sim] of Object.entries(started)) urls[name] = (sim as { url: string }).url;
  // The endpoint config nodes fall back to these when their own URL is empty.
  const envFor: Record<string, string> = { erp: "ERP_URL", wms: "WMS_URL", tms: "TMS_URL", finance: "FINANCE_URL", carrier: "CARRIER_URL", portal: "PORTAL_URL" };
  for (const [name, url] of Object.entries(urls)) {
    const env = envFor[name];
    if (env && !process.env[env]) process.env[env] = url;
  }
  const rate = Number(process.env.SCANNER_RATE ?? 1);
  if (rate > 0) {
    const publisher = await import("../simulators/scanner-publisher.js");
    const controller = new AbortController();
    const v5 = (process.env.MQTT_PROTOCOL ?? "5") === "5";
    void publisher
      .publishScannerEvents({
        url: mqttUrl,
        rate,
        resubmitShare: 0.1,
        // Raw scans carry their sequence number in MQTT 5 user properties only.
        rawShare: v5 ? 0.2 : 0,
        protocolVersion: v5 ? 5 : 4,
        signal: controller.signal,
      })
      .catch((err: Error) => log(`scanner publisher stopped: ${err.message}`));
    running.push({ name: "scanner publisher", stop: async () => controller.abort() });
  }
  return urls;
}

/** Node-RED finds our nodes the way it finds any installed package: in <userDir>/node_modules. */
function linkPackageInto(userDir: string): void {
  const modules = join(userDir, "node_modules");
  mkdirSync(modules, { recursive: true });
  const link = join(modules, "node-red-logistics-sync");
  // rmSync removes the link itself (also a dangling one), never what it points to.
  rmSync(link, { force: true });
  symlinkSync(packageRoot, link, "dir");
}

/**
 * Dashboard 2.0 (@flowfuse/node-red-dashboard, a peer dependency of this package) serves the
 * business dashboard tab. Node-RED loads node modules from <userDir>/node_modules, so it is linked
 * there from wherever npm put it for this package. A real copy an analyst installed into the user
 * dir is left alone (theirs wins); without the module the dashboard tab's nodes stay unknown and
 * we say why.
 */
const DASHBOARD_MODULE = "@flowfuse/node-red-dashboard";
function linkDashboardInto(userDir: string): void {
  const link = join(userDir, "node_modules", DASHBOARD_MODULE);
  let existing: ReturnType<typeof lstatSync> | undefined;
  try {
    existing = lstatSync(link);
  } catch {
    existing = undefined;
  }
  if (existing && !existing.isSymbolicLink()) return;
  let source: string;
  try {
    source = dirname(require.resolve(`${DASHBOARD_MODULE}/package.json`, { paths: [packageRoot] }));
  } catch {
    log(`${DASHBOARD_MODULE} is not installed: the business dashboard will not be served (npm install ${DASHBOARD_MODULE})`);
    return;
  }
  mkdirSync(dirname(link), { recursive: true });
  rmSync(link, { force: true });
  symlinkSync(source, link, "dir");
}

async function main(): Promise<void> {
  // The scenario flows' polled intakes read their interval from ${LSYNC_POLL_SECONDS} (seconds).
  if (!process.env.LSYNC_POLL_SECONDS?.trim()) process.env.LSYNC_POLL_SECONDS = "5";
  // The sites that report picks in the WMS (the handoff polls their pick confirmations); the others
  // report picks by RF scanner. "*" means every site, "none" no site.
  if (!process.env.LSYNC_WMS_PICK_SITES?.trim()) process.env.LSYNC_WMS_PICK_SITES = "DC3";
  // How often the exception tab's drift node reads the event log (seconds; empty: the node's 60).
  if (!process.env.LSYNC_DRIFT_SECONDS?.trim()) process.env.LSYNC_DRIFT_SECONDS = "60";
  let mqttUrl = process.env.MQTT_URL?.trim();
  if (!mqttUrl) {
    mqttUrl = await startEmbeddedBroker(Number(process.env.MQTT_PORT || 1883));
    process.env.MQTT_URL = mqttUrl;
    process.env.MQTT_PROTOCOL ??= "4";
  }
  const simulatorUrls = await startSimulatorsIfWanted(mqttUrl);

  // Loaded after the environment is settled: settings read it.
  const settings = (await import("../settings.js")).default as unknown as Record<string, unknown> & {
    userDir: string;
    flowFile: string;
    uiPort: number;
    uiHost: string;
    httpAdminRoot: string;
    httpNodeRoot: string;
    https?: { cert: Buffer; key: Buffer };
  };
  mkdirSync(settings.userDir, { recursive: true });
  linkPackageInto(settings.userDir);
  linkDashboardInto(settings.userDir);
  const decision = syncFlowFile(join(packageRoot, "flows"), join(settings.userDir, settings.flowFile));
  if (decision === "created" || decision === "updated") applyCredentials(settings);
  log(
    {
      created: "flow file built from flows/",
      updated: "flow file rebuilt: flows/ changed",
      unchanged: "flow file matches flows/",
      "kept-edited": "flow file was changed in the editor: kept as it is (flows/ was not applied)",
    }[decision],
  );

  const RED = (await import("node-red")).default;
  const app = express();
  // LSYNC_TLS_CERT/LSYNC_TLS_KEY (settings.https): the editor, admin API and HTTP endpoints over TLS.
  const server = settings.https ? https.createServer(settings.https, app) : http.createServer(app);
  RED.init(server, settings as never);
  // Every durable intake, rule and SFTP node waits for "flows:started" once; with the shipped tabs they
  // are more than EventEmitter's default 10, which is not a leak.
  (RED as unknown as { events: import("node:events").EventEmitter }).events.setMaxListeners(100);
  // The dashboard lives under the HTTP node root (/api/dashboard): /dashboard leads there. Its
  // editor API (/dashboard/api/…, under the admin root) is not redirected.
  const nodeRoot = settings.httpNodeRoot.replace(/\/+$/, "");
  if (nodeRoot) {
    app.get(/^\/dashboard(\/(?!api\/)[^?]*)?$/, (req, res) => res.redirect(302, `${nodeRoot}${req.originalUrl}`));
  }
  // HTTP endpoints first: the admin app sits at "/" and its JSON body parser would read a webhook's body
  // before the webhook in node could (it needs the raw bytes for the signature), leaving it waiting.
  app.use(settings.httpNodeRoot, RED.httpNode);
  app.use(settings.httpAdminRoot, RED.httpAdmin);
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(settings.uiPort, settings.uiHost, () => ok());
  });
  await RED.start();
  running.push({
    name: "Node-RED",
    stop: async () => {
      await RED.stop();
      await new Promise<void>((done) => server.close(() => done()));
    },
  });

  const address = server.address();
  const port = typeof address === "object" && address ? address.port : settings.uiPort;
  log(`editor      ${settings.https ? "https" : "http"}://localhost:${port}/`);
  log(`dashboard   ${settings.https ? "https" : "http"}://localhost:${port}${nodeRoot}/dashboard`);
  log(`MQTT        ${mqttUrl}`);
  for (const [name, url] of Object.entries(simulatorUrls)) log(`${name.padEnd(11)} ${url}  (state: ${url}/_sim/state)`);
  log("ready; Ctrl-C stops everything");
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping`);
  for (const part of running.reverse()) {
    await part.stop().catch((err: Error) => log(`${part.name} did not stop cleanly: ${err.message}`));
  }
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

main().catch((err: Error) => {
  console.error(`[logistics-sync] could not start: ${err.message}`);
  process.exit(1);
});
