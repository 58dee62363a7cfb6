// The console in a real browser against a real `rampart serve --simulated-clock`:
// product.md's purchase flow, management and bills as a customer sees them (issue #6).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { startServer, startBrowser, SHOTS, SOURCE_DIR } from "./harness.mjs";

// axe-core (npm), injected through the DevTools protocol (the console's CSP allows no inline
// script), audits the page as it stands.
const AXE = readFileSync(createRequire(join(SOURCE_DIR, "web/package.json")).resolve("axe-core/axe.min.js"), "utf8");

let server;
let chrome;
let showcase; // [tenant key, resource] of the first test: a customer with a rule and a bill
const WIDTHS = [1280, 390];

before(async () => {
  server = await startServer();
  chrome = await startBrowser();
  await server.call("POST", "/v1/admin/ip-pools", {
    region: "cn-south",
    line: "bgp",
    cidr: "203.0.113.0/28",
  });
  // Enough addresses for every test's purchases.
  await server.call("POST", "/v1/admin/ip-pools", { region: "cn-south", line: "bgp", cidr: "203.0.113.16/28" });
});

after(async () => {
  await chrome?.close();
  await server?.stop();
});

// Signs in (a tenant lands on the overview, the operator on tenants), then opens `start`.
async function signedIn(key, width = 1280, start = null) {
  // Reduced motion: charts draw at once, so screenshots show them whole.
  const context = await chrome.browser.newContext({
    viewport: { width, height: 900 },
    reducedMotion: "reduce",
  });
  const page = watched(await context.newPage());
  await page.goto(server.url + "/");
  // By keyboard: the key field has focus order first; Enter submits.
  await page.getByLabel("API key").fill(key);
  await page.keyboard.press("Enter");
  await page.getByRole("button", { name: "Sign out" }).waitFor();
  await page.locator("main h1").first().waitFor();
  if (start) {
    await page.goto(`${server.url}/#${start}`);
    await page.locator("main h1").first().waitFor();
  }
  return page;
}

// Records on page.problems every script error, console error, CSP violation and failed
// load, except the API's own 4xx answers (a refused payment, a wrong key: what the tests
// provoke and assert on screen). A 5xx from the API or any failed asset is a problem.
function watched(page) {
  page.problems = [];
  const api = (url) => new URL(url).pathname.startsWith("/v1/");
  page.on("pageerror", (e) => page.problems.push(e.message));
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const expected =
      /Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()) &&
      api(m.location().url ?? server.url);
    if (!expected) page.problems.push(`${m.text()} (${m.location().url})`);
  });
  page.on("response", (r) => {
    if (r.status() >= 500 || (r.status() >= 400 && !api(r.url()))) page.problems.push(`${r.status()} ${r.url()}`);
  });
  page.on("requestfailed", (r) => page.problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
  return page;
}

// Closes a page from signedIn, which must have logged no script error and no
// Content-Security-Policy violation.
async function finish(page) {
  assert.deepEqual(page.problems, []);
  await page.context().close();
}

// No serious or critical accessibility violation on the page (axe-core's WCAG 2.x A/AA rules
// and best practices).
async function audit(page, name) {
  if (!(await page.evaluate(() => typeof window.axe !== "undefined"))) await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map(
        (v) =>
          `${v.id} (${v.impact}): ${v.help} at ${v.nodes
            .map((n) => n.target.join(" "))
            .slice(0, 3)
            .join(" | ")}`,
      );
  });
  assert.deepEqual(found, [], `${name} at ${page.viewportSize().width}px`);
}

// No two texts of a chart (legend entries, axis names, tick labels) overlap: the legend over
// the axis name at 390 px, and time labels drawn over each other, were seen before. A text is
// measured where it shows: a scrolling legend's entries beyond its page are clipped away.
async function chartTextsApart(page, name) {
  const overlaps = await page.evaluate(() => {
    const shown = (el) => {
      let r = el.getBoundingClientRect();
      let [left, top, right, bottom] = [r.left, r.top, r.right, r.bottom];
      for (let g = el; g && g.tagName !== "svg"; g = g.parentElement) {
        const ref = (g.getAttribute("clip-path") || "").match(/url\(["']?#([^"')]+)/);
        const shape = ref && document.getElementById(ref[1])?.firstElementChild;
        if (!shape) continue;
        const b = shape.getBBox();
        const m = g.getScreenCTM();
        const p = new DOMPoint(b.x, b.y).matrixTransform(m);
        const q = new DOMPoint(b.x + b.width, b.y + b.height).matrixTransform(m);
        [left, top] = [Math.max(left, Math.min(p.x, q.x)), Math.max(top, Math.min(p.y, q.y))];
        [right, bottom] = [Math.min(right, Math.max(p.x, q.x)), Math.min(bottom, Math.max(p.y, q.y))];
      }
      return { left, top, right, bottom };
    };
    const found = [];
    for (const chart of document.querySelectorAll("main .chart")) {
      const texts = [...chart.querySelectorAll("svg text")]
        .filter((t) => t.textContent.trim() && t.getAttribute("opacity") !== "0")
        .map((t) => ({ text: t.textContent.trim(), r: shown(t) }))
        .filter((x) => x.r.right - x.r.left > 0 && x.r.bottom - x.r.top > 0);
      for (let a = 0; a < texts.length; ++a) {
        for (let b = a + 1; b < texts.length; ++b) {
          const [A, B] = [texts[a].r, texts[b].r];
          const w = Math.min(A.right, B.right) - Math.max(A.left, B.left);
          const h = Math.min(A.bottom, B.bottom) - Math.max(A.top, B.top);
          if (w > 1 && h > 1) found.push(`"${texts[a].text}" over "${texts[b].text}"`);
        }
      }
    }
    return found;
  });
  assert.deepEqual(overlaps, [], `${name} at ${page.viewportSize().width}px: chart texts overlap`);
}

// A screenshot once the page has its data: nothing "Loading…", every chart drawn.
async function shoot(page, name) {
  await page.waitForLoadState("networkidle");
  await page.waitForFunction(
    () =>
      document.querySelectorAll(".loading").length === 0 &&
      [...document.querySelectorAll(".chart")].every((c) => c.hasAttribute("data-drawn")),
  );
  await page.screenshot({
    path: join(SHOTS, `${name}-${page.viewportSize().width}.png`),
    fullPage: true,
  });
}

test("a new customer buys an hdip, is delivered, adds a rule, and sees the elastic charge on the bill and in the chart", async () => {
  const acme = await server.tenant("acme", "100000.00");
  const page = await signedIn(acme.key, 1280, "/buy/hdip");

  // Purchase: the live price follows the options.
  await page.getByLabel("Region and network").selectOption("cn-south/bgp");
  await page.getByLabel("Base protection").selectOption("20");
  await page.getByLabel("Elastic protection peak").fill("50");
  await assertText(page.getByTestId("quote-total"), "¥16,600.00");
  await page.getByLabel("Duration").selectOption("6");
  // 16,600 × 6 × 0.85 = 84,660.00
  await assertText(page.getByTestId("quote-total"), "¥84,660.00");
  await page.getByLabel("Duration").selectOption("1");
  await assertText(page.getByTestId("quote-total"), "¥16,600.00");
  // An invalid combination is explained before any order: elastic must be above the base.
  await page.getByLabel("Elastic protection peak").fill("10");
  await assertText(page.getByRole("alert"), /elastic_gbps 10 must be 0 \(elastic off\) or above base_gbps 20/);
  assert.equal(await page.getByRole("button", { name: "Confirm order" }).isDisabled(), true);
  await page.getByLabel("Elastic protection peak").fill("50");
  await assertText(page.getByTestId("quote-total"), "¥16,600.00");

  await page.getByRole("button", { name: "Confirm order" }).click();
  await page.getByText(/Order ord_\w+ created, unpaid/).waitFor();
  await page.getByRole("button", { name: "Pay ¥16,600.00 from balance" }).click();
  await page.getByText(/Delivering — this takes 1 to 5 minutes/).waitFor();
  // The header's balance follows the payment: 100,000 − 16,600.
  await assertText(page.getByTestId("header-balance"), "¥83,400.00");
  await assertText(page.getByTestId("quote"), "¥16,600.00 × 1 month × 1 resource(s)");
  await assertText(page.getByTestId("delivery"), /provisioning/);
  await shoot(page, "purchase-delivering");

  // The clock moves past the longest delivery delay: the page updates by itself.
  await server.advance(300);
  await page.getByText("Delivered: your resources are running.").waitFor({ timeout: 15000 });
  await assertText(page.getByTestId("delivery"), /running 203\.0\.113\.\d+/);
  const [resource] = (await server.call("GET", "/v1/resources", undefined, acme.key)).items;
  assert.equal(resource.state, "running");

  // A forwarding rule, through the editor on the resource page.
  await page.getByRole("link", { name: resource.id }).click();
  await page.getByRole("heading", { name: new RegExp(resource.id) }).waitFor();
  await page.getByRole("button", { name: "Add rule" }).click();
  await page.getByLabel("Frontend port").fill("443");
  await page.getByLabel("Origin address (IP or domain)").fill("198.51.100.10");
  await page.getByLabel("Port", { exact: true }).fill("8443");
  await page.getByRole("form", { name: "Add rule" }).getByRole("button", { name: "Save" }).click();
  await page.getByRole("cell", { name: "198.51.100.10:8443 (100)" }).waitFor();
  const rules = await server.call("GET", `/v1/resources/${resource.id}/rules`, undefined, acme.key);
  assert.equal(rules.items.length, 1);
  assert.equal(rules.items[0].frontend_port, 443);
  assert.deepEqual(rules.items[0].origins, [{ address: "198.51.100.10", port: 8443, weight: 100 }]);

  // Usage through the API (the meter's key): a 45 Gbps attack at 10:00 Beijing time, and
  // some forwarded traffic. Base 20, ceiling 50: excess 25 Gbps, the (20, 30] range.
  const ip = resource.ips[0];
  // The 02:00 window was seen by two collectors (sources), whose parts add up: 30 + 15 Gbps.
  const sample = (at, attack, inb, outb, source) => ({
    ip,
    window_start: at,
    window_s: 60,
    attack_bps: attack,
    in_bytes: inb,
    out_bytes: outb,
    ...(source ? { source } : {}),
  });
  await server.advance(3 * 3600); // the windows must not be in the future
  const posted = await server.call(
    "POST",
    "/v1/usage",
    [
      sample("2026-11-26T02:00:00Z", 30e9, 1e9, 2e9, "site-a"),
      sample("2026-11-26T02:00:00Z", 15e9, 1e9, 1e9, "site-b"),
      sample("2026-11-26T02:01:00Z", 12e9, 1e9, 1e9),
    ],
    acme.meter,
  );
  assert.equal(posted.accepted, 3, JSON.stringify(posted.rejected));
  // Past the end of billing day 2026-11-26 (16:00 UTC) and its hour of grace.
  await server.advance(21 * 3600);

  await page.getByRole("link", { name: "Bills" }).click();
  await page.getByTestId("bill-2026-11-26").waitFor();
  const bill = await server.call("GET", "/v1/bills/2026-11-26", undefined, acme.key);
  const elastic = bill.lines.find((l) => l.kind === "elastic");
  assert.equal(elastic.amount, "3500.00");
  await assertText(page.getByTestId("bill-2026-11-26"), /Elastic protection[\s\S]*¥3,500\.00/);
  await assertText(page.getByTestId("bill-2026-11-26"), /Forwarded traffic[\s\S]*7\.00 GB × ¥0\.80[\s\S]*¥5\.60/);
  await assertText(page.getByTestId("month-total"), "¥3,505.60");
  // The statement: prepaid payments beside the postpaid bills, and today's open estimate.
  await assertText(page.getByTestId("prepaid-total"), "¥16,600.00");
  await assertText(page.getByTestId("spent-total"), "¥20,105.60");
  await assertText(page.getByTestId("bill-estimate"), /2026-11-27\s*estimate/);
  // The chart: drawn (SVG) and its data as a table for screen readers.
  assert.equal(await page.getByTestId("elastic-chart").locator("svg").count(), 1);
  await assertText(
    page.getByTestId("elastic-chart-data"),
    /2026-11-26\s*res_\w+ \(203\.0\.113\.\d+\)\s*45 Gbps\s*20 Gbps\s*50 Gbps\s*\(20, 30\]\s*¥3,500\.00/,
  );
  assert.equal(await page.getByTestId("forwarding-chart").locator("svg").count(), 1);

  // CSV download of the day's bill.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download CSV (2026-11-26)" }).click(),
  ]);
  const csv = await streamText(await download.createReadStream());
  assert.match(
    csv,
    /^day,resource,kind,amount,attack_peak_bps,[\w,]+\n2026-11-26,res_\w+,elastic,3500\.00,45000000000,/,
  );
  await shoot(page, "bills");

  // The resource's attack chart opens on the latest day with windows (the billing day moved on).
  await page.getByRole("link", { name: "Resources" }).click();
  await page.getByRole("heading", { name: "Resources" }).waitFor();
  await page.getByRole("link", { name: resource.id }).click();
  await assertText(page.getByTestId("usage-summary"), "2 windows; the largest attack 45 Gbps");
  // The attack windows, each with the sources that measured it (the largest first).
  await assertText(page.getByTestId("attack-windows"), /45 Gbps\s*site-a 30 Gbps, site-b 15 Gbps/);
  await assertText(page.getByTestId("attack-windows"), new RegExp(`${ip.replace(/\./g, "\\.")}\\s*12 Gbps`));
  await page.getByTestId("attack-windows").scrollIntoViewIfNeeded();
  await shoot(page, "resource-attacks");
  // The chart's axis says the windows' times in the billing zone (02:00Z is 10:00 in Shanghai).
  const ticks = await page.getByTestId("usage-chart").locator("svg text").allTextContents();
  assert.ok(ticks.includes("10:00") && ticks.includes("10:01"), `axis labels: ${ticks.join(" ")}`);
  assert.equal(await page.getByLabel("Day", { exact: true }).inputValue(), "2026-11-26");
  await page.getByRole("button", { name: "Next day" }).click();
  await assertText(page.getByTestId("usage-summary"), "Nothing here yet.");
  showcase = [acme.key, resource];
  // The ledger shows the payment and the daily bill's debit; balance 100000 − 16600 − 3505.60.
  await page.getByRole("link", { name: "Account" }).click();
  await assertText(page.getByTestId("balance"), "¥79,894.40");
  // The balance and the threshold cards line up (they were misaligned).
  const [a, b] = [
    await page.getByTestId("balance-card").boundingBox(),
    await page.getByTestId("threshold-card").boundingBox(),
  ];
  assert.ok(Math.abs(a.y - b.y) < 1 && Math.abs(a.height - b.height) < 1, JSON.stringify([a, b]));
  await page.getByRole("cell", { name: "daily bill" }).waitFor();
  // Newest first: the daily bill, the order's payment, the top-up.
  const kinds = await page.locator("main tbody tr td:nth-child(2)").allTextContents();
  assert.deepEqual(kinds, ["daily bill", "order payment", "top-up"]);
  await finish(page);
});

test("insufficient balance shows a clear message and creates nothing", async () => {
  const poor = await server.tenant("poor", "100.00");
  const page = await signedIn(poor.key, 1280, "/buy/hdip");
  await page.getByLabel("Region and network").selectOption("cn-south/bgp");
  await assertText(page.getByTestId("quote-total"), "¥8,600.00");
  // Warned before confirming, with the shortfall worked out exactly.
  await assertText(
    page.getByTestId("short-balance"),
    "Your balance ¥100.00 is ¥8,500.00 short of this order's ¥8,600.00",
  );
  await page.getByRole("button", { name: "Confirm order" }).click();
  await page.getByRole("button", { name: /^Pay / }).click();
  await assertText(page.getByRole("alert"), /insufficient|balance/i);
  // The code explained with what to do, then the server's own words with the amounts.
  await assertText(page.getByRole("alert"), "Top up the account");
  await assertText(page.getByRole("alert"), "8600.00");
  const alert = await page.getByRole("alert").getAttribute("data-code");
  assert.equal(alert, "insufficient_balance");
  assert.equal((await server.call("GET", "/v1/resources", undefined, poor.key)).items.length, 0);
  assert.equal((await server.call("GET", "/v1/account", undefined, poor.key)).balance, "100.00");
  const orders = (await server.call("GET", "/v1/orders", undefined, poor.key)).items;
  assert.deepEqual(
    orders.map((o) => o.status),
    ["unpaid"],
  );
  // Topped up, the customer pays the same order later from the order list.
  await server.call("POST", `/v1/admin/tenants/${poor.id}/topup`, { amount: "10000.00" });
  await page.getByRole("link", { name: "Orders" }).click();
  await page.getByRole("heading", { name: "Orders" }).waitFor();
  await page.getByRole("button", { name: "Pay ¥8,600.00 from balance" }).click();
  await page.getByRole("link", { name: /^res_/ }).waitFor();
  await assertText(page.getByTestId("header-balance"), "¥1,500.00");
  assert.equal((await server.call("GET", "/v1/resources", undefined, poor.key)).items.length, 1);
  await finish(page);
});

test("a wrong key and a meter key cannot sign in, each told why", async () => {
  const t = await server.tenant("metered");
  const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = watched(await context.newPage());
  await page.goto(server.url + "/");
  await page.getByLabel("API key").fill("not-a-key");
  await page.getByRole("button", { name: "Sign in" }).click();
  await assertText(page.getByRole("alert"), /api key|unauthenticated|unknown|revoked/i);
  await page.getByLabel("API key").fill(t.meter);
  await page.getByRole("button", { name: "Sign in" }).click();
  await assertText(page.getByRole("alert"), "A meter key can only post usage");
  assert.equal(await page.getByRole("button", { name: "Sign out" }).count(), 0);
  await finish(page);
});

test("an account in arrears sees the banner on every page", async () => {
  // 8,600 for the hdip leaves 100; the day's elastic charge takes the balance below zero.
  const t = await server.tenant("short", "8700.00");
  const order = await server.call(
    "POST",
    "/v1/orders",
    { product: "hdip", region: "cn-south", line: "bgp", base_gbps: 10, elastic_gbps: 50, months: 1 },
    t.key,
  );
  await server.call("POST", `/v1/orders/${order.id}/pay`, {}, t.key);
  await server.advance(300);
  const [resource] = (await server.call("GET", "/v1/resources", undefined, t.key)).items;
  // Earlier tests moved the clock: the attack is ten minutes ago, and the day then closes.
  await server.advance(3600);
  const now = Date.parse((await server.call("GET", "/v1/account", undefined, t.key)).now);
  const windowStart = new Date(Math.floor((now - 600e3) / 60e3) * 60e3).toISOString().replace(".000", "");
  const sample = { window_start: windowStart, window_s: 60, attack_bps: 15e9, in_bytes: 0, out_bytes: 0 };
  const posted = await server.call("POST", "/v1/usage", [{ ip: resource.ips[0], ...sample }], t.meter);
  assert.equal(posted.accepted, 1, JSON.stringify(posted.rejected));
  await server.advance(26 * 3600);
  const account = await server.call("GET", "/v1/account", undefined, t.key);
  assert.equal(account.in_arrears, true, JSON.stringify(account));
  const page = await signedIn(t.key);
  await assertText(page.getByRole("alert"), "Your account is in arrears");
  await page.getByRole("link", { name: "Bills" }).click();
  await assertText(page.getByRole("alert"), "Your account is in arrears");
  await page.getByRole("link", { name: "Account" }).click();
  // 8,700 − 8,600 − the day's elastic charge: E = 15 − 10 = 5 Gbps → (0, 10] → 1,000.00.
  assert.equal(account.balance, "-900.00");
  await assertText(page.getByTestId("balance"), "−¥900.00");
  await finish(page);
});

test("an hdp with 5 IPs is bought and its 5 bindings are added", async () => {
  const shop = await server.tenant("shop", "500000.00");
  // The operator has verified that shop owns 198.51.100.0/24: it may bind addresses there.
  await server.call("POST", `/v1/admin/tenants/${shop.id}/prefixes`, { cidr: "198.51.100.0/24" });
  const page = await signedIn(shop.key);
  await page.getByRole("link", { name: "Buy hdp" }).click();
  await page.getByLabel("Multiple IPs").check();
  await page.getByLabel("Number of IPs").selectOption("5");
  await page.getByLabel("Base protection").selectOption("20");
  await page.getByLabel("Duration").selectOption("3");
  const quoted = await server.call(
    "POST",
    "/v1/quotes",
    {
      product: "hdp",
      region: "cn-east",
      scope: "multi",
      ip_count: 5,
      base_gbps: 20,
      months: 3,
    },
    shop.key,
  );
  await assertText(page.getByTestId("quote-total"), formatYuan(quoted.amount));
  // A first hdp purchase is at least 3 months: 1 month is refused before ordering.
  await page.getByLabel("Duration").selectOption("1");
  await assertText(page.getByRole("alert"), /3 months/);
  await page.getByLabel("Duration").selectOption("3");
  await assertText(page.getByTestId("quote-total"), formatYuan(quoted.amount));
  await page.getByRole("button", { name: "Confirm order" }).click();
  await page.getByRole("button", { name: /^Pay / }).click();
  await page.getByText(/Delivering/).waitFor();
  await server.advance(300);
  await page.getByText("Delivered: your resources are running.").waitFor({ timeout: 15000 });
  const [hdp] = (await server.call("GET", "/v1/resources", undefined, shop.key)).items;
  assert.equal(hdp.ip_count, 5);

  await page.getByRole("link", { name: hdp.id }).click();
  // A malformed address is refused with the server's reason, and nothing is bound.
  await page.getByLabel("IP address").fill("198.51.100.300");
  await page.getByRole("button", { name: "Bind IP" }).click();
  await assertText(page.getByRole("alert"), /198\.51\.100\.300|address/i);
  assert.equal(await page.getByRole("alert").getAttribute("data-code"), "invalid_ip");
  for (let i = 1; i <= 5; i++) {
    await page.getByLabel("IP address").fill(`198.51.100.${i}`);
    await page.getByRole("button", { name: "Bind IP" }).click();
    await page.getByTestId("bindings").getByText(`198.51.100.${i}`, { exact: true }).waitFor();
  }
  await page.getByRole("heading", { name: "Protected IPs (bindings) (5/5)" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Bind IP" }).isDisabled(), true);
  const bindings = await server.call("GET", `/v1/resources/${hdp.id}/bindings`, undefined, shop.key);
  assert.deepEqual(bindings.items.map((b) => b.ip).sort(), [
    "198.51.100.1",
    "198.51.100.2",
    "198.51.100.3",
    "198.51.100.4",
    "198.51.100.5",
  ]);
  await finish(page);
});

test("elastic protection is switched on with a peak and off again", async () => {
  const [key, resource] = await runningHdip("switcher");
  const page = await signedIn(key);
  await page.goto(`${server.url}/#/resources/${resource.id}`);
  const elasticSwitch = page.getByRole("switch", { name: /Elastic protection/ });
  assert.equal(await elasticSwitch.isChecked(), false);
  assert.equal(await page.getByLabel("Elastic protection peak", { exact: true }).count(), 0);
  await elasticSwitch.check();
  await page.getByLabel("Elastic protection peak", { exact: true }).fill("40");
  await page.getByLabel("Elastic protection peak", { exact: true }).press("Enter");
  await page.getByText("Saved.").first().waitFor();
  const get = async () => (await server.call("GET", `/v1/resources/${resource.id}`, undefined, key)).elastic_gbps;
  assert.equal(await get(), 40);
  await elasticSwitch.uncheck();
  for (let i = 0; i < 100 && (await get()) !== 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await get(), 0);
  await finish(page);
});

test("the renewal and upgrade prices are shown before confirming", async () => {
  const [key, resource] = await runningHdip("renewer");
  const page = await signedIn(key);
  await page.goto(`${server.url}/#/resources/${resource.id}`);
  await page.getByLabel("Renew for").selectOption("12");
  await page.getByRole("button", { name: "Price" }).first().click();
  // 8,600 × 12 × 0.80 = 82,560.00
  await page.getByText("You will be charged ¥82,560.00.").waitFor();
  await page.getByRole("button", { name: "Confirm" }).click();
  // What was charged and what changed, said after the action.
  await page.getByText(/^Done: ¥82,560\.00 charged\. It now expires /).waitFor();
  const renewed = await server.call("GET", `/v1/resources/${resource.id}`, undefined, key);
  // 12 calendar months later: the same day and time, a year on.
  const year = Number(resource.expires_at.slice(0, 4));
  assert.equal(renewed.expires_at, `${year + 1}${resource.expires_at.slice(4)}`);

  await page.getByLabel("New base protection").selectOption("20");
  await page.getByRole("button", { name: "Price" }).nth(1).click();
  const fee = await server.call("POST", `/v1/resources/${resource.id}/upgrade/quote`, { base_gbps: 20 }, key);
  await page.getByText(`You will be charged ${formatYuan(fee.amount)}.`).waitFor();
  await page.getByRole("button", { name: "Confirm" }).click();
  await page.getByText(`Done: ${formatYuan(fee.amount)} charged. Base protection is now 20 Gbps.`).waitFor();
  await finish(page);
});

test("webhook endpoints are added with their secret shown once, and deleted", async () => {
  const t = await server.tenant("hooked", "100.00");
  const page = await signedIn(t.key);
  await page.getByRole("link", { name: "Notifications" }).click();
  await page.getByLabel("Endpoint URL").fill("http://hooks.example.net/rampart");
  await page.getByRole("button", { name: "Add" }).click();
  const secret = await page.getByTestId("webhook-secret").textContent();
  assert.match(secret, /^\S{16,}$/);
  await page.getByRole("cell", { name: "http://hooks.example.net/rampart" }).waitFor();
  const hooks = (await server.call("GET", "/v1/webhooks", undefined, t.key)).items;
  assert.deepEqual(
    hooks.map((h) => h.url),
    ["http://hooks.example.net/rampart"],
  );
  assert.equal(JSON.stringify(hooks).includes(secret), false); // never listed again
  await page.getByRole("button", { name: "Deliveries" }).click();
  // Deleting asks first, saying what goes; Back keeps it, Confirm deletes.
  await page.getByRole("button", { name: "Delete" }).click();
  await assertText(page.locator(".consequence"), "http://hooks.example.net/rampart");
  await page.getByRole("button", { name: "Back" }).click();
  assert.equal((await server.call("GET", "/v1/webhooks", undefined, t.key)).items.length, 1);
  await page.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("button", { name: "Confirm" }).click();
  await page.getByRole("cell", { name: "http://hooks.example.net/rampart" }).waitFor({ state: "detached" });
  assert.equal((await server.call("GET", "/v1/webhooks", undefined, t.key)).items.length, 0);
  await finish(page);
});

test("Simplified Chinese labels, and the operator pages", async () => {
  const page = await signedIn("rk_0123456789abcdef0123456789abcdef");
  await page.getByRole("heading", { name: "Tenants" }).waitFor();
  await page.getByLabel("Language").first().selectOption("zh-CN");
  await page.getByRole("heading", { name: "租户" }).waitFor();
  await page.getByLabel("语言").first().selectOption("en");
  await page.getByRole("link", { name: "IP pools" }).click();
  await page.getByRole("cell", { name: "203.0.113.0/28", exact: true }).waitFor();
  await page.getByRole("link", { name: "Price book" }).click();
  await page.getByRole("heading", { name: "High-defense IP (hdip)" }).waitFor();
  // Each price class once, the places that share it named together, folded but the first
  // (the page repeated a class's tables for each of the 12 places: 9,000 px at 1280).
  const classes = page.locator("details.price-class");
  const count = await classes.count();
  assert.ok(count >= 2 && count < 12, `${count} price classes`);
  assert.equal(await classes.nth(0).getAttribute("open"), "");
  assert.equal(await classes.nth(1).getAttribute("open"), null);
  await assertText(classes.nth(0).locator("summary"), /South China · BGP.*base from ¥/);
  await classes.nth(1).locator("summary").click();
  await classes.nth(1).getByRole("table", { name: "Elastic ranges (excess above base)" }).waitFor();
  await page.getByRole("table", { name: "Forwarding" }).getByRole("cell", { name: "South China · BGP" }).waitFor();
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  assert.ok(height < 4000, `the price book is ${height}px high`);
  await finish(page);
});

test("at 390 px the navigation folds behind a menu button that works by keyboard", async () => {
  const [key] = showcase ?? (await runningHdip("phone"));
  const page = await signedIn(key, 390);
  const bills = page.getByRole("link", { name: "Bills" });
  assert.equal(await bills.isVisible(), false);
  const menu = page.getByRole("button", { name: "Menu" });
  assert.equal(await menu.getAttribute("aria-expanded"), "false");
  await menu.focus();
  await page.keyboard.press("Enter");
  assert.equal(await menu.getAttribute("aria-expanded"), "true");
  await bills.focus();
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Bills" }).waitFor();
  assert.equal(await bills.isVisible(), false); // folded again after choosing
  await finish(page);
});

test("attacks: the tenant sees its ongoing, blackholed attack; the operator sees it with the tenant", async () => {
  const [key, resource] = await runningHdip("attacked");
  // A 25 Gbps window (above the 10 Gbps base: elastic is off) in the server's current minute.
  const { now } = await server.advance(0);
  const minute = new Date(Date.parse(now));
  minute.setUTCSeconds(0, 0);
  const window_start = minute.toISOString().replace(".000Z", "Z");
  const posted = await server.call("POST", "/v1/usage", [
    { ip: resource.ips[0], window_start, window_s: 60, attack_bps: 25_000_000_000, in_bytes: 0, out_bytes: 0 },
  ]);
  assert.equal(posted.accepted, 1);
  const page = await signedIn(key);
  await page.getByRole("link", { name: "Attacks" }).click();
  await page.getByRole("heading", { name: "Attacks" }).waitFor();
  for (let i = 0; i < 50 && (await page.title()) !== "Attacks · Rampart"; ++i) await page.waitForTimeout(50);
  assert.equal(await page.title(), "Attacks · Rampart"); // each page its own tab title
  const row = page.locator("main tbody tr");
  await assertText(row, "Ongoing");
  await assertText(row, "25 Gbps");
  await assertText(row, "10 Gbps");
  await assertText(row, "Blackholed");
  await assertText(row, resource.ips[0]);
  // Shown in the billing zone (Asia/Shanghai, UTC+8), whatever the browser's.
  const local = new Date(minute.getTime() + 8 * 3600 * 1000);
  const hhmm = `${String(local.getUTCHours()).padStart(2, "0")}:${String(local.getUTCMinutes()).padStart(2, "0")}`;
  await assertText(row, hhmm);
  await finish(page);
  const admin = await signedIn("rk_0123456789abcdef0123456789abcdef");
  await admin.goto(`${server.url}/#/admin/attacks`);
  await admin.getByRole("heading", { name: "Attacks" }).waitFor();
  await assertText(admin.locator("main tbody tr"), resource.id);
  await finish(admin);
});

test("billing and destructive actions ask first and say what they do: forwarding mode, rule delete, cancel", async () => {
  const [key, resource] = await runningHdip("careful");
  const made = await server.call(
    "POST",
    `/v1/resources/${resource.id}/rules`,
    { protocol: "tcp", frontend_port: 8443, origins: [{ address: "198.51.100.10", port: 443 }] },
    key,
  );
  const page = await signedIn(key);
  await page.goto(`${server.url}/#/resources/${resource.id}`);
  // The forwarding mode: choosing shows the consequence; nothing changes until Confirm.
  await page.getByLabel("Forwarding billing").selectOption("by_bandwidth");
  await assertText(page.locator(".consequence"), "From the next billing day");
  let now = await server.call("GET", `/v1/resources/${resource.id}`, undefined, key);
  assert.equal(now.pending_forwarding_mode, null);
  await page.getByRole("button", { name: "Confirm" }).click();
  await page.locator(".consequence").waitFor({ state: "detached" });
  for (let i = 0; i < 50 && now.pending_forwarding_mode !== "by_bandwidth"; ++i) {
    await new Promise((r) => setTimeout(r, 100));
    now = await server.call("GET", `/v1/resources/${resource.id}`, undefined, key);
  }
  assert.equal(now.pending_forwarding_mode, "by_bandwidth");
  // A rule's delete: Back keeps it, Confirm deletes it.
  await page.getByRole("button", { name: "Delete 8443" }).click();
  await assertText(page.locator(".consequence"), "TCP 8443");
  await page.getByRole("button", { name: "Back" }).click();
  assert.equal((await server.call("GET", `/v1/resources/${resource.id}/rules`, undefined, key)).items.length, 1);
  await page.getByRole("button", { name: "Delete 8443" }).click();
  await page.getByRole("button", { name: "Confirm" }).click();
  await page.getByRole("cell", { name: "198.51.100.10:443 (100)" }).waitFor({ state: "detached" });
  await assert.rejects(server.call("GET", `/v1/resources/${resource.id}/rules/${made.id}`, undefined, key), /404/);
  // The cancel dialog shows the refund the server quotes, before anything is done.
  const quote = await server.call("POST", `/v1/resources/${resource.id}/cancel/quote`, {}, key);
  await page.getByRole("button", { name: "Cancel and refund…" }).click();
  await assertText(page.getByTestId("cancel-refund"), formatYuan(quote.refund));
  await page.getByRole("button", { name: "Back" }).click();
  assert.equal((await server.call("GET", `/v1/resources/${resource.id}`, undefined, key)).state, "running");
  await finish(page);
});

test("the policy editor shows and keeps the whole policy: lists, detection; rules are counted against 60", async () => {
  const [key, resource] = await runningHdip("guarded");
  // Set through the API: a black list and a detection threshold.
  const policy = await server.call("GET", `/v1/resources/${resource.id}/policy`, undefined, key);
  await server.call(
    "PUT",
    `/v1/resources/${resource.id}/policy`,
    { ...policy, blacklist: ["198.51.100.0/24"], detection: { ...policy.detection, pps: 5000 } },
    key,
  );
  await server.call(
    "POST",
    `/v1/resources/${resource.id}/rules`,
    { protocol: "tcp", frontend_port: 80, origins: [{ address: "198.51.100.10", port: 8080, weight: 100 }] },
    key,
  );
  const page = await signedIn(key, 1280, `/resources/${resource.id}`);
  await assertText(page.getByTestId("rule-count"), "(1 of 60)");
  assert.equal(await page.getByLabel(/^Black list/).inputValue(), "198.51.100.0/24");
  assert.equal(await page.getByLabel("packets/s", { exact: true }).inputValue(), "5000");
  // A per-source limit changed and a white list entry added: the rest stays as it was (the
  // form used to send only the limits and the reflection ports, wiping the lists and the
  // detection thresholds).
  await page.getByLabel("Max packets/s").fill("1000");
  await page.getByLabel(/^White list/).fill("192.0.2.1/32");
  await page.getByRole("form", { name: "Protection policy" }).getByRole("button", { name: "Save" }).click();
  await page.getByRole("form", { name: "Protection policy" }).getByText("Saved.").waitFor();
  const after = await server.call("GET", `/v1/resources/${resource.id}/policy`, undefined, key);
  assert.equal(after.per_source.max_pps, 1000);
  assert.deepEqual(after.blacklist, ["198.51.100.0/24"]);
  assert.deepEqual(after.whitelist, ["192.0.2.1/32"]);
  assert.equal(after.detection.pps, 5000);
  // A rule's health check is set in the editor.
  await page.getByRole("button", { name: "Add rule" }).click();
  assert.equal(await page.getByLabel("Check every (s)").inputValue(), "5");
  await finish(page);
});

test("the operator: a tenant's own page, pools disabled, enabled and deleted, revenue by day", async () => {
  const [key, resource] = await runningHdip("watched-by-operator");
  const tenant = (await server.call("GET", "/v1/account", undefined, key)).tenant;
  const admin = await signedIn("rk_0123456789abcdef0123456789abcdef");
  await admin.getByRole("link", { name: "watched-by-operator" }).click();
  await admin.getByRole("heading", { name: "watched-by-operator" }).waitFor();
  const balance = (await server.call("GET", "/v1/account", undefined, key)).balance;
  await assertText(admin.getByTestId("tenant-balance"), formatYuan(balance));
  await assertText(admin.locator("main table").first(), resource.id);
  await assertText(admin.locator("main table").nth(2), "order payment");
  // Pools: a spare one added, disabled (so it is said), enabled, and deleted.
  await admin.getByRole("link", { name: "IP pools" }).click();
  await admin.getByLabel("CIDR block").fill("192.0.2.0/30");
  await admin.getByRole("button", { name: "Add pool" }).click();
  const row = admin.locator("main tbody tr", { hasText: "192.0.2.0/30" });
  await row.waitFor();
  await row.getByRole("button", { name: "Disable 192.0.2.0/30" }).click();
  await row.getByText(/hands out no new address/).waitFor();
  await row.getByRole("button", { name: "Confirm" }).click();
  await assertText(row, "disabled");
  const pools = (await server.call("GET", "/v1/admin/ip-pools")).items;
  assert.equal(pools.find((p) => p.cidr === "192.0.2.0/30").enabled, false);
  await row.getByRole("button", { name: "Enable 192.0.2.0/30" }).click();
  await assertText(row, "enabled");
  await row.getByRole("button", { name: "Delete 192.0.2.0/30" }).click();
  await row.getByRole("button", { name: "Confirm" }).click();
  await row.waitFor({ state: "detached" });
  // A pool with addresses in use offers no delete.
  const busy = admin.locator("main tbody tr", { hasText: "203.0.113.0/28" });
  assert.equal(await busy.getByRole("button", { name: /^Delete/ }).count(), 0);
  // Revenue: the last 30 days, the same totals as the API.
  await admin.getByRole("link", { name: "Revenue" }).click();
  const revenue = await server.call("GET", "/v1/admin/revenue");
  await assertText(admin.getByTestId("revenue-total"), formatYuan(revenue.revenue));
  assert.notEqual(revenue.revenue, "0.00");
  // Days with something in them are rows; the quiet ones are one line under the table.
  const busyDays = revenue.items.filter((x) => [x.prepaid, x.postpaid, x.topups].some((v) => v !== "0.00"));
  assert.equal(await admin.locator("main tbody tr").count(), busyDays.length);
  assert.ok(busyDays.length < revenue.items.length);
  await assertText(
    admin.getByTestId("quiet-revenue-days"),
    `on the other ${revenue.items.length - busyDays.length} days`,
  );
  await finish(admin);
  assert.ok(tenant);
});

test("networks without capacity are offered disabled, saying so; the default has capacity", async () => {
  const t = await server.tenant("browsing", "100.00");
  const page = await signedIn(t.key);
  await page.goto(`${server.url}/#/buy/hdip`);
  const full = page.locator("main option", { hasText: "no capacity now" });
  await full.first().waitFor({ state: "attached" });
  assert.ok((await full.count()) >= 1);
  for (let i = 0; i < (await full.count()); ++i) assert.equal(await full.nth(i).isDisabled(), true);
  // Only cn-south/bgp has a pool here: it is the one offered first.
  assert.equal(await page.locator("main select").first().inputValue(), "cn-south/bgp");
  await finish(page);
});

test("every page at 1280 and 390 px, for docs/console.md", async () => {
  const [key, resource] = showcase ?? (await runningHdip("gallery"));
  for (const width of WIDTHS) {
    const page = await signedIn(key, width);
    for (const [name, path] of [
      ["overview", "/"],
      ["attacks", "/attacks"],
      ["buy-hdip", "/buy/hdip"],
      ["buy-hdp", "/buy/hdp"],
      ["orders", "/orders"],
      ["resources", "/resources"],
      ["resource-detail", `/resources/${resource.id}`],
      ["bills", "/bills"],
      ["account", "/account"],
      ["notifications", "/notifications"],
    ]) {
      await page.goto(`${server.url}/#${path}`);
      await page.locator("main h1").first().waitFor();
      await shoot(page, name);
      await audit(page, name);
      await chartTextsApart(page, name);
      // The header holds on one line at 1280 px (it wrapped before).
      if (width === 1280) {
        const header = await page.locator("header.top").boundingBox();
        assert.ok(header.height < 70, `${name}: the header is ${header.height}px high at 1280px`);
      }
      // No page is wider than the window.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${name} overflows by ${overflow}px at ${width}px`);
    }
    // The same customer in Simplified Chinese.
    await page.getByLabel("Language").first().selectOption("zh-CN");
    for (const [name, path] of [
      ["zh-overview", "/"],
      ["zh-buy-hdip", "/buy/hdip"],
      ["zh-bills", "/bills"],
      ["zh-notifications", "/notifications"],
    ]) {
      await page.goto(`${server.url}/#${path}`);
      await page.locator("main h1").first().waitFor();
      await shoot(page, name);
      await audit(page, name);
      await chartTextsApart(page, name);
    }
    // Notification texts said again in Chinese, money and times formatted as elsewhere.
    await assertText(page.locator("main tbody"), /订单 ord_\w+ 已支付：¥\d[\d,]*\.\d\d/);
    await assertText(page.locator("main tbody"), /已交付；到期时间 \d{4}\/\d{2}\/\d{2}/);
    await page.getByLabel("语言").first().selectOption("en");
    await finish(page);
    const admin = await signedIn("rk_0123456789abcdef0123456789abcdef", width);
    for (const [name, path] of [
      ["admin-tenants", "/admin/tenants"],
      ["admin-pools", "/admin/pools"],
      ["admin-pricebook", "/admin/pricebook"],
      ["admin-attacks", "/admin/attacks"],
      ["admin-revenue", "/admin/revenue"],
      ["admin-tenant", `/admin/tenants/${(await server.call("GET", "/v1/account", undefined, key)).tenant}`],
    ]) {
      await admin.goto(`${server.url}/#${path}`);
      await admin.locator("main h1").first().waitFor();
      await shoot(admin, name);
      await audit(admin, name);
      await chartTextsApart(admin, name);
      const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${name} overflows by ${overflow}px at ${width}px`);
    }
    await finish(admin);
    const signin = watched(await (await chrome.browser.newContext({ viewport: { width, height: 700 } })).newPage());
    await signin.goto(server.url + "/");
    await signin.getByLabel("API key").waitFor();
    await shoot(signin, "signin");
    await audit(signin, "signin");
    await finish(signin);
  }
});

test("the overview: balance, today's estimate, what is under attack and blackholed, today's peaks, what expires", async () => {
  const [key, resource] = await runningHdip("watched", "300000.00", 30);
  // 24 days on, the month's term ends within a week; then a 45 Gbps window now (base 10,
  // ceiling 30, the elastic peak: blackholed) and an earlier 20 Gbps one.
  await server.advance(24 * 86400);
  const { now } = await server.advance(0);
  const minute = new Date(Date.parse(now));
  minute.setUTCSeconds(0, 0);
  const at = (ms) => new Date(ms).toISOString().replace(".000Z", "Z");
  const posted = await server.call("POST", "/v1/usage", [
    { ip: resource.ips[0], window_start: at(minute.getTime() - 600_000), window_s: 60, attack_bps: 20e9 },
    { ip: resource.ips[0], window_start: at(minute.getTime()), window_s: 60, attack_bps: 45e9 },
  ]);
  assert.equal(posted.accepted, 2, JSON.stringify(posted.rejected));
  await server.call("PATCH", `/v1/resources/${resource.id}`, { name: "shop-frontend" }, key);
  const estimate = await server.call("GET", "/v1/bills/estimate", undefined, key);
  assert.equal(estimate.estimate, true);
  const page = await signedIn(key);
  await page.getByRole("heading", { name: "Overview" }).waitFor();
  assert.equal(await page.title(), "Overview · Rampart");
  await assertText(page.getByTestId("ov-estimate"), formatYuan(estimate.total));
  assert.notEqual(estimate.total, "0.00");
  await assertText(page.getByTestId("ov-assets"), "1");
  await assertText(page.getByTestId("ov-attacks"), "1");
  await assertText(page.locator(".stat", { hasText: "Under attack now" }), "1 blackholed");
  const attack = page.locator("main table").first().locator("tbody tr");
  await assertText(attack, `shop-frontend (${resource.ips[0]})`);
  await assertText(attack, "45 Gbps");
  await assertText(attack, "Blackholed");
  // Today's peak against base and ceiling, with the charge so far.
  const peak = page.locator("main table").nth(1).locator("tbody tr");
  await assertText(peak, "45 Gbps");
  await assertText(peak, "10 Gbps");
  await assertText(peak, "30 Gbps");
  assert.equal(await peak.locator("meter").count(), 1);
  // Expiring within 7 days, with its renewal a click away.
  await assertText(page.locator("main table").nth(2), "shop-frontend");
  await page.locator("main table").nth(2).getByRole("link", { name: "Renew" }).waitFor();
  await shoot(page, "overview");
  // In Chinese: the state names and the regions too.
  await page.getByLabel("Language").first().selectOption("zh-CN");
  await page.getByRole("heading", { name: "概览" }).waitFor();
  await assertText(page.locator("main table").nth(2), "运行中");
  await page.goto(`${server.url}/#/resources`);
  await assertText(page.locator("main tbody tr").first(), "华南 · BGP");
  await page.getByLabel("语言").first().selectOption("en");
  await finish(page);
});

test("resources are named and tagged, then searched, filtered and sorted newest first", async () => {
  const [key, first] = await runningHdip("labeller");
  const order = await server.call(
    "POST",
    "/v1/orders",
    { product: "hdip", region: "cn-south", line: "bgp", base_gbps: 10, elastic_gbps: 0, months: 1 },
    key,
  );
  const paid = await server.call("POST", `/v1/orders/${order.id}/pay`, {}, key);
  await server.advance(300);
  const page = await signedIn(key, 1280, `/resources/${first.id}`);
  await page.getByLabel("Name", { exact: true }).fill("game-login");
  await page.getByLabel("Tags", { exact: true }).fill("prod, 游戏");
  await page.getByRole("form", { name: "Name and tags" }).getByRole("button", { name: "Save" }).click();
  await page.getByText("Name and tags saved.").waitFor();
  await page.getByRole("heading", { name: /game-login/ }).waitFor();
  await assertText(page.getByTestId("tags"), "prod");
  const saved = await server.call("GET", `/v1/resources/${first.id}`, undefined, key);
  assert.equal(saved.name, "game-login");
  assert.deepEqual(saved.tags, ["prod", "游戏"]);
  await page.getByRole("link", { name: "Resources", exact: true }).click();
  const rows = page.locator("main tbody tr");
  await assertText(page.getByTestId("res-count"), "2 of 2");
  // Newest first: the second purchase leads.
  await assertText(rows.first(), paid.resources[0]);
  await page.getByLabel("Search").fill("游戏");
  await assertText(page.getByTestId("res-count"), "1 of 2");
  await assertText(rows.first(), "game-login");
  await page.getByLabel("Search").fill(first.ips[0]);
  await assertText(page.getByTestId("res-count"), "1 of 2");
  await page.getByLabel("Search").fill("");
  await page.getByLabel("Sort by").selectOption("oldest");
  await assertText(rows.first(), "game-login");
  await page.getByLabel("State").selectOption("expired");
  await assertText(page.getByTestId("res-count"), "0 of 2");
  await page.getByLabel("State").selectOption("running");
  await assertText(page.getByTestId("res-count"), "2 of 2");
  await shoot(page, "resources-search");
  // A resource being delivered: the list looks again by itself until it runs.
  const third = await server.call(
    "POST",
    "/v1/orders",
    { product: "hdip", region: "cn-south", line: "bgp", base_gbps: 10, elastic_gbps: 0, months: 1 },
    key,
  );
  const delivering = (await server.call("POST", `/v1/orders/${third.id}/pay`, {}, key)).resources[0];
  await page.getByLabel("State").selectOption("");
  await page.getByLabel("Sort by").selectOption("newest");
  await page.evaluate(() => window.dispatchEvent(new Event("rampart:account")));
  const newest = page.locator("main tbody tr", { hasText: delivering });
  await assertText(newest, "provisioning");
  await server.advance(300);
  await assertText(newest, "running");
  await finish(page);
});

test("purchase pages disclose every price, the hdp IP factor and a short balance; an order survives a reload", async () => {
  const t = await server.tenant("careful-buyer", "20000.00");
  const page = await signedIn(t.key, 1280, "/buy/hdip");
  // The elastic ranges of the network, the forwarding prices and the duration discounts.
  await assertText(page.getByTestId("elastic-prices"), /excess \(0, 10\] Gbps\s*¥1,000\.00 per day/);
  await assertText(page.getByTestId("forwarding-prices"), "by traffic: ¥0.80 per GB");
  await assertText(page.getByTestId("forwarding-prices"), "¥3.00 per Mbps per day above 100 Mbps");
  await assertText(page.getByTestId("discounts"), /\d+ months or more: \d+% off/);
  // hdp with 5 IPs: the single-IP price times the factor, shown where the total is.
  await page.goto(`${server.url}/#/buy/hdp`);
  await page.getByLabel("Multiple IPs").check();
  await page.getByLabel("Number of IPs").selectOption("5");
  await page.getByLabel("Base protection").selectOption("20");
  await assertText(page.getByTestId("ip-factor"), "¥6,000.00 × 3.875 (5 IPs) = ¥23,250.00");
  await assertText(page.getByTestId("ip-factors"), "5 IPs: × 3.875");
  // 3 months of it is more than the balance: said before confirming.
  await page.getByLabel("Duration").selectOption("3");
  const quote = await page.getByTestId("quote-total").textContent();
  await assertText(page.getByTestId("short-balance"), `Your balance ¥20,000.00 is`);
  await assertText(page.getByTestId("short-balance"), quote);
  // An hdip order left unpaid is still there, with Pay, after a reload.
  await page.goto(`${server.url}/#/buy/hdip`);
  await page.getByRole("button", { name: "Confirm order" }).click();
  await page.getByText(/Order ord_\w+ created, unpaid/).waitFor();
  await page.reload();
  await page.getByText(/Order ord_\w+ created, unpaid/).waitFor();
  await page.getByRole("button", { name: /^Pay ¥/ }).click();
  await page.getByText(/Delivering — this takes 1 to 5 minutes/).waitFor();
  await page.reload();
  await page.getByTestId("delivery").waitFor();
  // Changing an option starts a new purchase.
  await page.getByLabel("Duration").selectOption("3");
  await page.getByRole("button", { name: "Confirm order" }).waitFor();
  assert.equal((await server.call("GET", "/v1/orders", undefined, t.key)).items.length, 1);
  // A reload cancels the requests in flight (the price, the delivery poll): not a fault.
  page.problems = page.problems.filter((p) => !/^failed: .*\/v1\/.* net::ERR_ABORTED$/.test(p));
  await finish(page);
});

// A tenant with a running 10 Gbps hdip (elastic peak as given), through the API.
async function runningHdip(name, balance = "300000.00", elastic_gbps = 0) {
  const t = await server.tenant(name, balance);
  const order = await server.call(
    "POST",
    "/v1/orders",
    { product: "hdip", region: "cn-south", line: "bgp", base_gbps: 10, elastic_gbps, months: 1 },
    t.key,
  );
  await server.call("POST", `/v1/orders/${order.id}/pay`, {}, t.key);
  await server.advance(300);
  const [resource] = (await server.call("GET", "/v1/resources", undefined, t.key)).items;
  assert.equal(resource.state, "running");
  return [t.key, resource];
}

function formatYuan(amount) {
  const [w, f] = amount.split(".");
  return `¥${w.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${f}`;
}

async function assertText(locator, expected, timeout = 10000) {
  const deadline = Date.now() + timeout;
  let last = "";
  for (;;) {
    last =
      (await locator
        .first()
        .textContent({ timeout })
        .catch(() => "")) ?? "";
    if (typeof expected === "string" ? last.includes(expected) : expected.test(last)) return;
    if (Date.now() > deadline) assert.fail(`expected ${expected} in "${last}"`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function streamText(stream) {
  let s = "";
  for await (const chunk of stream) s += chunk;
  return s;
}
