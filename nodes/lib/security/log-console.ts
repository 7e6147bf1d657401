/**
 * The console logger `settings.ts` installs in place of Node-RED's own: the same line format
 * (`30 Nov 18:08:05 - [info] [type:name] text`, so whatever parses the log still can), but every
 * line goes through `redact` (configured secrets) and `maskText` (financial and personal fields)
 * first. Logs are read by people without the finance permission, so they are always masked.
 */
import { inspect } from "node:util";
import { maskText, type MaskingRules } from "../masking";
import { redact } from "./redact";

const LEVEL_NAMES: Record<number, string> = { 10: "fatal", 20: "error", 30: "warn", 40: "info", 50: "debug", 60: "trace", 98: "audit", 99: "metric" };
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export interface LogMessage {
  level: number;
  msg?: unknown;
  type?: string;
  name?: string;
  id?: string;
  [key: string]: unknown;
}

function text(message: unknown): string {
  if (typeof message === "string") return message;
  if (message instanceof Error) return message.message;
  if (message && typeof message === "object" && typeof (message as { message?: unknown }).message === "string") {
    return (message as { message: string }).message;
  }
  return typeof message === "object" ? inspect(message, { depth: 4, breakLength: Infinity }) : String(message);
}

/** One log line as Node-RED writes it, redacted and masked. */
export function formatLogLine(msg: LogMessage, rules: MaskingRules, now = new Date()): string {
  const level = LEVEL_NAMES[msg.level] ?? String(msg.level);
  const body =
    msg.level >= 98 ? JSON.stringify(msg) : `${msg.type ? `[${msg.type}:${msg.name || msg.id}] ` : ""}${text(msg.msg)}`;
  const time = [now.getHours(), now.getMinutes(), now.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
  return `${now.getDate()} ${MONTHS[now.getMonth()]} ${time} - [${level}] ${maskText(redact(body), rules)}`;
}

/** Node-RED log handler factory: `logging.console.handler`. */
export function redactingConsole(rules: MaskingRules, write: (line: string) => void = (line) => console.log(line)): () => (msg: LogMessage) => void {
  return () => (msg) => {
    try {
      write(formatLogLine(msg, rules));
    } catch {
      write(`[${LEVEL_NAMES[msg.level] ?? msg.level}] (a log message could not be written)`);
    }
  };
}
