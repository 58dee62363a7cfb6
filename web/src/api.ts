// The console's only way to the server: same-origin fetches to /v1 with the signed-in key.
// The key lives in sessionStorage (gone when the tab closes) and is sent as a Bearer header,
// never in a URL; no cookies, so no cross-site request can act for the user.

export type Role = "tenant" | "admin";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const KEY = "rampart.key";
const ROLE = "rampart.role";

export function session(): { key: string; role: Role } | null {
  const key = sessionStorage.getItem(KEY);
  const role = sessionStorage.getItem(ROLE) as Role | null;
  return key && role ? { key, role } : null;
}

export function signOut() {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(ROLE);
}

// 128 random bits as hex. (crypto.randomUUID exists only in secure contexts; a console
// served over plain HTTP on a private address must still work.)
function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function call<T>(method: string, path: string, body?: unknown, key?: string): Promise<T> {
  const secret = key ?? session()?.key;
  const headers: Record<string, string> = {};
  if (secret) headers.Authorization = `Bearer ${secret}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  // Money-moving and creating calls carry an idempotency key: a retried click is answered
  // with the first result instead of doing the thing twice.
  if (method === "POST") headers["Idempotency-Key"] = newIdempotencyKey();
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached. Check your connection and retry.");
  }
  const text = await res.text();
  const json = text ? safeParse(text) : null;
  if (!res.ok) {
    const e = (json as { error?: { code: string; message: string; details?: Record<string, unknown> } })?.error;
    if (res.status === 401 && key === undefined) {
      signOut();
      location.hash = "#/signin";
    }
    throw new ApiError(res.status, e?.code ?? "http_" + res.status, e?.message ?? res.statusText, e?.details);
  }
  return json as T;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { code: "bad_answer", message: text.slice(0, 200) } };
  }
}

export const api = {
  get: <T>(path: string) => call<T>("GET", path),
  post: <T>(path: string, body: unknown = {}) => call<T>("POST", path, body),
  put: <T>(path: string, body: unknown) => call<T>("PUT", path, body),
  patch: <T>(path: string, body: unknown) => call<T>("PATCH", path, body),
  del: <T>(path: string) => call<T>("DELETE", path),
};

// Tells the header's balance (and the resource names) to refresh after something moved money
// or changed a resource.
export function accountChanged() {
  window.dispatchEvent(new Event("rampart:account"));
}

// Every page of a list (`limit` 200 a page, at most `max` items): for lists a customer
// searches and sorts as a whole, such as resources.
export async function getAll<T>(path: string, max = 2000): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  const sep = path.includes("?") ? "&" : "?";
  do {
    const page: Page<T> = await call<Page<T>>(
      "GET",
      `${path}${sep}limit=200${cursor ? "&cursor=" + encodeURIComponent(cursor) : ""}`,
    );
    out.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && out.length < max);
  return out;
}

// Checks a key and finds its role: a tenant key reads its account, an admin key lists
// tenants; a meter key can do neither and cannot sign in.
export async function signIn(key: string): Promise<Role> {
  try {
    await call("GET", "/v1/account", undefined, key);
    sessionStorage.setItem(KEY, key);
    sessionStorage.setItem(ROLE, "tenant");
    return "tenant";
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 403) throw e;
  }
  try {
    await call("GET", "/v1/admin/tenants?limit=1", undefined, key);
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) {
      throw new ApiError(403, "meter_key", "A meter key can only post usage; sign in with a tenant or admin key.");
    }
    throw e;
  }
  sessionStorage.setItem(KEY, key);
  sessionStorage.setItem(ROLE, "admin");
  return "admin";
}

// Objects of api.md, as the console uses them.
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
export interface QuoteLine {
  description: string;
  unit_price: string;
  months: number;
  quantity: number;
  discount: string;
  amount: string;
}
export interface Quote {
  amount: string;
  currency: string;
  lines: QuoteLine[];
  elastic_switched_off?: boolean;
}
export interface PriceClass {
  base_gbps: Record<string, string> | { gbps: number; monthly: string }[];
  [k: string]: unknown;
}
export interface Order {
  id: string;
  status: string;
  amount: string;
  created_at: string;
  paid_at: string | null;
  lapses_at: string | null;
  options: Record<string, unknown>;
  resources: string[];
}
export interface Resource {
  id: string;
  order_id: string;
  product: "hdip" | "hdp";
  region: string;
  line: string | null;
  scope: string | null;
  ip_count: number;
  base_gbps: number;
  elastic_gbps: number;
  forwarding_mode: string | null;
  state: string;
  ips: string[];
  auto_renew: boolean;
  created_at: string;
  delivered_at: string | null;
  expires_at: string | null;
  pending_forwarding_mode: string | null;
  name: string;
  tags: string[];
}
export interface Origin {
  address: string;
  port: number;
  weight: number;
}
export interface Rule {
  id?: string;
  protocol: "tcp" | "udp";
  frontend_port: number;
  origins: Origin[];
  lb: "wrr" | "source_hash";
  session_persistence_s: number;
  health_check: {
    enabled: boolean;
    interval_s: number;
    timeout_s: number;
    unhealthy_after: number;
    healthy_after: number;
  };
}
export interface BillLine {
  resource: string;
  kind: "elastic" | "forwarding_traffic" | "forwarding_bandwidth" | "adjustment";
  amount: string;
  measure: Record<string, unknown>;
}
export interface Bill {
  day: string;
  total: string;
  status: string;
  lines: BillLine[];
  estimate?: boolean;
  as_of?: string;
}
export interface Account {
  tenant: string;
  name: string;
  balance: string;
  in_arrears: boolean;
  low_balance_threshold: string;
  now: string;
  billing_day: string;
}
export interface LedgerEntry {
  id: string;
  kind: string;
  amount: string;
  balance_after: string;
  reference: string;
  at: string;
}
export interface Notification {
  id: string;
  kind: string;
  at: string;
  resource: string | null;
  message: string;
}
export interface Tenant {
  id: string;
  name: string;
  balance: string;
  created_at: string;
}
export interface Pool {
  id: string;
  region: string;
  line: string;
  cidr: string;
  size: number;
  in_use: number;
  free: number;
  enabled: boolean;
}
