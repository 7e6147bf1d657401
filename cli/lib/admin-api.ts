/**
 * The few Node-RED Admin API calls the flows tool makes. Version 2 of the flows API, so that
 * GET /flows answers `{rev, flows}` and POST /flows can carry the `rev` a deploy was planned
 * against: Node-RED refuses it with 409 when the flows changed meanwhile.
 */
import type { FlowNode } from "../../launcher/flow-file";

export interface RemoteFlows {
  rev: string;
  flows: FlowNode[];
}

/** One entry of GET /nodes: a node set of an installed module. */
export interface NodeSet {
  id: string;
  name: string;
  module: string;
  version?: string;
  types: string[];
  enabled: boolean;
}

export type DeploymentType = "full" | "nodes" | "flows";
export const DEPLOYMENT_TYPES: readonly DeploymentType[] = ["full", "nodes", "flows"];

export class AdminApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "AdminApiError";
  }
}

/** The target's flows moved on since the rev a deploy was planned against. */
export class ConflictError extends AdminApiError {
  constructor(
    readonly url: string,
    readonly plannedRev: string,
  ) {
    super(
      `conflict: the flows on ${url} changed after the diff was made (planned against rev ${plannedRev}); ` +
        `nothing was deployed. Run diff again, review the other change, then push.`,
      409,
    );
    this.name = "ConflictError";
  }
}

export class AdminApi {
  readonly url: string;

  constructor(
    url: string,
    private readonly token?: string,
  ) {
    this.url = url.replace(/\/+$/, "");
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      accept: "application/json",
      "Node-RED-API-Version": "v2",
      ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      ...extra,
    };
  }

  private async request(method: string, path: string, body?: unknown, extra?: Record<string, string>): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: this.headers(body === undefined ? extra : { "content-type": "application/json", ...extra }),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new AdminApiError(`${method} ${this.url}${path}: cannot reach Node-RED (${cause?.code ?? cause?.message ?? (err as Error).message})`);
    }
    if (res.status === 401 || res.status === 403) {
      throw new AdminApiError(
        `${method} ${this.url}${path}: HTTP ${res.status}, the editor has adminAuth on: pass --token or set LSYNC_ADMIN_TOKEN` +
          (this.token ? " (the token given was refused)" : ""),
        res.status,
      );
    }
    return res;
  }

  private async fail(res: Response, what: string): Promise<never> {
    const text = await res.text().catch(() => "");
    throw new AdminApiError(`${what}: HTTP ${res.status} ${text.slice(0, 300)}`.trim(), res.status);
  }

  async getFlows(): Promise<RemoteFlows> {
    const res = await this.request("GET", "/flows");
    if (!res.ok) return this.fail(res, `GET ${this.url}/flows`);
    const body = (await res.json()) as Partial<RemoteFlows> | FlowNode[];
    if (Array.isArray(body) || typeof body.rev !== "string" || !Array.isArray(body.flows)) {
      throw new AdminApiError(`GET ${this.url}/flows did not answer {rev, flows}: is this Node-RED 1.0 or later?`);
    }
    return { rev: body.rev, flows: body.flows };
  }

  async getNodes(): Promise<NodeSet[]> {
    const res = await this.request("GET", "/nodes");
    if (!res.ok) return this.fail(res, `GET ${this.url}/nodes`);
    return (await res.json()) as NodeSet[];
  }

  /** Deploys `flows` only if the target is still at `rev`; answers the new rev. */
  async deployFlows(flows: FlowNode[], rev: string, deploymentType: DeploymentType): Promise<string> {
    const res = await this.request("POST", "/flows", { flows, rev }, { "Node-RED-Deployment-Type": deploymentType });
    if (res.status === 409) throw new ConflictError(this.url, rev);
    if (!res.ok) return this.fail(res, `POST ${this.url}/flows`);
    const body = (await res.json()) as { rev?: string };
    return body.rev ?? "";
  }
}
