// The plain lists: orders, resources, attacks, notifications. Each pages through `next_cursor`.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { accountChanged, api, type Notification, type Order, type Page, type Resource } from "../api";
import { ErrorBox, Field, Loading, StateBadge, Table, useAction } from "../components/ui";
import { noticeText } from "../notice_text";
import { byId, resourceLabel, useResources } from "../resources";
import { bps, money, time } from "../format";
import { named, place, t, type Key } from "../i18n";
import { Webhooks } from "./Webhooks";

// Items of a paginated list, with "load more" while there are more.
function usePaged<T>(path: string) {
  const [items, setItems] = useState<T[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = async (after: string | null) => {
    try {
      const sep = path.includes("?") ? "&" : "?";
      const page = await api.get<Page<T>>(
        `${path}${sep}limit=50${after ? "&cursor=" + encodeURIComponent(after) : ""}`,
      );
      setItems((prev) => (after && prev ? [...prev, ...page.items] : page.items));
      setCursor(page.next_cursor);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    load(null);
  }, [path]);
  return { items, error, more: cursor ? () => load(cursor) : null, reload: () => load(null) };
}

type Column<T> = { label: string; cell: (row: T) => ComponentChildren; numeric?: boolean };

// A paginated list as a table, with its error, loading state and "load more".
export function PagedTable<T>({
  path,
  columns,
  rowKey,
}: {
  path: string;
  columns: Column<T>[];
  rowKey: (row: T) => string;
}) {
  const p = usePaged<T>(path);
  return (
    <>
      <ErrorBox error={p.error} />
      {p.items ? <Table rows={p.items} rowKey={rowKey} columns={columns} /> : !p.error && <Loading />}
      <More more={p.more} />
    </>
  );
}

function More({ more }: { more: (() => void) | null }) {
  return more ? (
    <button type="button" onClick={more}>
      {t("more")}
    </button>
  ) : null;
}

export function Orders() {
  return (
    <section>
      <h1>{t("nav_orders")}</h1>
      <PagedTable<Order>
        path="/v1/orders?order=newest"
        rowKey={(o) => o.id}
        columns={[
          { label: t("id"), cell: (o) => o.id },
          {
            label: t("product"),
            cell: (o) =>
              `${t(o.options.product as Key)} · ${place(o.options.region as string, o.options.line as string)}`,
          },
          { label: t("status"), cell: (o) => <StateBadge state={o.status} /> },
          { label: t("amount"), cell: (o) => money(o.amount), numeric: true },
          { label: t("created"), cell: (o) => time(o.created_at) },
          {
            label: t("nav_resources"),
            cell: (o) => (o.status === "unpaid" ? <PayOrder order={o} /> : <ResourceLinks ids={o.resources} />),
          },
        ]}
      />
    </section>
  );
}

function ResourceLinks({ ids }: { ids: string[] }) {
  const names = byId(useResources().items);
  return (
    <>
      {ids.map((r) => (
        <a href={`#/resources/${r}`}>{resourceLabel(names.get(r), r)} </a>
      ))}
    </>
  );
}

// An unpaid order can be paid from the list until it lapses (24 h).
function PayOrder({ order }: { order: Order }) {
  const [paid, setPaid] = useState<Order | null>(null);
  const a = useAction();
  if (paid) return <ResourceLinks ids={paid.resources} />;
  return (
    <>
      <button
        type="button"
        class="primary"
        disabled={a.busy}
        onClick={() =>
          a.run(async () => {
            setPaid(await api.post<Order>(`/v1/orders/${order.id}/pay`, {}));
            accountChanged();
          })
        }
      >
        {t("pay", { amount: money(order.amount) })}
      </button>
      <small class="help"> {t("lapses", { at: time(order.lapses_at) })}</small>
      <ErrorBox error={a.error} />
    </>
  );
}

const STATES = ["provisioning", "running", "expired", "released", "failed"];
type Sort = "newest" | "oldest" | "expiry" | "name";

// Every resource of the tenant, searched (name, id, IP, tag), filtered by state and sorted
// (newest first by default) in the browser: a tenant has hundreds, not millions.
export function Resources() {
  const { items, error } = useResources();
  const [q, setQ] = useState("");
  const [state, setState] = useState("");
  const [sort, setSort] = useState<Sort>("newest");
  const needle = q.trim().toLowerCase();
  const shown = (items ?? [])
    .filter((r) => !state || r.state === state)
    .filter(
      (r) =>
        !needle ||
        [r.name, r.id, ...r.ips, ...r.tags, place(r.region, r.line)].some((x) => x.toLowerCase().includes(needle)),
    )
    .sort((a, b) => {
      switch (sort) {
        case "oldest":
          return a.created_at.localeCompare(b.created_at);
        case "expiry":
          return (a.expires_at ?? "9").localeCompare(b.expires_at ?? "9");
        case "name":
          return (a.name || a.id).localeCompare(b.name || b.id);
        default:
          return b.created_at.localeCompare(a.created_at);
      }
    });
  return (
    <section>
      <h1>{t("nav_resources")}</h1>
      <div class="row toolbar" role="search">
        <Field id="res-search" label={t("search")} help={t("search_help")}>
          <input
            id="res-search"
            type="search"
            value={q}
            aria-describedby="res-search-help"
            onInput={(e) => setQ(e.currentTarget.value)}
          />
        </Field>
        <Field id="res-state" label={t("filter_state")}>
          <select id="res-state" value={state} onChange={(e) => setState(e.currentTarget.value)}>
            <option value="">{t("all_states")}</option>
            {STATES.map((x) => (
              <option value={x}>{named("state", x)}</option>
            ))}
          </select>
        </Field>
        <Field id="res-sort" label={t("sort_by")}>
          <select id="res-sort" value={sort} onChange={(e) => setSort(e.currentTarget.value as Sort)}>
            <option value="newest">{t("sort_newest")}</option>
            <option value="oldest">{t("sort_oldest")}</option>
            <option value="expiry">{t("sort_expiry")}</option>
            <option value="name">{t("sort_name")}</option>
          </select>
        </Field>
        {items && (
          <p class="help" aria-live="polite" data-testid="res-count">
            {t("n_of_m", { n: shown.length, m: items.length })}
          </p>
        )}
      </div>
      <ErrorBox error={error} />
      {!items && !error && <Loading />}
      {items && (
        <Table<Resource>
          rows={shown}
          rowKey={(r) => r.id}
          columns={[
            {
              label: t("name"),
              cell: (r) => (
                <>
                  <a href={`#/resources/${r.id}`}>{r.name || r.id}</a>
                  {r.name && <small class="help"> {r.id}</small>}
                  {r.tags.map((tag) => (
                    <span class="tag">{tag}</span>
                  ))}
                </>
              ),
            },
            { label: t("product"), cell: (r) => `${t(r.product)} · ${place(r.region, r.line)}` },
            { label: t("state"), cell: (r) => <StateBadge state={r.state} /> },
            { label: t("ips"), cell: (r) => r.ips.join(", ") || "—" },
            { label: t("base"), cell: (r) => t("gbps", { n: r.base_gbps }), numeric: true },
            {
              label: t("elastic"),
              cell: (r) => (r.elastic_gbps ? t("gbps", { n: r.elastic_gbps }) : t("off")),
              numeric: true,
            },
            { label: t("expires"), cell: (r) => time(r.expires_at) },
            { label: t("auto_renew"), cell: (r) => (r.auto_renew ? t("on") : t("off")) },
          ]}
        />
      )}
    </section>
  );
}

export function Notifications() {
  const names = byId(useResources().items);
  return (
    <section>
      <h1>{t("notifications")}</h1>
      <Webhooks />
      <PagedTable<Notification>
        path="/v1/notifications?order=newest"
        rowKey={(n) => n.id}
        columns={[
          { label: t("at"), cell: (n) => time(n.at) },
          { label: t("kind"), cell: (n) => <span class={"badge kind-" + n.kind}>{named("event", n.kind)}</span> },
          {
            label: t("resource"),
            cell: (n) =>
              n.resource ? (
                <a href={`#/resources/${n.resource}`}>{resourceLabel(names.get(n.resource), n.resource)}</a>
              ) : (
                "—"
              ),
          },
          { label: t("message"), cell: (n) => noticeText(n.message) },
        ]}
      />
    </section>
  );
}

export { usePaged, More };

export type Attack = {
  resource: string;
  tenant: string;
  product: string;
  ips: string[];
  start: string;
  end: string | null;
  ongoing: boolean;
  peak_bps: number;
  peak_at: string;
  ceiling_bps: number;
  blackholed: boolean;
};

// Attack events (GET /v1/attacks): a tenant's own, or every tenant's for the operator.
export function Attacks({ admin = false }: { admin?: boolean }) {
  const names = byId(useResources(!admin).items);
  return (
    <section>
      <h1>{t("nav_attacks")}</h1>
      <p class="help">{t(admin ? "attacks_help_admin" : "attacks_help")}</p>
      <PagedTable<Attack>
        path="/v1/attacks?days=31"
        rowKey={(a) => `${a.resource}@${a.start}`}
        columns={[
          { label: t("attack_start"), cell: (a) => time(a.start) },
          {
            label: t("attack_end"),
            cell: (a) => (a.ongoing ? <span class="badge state-failed">{t("attack_ongoing")}</span> : time(a.end)),
          },
          ...(admin ? [{ label: t("tenant"), cell: (a: Attack) => a.tenant }] : []),
          {
            label: t("nav_resources"),
            cell: (a) =>
              admin ? (
                a.resource
              ) : (
                <a href={`#/resources/${a.resource}`}>{resourceLabel(names.get(a.resource), a.resource)}</a>
              ),
          },
          { label: t("ips"), cell: (a) => a.ips.join(", ") },
          { label: t("attack_peak"), cell: (a) => bps(a.peak_bps), numeric: true },
          { label: t("ceiling"), cell: (a) => bps(a.ceiling_bps), numeric: true },
          {
            label: t("attack_outcome"),
            cell: (a) => (a.blackholed ? t("attack_blackholed") : t("attack_mitigated")),
          },
        ]}
      />
    </section>
  );
}
