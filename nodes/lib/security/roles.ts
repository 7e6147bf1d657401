/**
 * Who may do what in the editor and the admin API: the roles the product ships, as lists of
 * Node-RED permissions (scopes). Plain data and functions, no Node-RED: `settings.ts` builds
 * `adminAuth` from them and the tests check them without a runtime.
 *
 * Node-RED grants a permission when the user's list holds it exactly, holds `*`, or holds the bare
 * `read`/`write` scope and the permission ends in `.read`/`.write`. Our roles never use the bare
 * scopes: `read` would also grant `lsync-finance.read` (unmasked amounts) and every other
 * `*.read` a future node adds. Each role lists what it needs instead.
 */

/** Permissions of the routes this product adds (each route checks exactly one). */
export const PERMISSIONS = {
  deadLettersRead: "lsync-dead-letters.read",
  deadLettersReplay: "lsync-dead-letters.replay",
  deadLettersDiscard: "lsync-dead-letters.discard",
  mapRead: "lsync-canonical-map.read",
  mapTry: "lsync-canonical-map.write",
  auditRead: "lsync-audit.read",
  traceRead: "lsync-trace.read",
  /** KPIs: GET /lsync/metrics and the business dashboard. */
  metricsRead: "lsync-metrics.read",
  /** Unmasks financial and personal fields in dead-letter views, logs, trace and event log reads. */
  financeRead: "lsync-finance.read",
} as const;

/** What every signed-in user needs for the editor to open and show flows, status and debug. */
const EDITOR_READ = [
  "flows.read",
  "nodes.read",
  "settings.read",
  "library.read",
  "context.read",
  "plugins.read",
  "status.read",
  "debug.read",
] as const;

/** Changing flows: edit, deploy, library, context, the editor's own user settings, debug/inject buttons. */
const FLOW_WRITE = ["flows.write", "library.write", "context.write", "settings.write", "debug.write", "inject.write"] as const;

export const ROLES = {
  /** Everything, including installing nodes, projects and the audit log. */
  admin: ["*"],
  /** Builds and deploys flows, tries mappings, replays and discards dead letters, reads the audit log. */
  analyst: [
    ...EDITOR_READ,
    ...FLOW_WRITE,
    PERMISSIONS.deadLettersRead,
    PERMISSIONS.deadLettersReplay,
    PERMISSIONS.deadLettersDiscard,
    PERMISSIONS.mapRead,
    PERMISSIONS.mapTry,
    PERMISSIONS.traceRead,
    PERMISSIONS.metricsRead,
    PERMISSIONS.auditRead,
  ],
  /** Watches the running flows (trace, dashboards, dead letters) and replays a dead letter with a reason. */
  operator: [...EDITOR_READ, PERMISSIONS.deadLettersRead, PERMISSIONS.deadLettersReplay, PERMISSIONS.mapRead, PERMISSIONS.traceRead, PERMISSIONS.metricsRead],
  /** Reads flows, trace and dead letters; changes nothing. */
  viewer: [...EDITOR_READ, PERMISSIONS.deadLettersRead, PERMISSIONS.mapRead, PERMISSIONS.traceRead, PERMISSIONS.metricsRead],
  /** An add-on to another role: sees amounts and personal fields unmasked. */
  finance: [PERMISSIONS.financeRead],
} as const satisfies Record<string, readonly string[]>;

export type RoleName = keyof typeof ROLES;

export const ROLE_NAMES = Object.keys(ROLES) as RoleName[];

export function isRoleName(name: string): name is RoleName {
  return Object.prototype.hasOwnProperty.call(ROLES, name);
}

/**
 * A user's Node-RED permissions: the union of their roles' lists, `"*"` for an admin.
 * Throws naming the role when one is unknown (a typo must not quietly grant less or more).
 */
export function permissionsFor(roles: readonly string[]): "*" | string[] {
  if (roles.length === 0) throw new Error("a user needs at least one role");
  const out = new Set<string>();
  for (const role of roles) {
    if (!isRoleName(role)) throw new Error(`unknown role "${role}" (roles: ${ROLE_NAMES.join(", ")})`);
    if (role === "admin") return "*";
    for (const p of ROLES[role]) out.add(p);
  }
  return [...out];
}

/**
 * Node-RED's own rule (`@node-red/editor-api` permissions.js), for checks outside a route:
 * exact, `*`, or bare `read`/`write` for `.read`/`.write` permissions.
 */
export function hasPermission(scope: unknown, permission: string): boolean {
  if (Array.isArray(scope)) return scope.some((s) => hasPermission(s, permission));
  if (typeof scope !== "string") return false;
  if (scope === "*" || scope === permission) return true;
  if (scope === "read" || scope === "*.read") return /^((.+)\.)?read$/.test(permission);
  if (scope === "write" || scope === "*.write") return /^((.+)\.)?write$/.test(permission);
  return false;
}

/**
 * Whether a request's user sees financial and personal fields unmasked. With adminAuth off (the
 * open development editor) there is no user and nothing to protect: `authOn` false means yes.
 */
export function mayUnmask(authOn: boolean, scope: unknown): boolean {
  if (!authOn) return true;
  return hasPermission(scope, PERMISSIONS.financeRead);
}
