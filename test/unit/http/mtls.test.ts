import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { EndpointClient, type EndpointTls } from "../../../nodes/lib/http/endpoint-client";
import endpointNode from "../../../nodes/lsync-endpoint/lsync-endpoint";
import { helper } from "../nodes/_helper";

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
function makeCerts(dir: string): { ca: string; serverKey: string; serverCert: string; clientKey: string; clientCert: string; otherCert: string; otherKey: string } {
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const p = (name: string) => join(dir, name);
  run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("ca.key"), "-out", p("ca.crt"), "-days", "1", "-subj", "/CN=lsync test CA");
  writeFileSync(p("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  writeFileSync(p("client.ext"), "extendedKeyUsage=clientAuth\n");
  const issue = (name: string, cn: string, ext: string, caName = "ca") => {
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", p(`${name}.key`), "-out", p(`${name}.csr`), "-subj", `/CN=${cn}`);
    run("x509", "-req", "-in", p(`${name}.csr`), "-CA", p(`${caName}.crt`), "-CAkey", p(`${caName}.key`), "-CAcreateserial", "-out", p(`${name}.crt`), "-days", "1", "-extfile", p(ext));
  };
  issue("server", "127.0.0.1", "server.ext");
  issue("client", "lsync-client", "client.ext");
  // A client certificate from a CA the server does not trust.
  run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("other-ca.key"), "-out", p("other-ca.crt"), "-days", "1", "-subj", "/CN=other CA");
  issue("other", "intruder", "client.ext", "other-ca");
  const read = (name: string) => readFileSync(p(name), "utf8");
  return {
    ca: read("ca.crt"),
    serverKey: read("server.key"),
    serverCert: read("server.crt"),
    clientKey: read("client.key"),
    clientCert: read("client.crt"),
    otherKey: read("other.key"),
    otherCert: read("other.crt"),
  };
}

describe("EndpointClient over mTLS", () => {
  let dir: string;
  let certs: ReturnType<typeof makeCerts>;
  let server: https.Server;
  let url: string;
  const peers: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "lsync-mtls-"));
    certs = makeCerts(dir);
    server = https.createServer(
      { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        peers.push(String(peer.subject?.CN));
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ client: peer.subject?.CN, idempotencyKey: req.headers["idempotency-key"] }));
      },
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (tls: EndpointTls | undefined) => {
    const c = new EndpointClient({ baseUrl: url, auth: { type: "none" }, timeoutMs: 3_000, maxSockets: 2, ...(tls ? { tls } : {}) });
    try {
      return await c.call("POST", "/api/x", { a: 1 }, { idempotencyKey: "k-mtls" });
    } finally {
      c.close();
    }
  };

  it("presents the client certificate and verifies the server against the given CA", async () => {
    const outcome = await call({ ca: certs.ca, cert: certs.clientCert, key: certs.clientKey });
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.deepEqual(outcome.data, { client: "lsync-client", idempotencyKey: "k-mtls" });
  });

  it("the server requires it: no client certificate, or one from an untrusted CA, gets no answer", async () => {
    const before = peers.length;
    for (const tls of [{ ca: certs.ca }, { ca: certs.ca, cert: certs.otherCert, key: certs.otherKey }]) {
      const outcome = await call(tls);
      assert.ok(!outcome.ok && outcome.retryable, JSON.stringify(outcome));
      assert.equal(outcome.status, null);
    }
    assert.equal(peers.length, before, "the handler never ran");
  });

  it("without the CA the server certificate is refused", async () => {
    const outcome = await call({ cert: certs.clientCert, key: certs.clientKey });
    assert.ok(!outcome.ok && outcome.retryable);
    assert.match(outcome.error, /self[- ]signed|unable to (get|verify)/i);
  });

  it("the lsync-endpoint node takes the certificates from a core tls-config node", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tlsNode = require("@node-red/nodes/core/network/05-tls.js") as (RED: unknown) => void;
    await helper.startServer();
    try {
      await helper.load(
        [tlsNode as never, endpointNode],
        [
          { id: "tls1", type: "tls-config", name: "", cert: "", key: "", ca: "", certname: "", keyname: "", caname: "", servername: "", verifyservercert: true },
          { id: "ep", type: "lsync-endpoint", system: "TMS", baseUrl: url, authType: "none", apiKeyHeader: "", timeoutMs: 3000, maxSockets: 2, tls: "tls1" },
          { id: "ep-old", type: "lsync-endpoint", system: "TMS", baseUrl: url, authType: "none", apiKeyHeader: "", timeoutMs: 3000, maxSockets: 2 },
        ],
        { tls1: { certdata: certs.clientCert, keydata: certs.clientKey, cadata: certs.ca } },
      );
      const withTls = helper.getNode("ep") as unknown as { client: EndpointClient };
      const outcome = await withTls.client.call("GET", "/api/x", undefined);
      assert.ok(outcome.ok, JSON.stringify(outcome));
      assert.equal((outcome.data as { client: string }).client, "lsync-client");
      // An endpoint from an older flow (no tls property) still loads, and goes without a certificate.
      const old = helper.getNode("ep-old") as unknown as { client: EndpointClient };
      const refused = await old.client.call("GET", "/api/x", undefined);
      assert.ok(!refused.ok && refused.retryable);
    } finally {
      await helper.unload();
      await helper.stopServer();
    }
  });
});
