import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate, parseEvent, readBody, type KeySource, type Rejection, type WebhookAuth } from "../lib/intake/webhook/request";
import { WebhookIntake, type WebhookIntakeState } from "../lib/intake/webhook/webhook-intake";
import { registerCredentials } from "../lib/security/redact";
import { configValue, count, throttledStatus, type Node, type NodeAPI, type NodeDef } from "../lib/red";
import type { InboxItem } from "../lib/store";
import type { StoreNode } from "../lsync-store/lsync-store";

export interface WebhookInDef extends NodeDef {
  store: string;
  path: string;
  auth: "hmac" | "api-key" | "none";
  authHeader: string;
  toleranceSeconds: number | string;
  keyFrom: "header" | "body";
  keyName: string;
  maxBytes: number | string;
  maxInFlight: number | string;
}

interface WebhookCredentials {
  secret?: string;
  previousSecret?: string;
}

/** Request headers worth keeping with an event (never the signature or the API key). */
const KEPT_HEADERS = ["content-type", "user-agent", "x-correlation-id", "idempotency-key"];

function positive(value: number | string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

function keptHeaders(req: IncomingMessage, keyHeader: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of keyHeader ? [...KEPT_HEADERS, keyHeader.toLowerCase()] : KEPT_HEADERS) {
    const v = req.headers[name];
    if (typeof v === "string") out[name] = v.slice(0, 500);
  }
  return out;
}

function statusOf(s: WebhookIntakeState, auth: WebhookDefAuth): { fill: "green" | "yellow"; shape: "dot" | "ring"; text: string } {
  const text = `${count(s.takenIn)} in · ${count(s.inFlight)} in flight${s.duplicates ? ` · ${count(s.duplicates)} dup` : ""}${s.rejected ? ` · ${count(s.rejected)} rejected` : ""}`;
  if (auth === "none") return { fill: "yellow", shape: "ring", text: `no authentication · ${text}` };
  return { fill: s.busy && s.inFlight > 0 ? "yellow" : "green", shape: "dot", text };
}
type WebhookDefAuth = WebhookInDef["auth"];

export default function register(RED: NodeAPI): void {
  function LsyncWebhookInNode(this: Node<WebhookCredentials>, def: WebhookInDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const storeNode = RED.nodes.getNode(def.store) as StoreNode | null;
    const path = `/${configValue(def.path).replace(/^\/+/, "")}`;
    // Never in a log line, error or dead letter.
    registerCredentials(node.credentials);
    // A reference to an unset variable stays the literal "${NAME}" in Node-RED: a secret anyone can read in flows/, so none.
    const secrets = [node.credentials?.secret ?? "", node.credentials?.previousSecret ?? ""].filter((s) => s && !/^\$\{[^}]*\}$/.test(s.trim()));
    const authKind = def.auth === "api-key" || def.auth === "none" ? def.auth : "hmac";
    const problem = !storeNode
      ? "no store configured"
      : path === "/"
        ? "no path configured"
        : authKind !== "none" && secrets.length === 0
          ? `no ${authKind === "hmac" ? "signing secret" : "API key"} in the credentials`
          : null;
    if (problem || !storeNode) {
      this.status({ fill: "red", shape: "ring", text: problem ?? "not configured" });
      this.error(`webhook in: ${problem}`);
      return;
    }
    const store = storeNode.store;
    const auth: WebhookAuth =
      authKind === "none"
        ? { kind: "none" }
        : authKind === "api-key"
          ? { kind: "api-key", keys: secrets, header: def.authHeader || "x-api-key" }
          : { kind: "hmac", secrets, header: def.authHeader || "x-signature", toleranceSeconds: positive(def.toleranceSeconds, 300) };
    const keySource: KeySource = def.keyFrom === "body" ? { from: "body", path: def.keyName || "id" } : { from: "header", name: def.keyName || "idempotency-key" };
    const maxBytes = positive(def.maxBytes, 1_048_576);
    const setStatus = throttledStatus(this);

    const intake = new WebhookIntake({
      store,
      source: node.id,
      maxInFlight: positive(def.maxInFlight, 1000),
      // The key ledger and the inbox row are written in one transaction: a racing second delivery
      // of the same event is answered "duplicate", never taken in twice.
      takeInOnce: async (key, item) => {
        const sha256 = createHash("sha256").update(key).digest("hex");
        const taken = await store.takeInFile({ scope: node.id, name: key, sha256 }, [item]);
        return taken.duplicate ? { duplicate: true, firstAt: taken.file.takenAt } : { duplicate: false, id: taken.ids[0]! };
      },
      emit: (item: InboxItem, resumed: boolean) => {
        let payload: unknown;
        try {
          payload = JSON.parse(item.payload);
        } catch {
          payload = item.payload; // stored only after it parsed; kept as text should that ever change
        }
        node.send({
          _msgid: RED.util.generateId(),
          topic: item.topic,
          payload,
          webhook: { key: item.key, headers: item.props ?? {} },
          receivedAt: new Date(item.receivedAt).toISOString(),
          ...(item.props?.["x-correlation-id"] ? { correlationId: item.props["x-correlation-id"] } : {}),
          intake: { source: node.id, id: item.id, resumed },
        });
      },
      onState: (s) => setStatus(statusOf(s, authKind)),
    });

    const reject = async (req: IncomingMessage, res: ServerResponse, rejection: Rejection, raw: Buffer | null): Promise<void> => {
      intake.rejected();
      res.writeHead(rejection.status, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: rejection.error, rule: rejection.rule, ...(rejection.field ? { field: rejection.field } : {}) }));
      // Parked with what the sender would need to see why, never with its secret headers.
      await store
        .parkDeadLetter({
          nodeId: node.id,
          nodeType: "lsync-webhook-in",
          nodeName: def.name || null,
          flowId: node.z,
          reason: `${rejection.status} ${rejection.rule}: ${rejection.error}`,
          payload: {
            path,
            status: rejection.status,
            rule: rejection.rule,
            headers: keptHeaders(req, keySource.from === "header" ? keySource.name : null),
            bytes: raw?.length ?? Number(req.headers["content-length"] ?? 0),
            // An excerpt only: a rejected 5 MB body must not become a 5 MB dead letter.
            body: raw ? raw.subarray(0, 4096).toString("utf8") : null,
          },
        })
        .catch((err: Error) => node.warn(`webhook in: could not park a rejected call: ${err.message}`));
    };

    const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const raw = await readBody(req, maxBytes);
      if (!Buffer.isBuffer(raw)) return reject(req, res, raw, null);
      const unauthenticated = authenticate(req, raw, auth, Date.now());
      if (unauthenticated) return reject(req, res, unauthenticated, raw);
      const event = parseEvent(req, raw, keySource);
      if ("status" in event) return reject(req, res, event, raw);
      const answer = await intake.take(event.key, { topic: path, payload: event.text, props: keptHeaders(req, keySource.from === "header" ? keySource.name : null) });
      if (answer.status === 503) {
        res.writeHead(503, { "content-type": "application/json", "retry-after": String(answer.retryAfterSeconds) });
        res.end(JSON.stringify({ error: "the flow is behind; send again later", rule: "backpressure" }));
        return;
      }
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(
        JSON.stringify(
          answer.status === 202
            ? { status: "accepted", id: answer.id, key: event.key }
            : { status: "duplicate", key: event.key, firstReceivedAt: new Date(answer.firstAt).toISOString() },
        ),
      );
    };

    const route = (req: IncomingMessage, res: ServerResponse): void => {
      handle(req, res).catch((err: Error) => {
        // The store failed: the event was not taken in, so say so and let the sender retry.
        node.error(`webhook in: ${err.message}`);
        if (!res.headersSent) {
          res.writeHead(503, { "content-type": "application/json", "retry-after": "10" });
          res.end(JSON.stringify({ error: "the event could not be stored; send again later", rule: "store" }));
        }
      });
    };
    RED.httpNode.post(path, route);
    setStatus(statusOf(intake.state(), authKind));
    const begin = () => intake.resume().catch((err: Error) => node.error(`webhook in: resume failed: ${err.message}`));
    RED.events.once("flows:started", begin);

    this.on("close", (_removed: boolean, done: () => void) => {
      RED.events.off("flows:started", begin);
      intake.stop();
      removeRoute(RED, path, route);
      done();
    });
  }
  RED.nodes.registerType<Node<WebhookCredentials>, WebhookInDef, object, WebhookCredentials>("lsync-webhook-in", LsyncWebhookInNode, {
    credentials: { secret: { type: "password" }, previousSecret: { type: "password" } },
  });
}

/** Takes our POST route off the shared HTTP router (as Node-RED's own http in node does on redeploy). */
function removeRoute(RED: NodeAPI, path: string, handler: unknown): void {
  const router = (RED.httpNode as unknown as { _router?: { stack: Array<{ route?: { path: string; methods: Record<string, boolean>; stack: Array<{ handle: unknown }> } }> } })._router;
  if (!router) return;
  router.stack = router.stack.filter((layer) => !(layer.route && layer.route.path === path && layer.route.methods.post && layer.route.stack.some((s) => s.handle === handler)));
}
