// docs/openapi.json against the running server: the document is a valid OpenAPI 3.1
// description (@seriousme/openapi-schema-validator), GET /v1/openapi.json serves it, and a
// scenario that calls every documented operation validates each answer against the schema the
// document gives for its status (Ajv, JSON Schema 2020-12) — a field renamed, dropped or
// retyped in the server, or an operation no longer answering as described, fails here.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { startServer, SOURCE_DIR, ADMIN_KEY } from "../browser/harness.mjs";

const require = createRequire(join(SOURCE_DIR, "web/package.json"));
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats");
const { Validator } = require("@seriousme/openapi-schema-validator");

const doc = JSON.parse(readFileSync(join(SOURCE_DIR, "docs/openapi.json"), "utf8"));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc, "openapi.json");

// Each documented operation: its method, a regex of its path, and the pointer to it.
const operations = [];
for (const [path, item] of Object.entries(doc.paths)) {
  for (const method of Object.keys(item)) {
    const re = new RegExp("^" + path.replace(/\{\w+\}/g, "[^/]+") + "$");
    operations.push({ name: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, re });
  }
}
const pointer = (s) => s.replace(/~/g, "~0").replace(/\//g, "~1");
const covered = new Map(); // operation -> statuses seen

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

// Calls the API and validates the answer against the document; returns the parsed body. An
// error answer fails the test unless `error` says it is expected (then {status, body}).
async function call(method, target, body, key = ADMIN_KEY, { error = false } = {}) {
  const url = new URL(target, server.url);
  const op = operations
    .filter((o) => o.method === method && o.re.test(url.pathname))
    // "/v1/bills/estimate" matches both "/v1/bills/{day}" and nothing more specific; prefer
    // the template with the most literal characters.
    .sort((a, b) => b.path.replace(/\{\w+\}/g, "").length - a.path.replace(/\{\w+\}/g, "").length)[0];
  assert.ok(op, `${method} ${url.pathname} is not in the document`);
  const res = await fetch(url, {
    method,
    headers: {
      ...(key ? { Authorization: `Bearer ${key}` } : {}),
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const responses = doc.paths[op.path][op.method.toLowerCase()].responses;
  const status = String(res.status);
  const documented = responses[status] ? status : res.status >= 300 ? "default" : null;
  assert.ok(documented, `${op.name} answered ${status}, which it does not document: ${text}`);
  const type = (res.headers.get("content-type") ?? "").split(";")[0];
  const where = `openapi.json#/paths/${pointer(op.path)}/${op.method.toLowerCase()}/responses/${documented}`;
  const response = responses[documented].$ref
    ? doc.components.responses[responses[documented].$ref.split("/").pop()]
    : responses[documented];
  assert.ok(response.content?.[type], `${op.name} ${status}: content type ${type} is not documented`);
  let parsed = text;
  if (type === "application/json") {
    parsed = JSON.parse(text);
    const schemaRef = responses[documented].$ref
      ? `openapi.json#/components/responses/Error/content/application~1json/schema`
      : `${where}/content/${pointer(type)}/schema`;
    const validate = ajv.getSchema(schemaRef);
    assert.ok(validate, `no schema at ${schemaRef}`);
    assert.ok(
      validate(parsed),
      `${op.name} ${status} does not match its schema: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 600)}`,
    );
  }
  if (!covered.has(op.name)) covered.set(op.name, new Set());
  covered.get(op.name).add(status);
  if (res.status >= 400) {
    assert.ok(error, `${op.name}: ${status} ${text}`);
    return { status: res.status, body: parsed };
  }
  return parsed;
}

test("the document is a valid OpenAPI 3.1 description, served at /v1/openapi.json", async () => {
  const result = await new Validator().validate(doc);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 1));
  const served = await call("GET", "/v1/openapi.json", undefined, null);
  assert.deepEqual(served, doc);
});

test("every operation answers as the document describes it", async () => {
  await call("GET", "/healthz", undefined, null);
  await call("GET", "/metrics", undefined, null);
  // The operator's side: a pool, a tenant with keys, money and a prefix.
  await call("POST", "/v1/admin/ip-pools", { region: "cn-south", line: "bgp", cidr: "203.0.113.0/28" });
  const spare = await call("POST", "/v1/admin/ip-pools", { region: "cn-east", line: "bgp", cidr: "192.0.2.0/30" });
  await call("PATCH", `/v1/admin/ip-pools/${spare.id}`, { enabled: false });
  await call("DELETE", `/v1/admin/ip-pools/${spare.id}`);
  await call("GET", "/v1/admin/ip-pools");
  const tenant = await call("POST", "/v1/admin/tenants", { name: "schema" });
  await call("GET", "/v1/admin/tenants");
  const key = (await call("POST", `/v1/admin/tenants/${tenant.id}/keys`, { role: "tenant" })).key;
  const meter = await call("POST", `/v1/admin/tenants/${tenant.id}/keys`, { role: "meter" });
  await call("GET", `/v1/admin/tenants/${tenant.id}/keys`);
  await call("DELETE", `/v1/admin/tenants/${tenant.id}/keys/${meter.id}`);
  await call("POST", `/v1/admin/tenants/${tenant.id}/topup`, { amount: "500000.00" });
  const prefix = await call("POST", `/v1/admin/tenants/${tenant.id}/prefixes`, { cidr: "198.51.100.0/24" });
  await call("GET", `/v1/admin/tenants/${tenant.id}/prefixes`);
  const agent = await call("POST", "/v1/admin/keys", { role: "agent", name: "edge-1" });
  await call("GET", "/v1/admin/keys");

  // The customer buys an hdip and an hdp.
  await call("GET", "/v1/catalog", undefined, key);
  const hdip = { product: "hdip", region: "cn-south", line: "bgp", base_gbps: 20, elastic_gbps: 50, months: 1 };
  await call("POST", "/v1/quotes", hdip, key);
  const order = await call("POST", "/v1/orders", hdip, key);
  await call("GET", `/v1/orders/${order.id}`, undefined, key);
  const paid = await call("POST", `/v1/orders/${order.id}/pay`, {}, key);
  const hdp = { product: "hdp", region: "cn-east", scope: "multi", ip_count: 5, base_gbps: 10, months: 3 };
  const hdpOrder = await call("POST", "/v1/orders", hdp, key);
  const hdpPaid = await call("POST", `/v1/orders/${hdpOrder.id}/pay`, {}, key);
  await call("GET", "/v1/orders", undefined, key);
  await call("POST", "/v1/admin/clock", { advance_s: 300 });
  const id = paid.resources[0];
  const pack = hdpPaid.resources[0];
  await call("GET", "/v1/resources", undefined, key);
  const resource = await call("GET", `/v1/resources/${id}`, undefined, key);
  await call("PATCH", `/v1/resources/${id}`, { name: "web", tags: ["prod"] }, key);
  await call("POST", `/v1/resources/${id}/renew/quote`, { months: 1 }, key);
  await call("POST", `/v1/resources/${id}/renew`, { months: 1 }, key);
  await call("POST", `/v1/resources/${id}/upgrade/quote`, { base_gbps: 30 }, key);
  await call("POST", `/v1/resources/${id}/upgrade`, { base_gbps: 30 }, key);

  // Rules, bindings, policy.
  const rule = await call(
    "POST",
    `/v1/resources/${id}/rules`,
    { protocol: "tcp", frontend_port: 443, origins: [{ address: "198.51.100.10", port: 8443, weight: 100 }] },
    key,
  );
  await call("GET", `/v1/resources/${id}/rules`, undefined, key);
  await call("GET", `/v1/resources/${id}/rules/${rule.id}`, undefined, key);
  await call(
    "PUT",
    `/v1/resources/${id}/rules/${rule.id}`,
    { protocol: "tcp", frontend_port: 443, origins: [{ address: "198.51.100.11", port: 8443, weight: 50 }] },
    key,
  );
  await call("DELETE", `/v1/resources/${id}/rules/${rule.id}`, undefined, key);
  await call("POST", `/v1/resources/${pack}/bindings`, { ip: "198.51.100.20" }, key);
  await call("GET", `/v1/resources/${pack}/bindings`, undefined, key);
  await call("DELETE", `/v1/resources/${pack}/bindings/198.51.100.20`, undefined, key);
  await call("DELETE", `/v1/admin/tenants/${tenant.id}/prefixes/${prefix.id}`);
  const policy = await call("GET", `/v1/resources/${id}/policy`, undefined, key);
  await call("PUT", `/v1/resources/${id}/policy`, { ...policy, blacklist: ["192.0.2.0/24"] }, key);

  // Usage, attacks, bills, the data plane.
  const meterKey = (await call("POST", `/v1/admin/tenants/${tenant.id}/keys`, { role: "meter" })).key;
  const { now } = await call("POST", "/v1/admin/clock", { advance_s: 0 });
  const minute = new Date(Date.parse(now));
  minute.setUTCSeconds(0, 0);
  const window_start = minute.toISOString().replace(".000Z", "Z");
  await call(
    "POST",
    "/v1/usage",
    [{ ip: resource.ips[0], window_start, window_s: 60, attack_bps: 45e9, in_bytes: 1e9, out_bytes: 2e9 }],
    meterKey,
  );
  await call("GET", `/v1/resources/${id}/usage?day=${now.slice(0, 10)}`, undefined, key);
  await call("GET", "/v1/attacks?days=1", undefined, key);
  await call("GET", "/v1/bills/estimate", undefined, key);
  await call("GET", "/v1/dataplane/config", undefined, agent.key);
  await call("DELETE", `/v1/admin/keys/${agent.id}`);
  await call("POST", "/v1/admin/clock", { advance_s: 2 * 86400 });
  const bills = await call("GET", "/v1/bills", undefined, key);
  assert.ok(
    bills.items.some((b) => b.lines.length > 0),
    "a bill with lines to validate",
  );
  await call("GET", `/v1/bills/${bills.items.find((b) => b.lines.length > 0).day}`, undefined, key);

  // Account, notifications, webhooks.
  await call("GET", "/v1/account", undefined, key);
  await call("PATCH", "/v1/account", { low_balance_threshold: "1000.00" }, key);
  await call("GET", "/v1/account/ledger", undefined, key);
  await call("GET", "/v1/notifications?order=newest", undefined, key);
  const hook = await call("POST", "/v1/webhooks", { url: "https://hooks.example.com/rampart" }, key);
  await call("GET", "/v1/webhooks", undefined, key);
  await call("GET", `/v1/webhooks/${hook.id}/deliveries`, undefined, key);
  await call("DELETE", `/v1/webhooks/${hook.id}`, undefined, key);

  // The operator's views and tools.
  for (const view of ["account", "resources", "orders", "ledger", "bills"]) {
    await call("GET", `/v1/admin/tenants/${tenant.id}/${view}`);
  }
  await call("GET", `/v1/admin/tenants/${tenant.id}/ledger/verify`);
  await call("GET", "/v1/admin/revenue");
  await call("GET", "/v1/attacks?days=3");
  const jobs = await call("GET", "/v1/admin/jobs");
  await call("POST", `/v1/admin/jobs/${jobs.items[0]?.id ?? "1"}/retry`, {}, ADMIN_KEY, { error: true });
  await call("GET", "/v1/admin/audit");

  // Errors share one shape, and a cancel with its quote (the hdp, within its 5 days).
  const missing = await call("GET", "/v1/orders/ord_nope", undefined, key, { error: true });
  assert.equal(missing.status, 404);
  await call("POST", `/v1/resources/${pack}/cancel/quote`, {}, key);
  await call("POST", `/v1/resources/${pack}/cancel`, {}, key);

  const missed = operations.map((o) => o.name).filter((name) => !covered.has(name));
  assert.deepEqual(missed, [], "operations the scenario did not call");
});
