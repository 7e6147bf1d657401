import { CARRIER_OPERATIONS } from "./carrier";
import { ERP_OPERATIONS } from "./erp";
import { FINANCE_OPERATIONS } from "./finance";
import { PORTAL_OPERATIONS } from "./portal";
import { TMS_OPERATIONS } from "./tms";
import { WMS_OPERATIONS } from "./wms";
import type { Operation } from "./types";

export type { CommandOperation, Operation, OperationContext, OperationOutcome, QueryOperation } from "./types";

/** One list per system, each in its own file, so adding an operation touches one system's file. */
const OPERATIONS: Operation[] = [...TMS_OPERATIONS, ...ERP_OPERATIONS, ...WMS_OPERATIONS, ...FINANCE_OPERATIONS, ...CARRIER_OPERATIONS, ...PORTAL_OPERATIONS];

export function findOperation(system: Operation["system"], id: string): Operation | undefined {
  return OPERATIONS.find((o) => o.system === system && o.id === id);
}

/** Every operation of a system (editor lists, docs and tests). */
export function operationsOf(system: Operation["system"]): Operation[] {
  return OPERATIONS.filter((o) => o.system === system);
}
