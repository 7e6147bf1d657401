/**
 * Errors our nodes hand to `done(err)`. Node-RED passes a Catch node the message text (and
 * stack), so the message itself names the field, the rule and the value; `code` and `details`
 * serve callers in code and tests.
 */
import { redact } from "./security/redact";

export class LsyncError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "LsyncError";
  }
}

/** Input that can never succeed as it is: retrying would not help, park it. */
export class InputError extends LsyncError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, "INVALID_INPUT", details);
    this.name = "InputError";
  }
}

/** The error as text for people: logs, Catch nodes, dead-letter reasons, API answers. Secrets redacted. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return redact(err.message);
  return redact(typeof err === "string" ? err : String(JSON.stringify(err)));
}
