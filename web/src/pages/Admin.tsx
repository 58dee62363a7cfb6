// Operator pages (admin key): tenants with their keys and top-ups, a tenant's own page, IP
// pools (enable, disable, delete, low capacity), revenue by day, the price book.
import { useState } from "preact/hooks";
import {
  api,
  type Account,
  type Bill,
  type LedgerEntry,
  type Order,
  type Page,
  type Pool,
  type Resource,
  type Tenant,
} from "../api";
import { Chart } from "../components/Chart";
import { catalog, type PriceClass } from "../catalog";
import {
  ConfirmButton,
  ErrorBox,
  Field,
  Loading,
  Notice,
  StateBadge,
  Table,
  useAction,
  useLoad,
  value,
} from "../components/ui";
import { money, time } from "../format";
import { named, place, t } from "../i18n";
import { More, PagedTable, usePaged } from "./Lists";

export function Tenants() {
  const list = usePaged<Tenant>("/v1/admin/tenants");
  const [name, setName] = useState("");
  const [open, setOpen] = useState<string | null>(null);
  const a = useAction();
  return (
    <section aria-labelledby="tenants-title">
      <h1 id="tenants-title">{t("tenants")}</h1>
      <form
        class="card row"
        onSubmit={(e) => (
          e.preventDefault(),
          a.run(async () => (await api.post("/v1/admin/tenants", { name }), setName(""), list.reload()))
        )}
      >
        <Field id="tenant-name" label={t("name")}>
          <input id="tenant-name" required maxLength={100} value={name} onInput={(e) => setName(value(e))} />
        </Field>
        <button type="submit" class="primary" disabled={a.busy}>
          {t("create_tenant")}
        </button>
        <ErrorBox error={a.error} />
      </form>
      <ErrorBox error={list.error} />
      {list.items ? (
        <Table
          rows={list.items}
          rowKey={(x) => x.id}
          columns={[
            { label: t("id"), cell: (x) => x.id },
            { label: t("name"), cell: (x) => <a href={`#/admin/tenants/${x.id}`}>{x.name}</a> },
            { label: t("balance"), cell: (x) => money(x.balance), numeric: true },
            { label: t("created"), cell: (x) => time(x.created_at) },
            {
              label: t("actions"),
              cell: (x) => (
                <button
                  type="button"
                  aria-expanded={open === x.id}
                  onClick={() => setOpen(open === x.id ? null : x.id)}
                >
                  {t("keys")} / {t("topup")}
                </button>
              ),
            },
          ]}
        />
      ) : (
        !list.error && <Loading />
      )}
      <More more={list.more} />
      {open && <TenantTools key={open} tenant={list.items!.find((x) => x.id === open)!} onChange={list.reload} />}
    </section>
  );
}

interface KeyRow {
  id: string;
  role: string;
  created_at: string;
  revoked_at: string | null;
}

function TenantTools({ tenant, onChange }: { tenant: Tenant; onChange: () => void }) {
  const keys = useLoad(() => api.get<Page<KeyRow>>(`/v1/admin/tenants/${tenant.id}/keys`), [tenant.id]);
  const [role, setRole] = useState("tenant");
  const [secret, setSecret] = useState("");
  const [amount, setAmount] = useState("");
  const [balance, setBalance] = useState("");
  const a = useAction();
  return (
    <div class="card" aria-label={tenant.name}>
      <h2>
        {tenant.name} — {t("keys")}
      </h2>
      {keys.data && (
        <Table
          rows={keys.data.items}
          rowKey={(k) => k.id}
          columns={[
            { label: t("id"), cell: (k) => k.id },
            { label: t("role"), cell: (k) => k.role },
            { label: t("created"), cell: (k) => time(k.created_at) },
            {
              label: t("actions"),
              cell: (k) =>
                k.revoked_at ? (
                  `${t("revoked")} ${time(k.revoked_at)}`
                ) : (
                  <ConfirmButton
                    label={t("revoke")}
                    consequence={t("revoke_consequence", { id: k.id })}
                    busy={a.busy}
                    action={() =>
                      a.run(async () => (await api.del(`/v1/admin/tenants/${tenant.id}/keys/${k.id}`), keys.reload()))
                    }
                  />
                ),
            },
          ]}
        />
      )}
      <form
        class="row"
        onSubmit={(e) => (
          e.preventDefault(),
          a.run(
            async () => (
              setSecret((await api.post<{ key: string }>(`/v1/admin/tenants/${tenant.id}/keys`, { role })).key),
              keys.reload()
            ),
          )
        )}
      >
        <Field id="key-role" label={t("role")}>
          <select id="key-role" value={role} onChange={(e) => setRole(value(e))}>
            <option value="tenant">tenant</option>
            <option value="meter">meter</option>
          </select>
        </Field>
        <button type="submit" disabled={a.busy}>
          {t("issue_key")}
        </button>
      </form>
      {secret && (
        <Notice kind="warn">
          {t("key_shown_once")} <code data-testid="new-key">{secret}</code>
        </Notice>
      )}
      <h2>{t("topup")}</h2>
      <form
        class="row"
        onSubmit={(e) => (
          e.preventDefault(),
          a.run(
            async () => (
              setBalance(
                (await api.post<{ balance: string }>(`/v1/admin/tenants/${tenant.id}/topup`, { amount })).balance,
              ),
              setAmount(""),
              onChange()
            ),
          )
        )}
      >
        <Field id="topup-amount" label={t("topup_amount")}>
          <input
            id="topup-amount"
            required
            inputMode="decimal"
            pattern="\d+(\.\d{1,2})?"
            placeholder="100000.00"
            value={amount}
            onInput={(e) => setAmount(value(e))}
          />
        </Field>
        <button type="submit" class="primary" disabled={a.busy}>
          {t("topup")}
        </button>
      </form>
      {balance && <Notice>{`${t("balance")}: ${money(balance)}`}</Notice>}
      <ErrorBox error={a.error || keys.error} />
    </div>
  );
}

// Low: at most a tenth of the pool, or a single address, left.
const low = (p: Pool) => p.free <= Math.max(1, Math.floor(p.size / 10));

export function Pools() {
  const pools = useLoad(() => api.get<Page<Pool>>("/v1/admin/ip-pools"));
  const cat = useLoad(catalog);
  const [form, setForm] = useState({ network: "", cidr: "" });
  const a = useAction();
  const networks = cat.data?.products.hdip.networks ?? [];
  const network = form.network || (networks[0] ? `${networks[0].region}/${networks[0].line}` : "");
  return (
    <section aria-labelledby="pools-title">
      <h1 id="pools-title">{t("pools")}</h1>
      <form
        class="card row"
        onSubmit={(e) => {
          e.preventDefault();
          const [region, line] = network.split("/");
          a.run(
            async () => (
              await api.post("/v1/admin/ip-pools", { region, line, cidr: form.cidr }),
              setForm({ ...form, cidr: "" }),
              pools.reload()
            ),
          );
        }}
      >
        <Field id="pool-network" label={t("network")}>
          <select id="pool-network" value={network} onChange={(e) => setForm({ ...form, network: value(e) })}>
            {networks.map((n) => (
              <option value={`${n.region}/${n.line}`}>{place(n.region, n.line)}</option>
            ))}
          </select>
        </Field>
        <Field id="pool-cidr" label={t("cidr")}>
          <input
            id="pool-cidr"
            required
            placeholder="203.0.113.0/28"
            value={form.cidr}
            onInput={(e) => setForm({ ...form, cidr: value(e).trim() })}
          />
        </Field>
        <button type="submit" class="primary" disabled={a.busy}>
          {t("add_pool")}
        </button>
        <ErrorBox error={a.error} />
      </form>
      <ErrorBox error={pools.error} />
      {pools.data ? (
        <Table
          rows={pools.data.items}
          rowKey={(p) => p.id}
          columns={[
            { label: t("id"), cell: (p) => p.id },
            { label: t("network"), cell: (p) => place(p.region, p.line) },
            { label: t("cidr"), cell: (p) => <code>{p.cidr}</code> },
            { label: t("size"), cell: (p) => p.size, numeric: true },
            { label: t("in_use"), cell: (p) => p.in_use, numeric: true },
            {
              label: t("free"),
              cell: (p) => (
                <>
                  {p.free}
                  {p.enabled && low(p) && <span class="badge state-failed"> {t("low_capacity")}</span>}
                </>
              ),
              numeric: true,
            },
            {
              label: t("state"),
              cell: (p) =>
                p.enabled ? t("pool_enabled") : <span class="badge state-expired">{t("pool_disabled")}</span>,
            },
            {
              label: t("actions"),
              cell: (p) => (
                <>
                  {p.enabled ? (
                    <ConfirmButton
                      label={
                        <>
                          {t("disable")} <span class="sr-only">{p.cidr}</span>
                        </>
                      }
                      consequence={t("disable_pool_consequence", { cidr: p.cidr })}
                      busy={a.busy}
                      action={() =>
                        a.run(
                          async () => (
                            await api.patch(`/v1/admin/ip-pools/${p.id}`, { enabled: false }),
                            pools.reload()
                          ),
                        )
                      }
                    />
                  ) : (
                    <button
                      type="button"
                      disabled={a.busy}
                      onClick={() =>
                        a.run(
                          async () => (
                            await api.patch(`/v1/admin/ip-pools/${p.id}`, { enabled: true }),
                            pools.reload()
                          ),
                        )
                      }
                    >
                      {t("enable")} <span class="sr-only">{p.cidr}</span>
                    </button>
                  )}{" "}
                  {p.in_use === 0 && (
                    <ConfirmButton
                      label={
                        <>
                          {t("delete")} <span class="sr-only">{p.cidr}</span>
                        </>
                      }
                      consequence={t("delete_pool_consequence", { cidr: p.cidr })}
                      busy={a.busy}
                      action={() => a.run(async () => (await api.del(`/v1/admin/ip-pools/${p.id}`), pools.reload()))}
                    />
                  )}
                </>
              ),
            },
          ]}
        />
      ) : (
        !pools.error && <Loading />
      )}
      <p class="help">{t("pools_help")}</p>
    </section>
  );
}

function ClassTables({ cls }: { cls: PriceClass }) {
  return (
    <div class="row top">
      <Table
        caption={t("base")}
        rows={cls.base}
        rowKey={(b) => String(b.gbps)}
        columns={[
          { label: "Gbps", cell: (b) => b.gbps, numeric: true },
          { label: t("monthly"), cell: (b) => money(b.monthly), numeric: true },
        ]}
      />
      <Table
        caption={t("elastic_ranges")}
        rows={cls.elastic}
        rowKey={(r) => `${r.from_gbps}`}
        columns={[
          { label: "Gbps", cell: (r) => `(${r.from_gbps}, ${r.to_gbps}]` },
          { label: t("daily"), cell: (r) => money(r.daily), numeric: true },
        ]}
      />
    </div>
  );
}

// Places that charge the same (the price book's classes: the catalogue repeats a class's
// tables for each network or region that uses it), in catalogue order.
function byPriceClass<T extends PriceClass>(items: T[]): { cls: T; members: T[] }[] {
  const groups = new Map<string, { cls: T; members: T[] }>();
  for (const item of items) {
    const key = JSON.stringify([item.base, item.elastic, item.max_elastic_gbps]);
    const group = groups.get(key);
    if (group) group.members.push(item);
    else groups.set(key, { cls: item, members: [item] });
  }
  return [...groups.values()];
}

// One price class folded to a line (where it applies, from what base price, up to what elastic
// protection); its tables when opened. The first is open.
function PriceClassCard({ title, cls, open }: { title: string; cls: PriceClass; open: boolean }) {
  const from = cls.base.length ? money(cls.base[0].monthly) : "—";
  return (
    <details class="card price-class" open={open}>
      <summary>
        <strong>{title}</strong>{" "}
        <span class="help">
          {t("pb_summary", { base: from, n: cls.base.length, ranges: cls.elastic.length, max: cls.max_elastic_gbps })}
        </span>
      </summary>
      <ClassTables cls={cls} />
    </details>
  );
}

export function PriceBook() {
  const cat = useLoad(catalog);
  if (cat.error) return <ErrorBox error={cat.error} />;
  if (!cat.data) return <Loading />;
  const c = cat.data;
  const networks = byPriceClass(c.products.hdip.networks);
  const regions = byPriceClass(c.products.hdp.regions);
  return (
    <section aria-labelledby="pb-title">
      <h1 id="pb-title">{t("pricebook")}</h1>
      <p>
        {c.currency} · {c.billing_time_zone} · {t("months")}: {c.months.join(", ")} · {t("discount")}:{" "}
        {c.discounts.map((d) => `≥${d.min_months}: −${Math.round(+d.off * 100)}%`).join(", ")}
      </p>
      <h2>{t("hdip")}</h2>
      {networks.map((g, i) => (
        <PriceClassCard
          key={g.members.map((n) => n.region + n.line).join()}
          title={g.members.map((n) => place(n.region, n.line)).join(", ")}
          cls={g.cls}
          open={i === 0}
        />
      ))}
      <Table
        caption={t("forwarding_prices")}
        rows={c.products.hdip.networks}
        rowKey={(n) => n.region + n.line}
        columns={[
          { label: t("network"), cell: (n) => place(n.region, n.line) },
          { label: t("per_gb"), cell: (n) => money(n.forwarding.per_gb), numeric: true },
          { label: t("per_mbps_day"), cell: (n) => money(n.forwarding.per_mbps_day), numeric: true },
          { label: t("included"), cell: (n) => `${n.forwarding.included_mbps} Mbps`, numeric: true },
          { label: t("pb_measure"), cell: (n) => n.forwarding.measure },
        ]}
      />
      <h2>{t("hdp")}</h2>
      {regions.map((g, i) => (
        <PriceClassCard
          key={g.members.map((r) => r.region).join()}
          title={g.members.map((r) => place(r.region)).join(", ")}
          cls={g.cls}
          open={i === 0}
        />
      ))}
      <Table
        caption={t("ip_factors")}
        rows={c.products.hdp.ip_count_factors}
        rowKey={(f) => String(f.ip_count)}
        columns={[
          { label: t("ip_count"), cell: (f) => f.ip_count, numeric: true },
          { label: "×", cell: (f) => f.factor, numeric: true },
        ]}
      />
    </section>
  );
}

// One tenant as the operator sees it: balance, resources, orders, the ledger and this month's
// bills, through the tenant's own views (GET /v1/admin/tenants/{id}/...).
export function TenantPage({ id }: { id: string }) {
  const base = `/v1/admin/tenants/${id}`;
  const account = useLoad(() => api.get<Account>(`${base}/account`), [id]);
  const month = account.data?.billing_day.slice(0, 7);
  const bills = useLoad(
    async () =>
      month ? api.get<{ items: Bill[]; total: string; prepaid_total: string }>(`${base}/bills?from=${month}-01`) : null,
    [month],
  );
  return (
    <section aria-labelledby="tenant-title">
      <p>
        <a href="#/admin/tenants">← {t("tenants")}</a>
      </p>
      <h1 id="tenant-title">{account.data?.name ?? id}</h1>
      <ErrorBox error={account.error || bills.error} />
      {account.data && (
        <div class="stats">
          <div class="card stat">
            <span>{t("balance")}</span>
            <strong data-testid="tenant-balance">{money(account.data.balance)}</strong>
            {account.data.in_arrears && <small>{t("arrears_banner")}</small>}
          </div>
          {bills.data && (
            <>
              <div class="card stat">
                <span>{t("postpaid_total")}</span>
                <strong>{money(bills.data.total)}</strong>
              </div>
              <div class="card stat">
                <span>{t("prepaid_total")}</span>
                <strong>{money(bills.data.prepaid_total)}</strong>
              </div>
            </>
          )}
        </div>
      )}
      <h2>{t("nav_resources")}</h2>
      <PagedTable<Resource>
        path={`${base}/resources`}
        rowKey={(r) => r.id}
        columns={[
          { label: t("name"), cell: (r) => (r.name ? `${r.name} (${r.id})` : r.id) },
          { label: t("product"), cell: (r) => `${t(r.product)} · ${place(r.region, r.line)}` },
          { label: t("state"), cell: (r) => <StateBadge state={r.state} /> },
          { label: t("ips"), cell: (r) => r.ips.join(", ") || "—" },
          { label: t("base"), cell: (r) => t("gbps", { n: r.base_gbps }), numeric: true },
          { label: t("expires"), cell: (r) => time(r.expires_at) },
        ]}
      />
      <h2>{t("nav_orders")}</h2>
      <PagedTable<Order>
        path={`${base}/orders?order=newest`}
        rowKey={(o) => o.id}
        columns={[
          { label: t("id"), cell: (o) => o.id },
          { label: t("status"), cell: (o) => <StateBadge state={o.status} /> },
          { label: t("amount"), cell: (o) => money(o.amount), numeric: true },
          { label: t("created"), cell: (o) => time(o.created_at) },
        ]}
      />
      <h2>{t("ledger")}</h2>
      <PagedTable<LedgerEntry>
        path={`${base}/ledger?order=newest`}
        rowKey={(e) => e.id}
        columns={[
          { label: t("at"), cell: (e) => time(e.at) },
          { label: t("kind"), cell: (e) => named("ledger", e.kind) },
          { label: t("amount"), cell: (e) => money(e.amount), numeric: true },
          { label: t("balance_after"), cell: (e) => money(e.balance_after), numeric: true },
          { label: t("reference"), cell: (e) => e.reference },
        ]}
      />
      <h2>{t("bills")}</h2>
      {bills.data && (
        <Table
          rows={bills.data.items.filter((b) => b.lines.length > 0).reverse()}
          rowKey={(b) => b.day}
          columns={[
            { label: t("day"), cell: (b) => b.day },
            { label: t("lines"), cell: (b) => b.lines.length, numeric: true },
            { label: t("total"), cell: (b) => money(b.total), numeric: true },
          ]}
        />
      )}
    </section>
  );
}

interface RevenueDay {
  day: string;
  prepaid: string;
  postpaid: string;
  revenue: string;
  topups: string;
}

// A day with nothing sold, billed or topped up: folded into one line under the table.
const quiet = (x: RevenueDay) => [x.prepaid, x.postpaid, x.revenue, x.topups].every((v) => Number(v) === 0);

// Revenue by billing day (GET /v1/admin/revenue): prepaid and postpaid, with top-ups beside.
export function Revenue() {
  const data = useLoad(() =>
    api.get<{ items: RevenueDay[]; prepaid: string; postpaid: string; revenue: string; topups: string }>(
      "/v1/admin/revenue",
    ),
  );
  const d = data.data;
  return (
    <section aria-labelledby="revenue-title">
      <h1 id="revenue-title">{t("revenue")}</h1>
      <p class="help">{t("revenue_help")}</p>
      <ErrorBox error={data.error} />
      {!d && !data.error && <Loading />}
      {d && (
        <>
          <div class="stats">
            <div class="card stat">
              <span>{t("revenue_30d")}</span>
              <strong data-testid="revenue-total">{money(d.revenue)}</strong>
            </div>
            <div class="card stat">
              <span>{t("prepaid")}</span>
              <strong>{money(d.prepaid)}</strong>
            </div>
            <div class="card stat">
              <span>{t("postpaid")}</span>
              <strong>{money(d.postpaid)}</strong>
            </div>
            <div class="card stat">
              <span>{t("topups")}</span>
              <strong>{money(d.topups)}</strong>
            </div>
          </div>
          <div class="card">
            <Chart
              testId="revenue-chart"
              label={t("revenue")}
              option={{
                tooltip: { trigger: "axis", valueFormatter: (v: number) => `¥${v.toFixed(2)}` },
                legend: {},
                xAxis: { type: "category", data: d.items.map((x) => x.day.slice(5)) },
                yAxis: { type: "value", name: "¥" },
                series: [
                  {
                    name: t("prepaid"),
                    type: "bar",
                    stack: "r",
                    data: d.items.map((x) => +x.prepaid),
                    itemStyle: { color: "#1c7ed6" },
                  },
                  {
                    name: t("postpaid"),
                    type: "bar",
                    stack: "r",
                    data: d.items.map((x) => +x.postpaid),
                    itemStyle: { color: "#d9480f" },
                  },
                ],
              }}
            />
          </div>
          <Table
            rows={[...d.items].reverse().filter((x) => !quiet(x))}
            rowKey={(x) => x.day}
            columns={[
              { label: t("day"), cell: (x) => x.day },
              { label: t("prepaid"), cell: (x) => money(x.prepaid), numeric: true },
              { label: t("postpaid"), cell: (x) => money(x.postpaid), numeric: true },
              { label: t("revenue"), cell: (x) => money(x.revenue), numeric: true },
              { label: t("topups"), cell: (x) => money(x.topups), numeric: true },
            ]}
          />
          {d.items.some(quiet) && (
            <p class="help" data-testid="quiet-revenue-days">
              {t("quiet_revenue_days", { n: d.items.filter(quiet).length })}
            </p>
          )}
        </>
      )}
    </section>
  );
}
