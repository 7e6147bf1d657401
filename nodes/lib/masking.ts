/**
 * Money masking for users without the finance permission: plain functions, shared by every
 * place that shows canonical objects to people (the trace API, the sidebar, the dashboard).
 */

/** The permission that lets a user see amounts. */
export const FINANCE_READ = "lsync-finance.read";

/** What a masked amount becomes: the currency stays (it says what kind of value is hidden). */
export interface MaskedMoney {
  currency: string | null;
  masked: true;
}

/**
 * True for an object that carries an amount: a canonical Money (`amountMinor`) or Price
 * (`amount` beside a `currency`).
 */
export function isMoneyLike(value: unknown): value is { currency?: unknown } {
  if (!value || typeof value !== "object" || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return "amountMinor" in v || ("currency" in v && "amount" in v);
}

/**
 * A copy of `value` with every Money or Price replaced by `{ currency, masked: true }`, and the
 * money-valued scalars that stand outside them (`rate` of a charge basis, `variancePct` of an
 * audit) removed. The input is not changed.
 */
export function maskMoney<T>(value: T): T {
  return maskValue(value) as T;
}

const MONEY_SCALARS = new Set(["rate", "variancePct"]);

function maskValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskValue);
  if (!value || typeof value !== "object") return value;
  if (isMoneyLike(value)) {
    const currency = (value as { currency?: unknown }).currency;
    return { currency: typeof currency === "string" ? currency : null, masked: true } satisfies MaskedMoney;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (MONEY_SCALARS.has(k) && (typeof v === "string" || typeof v === "number")) continue;
    out[k] = maskValue(v);
  }
  return out;
}

/**
 * Whether a user may see amounts, from the scope Node-RED's adminAuth gave them
 * (`req.authInfo.scope`): "*" or an explicit "lsync-finance.read". A plain "read" scope does NOT
 * count here (Node-RED would let it read every `*.read` route): viewers see timelines, not money.
 * Without adminAuth (`authEnabled` false) everyone may.
 */
export function mayReadFinance(scope: unknown, authEnabled: boolean): boolean {
  if (!authEnabled) return true;
  const scopes = Array.isArray(scope) ? scope : [scope];
  return scopes.some((s) => s === "*" || s === FINANCE_READ);
}
