/**
 * The Node-RED settings the product runs with (`npm start` passes them to the embedded
 * runtime; `node-red --settings dist/settings.js` works too). Everything that differs between
 * machines comes from the environment: see the README's table.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { maskingRules } from "./nodes/lib/masking";
import { auditLogHandler } from "./nodes/lib/security/audit";
import { forbiddenNot401 } from "./nodes/lib/security/forbidden";
import { redactingConsole } from "./nodes/lib/security/log-console";
import { registerEnvSecrets, registerSecret } from "./nodes/lib/security/redact";
import { DashboardGate } from "./nodes/lib/security/dashboard-auth";
import { adminAuthFromEnv } from "./nodes/lib/security/users-file";

/** The repository (or installed package) root: settings.ts compiles to dist/settings.js. */
const packageRoot = resolve(__dirname, existsSync(join(__dirname, "..", "package.json")) ? ".." : ".");

/** Where Node-RED keeps its user dir: flows, credentials, the SQLite store. Git-ignored. */
const dataDir = resolve(process.env.LSYNC_DATA_DIR || join(packageRoot, "data"));

/**
 * The credential secret: from LSYNC_CREDENTIAL_SECRET, else generated once and kept in the data
 * folder so local credentials keep decrypting across restarts. Outside development a generated
 * secret is refused: credentials encrypted with it could not be decrypted anywhere else.
 */
function credentialSecret(log: (line: string) => void = console.log): string {
  const fromEnv = process.env.LSYNC_CREDENTIAL_SECRET?.trim();
  if (fromEnv) return fromEnv;
  if ((process.env.NODE_ENV ?? "development") === "production") {
    throw new Error("LSYNC_CREDENTIAL_SECRET must be set when NODE_ENV=production (credentials must decrypt on every instance)");
  }
  const file = join(dataDir, ".credential-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("hex");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  log(`[settings] generated a credential secret for local use in ${file}; set LSYNC_CREDENTIAL_SECRET for shared environments`);
  return secret;
}

/**
 * Financial and personal fields masked for readers without `lsync-finance.read` (dead letters,
 * trace, event log) and always in the console log: LSYNC_MASK_FIELDS (key names, anywhere) and
 * LSYNC_MASK_PATHS (`$.parties[*].name`), comma-separated; unset = the defaults in
 * nodes/lib/masking.ts, "none" = off.
 */
function maskingFromEnv() {
  const fields = process.env.LSYNC_MASK_FIELDS?.trim();
  const paths = process.env.LSYNC_MASK_PATHS?.trim();
  if (fields === "none" && (paths === undefined || paths === "none")) return maskingRules(false);
  return maskingRules({ ...(fields ? { fields: fields === "none" ? [] : fields } : {}), ...(paths ? { paths: paths === "none" ? [] : paths } : {}) });
}

/**
 * The editor over HTTPS when LSYNC_TLS_CERT and LSYNC_TLS_KEY name PEM files (the launcher then
 * serves https); otherwise plain HTTP, meant for 127.0.0.1 or behind a TLS-terminating proxy.
 */
function httpsFromEnv(): { cert: Buffer; key: Buffer } | undefined {
  const cert = process.env.LSYNC_TLS_CERT?.trim();
  const key = process.env.LSYNC_TLS_KEY?.trim();
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new Error("LSYNC_TLS_CERT and LSYNC_TLS_KEY go together: set both (PEM files) or neither");
  return { cert: readFileSync(cert), key: readFileSync(key) };
}

const secret = credentialSecret();
// Everything that writes text for people redacts these (see nodes/lib/security/redact.ts).
registerSecret(secret);
registerEnvSecrets();
const masking = maskingFromEnv();
const https = httpsFromEnv();
const adminAuth = adminAuthFromEnv();
// The business dashboard asks the editor's users (nodes/lib/security/dashboard-auth.ts); open without them.
const dashboardGate = adminAuth ? new DashboardGate(adminAuth.users) : null;

const settings = {
  uiHost: process.env.HOST || "127.0.0.1",
  uiPort: Number(process.env.PORT || 1880),
  userDir: dataDir,
  flowFile: "flows.json",
  flowFilePretty: true,
  credentialSecret: secret,
  // Users and roles from LSYNC_USERS_FILE; none in development (open editor), required in production.
  adminAuth,
  // A signed-in user without the permission gets 403 with a reason rather than a bare 401.
  httpAdminMiddleware: forbiddenNot401,
  ...(https ? { https } : {}),
  /** Read by our nodes through RED.settings: what masking hides (nodes/lib/masking.ts). */
  lsyncMasking: masking,
  // Dashboard 2.0 reads this: sign-in for its page and its socket.io connection.
  ...(dashboardGate ? { dashboard: { middleware: dashboardGate.http(), ioMiddleware: dashboardGate.io() } } : {}),
  httpAdminRoot: "/",
  httpNodeRoot: "/api",
  // Our nodes import what they need; function nodes in the product flows need no modules.
  functionExternalModules: false,
  logging: {
    // Node-RED's console format, with secrets redacted and financial/personal fields masked.
    console: { level: process.env.LOG_LEVEL || "info", metrics: false, audit: false, handler: redactingConsole(masking) },
    // Node-RED's audit events (deploys, settings, palette, logins, refused permissions) into the store's audit table.
    lsyncAudit: { level: "off", metrics: false, audit: true, handler: auditLogHandler },
  },
  editorTheme: {
    page: { title: "Logistics Sync" },
    header: { title: "Logistics Sync" },
    palette: {
      categories: ["logistics sync", "common", "function", "network", "sequence", "parser", "storage"],
      // The palette manager's public catalogue is out of reach on the closed networks this runs
      // in; modules are installed with npm into the user dir instead.
      catalogues: [],
    },
    tours: false,
  },
  // Event log (visibility): every canonical event and system call, kept LSYNC_EVENT_LOG_DAYS days
  // (0 = forever) in the first store config node's store; LSYNC_EVENT_LOG=off turns it off.
  lsyncEventLog: {
    enabled: process.env.LSYNC_EVENT_LOG?.trim().toLowerCase() !== "off",
    retentionDays: Number(process.env.LSYNC_EVENT_LOG_DAYS?.trim() || 30),
  },
  // Store retention: settled inbox/outbox rows kept LSYNC_RETENTION_DAYS (default 30), the file
  // ledger LSYNC_LEDGER_DAYS (default 400); 0 = forever. Swept hourly by the store config node.
  lsyncRetention: {
    settledDays: Number(process.env.LSYNC_RETENTION_DAYS?.trim() || 30),
    ledgerDays: Number(process.env.LSYNC_LEDGER_DAYS?.trim() || 400),
  },
  exportGlobalContextKeys: false,
  // No consent prompt and no calls out to check for Node-RED updates: the editor must work on a
  // closed network, and the product pins its Node-RED version.
  telemetry: { enabled: false, updateNotification: false },
};

export = settings;
