import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { AdminApi, AdminApiError, ConflictError } from "../../../cli/lib/admin-api";

/** A stand-in for Node-RED's admin API: records requests, answers like Node-RED 4.1. */
let server: Server;
let url: string;
const seen: Array<{ method: string; path: string; headers: IncomingMessage["headers"]; body: string }> = [];
let rev = "rev-1";
let requireToken: string | undefined;

before(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ method: req.method!, path: req.url!, headers: req.headers, body });
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      if (requireToken && req.headers.authorization !== `Bearer ${requireToken}`) return json(401, { message: "Unauthorized" });
      if (req.method === "GET" && req.url === "/flows") {
        return req.headers["node-red-api-version"] === "v2" ? json(200, { rev, flows: [{ id: "t1", type: "tab" }] }) : json(200, [{ id: "t1", type: "tab" }]);
      }
      if (req.method === "GET" && req.url === "/nodes") return json(200, [{ id: "node-red/inject", module: "node-red", types: ["inject"], enabled: true }]);
      if (req.method === "POST" && req.url === "/flows") {
        const posted = JSON.parse(body) as { rev?: string };
        if (posted.rev !== rev) return json(409, { code: "version_mismatch", message: "Error" });
        rev = `rev-${Number(rev.slice(4)) + 1}`;
        return json(200, { rev });
      }
      json(500, { message: "boom" });
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/`;
});
after(() => new Promise<void>((ok) => server.close(() => ok())));

describe("AdminApi", () => {
  it("asks for API v2 so GET /flows answers {rev, flows}", async () => {
    const api = new AdminApi(url);
    assert.deepEqual(await api.getFlows(), { rev: "rev-1", flows: [{ id: "t1", type: "tab" }] });
    assert.equal(seen.at(-1)!.headers["node-red-api-version"], "v2");
    assert.equal(seen.at(-1)!.headers.authorization, undefined);
  });

  it("deploys with the rev and the deployment type, and answers the new rev", async () => {
    const api = new AdminApi(url);
    assert.equal(await api.deployFlows([{ id: "t1", type: "tab" }], "rev-1", "nodes"), "rev-2");
    const call = seen.at(-1)!;
    assert.equal(call.headers["node-red-deployment-type"], "nodes");
    assert.deepEqual(JSON.parse(call.body), { flows: [{ id: "t1", type: "tab" }], rev: "rev-1" });
  });

  it("a deploy against a rev the target has moved past is a ConflictError naming the planned rev", async () => {
    const api = new AdminApi(url);
    await assert.rejects(api.deployFlows([], "rev-1", "full"), (err: unknown) => err instanceof ConflictError && err.status === 409 && /planned against rev rev-1/.test(err.message));
  });

  it("sends the bearer token, and says what to do when it is missing or refused", async () => {
    requireToken = "t0k";
    try {
      await assert.rejects(new AdminApi(url).getNodes(), (err: unknown) => err instanceof AdminApiError && /adminAuth on: pass --token or set LSYNC_ADMIN_TOKEN/.test(err.message));
      await assert.rejects(new AdminApi(url, "wrong").getNodes(), /the token given was refused/);
      assert.equal((await new AdminApi(url, "t0k").getNodes())[0]!.types[0], "inject");
      assert.equal(seen.at(-1)!.headers.authorization, "Bearer t0k");
    } finally {
      requireToken = undefined;
    }
  });

  it("an unreachable editor is an error naming the URL", async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, "127.0.0.1", () => ok()));
    const address = closed.address();
    const port = typeof address === "object" && address ? address.port : 0;
    await new Promise<void>((ok) => closed.close(() => ok()));
    await assert.rejects(new AdminApi(`http://127.0.0.1:${port}`).getFlows(), new RegExp(`GET http://127.0.0.1:${port}/flows: cannot reach Node-RED`));
  });
});
