// Webhooks as a tenant's receiver sees them: every delivery verifies with the off-the-shelf
// Standard Webhooks library (npm `standardwebhooks`), over plain HTTP and over HTTPS with a
// certificate from a private CA given by --webhook-ca; without that CA the TLS handshake is
// refused and nothing is delivered. Issue #17 (3).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, SOURCE_DIR } from "./harness.mjs";

const require = createRequire(join(SOURCE_DIR, "web/package.json"));
const { Webhook } = require("standardwebhooks");

const certs = mkdtempSync(join(tmpdir(), "rampart-webhook-certs-"));
after(() => rmSync(certs, { recursive: true, force: true }));

// A self-signed certificate for localhost and 127.0.0.1 (it is its own CA).
function certificate() {
  const key = join(certs, "key.pem");
  const cert = join(certs, "cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-days",
      "1",
      "-keyout",
      key,
      "-out",
      cert,
    ],
    { stdio: "ignore" },
  );
  return { key: readFileSync(key), cert: readFileSync(cert), certPath: cert };
}

// A receiver on 127.0.0.1 that records each request's headers and body and answers 200.
async function receiver(tls) {
  const got = [];
  const handler = (req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
    });
  };
  const server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { got, port: server.address().port, close: () => server.close() };
}

async function until(what, check, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A tenant with a webhook at `url`, then an order paid: an order_paid event.
// Addresses to sell hdips from (an order in a network without a free address is refused).
async function withPool(server) {
  await server.call("POST", "/v1/admin/ip-pools", { region: "cn-south", line: "bgp", cidr: "203.0.113.0/28" });
}

async function paidOrderWithHook(server, url, name) {
  const t = await server.tenant(name, "100000.00");
  const hook = await server.call("POST", "/v1/webhooks", { url }, t.key);
  assert.match(hook.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
  const order = await server.call(
    "POST",
    "/v1/orders",
    { product: "hdip", region: "cn-south", line: "bgp", base_gbps: 20, months: 1 },
    t.key,
  );
  await server.call("POST", `/v1/orders/${order.id}/pay`, undefined, t.key);
  return { tenant: t, hook };
}

function verified(secret, request) {
  const payload = new Webhook(secret).verify(request.body, request.headers);
  assert.equal(payload.kind, "order_paid");
  // The receiver's own check of what was sent, and a forged body fails it.
  assert.throws(() => new Webhook(secret).verify(request.body + " ", request.headers));
  return payload;
}

test("deliveries verify with the standardwebhooks library, over HTTP and HTTPS", async () => {
  const tls = certificate();
  const plain = await receiver();
  const secure = await receiver(tls);
  const server = await startServer(["--webhook-allow-private", "--webhook-ca", tls.certPath]);
  try {
    await withPool(server);
    const a = await paidOrderWithHook(server, `http://127.0.0.1:${plain.port}/hook`, "plain");
    const b = await paidOrderWithHook(server, `https://localhost:${secure.port}/hook`, "secure");
    await until("both deliveries", () => plain.got.length >= 1 && secure.got.length >= 1);
    verified(a.hook.secret, plain.got[0]);
    verified(b.hook.secret, secure.got[0]);
    // Another tenant's secret does not verify it.
    assert.throws(() => new Webhook(b.hook.secret).verify(plain.got[0].body, plain.got[0].headers));
    // Rampart's own signature is still there for receivers built on it.
    assert.match(plain.got[0].headers["rampart-signature"], /^v1=[0-9a-f]{64}$/);
  } finally {
    await server.stop();
    plain.close();
    secure.close();
  }
});

test("an https receiver whose certificate the server does not trust gets nothing", async () => {
  const tls = certificate();
  const secure = await receiver(tls);
  const server = await startServer(["--webhook-allow-private"]); // no --webhook-ca
  try {
    await withPool(server);
    const { tenant, hook } = await paidOrderWithHook(server, `https://localhost:${secure.port}/`, "untrusting");
    const log = await until("the failed attempt", async () => {
      const items = (await server.call("GET", `/v1/webhooks/${hook.id}/deliveries`, undefined, tenant.key)).items;
      return items.length && items[0].last_error ? items : null;
    });
    assert.match(log[0].last_error, /TLS handshake failed/);
    assert.equal(log[0].status, "pending"); // retried later, with backoff
    assert.equal(secure.got.length, 0);
  } finally {
    await server.stop();
    secure.close();
  }
});
