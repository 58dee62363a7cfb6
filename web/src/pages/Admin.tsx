// Operator pages (admin key): tenants with their keys and top-ups, IP pools, the price book.
import { useState } from "preact/hooks";
import { api, type Page, type Pool, type Tenant } from "../api";
import { catalog, type PriceClass } from "../catalog";
import { ConfirmButton, ErrorBox, Field, Loading, Notice, Table, useAction, useLoad, value } from "../components/ui";
import { money, time } from "../format";
import { t } from "../i18n";
import { More, usePaged } from "./Lists";

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
            { label: t("name"), cell: (x) => x.name },
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
              <option value={`${n.region}/${n.line}`}>{`${n.region} · ${n.line}`}</option>
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
            { label: t("region"), cell: (p) => p.region },
            { label: t("line"), cell: (p) => p.line },
            { label: t("cidr"), cell: (p) => <code>{p.cidr}</code> },
            { label: t("size"), cell: (p) => p.size, numeric: true },
            { label: t("in_use"), cell: (p) => p.in_use, numeric: true },
          ]}
        />
      ) : (
        !pools.error && <Loading />
      )}
    </section>
  );
}

function ClassTables({ cls, title }: { cls: PriceClass; title: string }) {
  return (
    <div class="card">
      <h3>{title}</h3>
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
    </div>
  );
}

export function PriceBook() {
  const cat = useLoad(catalog);
  if (cat.error) return <ErrorBox error={cat.error} />;
  if (!cat.data) return <Loading />;
  const c = cat.data;
  return (
    <section aria-labelledby="pb-title">
      <h1 id="pb-title">{t("pricebook")}</h1>
      <p>
        {c.currency} · {c.billing_time_zone} · {t("months")}: {c.months.join(", ")} · {t("discount")}:{" "}
        {c.discounts.map((d) => `≥${d.min_months}: −${Math.round(+d.off * 100)}%`).join(", ")}
      </p>
      <h2>{t("hdip")}</h2>
      {c.products.hdip.networks.map((n) => (
        <>
          <ClassTables cls={n} title={`${n.region} · ${n.line}`} />
          <p class="help">
            {t("forwarding_prices")}: {money(n.forwarding.per_gb)} {t("per_gb")}; {money(n.forwarding.per_mbps_day)}{" "}
            {t("per_mbps_day")} ({n.forwarding.measure}, {n.forwarding.included_mbps} Mbps {t("included")})
          </p>
        </>
      ))}
      <h2>{t("hdp")}</h2>
      {c.products.hdp.regions.map((r) => (
        <ClassTables cls={r} title={r.region} />
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
