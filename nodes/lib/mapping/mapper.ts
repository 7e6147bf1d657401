import jsonata from "jsonata";
import { InputError } from "../errors";
import { parseElementString } from "../gs1";

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
  map(payload: unknown, context: MapContext): Promise<unknown>;
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

/**
 * Compiles a JSONata mapping once (the expensive part) and evaluates it per message with the
 * bindings every profile may use: $topic, $topicParts, $props, $receivedAt and $gs1().
 * Uses the `jsonata` package (>= 2.1), not Node-RED's bundled copy, whose 2.0.6 misreads compact
 * date pictures.
 */
export function compileMapping(source: string, input: "json" | "text"): Mapper {
  let expression: jsonata.Expression;
  try {
    expression = jsonata(source);
  } catch (err) {
    const e = err as { message?: string; position?: number; token?: string };
    throw new InputError(`mapping does not compile at position ${e.position ?? "?"}: ${e.message ?? String(err)}`);
  }
  expression.registerFunction("gs1", gs1ForJsonata, "<s-:o>");
  return {
    input,
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
      try {
        return await expression.evaluate(data, {
          ...context.bindings,
          topic,
          topicParts: topic.split("/"),
          props: context.props ?? {},
          receivedAt: context.receivedAt ?? new Date().toISOString(),
        });
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
