import { ERP_OPERATIONS } from "./erp";
import { PORTAL_OPERATIONS } from "./portal";
import { TMS_OPERATIONS } from "./tms";
import { WMS_OPERATIONS } from "./wms";
import type { Operation } from "./types";

export type { Operation } from "./types";

/** One list per system, each in its own file, so adding an operation touches one system's file. */
const OPERATIONS: Operation[] = [...TMS_OPERATIONS, ...ERP_OPERATIONS, ...WMS_OPERATIONS, ...PORTAL_OPERATIONS];

export function findOperation(system: Operation["system"], id: string): Operation | undefined {
  return OPERATIONS.find((o) => o.system === system && o.id === id);
}
