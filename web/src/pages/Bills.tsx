// Bills as a statement: a month's postpaid bills, its prepaid payments and the sum; the open
// day's estimate; each line with the measures behind its charge and the resource by name; a
// chart of each resource's daily attack peak (with base, ceiling and charged range when there
// is one resource), forwarded GB and bandwidth in charts of their own; CSV downloads.
import { useEffect, useState } from "preact/hooks";
import { api, session, type Account, type Bill, type BillLine } from "../api";
import { Chart } from "../components/Chart";
import { ErrorBox, Field, Loading, useLoad, value } from "../components/ui";
import { bps, bytes, money, time } from "../format";
import { t, type Key } from "../i18n";
import { byId, resourceLabel, useResources } from "../resources";

interface BillList {
  items: Bill[];
  total: string; // the postpaid bills
  prepaid_total: string; // order payments, renewals, upgrades less refunds, the same days
  spent_total: string;
}

function monthRange(month: string): [string, string] {
  const [y, m] = month.split("-").map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return [`${month}-01`, `${month}-${String(last).padStart(2, "0")}`];
}

// Downloads with the key in a header (a plain link cannot carry it).
async function download(path: string, name: string) {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${session()?.key}`, Accept: "text/csv" } });
  if (!res.ok) throw new Error(t("csv_failed", { status: res.status }));
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function Bills() {
  const [month, setMonth] = useState("");
  const [today, setToday] = useState("");
  useEffect(() => {
    api.get<Account>("/v1/account").then(
      (a) => (setToday(a.billing_day), setMonth((m) => m || a.billing_day.slice(0, 7))),
      () => setMonth(new Date().toISOString().slice(0, 7)),
    );
  }, []);
  const [from, to] = month ? monthRange(month) : ["", ""];
  const bills = useLoad(async () => (month ? api.get<BillList>(`/v1/bills?from=${from}&to=${to}`) : null), [month]);
  // The open day, in the month that holds it: its bill as rated so far.
  const current = !!today && month === today.slice(0, 7);
  const estimate = useLoad(async () => (current ? api.get<Bill>("/v1/bills/estimate") : null), [current]);
  const names = byId(useResources().items);
  const label = (id: string) => resourceLabel(names.get(id), id);
  const [error, setError] = useState<unknown>(null);
  return (
    <section aria-labelledby="bills-title">
      <h1 id="bills-title">{t("bills")}</h1>
      <div class="row toolbar">
        <Field id="bills-month" label={t("month")}>
          <input id="bills-month" type="month" value={month} onChange={(e) => value(e) && setMonth(value(e))} />
        </Field>
        <button
          type="button"
          disabled={!bills.data?.items.length}
          onClick={() =>
            download(`/v1/bills?from=${from}&to=${to}&format=csv`, `rampart-bills-${month}.csv`).catch(setError)
          }
        >
          {t("csv")}
        </button>
      </div>
      <div class="stats">
        <div class="card stat">
          <span>{t("postpaid_total")}</span>
          <strong data-testid="month-total">{money(bills.data?.total ?? "0.00")}</strong>
        </div>
        <div class="card stat">
          <span>{t("prepaid_total")}</span>
          <strong data-testid="prepaid-total">{money(bills.data?.prepaid_total ?? "0.00")}</strong>
        </div>
        <div class="card stat">
          <span>{t("spent_total")}</span>
          <strong data-testid="spent-total">{money(bills.data?.spent_total ?? "0.00")}</strong>
        </div>
      </div>
      <ErrorBox error={bills.error || estimate.error || error} />
      {!bills.data && !bills.error && <Loading />}
      {estimate.data && <DayBill bill={estimate.data} label={label} onError={setError} />}
      {bills.data && bills.data.items.length === 0 && <p class="empty">{t("no_bills")}</p>}
      {bills.data && bills.data.items.length > 0 && (
        <>
          <ElasticChart bills={bills.data.items} label={label} />
          <ForwardingCharts bills={bills.data.items} label={label} />
          {/* Newest first; the days without a charge in one line, not a card each. */}
          {[...bills.data.items]
            .reverse()
            .filter((b) => b.lines.length > 0)
            .map((b) => (
              <DayBill bill={b} label={label} onError={setError} />
            ))}
          <QuietDays bills={bills.data.items.filter((b) => b.lines.length === 0)} />
        </>
      )}
    </section>
  );
}

function QuietDays({ bills }: { bills: Bill[] }) {
  if (bills.length === 0) return null;
  return (
    <p class="help" data-testid="quiet-days">
      {t("quiet_days", { n: bills.length, days: bills.map((b) => b.day.slice(5)).join(", ") })}
    </p>
  );
}

function DayBill({ bill, label, onError }: { bill: Bill; label: Label; onError: (e: unknown) => void }) {
  const path = bill.estimate ? "estimate" : bill.day;
  return (
    <details class="card bill" open data-testid={bill.estimate ? "bill-estimate" : `bill-${bill.day}`}>
      <summary>
        <span>{bill.day}</span>{" "}
        {bill.estimate && (
          <span class="badge state-provisioning" title={t("estimate_help", { day: bill.day })}>
            {t("estimate_badge")} · {time(bill.as_of)}
          </span>
        )}{" "}
        <strong>{money(bill.total)}</strong>
      </summary>
      {bill.estimate && <p class="help">{t("estimate_help", { day: bill.day })}</p>}
      {bill.lines.length === 0 ? (
        <p class="empty">{t("no_charges")}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t("resource")}</th>
                <th scope="col">{t("kind")}</th>
                <th scope="col">{t("measure")}</th>
                <th scope="col" class="num">
                  {t("amount")}
                </th>
              </tr>
            </thead>
            <tbody>
              {bill.lines.map((l) => (
                <tr>
                  <td data-label={t("resource")}>
                    <a href={`#/resources/${l.resource}`}>{label(l.resource)}</a>
                  </td>
                  <td data-label={t("kind")}>{t(("kind_" + l.kind) as Key)}</td>
                  <td data-label={t("measure")}>{describe(l)}</td>
                  <td class="num" data-label={t("amount")}>
                    {money(l.amount)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <button
        type="button"
        onClick={() =>
          download(
            `/v1/bills/${path}?format=csv`,
            `rampart-${bill.estimate ? "estimate" : "bill"}-${bill.day}.csv`,
          ).catch(onError)
        }
      >
        {t("csv")} ({bill.day})
      </button>
    </details>
  );
}

// A billed quantity of GB to two decimals for reading ("462.56", not "462.562596561"); the
// charge itself is the server's, worked from the exact bytes.
function gb(text: string): string {
  return (+text).toFixed(2);
}

// The numbers behind a charge, in words.
function describe(l: BillLine): string {
  const m = l.measure as Record<string, any>;
  switch (l.kind) {
    case "elastic":
      return `${t("attack_peak")} ${bps(m.attack_peak_bps)} @ ${time(m.attack_peak_at)}; ${t("base")} ${bps(m.base_bps)}, ${t("ceiling")} ${bps(m.ceiling_bps)}; ${t("excess")} ${bps(m.excess_bps)}${m.range ? ` ∈ (${m.range.lo_gbps}, ${m.range.hi_gbps}] Gbps → ${money(m.daily_price)}` : ""}`;
    case "forwarding_traffic":
      return `${t("inbound")} ${bytes(m.in_bytes)} + ${t("outbound")} ${bytes(m.out_bytes)} = ${gb(m.total_gb)} GB × ${money(m.price_per_gb)}`;
    case "forwarding_bandwidth":
      return `${m.measure} ${bps(m.bandwidth_bps)} (${t("buckets_n", { n: m.buckets })}) − ${m.included_mbps} Mbps ${t("included")} = ${m.billable_mbps} Mbps × ${money(m.price_per_mbps_day)}`;
    case "adjustment":
      return `${t("corrects", { day: m.corrects_day })}: ${money(m.previous)} → ${money(m.corrected)}`;
  }
}

const gbps = (n: number) => +(n / 1e9).toFixed(3);
const COLORS = ["#d9480f", "#1c7ed6", "#2f9e44", "#7048e8", "#e67700", "#0c8599", "#c2255c", "#495057"];

type Label = (id: string) => string;

// The resources that have lines of `kinds` in the month, in first-seen order.
function resourcesWith(bills: Bill[], kinds: string[]): string[] {
  const seen: string[] = [];
  for (const b of bills)
    for (const l of b.lines) if (kinds.includes(l.kind) && !seen.includes(l.resource)) seen.push(l.resource);
  return seen;
}

// Per day and resource: the attack peak, with the base and ceiling in force and the charged
// range. One line of peaks per resource; with one resource, its base, ceiling and charged range
// (a band from base+lo to base+hi) are drawn too.
function ElasticChart({ bills, label }: { bills: Bill[]; label: Label }) {
  const ids = resourcesWith(bills, ["elastic"]);
  if (ids.length === 0) return null;
  const days = bills.map((b) => b.day);
  const at = (b: Bill, id: string) =>
    b.lines.find((l) => l.kind === "elastic" && l.resource === id) as
      (BillLine & { measure: Record<string, any> }) | undefined;
  const rows = bills.flatMap((b) =>
    ids.flatMap((id) => {
      const l = at(b, id);
      if (!l) return [];
      const m = l.measure;
      return [
        {
          day: b.day,
          id,
          peak: gbps(m.attack_peak_bps),
          base: gbps(m.base_bps),
          ceiling: gbps(m.ceiling_bps),
          lo: (m.range?.lo_gbps ?? null) as number | null,
          hi: (m.range?.hi_gbps ?? null) as number | null,
          amount: l.amount,
        },
      ];
    }),
  );
  const cell = (day: string, id: string) => rows.find((r) => r.day === day && r.id === id);
  const single = ids.length === 1;
  const peakSeries = ids.map((id, i) => ({
    name: `${label(id)} — ${t("attack_peak")}`,
    type: "line",
    connectNulls: false,
    data: days.map((d) => cell(d, id)?.peak ?? null),
    itemStyle: { color: COLORS[i % COLORS.length] },
  }));
  const extra = single
    ? [
        {
          name: "_offset",
          type: "bar",
          stack: "range",
          silent: true,
          itemStyle: { color: "transparent" },
          data: days.map((d) => {
            const r = cell(d, ids[0]);
            return r && r.lo !== null ? r.base + r.lo : 0;
          }),
          tooltip: { show: false },
        },
        {
          name: t("charged_range"),
          type: "bar",
          stack: "range",
          itemStyle: { color: "rgba(217,72,15,0.25)" },
          data: days.map((d) => {
            const r = cell(d, ids[0]);
            return r && r.lo !== null ? r.hi! - r.lo : 0;
          }),
        },
        {
          name: t("base"),
          type: "line",
          step: "middle",
          data: days.map((d) => cell(d, ids[0])?.base ?? null),
          itemStyle: { color: "#1c7ed6" },
        },
        {
          name: t("ceiling"),
          type: "line",
          step: "middle",
          lineStyle: { type: "dashed" },
          data: days.map((d) => cell(d, ids[0])?.ceiling ?? null),
          itemStyle: { color: "#495057" },
        },
      ]
    : [];
  return (
    <div class="card">
      <h2>{t("elastic_chart")}</h2>
      <Chart
        testId="elastic-chart"
        label={t("elastic_chart")}
        option={{
          tooltip: {
            trigger: "axis",
            // Per resource of the day: its peak, base, ceiling and the charged range, with units.
            formatter: (params: { dataIndex: number }[]) => {
              const day = days[params[0].dataIndex];
              const parts = [`<b>${day}</b>`];
              for (const id of ids) {
                const r = cell(day, id);
                if (!r) continue;
                parts.push(
                  `${label(id)}: ${t("attack_peak")} ${r.peak} Gbps; ${t("base")} ${r.base} Gbps; ` +
                    `${t("ceiling")} ${r.ceiling} Gbps; ${t("charged_range")} ${r.lo === null ? "—" : `(${r.lo}, ${r.hi}] Gbps`}`,
                );
              }
              return parts.join("<br>");
            },
          },
          legend: {
            top: 0,
            type: "scroll",
            data: [...peakSeries.map((x) => x.name), ...(single ? [t("charged_range"), t("base"), t("ceiling")] : [])],
          },
          xAxis: { type: "category", data: days },
          yAxis: { type: "value", name: "Gbps" },
          series: [...extra, ...peakSeries],
        }}
      />
      <div class="sr-only">
        <table data-testid="elastic-chart-data">
          <caption>{t("elastic_chart")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("day")}</th>
              <th scope="col">{t("resource")}</th>
              <th scope="col">{t("attack_peak")}</th>
              <th scope="col">{t("base")}</th>
              <th scope="col">{t("ceiling")}</th>
              <th scope="col">{t("charged_range")}</th>
              <th scope="col">{t("amount")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <td>{r.day}</td>
                <td>{label(r.id)}</td>
                <td>{r.peak} Gbps</td>
                <td>{r.base} Gbps</td>
                <td>{r.ceiling} Gbps</td>
                <td>{r.lo === null ? "—" : `(${r.lo}, ${r.hi}]`}</td>
                <td>{money(r.amount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

// Forwarded traffic (GB, bars stacked by resource) and forwarding bandwidth (Mbps, a line per
// resource): two charts, each in its own unit, each drawn only when it has something.
function ForwardingCharts({ bills, label }: { bills: Bill[]; label: Label }) {
  const days = bills.map((b) => b.day);
  const measure = (kind: string, pick: (m: Record<string, any>) => number) => {
    const ids = resourcesWith(bills, [kind]);
    return ids.map((id, i) => ({
      id,
      color: COLORS[(i + 2) % COLORS.length],
      data: bills.map((b) => {
        const l = b.lines.find((x) => x.kind === kind && x.resource === id);
        return l ? pick(l.measure as Record<string, any>) : 0;
      }),
    }));
  };
  const traffic = measure("forwarding_traffic", (m) => +(+m.total_gb).toFixed(2));
  const bandwidth = measure("forwarding_bandwidth", (m) => +(m.bandwidth_bps / 1e6).toFixed(2));
  return (
    <>
      {traffic.length > 0 && (
        <UnitChart
          testId="forwarding-chart"
          title={t("traffic_chart")}
          unit="GB"
          type="bar"
          days={days}
          series={traffic}
          label={label}
        />
      )}
      {bandwidth.length > 0 && (
        <UnitChart
          testId="bandwidth-chart"
          title={t("bandwidth_chart")}
          unit="Mbps"
          type="line"
          days={days}
          series={bandwidth}
          label={label}
        />
      )}
    </>
  );
}

function UnitChart(props: {
  testId: string;
  title: string;
  unit: string;
  type: "bar" | "line";
  days: string[];
  series: { id: string; color: string; data: number[] }[];
  label: Label;
}) {
  const { days, series, unit, label } = props;
  return (
    <div class="card">
      <h2>{props.title}</h2>
      <Chart
        testId={props.testId}
        label={props.title}
        option={{
          tooltip: { trigger: "axis", valueFormatter: (v: number) => `${v.toFixed(2)} ${unit}` },
          xAxis: { type: "category", data: days },
          legend: {},
          yAxis: { type: "value", name: unit },
          series: series.map((x) => ({
            name: label(x.id),
            type: props.type,
            stack: props.type === "bar" ? "total" : undefined,
            data: x.data,
            itemStyle: { color: x.color },
          })),
        }}
      />
      <div class="sr-only">
        <table>
          <caption>{props.title}</caption>
          <thead>
            <tr>
              <th scope="col">{t("day")}</th>
              {series.map((x) => (
                <th scope="col">{label(x.id)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {days.map((d, i) => (
              <tr>
                <td>{d}</td>
                {series.map((x) => (
                  <td>
                    {x.data[i].toFixed(2)} {unit}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
