/** Every ingress the fuzz suite drives. Add one: a file beside this one, and a line here. */
import type { FlowIngress } from "../ingress";
import { scannerGs1 } from "./scanner-gs1";
import { scannerJson } from "./scanner-json";
import { x12 } from "./x12";

export const INGRESSES: FlowIngress[] = [scannerJson, scannerGs1, x12];
