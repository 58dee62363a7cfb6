// Starts a real `rampart serve --simulated-clock` on a free loopback port with a fresh data
// directory, and a headless Debian Chromium driven by playwright-core. Both stop with the test.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SOURCE_DIR = process.env.RAMPART_SOURCE_DIR ?? new URL("../..", import.meta.url).pathname;
const BINARY = process.env.RAMPART_BINARY ?? join(SOURCE_DIR, "build/dev/src/app/rampart");
export const ADMIN_KEY = "rk_0123456789abcdef0123456789abcdef";
const require = createRequire(join(SOURCE_DIR, "web/package.json"));
const { chromium } = require("playwright-core");

// With RAMPART_TEST_BACKEND=postgres (CTest's pg. runs), a fresh database on the test
// cluster of RAMPART_TEST_POSTGRES_URL; otherwise the embedded SQLite in the data directory.
function backendArgs() {
  if (process.env.RAMPART_TEST_BACKEND !== "postgres") return [];
  const url = process.env.RAMPART_TEST_POSTGRES_URL;
  if (!url) throw new Error("RAMPART_TEST_POSTGRES_URL is not set");
  const name = `browser_${process.pid}_${Date.now()}`;
  execFileSync("psql", ["-q", url, "-c", `CREATE DATABASE ${name}`]);
  return ["--database", url.slice(0, url.lastIndexOf("/") + 1) + name];
}

export async function startServer(extraArgs = []) {
  const data = mkdtempSync(join(tmpdir(), "rampart-browser-"));
  const child = spawn(
    BINARY,
    [
      "serve",
      "--simulated-clock",
      "--start",
      "2026-11-26T00:00:00Z",
      "--listen",
      "127.0.0.1:0",
      "--data",
      data,
      "--seed",
      "7",
      ...backendArgs(),
      ...extraArgs,
    ],
    {
      env: { ...process.env, RAMPART_ADMIN_KEY: ADMIN_KEY },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  // Its log (spdlog, stdout) and the "listening on" line.
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  const fail = (message) => {
    child.kill("SIGKILL");
    rmSync(data, { recursive: true, force: true });
    return new Error(message + "\n" + log);
  };
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(fail("rampart did not start:")), 15000);
    child.stdout.on("data", (d) => {
      log += d;
      const m = log.match(/listening on (http:\/\/[\d.]+:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`rampart exited ${code}:\n${log}`)));
  });
  if (!/console: \d+ files/.test(log)) throw fail("rampart serves no console (build web/ first):");
  const call = async (method, path, body, key = ADMIN_KEY) => {
    const res = await fetch(url + path, {
      method,
      headers: {
        Authorization: `Bearer ${key}`,
        "Content-Type": "application/json",
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    url,
    data,
    call,
    advance: (seconds) => call("POST", "/v1/admin/clock", { advance_s: seconds }),
    // A tenant with a balance and its tenant and meter keys.
    async tenant(name, balance) {
      const t = await call("POST", "/v1/admin/tenants", { name });
      const key = (await call("POST", `/v1/admin/tenants/${t.id}/keys`, { role: "tenant" })).key;
      const meter = (await call("POST", `/v1/admin/tenants/${t.id}/keys`, { role: "meter" })).key;
      if (balance)
        await call("POST", `/v1/admin/tenants/${t.id}/topup`, {
          amount: balance,
        });
      return { id: t.id, key, meter };
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.on("exit", r)));
      rmSync(data, { recursive: true, force: true });
    },
  };
}

export async function startBrowser() {
  // Playwright gives each launch a fresh, temporary --user-data-dir of its own.
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return { browser, close: () => browser.close() };
}

// Screenshots for docs/console.md: docs/screenshots/<name>-<width>.png.
export const SHOTS = join(SOURCE_DIR, "docs/screenshots");
mkdirSync(SHOTS, { recursive: true });
