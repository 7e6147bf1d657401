/** The parts of jsonata 2.2's AST (after its post-parse pass) the fast path reads. */
export interface Node {
  type: string;
  value?: unknown;
  position?: number;
  steps?: Node[];
  stages?: Stage[];
  predicate?: Stage[];
  expressions?: Node[];
  lhs?: Node | [Node, Node][];
  rhs?: Node;
  expression?: Node;
  condition?: Node;
  then?: Node;
  else?: Node;
  procedure?: Node;
  arguments?: Node[];
  body?: Node;
  signature?: unknown;
  thunk?: boolean;
  keepArray?: boolean;
  keepSingletonArray?: boolean;
  consarray?: boolean;
  // features the fast path leaves to jsonata
  group?: unknown;
  focus?: unknown;
  index?: unknown;
  tuple?: unknown;
  ancestor?: unknown;
  seekingParent?: unknown;
}

export interface Stage {
  type: string;
  expr: Node;
  value?: unknown;
}

/** Why an expression (or part of it) is not compiled; the mapper then runs jsonata. */
export class Unsupported extends Error {
  constructor(
    readonly reason: string,
    readonly position?: number,
  ) {
    super(position === undefined ? reason : `${reason} (at ${position})`);
  }
}
