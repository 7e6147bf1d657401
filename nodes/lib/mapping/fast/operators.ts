import type { Ev } from "./apply";
import { boolize, isDeepEqual, isNumeric, jsonataError, toJsonataString, type Value } from "./runtime";

/** Binary operators, as jsonata's evaluateBinary and its evaluate*Expression helpers. */
export function compileBinary(op: string, lhs: Ev, rhs: Ev): Ev {
  switch (op) {
    case "and":
      return (input, frame) => boolize(lhs(input, frame)) && boolize(rhs(input, frame));
    case "or":
      return (input, frame) => boolize(lhs(input, frame)) || boolize(rhs(input, frame));
    case "+":
    case "-":
    case "*":
    case "/":
    case "%":
      return (input, frame) => numeric(lhs(input, frame), rhs(input, frame), op);
    case "=":
      return (input, frame) => {
        const l = lhs(input, frame);
        const r = rhs(input, frame);
        return typeof l === "undefined" || typeof r === "undefined" ? false : isDeepEqual(l, r);
      };
    case "!=":
      return (input, frame) => {
        const l = lhs(input, frame);
        const r = rhs(input, frame);
        return typeof l === "undefined" || typeof r === "undefined" ? false : !isDeepEqual(l, r);
      };
    case "<":
    case "<=":
    case ">":
    case ">=":
      return (input, frame) => compare(lhs(input, frame), rhs(input, frame), op);
    case "&":
      return (input, frame) => {
        const l = lhs(input, frame);
        const r = rhs(input, frame);
        return (typeof l !== "undefined" ? toJsonataString(l)! : "") + (typeof r !== "undefined" ? toJsonataString(r)! : "");
      };
    case "in":
      return (input, frame) => includes(lhs(input, frame), rhs(input, frame));
    default:
      throw new Error(`fast path: unexpected operator ${op}`);
  }
}

function numeric(lhs: Value, rhs: Value, op: string): Value {
  if (typeof lhs !== "undefined" && !isNumeric(lhs)) throw jsonataError("T2001", lhs);
  if (typeof rhs !== "undefined" && !isNumeric(rhs)) throw jsonataError("T2002", rhs);
  if (typeof lhs === "undefined" || typeof rhs === "undefined") return undefined;
  switch (op) {
    case "+":
      return lhs + rhs;
    case "-":
      return lhs - rhs;
    case "*":
      return lhs * rhs;
    case "/":
      return lhs / rhs;
    default:
      return lhs % rhs;
  }
}

function compare(lhs: Value, rhs: Value, op: string): Value {
  const ltype = typeof lhs;
  const rtype = typeof rhs;
  const lcomparable = ltype === "undefined" || ltype === "string" || ltype === "number";
  const rcomparable = rtype === "undefined" || rtype === "string" || rtype === "number";
  if (!lcomparable || !rcomparable) throw jsonataError("T2010", !(ltype === "string" || ltype === "number") ? lhs : rhs);
  if (ltype === "undefined" || rtype === "undefined") return undefined;
  if (ltype !== rtype) throw jsonataError("T2009", lhs);
  const l = lhs as string | number;
  const r = rhs as string | number;
  switch (op) {
    case "<":
      return l < r;
    case "<=":
      return l <= r;
    case ">":
      return l > r;
    default:
      return l >= r;
  }
}

function includes(lhs: Value, rhs: Value): boolean {
  if (typeof lhs === "undefined" || typeof rhs === "undefined") return false;
  const list = Array.isArray(rhs) ? rhs : [rhs];
  for (let i = 0; i < list.length; i++) if (list[i] === lhs) return true;
  return false;
}
