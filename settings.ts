/**
 * The Node-RED settings the product runs with (`npm start` passes them to the embedded
 * runtime; `node-red --settings dist/settings.js` works too). Everything that differs between
 * machines comes from the environment: see the README's table.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

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

const settings = {
  uiHost: process.env.HOST || "127.0.0.1",
  uiPort: Number(process.env.PORT || 1880),
  userDir: dataDir,
  flowFile: "flows.json",
  flowFilePretty: true,
  credentialSecret: credentialSecret(),
  httpAdminRoot: "/",
  httpNodeRoot: "/api",
  // Our nodes import what they need; function nodes in the product flows need no modules.
  functionExternalModules: false,
  logging: {
    console: { level: process.env.LOG_LEVEL || "info", metrics: false, audit: false },
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
  exportGlobalContextKeys: false,
  // No consent prompt and no calls out to check for Node-RED updates: the editor must work on a
  // closed network, and the product pins its Node-RED version.
  telemetry: { enabled: false, updateNotification: false },
};

export = settings;
