// Purchase: every option of product.md §1, the live price as options change (a quote per
// change), confirm → unpaid order → pay from balance → "delivering" until running.
import { useEffect, useMemo, useState } from "preact/hooks";
import { accountChanged, api, ApiError, type Account, type Order, type Quote, type Resource } from "../api";
import { catalog, type Catalog, type HdpRegion, type Network } from "../catalog";
import { ErrorBox, Field, Loading, Notice, StateBadge, useAction, useLoad, value } from "../components/ui";
import { fromFen, money, toFen } from "../format";
import { place, t } from "../i18n";

type Product = "hdip" | "hdp";

interface Options {
  product: Product;
  region: string;
  line: string;
  scope: "single" | "multi";
  ip_count: number;
  base_gbps: number;
  elastic_gbps: number;
  forwarding_mode: "by_traffic" | "by_bandwidth";
  quantity: number;
  months: number;
  auto_renew: boolean;
}

function defaults(cat: Catalog, product: Product): Options {
  // The first network with capacity (all full: the first, and the server says why).
  const net = cat.products.hdip.networks.find((n) => n.available) ?? cat.products.hdip.networks[0];
  const reg = cat.products.hdp.regions[0];
  const cls = product === "hdip" ? net : reg;
  return {
    product,
    region: product === "hdip" ? net.region : reg.region,
    line: net.line,
    scope: "single",
    ip_count: 1,
    base_gbps: cls.base[0].gbps,
    elastic_gbps: 0,
    forwarding_mode: "by_traffic",
    quantity: 1,
    months: product === "hdp" ? Math.max(3, cat.products.hdp.first_purchase_min_months) : 1,
    auto_renew: false,
  };
}

// The order body of api.md for these options (only the fields of the product).
function body(o: Options) {
  const common = {
    product: o.product,
    region: o.region,
    base_gbps: o.base_gbps,
    elastic_gbps: o.elastic_gbps,
    quantity: o.quantity,
    months: o.months,
    auto_renew: o.auto_renew,
  };
  return o.product === "hdip"
    ? { ...common, line: o.line, forwarding_mode: o.forwarding_mode }
    : { ...common, scope: o.scope, ip_count: o.ip_count };
}

export function Purchase({ product }: { product: Product }) {
  const cat = useLoad(catalog);
  if (cat.error) return <ErrorBox error={cat.error} />;
  if (!cat.data) return <Loading />;
  return <PurchaseForm key={product} cat={cat.data} product={product} />;
}

function PurchaseForm({ cat, product }: { cat: Catalog; product: Product }) {
  const [o, setO] = useState<Options>(() => defaults(cat, product));
  const [quote, setQuote] = useState<Quote | null>(null);
  const [quoteError, setQuoteError] = useState<unknown>(null);
  const [quoting, setQuoting] = useState(false);
  const [order, setOrder] = useState<Order | null>(null);
  const action = useAction();
  const [balance, setBalance] = useState<string | null>(null);
  useEffect(() => {
    const load = () =>
      api.get<Account>("/v1/account").then(
        (a) => setBalance(a.balance),
        () => {},
      );
    load();
    window.addEventListener("rampart:account", load);
    return () => window.removeEventListener("rampart:account", load);
  }, []);
  // An order placed here and not finished survives a reload or Back: its id is kept for the
  // tab (sessionStorage) until the options change.
  const pendingKey = `rampart.order.${product}`;
  useEffect(() => {
    const id = sessionStorage.getItem(pendingKey);
    if (id)
      api.get<Order>(`/v1/orders/${id}`).then(
        (found) => setOrder((current) => current ?? found),
        () => sessionStorage.removeItem(pendingKey),
      );
  }, []);
  useEffect(() => {
    if (order) sessionStorage.setItem(pendingKey, order.id);
  }, [order?.id]);
  const set = (patch: Partial<Options>) => {
    setOrder(null);
    sessionStorage.removeItem(pendingKey);
    setO((prev) => ({ ...prev, ...patch }));
  };

  const cls = useMemo(
    () =>
      o.product === "hdip"
        ? cat.products.hdip.networks.find((n) => n.region === o.region && n.line === o.line)
        : cat.products.hdp.regions.find((r) => r.region === o.region),
    [o.product, o.region, o.line],
  );

  // The live price: one quote per change of options, the latest answer wins.
  useEffect(() => {
    let live = true;
    setQuoting(true);
    const timer = setTimeout(() => {
      api.post<Quote>("/v1/quotes", body(o)).then(
        (q) => live && (setQuote(q), setQuoteError(null), setQuoting(false)),
        (e) => live && (setQuote(null), setQuoteError(e), setQuoting(false)),
      );
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [JSON.stringify(o)]);

  const confirm = () => action.run(async () => setOrder(await api.post<Order>("/v1/orders", body(o))));
  const pay = () =>
    action.run(async () => {
      setOrder(await api.post<Order>(`/v1/orders/${order!.id}/pay`, {}));
      accountChanged();
    });

  const networks = cat.products.hdip.networks;
  const base = cls?.base ?? [];
  // hdp with several IPs: the single-IP price times the IP-count factor, said so.
  const factor =
    product === "hdp" && o.ip_count > 1
      ? cat.products.hdp.ip_count_factors.find((f) => f.ip_count === o.ip_count)
      : undefined;
  // The balance against the price, before confirming: the shortfall, exactly.
  const shortfall =
    quote && balance !== null && toFen(balance) < toFen(quote.amount) ? toFen(quote.amount) - toFen(balance) : null;
  return (
    <section aria-labelledby="purchase-title">
      <h1 id="purchase-title">{t(product)}</h1>
      <div class="purchase">
        <form class="card options" onSubmit={(e) => (e.preventDefault(), confirm())} aria-describedby="price-box">
          {product === "hdip" ? (
            <Field id="network" label={t("network")}>
              <select
                id="network"
                value={`${o.region}/${o.line}`}
                onChange={(e) => {
                  const [region, line] = value(e).split("/");
                  const n = networks.find((x) => x.region === region && x.line === line)!;
                  set({
                    region,
                    line,
                    base_gbps: n.base.some((b) => b.gbps === o.base_gbps) ? o.base_gbps : n.base[0].gbps,
                  });
                }}
              >
                {networks.map((n) => (
                  <option value={`${n.region}/${n.line}`} disabled={!n.available}>
                    {`${place(n.region, n.line)}${n.available ? "" : ` — ${t("no_capacity")}`}`}
                  </option>
                ))}
              </select>
            </Field>
          ) : (
            <>
              <Field id="region" label={t("region")}>
                <select id="region" value={o.region} onChange={(e) => set({ region: value(e) })}>
                  {cat.products.hdp.regions.map((r) => (
                    <option value={r.region}>{place(r.region)}</option>
                  ))}
                </select>
              </Field>
              <fieldset class="field">
                <legend>{t("scope")}</legend>
                {(["single", "multi"] as const).map((s) => (
                  <label class="inline">
                    <input
                      type="radio"
                      name="scope"
                      value={s}
                      checked={o.scope === s}
                      onChange={() => set({ scope: s, ip_count: s === "single" ? 1 : Math.max(2, o.ip_count) })}
                    />
                    {t(s === "single" ? "scope_single" : "scope_multi")}
                  </label>
                ))}
              </fieldset>
              <Field id="ip_count" label={t("ip_count")}>
                <select
                  id="ip_count"
                  value={o.ip_count}
                  disabled={o.scope === "single"}
                  onChange={(e) => set({ ip_count: +value(e) })}
                >
                  {cat.products.hdp.ip_count_factors.map((f) => (
                    <option value={f.ip_count}>{f.ip_count}</option>
                  ))}
                </select>
              </Field>
            </>
          )}
          <Field id="base" label={t("base")} help={product === "hdp" ? t("single_ip_prices") : undefined}>
            <select
              id="base"
              value={o.base_gbps}
              aria-describedby={product === "hdp" ? "base-help" : undefined}
              onChange={(e) => set({ base_gbps: +value(e) })}
            >
              {base.map((b) => (
                <option value={b.gbps}>{`${b.gbps} Gbps — ${money(b.monthly)} ${t("per_month")}`}</option>
              ))}
            </select>
          </Field>
          <Field
            id="elastic"
            label={t("elastic")}
            help={t("elastic_help") + (cls ? ` (≤ ${cls.max_elastic_gbps} Gbps)` : "")}
          >
            <input
              id="elastic"
              type="number"
              inputMode="numeric"
              min={0}
              max={cls?.max_elastic_gbps}
              step={1}
              value={o.elastic_gbps}
              aria-describedby="elastic-help"
              onInput={(e) => set({ elastic_gbps: Math.max(0, Math.trunc(+value(e) || 0)) })}
            />
          </Field>
          {product === "hdip" && (
            <fieldset class="field">
              <legend>{t("forwarding_mode")}</legend>
              {(["by_traffic", "by_bandwidth"] as const).map((m) => (
                <label class="inline">
                  <input
                    type="radio"
                    name="forwarding_mode"
                    value={m}
                    checked={o.forwarding_mode === m}
                    onChange={() => set({ forwarding_mode: m })}
                  />
                  {t(m)}
                </label>
              ))}
            </fieldset>
          )}
          <div class="row">
            <Field id="quantity" label={t("quantity")}>
              <input
                id="quantity"
                type="number"
                min={1}
                max={cat.max_quantity}
                value={o.quantity}
                onInput={(e) => set({ quantity: Math.trunc(+value(e) || 0) })}
              />
            </Field>
            <Field id="months" label={t("months")}>
              <select id="months" value={o.months} onChange={(e) => set({ months: +value(e) })}>
                {cat.months.map((m) => (
                  <option value={m}>{t("months_n", { n: m })}</option>
                ))}
              </select>
            </Field>
          </div>
          <label class="inline">
            <input
              type="checkbox"
              checked={o.auto_renew}
              onChange={(e) => set({ auto_renew: e.currentTarget.checked })}
            />
            {t("auto_renew")}
          </label>
        </form>
        <aside class="card price" id="price-box" aria-live="polite" aria-labelledby="price-title">
          <h2 id="price-title">{t("price")}</h2>
          {quoteError ? <ErrorBox error={quoteError} /> : null}
          {quote && (
            <>
              <table class="quote" data-testid="quote">
                <tbody>
                  {quote.lines.map((l) => (
                    <>
                      {factor && (
                        <tr data-testid="ip-factor">
                          <th scope="row">{t("ip_factor")}</th>
                          <td class="num">
                            {t("ip_factor_applied", {
                              single: money(base.find((b) => b.gbps === o.base_gbps)?.monthly),
                              factor: factor.factor,
                              n: o.ip_count,
                              unit: money(l.unit_price),
                            })}
                          </td>
                        </tr>
                      )}
                      <tr>
                        <th scope="row">{t("list_price")}</th>
                        <td class="num">{`${money(l.unit_price)} × ${t("months_n", { n: l.months })} × ${t("quantity_n", { n: l.quantity })}`}</td>
                      </tr>
                      <tr>
                        <th scope="row">{t("discount")}</th>
                        <td class="num">{+l.discount > 0 ? `−${Math.round(+l.discount * 100)}%` : "—"}</td>
                      </tr>
                    </>
                  ))}
                  <tr class="total">
                    <th scope="row">{t("total")}</th>
                    <td class="num" data-testid="quote-total">
                      {money(quote.amount)}
                    </td>
                  </tr>
                </tbody>
              </table>
              {o.elastic_gbps > 0 && <p class="help">{t("elastic_note")}</p>}
              {shortfall !== null && (
                <Notice kind="warn">
                  <span data-testid="short-balance">
                    {t("short_balance", {
                      balance: money(balance!),
                      short: money(fromFen(shortfall)),
                      total: money(quote.amount),
                    })}
                  </span>
                </Notice>
              )}
            </>
          )}
          {quoting && !quote && <Loading />}
          {!order && (
            <button type="button" class="primary" disabled={!quote || quoting || action.busy} onClick={confirm}>
              {t("confirm_order")}
            </button>
          )}
          {order && <OrderProgress order={order} onPay={pay} busy={action.busy} />}
          <ErrorBox error={action.error} />
          {cls && <PriceDisclosure cat={cat} cls={cls} product={product} />}
        </aside>
      </div>
    </section>
  );
}

// After the order: pay, then follow delivery until every resource runs.
function OrderProgress({ order, onPay, busy }: { order: Order; onPay: () => void; busy: boolean }) {
  const [resources, setResources] = useState<Resource[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (order.status === "unpaid") return;
    let live = true;
    let timer = 0;
    const poll = async () => {
      try {
        const rs = await Promise.all(order.resources.map((id) => api.get<Resource>(`/v1/resources/${id}`)));
        if (!live) return;
        setResources(rs);
        setError(null);
        if (rs.some((r) => r.state === "provisioning")) timer = window.setTimeout(poll, 2000);
      } catch (e) {
        if (!live) return;
        setError(e);
        if (!(e instanceof ApiError) || e.status >= 500 || e.status === 0) timer = window.setTimeout(poll, 5000);
      }
    };
    poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [order.id, order.status]);

  if (order.status === "unpaid") {
    return (
      <div class="order-step">
        <Notice kind="info">{t("order_created", { id: order.id })}</Notice>
        <button type="button" class="primary" disabled={busy} onClick={onPay}>
          {t("pay", { amount: money(order.amount) })}
        </button>
      </div>
    );
  }
  const running = resources.length > 0 && resources.every((r) => r.state === "running");
  const failed = resources.some((r) => r.state === "failed");
  return (
    <div class="order-step" data-testid="delivery">
      {running ? (
        <Notice>{t("delivered")}</Notice>
      ) : failed ? (
        <ErrorBox error={new Error(t("delivery_failed", { id: order.id }))} />
      ) : (
        <Notice kind="info">
          <span class="spinner" aria-hidden="true" /> {t("paid_delivering")}
        </Notice>
      )}
      <ul class="plain">
        {resources.map((r) => (
          <li>
            <a href={`#/resources/${r.id}`}>{r.id}</a> <StateBadge state={r.state} /> {r.ips.join(", ")}
          </li>
        ))}
      </ul>
      <ErrorBox error={error} />
    </div>
  );
}

// Every price that can apply to what is being bought, before buying: the elastic ranges of
// the chosen network (charged per day from the day's peak above the base), the forwarding
// prices (hdip), the IP-count factors (hdp) and the duration discounts.
function PriceDisclosure({ cat, cls, product }: { cat: Catalog; cls: Network | HdpRegion; product: Product }) {
  const net = product === "hdip" ? (cls as Network) : null;
  return (
    <details class="disclosure" data-testid="price-disclosure" open>
      <summary>{t("price_disclosure")}</summary>
      <h3>{t("elastic_prices")}</h3>
      <table class="compact" data-testid="elastic-prices">
        <tbody>
          {cls.elastic.map((r) => (
            <tr>
              <th scope="row">{t("elastic_range_row", { lo: r.from_gbps, hi: r.to_gbps })}</th>
              <td class="num">{t("per_day", { price: money(r.daily) })}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {net && (
        <>
          <h3>{t("price_forwarding")}</h3>
          <ul class="plain" data-testid="forwarding-prices">
            <li>{t("forwarding_by_traffic_price", { price: money(net.forwarding.per_gb) })}</li>
            <li>
              {t("forwarding_by_bandwidth_price", {
                price: money(net.forwarding.per_mbps_day),
                included: net.forwarding.included_mbps,
                measure: t(("measure_" + net.forwarding.measure) as "measure_peak"),
              })}
            </li>
          </ul>
        </>
      )}
      {product === "hdp" && (
        <>
          <h3>{t("price_ip_factors")}</h3>
          <ul class="plain inline-list" data-testid="ip-factors">
            {cat.products.hdp.ip_count_factors.map((f) => (
              <li>{t("ip_factor_row", { n: f.ip_count, factor: f.factor })}</li>
            ))}
          </ul>
        </>
      )}
      {cat.discounts.length > 0 && (
        <>
          <h3>{t("duration_discounts")}</h3>
          <ul class="plain" data-testid="discounts">
            {cat.discounts.map((d) => (
              <li>{t("discount_row", { months: d.min_months, off: `${Math.round(+d.off * 100)}%` })}</li>
            ))}
          </ul>
        </>
      )}
    </details>
  );
}
