import jsonata from "jsonata";
import { InputError } from "../errors";
import { zonedTimeForJsonata } from "../canonical/zoned-time";
import { parseElementString } from "../gs1";
import type { Node } from "./fast/ast";
import { captureNatives, compileFast, type Natives, type Registered } from "./fast";
import { plainData } from "./plain-data";

/** What a mapping sees besides the payload. */
export interface MapContext {
  topic?: string;
  /** Transport metadata: MQTT v5 user properties, HTTP headers of interest. */
  props?: Record<string, string> | null;
  receivedAt?: string;
  /** Extra variables for the expression (reference data such as a site-to-plant table). */
  bindings?: Record<string, unknown>;
}

export interface Mapper {
  readonly input: "json" | "text";
  /** "fast": compiled to JS (nodes/lib/mapping/fast), jsonata only for errors; "jsonata": the jsonata engine. */
  readonly engine: "fast" | "jsonata";
  /** Why the expression is not on the fast path (the first construct outside its subset). */
  readonly fastPathReason?: string;
  map(payload: unknown, context: MapContext): Promise<unknown>;
}

export interface CompileOptions {
  /** false: always the jsonata engine (benchmarks, equivalence tests). Default: LSYNC_MAPPING_FAST != "off". */
  fast?: boolean;
}

/**
 * `$gs1(s)`: decodes a GS1 element string for a mapping, or fails the mapping with the decoder's
 * own message (naming the AI and the broken rule) so the analyst sees why a scan was refused.
 */
function gs1ForJsonata(raw: unknown): Record<string, unknown> | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (typeof raw !== "string") throw new InputError(`$gs1: expected a scanned element string, got ${typeof raw}`);
  const result = parseElementString(raw);
  if (!result.ok) {
    throw new InputError(`GS1 scan ${JSON.stringify(raw)}: ${result.errors.map((e) => e.message).join("; ")}`, {
      rule: "gs1",
      errors: result.errors,
    });
  }
  return result.fields as Record<string, unknown>;
}

/** The functions a mapping may call besides JSONata's own, on both engines. */
export const REGISTERED: readonly Registered[] = [
  { name: "gs1", implementation: gs1ForJsonata, signature: "<s-:o>" },
  // $zonedTime("2026-03-29T10:00:00", "Europe/Berlin") -> "2026-03-29T10:00:00+02:00" (nodes/lib/canonical/zoned-time.ts)
  { name: "zonedTime", implementation: zonedTimeForJsonata, signature: "<s-s:s>" },
];

let natives: Natives | undefined;
let nativesLoading: Promise<Natives> | undefined;

/** jsonata's built-in functions for the fast path, captured once (the capture is async). */
export function fastNatives(): Promise<Natives> {
  nativesLoading ??= captureNatives(REGISTERED).then((n) => (natives = n));
  return nativesLoading;
}

/**
 * Compiles a JSONata mapping once (the expensive part) and evaluates it per message with the
 * bindings every profile may use: $topic, $topicParts, $props, $receivedAt, $gs1() and $zonedTime().
 * Uses the `jsonata` package (>= 2.1), not Node-RED's bundled copy, whose 2.0.6 misreads compact
 * date pictures.
 */
export function compileMapping(source: string, input: "json" | "text", options: CompileOptions = {}): Mapper {
  let expression: jsonata.Expression;
  try {
    expression = jsonata(source);
  } catch (err) {
    const e = err as { message?: string; position?: number; token?: string };
    throw new InputError(`mapping does not compile at position ${e.position ?? "?"}: ${e.message ?? String(err)}`);
  }
  for (const r of REGISTERED) expression.registerFunction(r.name, r.implementation as (...args: unknown[]) => unknown, r.signature);
  const wantFast = options.fast ?? process.env.LSYNC_MAPPING_FAST !== "off";
  const fast = wantFast ? compileFast(expression.ast() as Node, REGISTERED.map((r) => r.name)) : { ok: false as const, reason: "fast path turned off" };
  return {
    input,
    engine: fast.ok ? "fast" : "jsonata",
    ...(fast.ok ? {} : { fastPathReason: fast.reason }),
    async map(payload, context) {
      let data: unknown = payload;
      if (input === "json" && (typeof payload === "string" || Buffer.isBuffer(payload))) {
        try {
          data = JSON.parse(payload.toString());
        } catch (err) {
          throw new InputError(`payload is not JSON: ${(err as Error).message}`, { rule: "json" });
        }
      } else if (input === "text" && typeof payload !== "string") {
        data = Buffer.isBuffer(payload) ? payload.toString("utf8") : payload;
      }
      const topic = context.topic ?? "";
      const bindings = {
        ...context.bindings,
        topic,
        topicParts: topic.split("/"),
        props: context.props ?? {},
        receivedAt: context.receivedAt ?? new Date().toISOString(),
      };
      if (fast.ok) {
        try {
          return plainData(fast.evaluate(data, bindings, natives ?? (await fastNatives())));
        } catch {
          // A failing mapping (or a case the fast path hands back): jsonata evaluates it again, so
          // the error the analyst sees is jsonata's own, word for word.
        }
      }
      try {
        return plainData(await expression.evaluate(data, bindings));
      } catch (err) {
        if (err instanceof InputError) throw err;
        const e = err as { message?: string; code?: string; position?: number };
        throw new InputError(`mapping failed${e.code ? ` (${e.code})` : ""}: ${e.message ?? String(err)}`, {
          rule: "mapping",
        });
      }
    },
  };
}
