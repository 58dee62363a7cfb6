// Bills: a month of daily bills with their total, each line with the measures behind its
// charge, a chart of each day's attack peak against base and ceiling with the charged range,
// a chart of forwarded traffic and bandwidth, and CSV downloads.
import { useEffect, useState } from "preact/hooks";
import { api, session, type Account, type Bill, type BillLine } from "../api";
import { Chart } from "../components/Chart";
import { ErrorBox, Field, Loading, useLoad, value } from "../components/ui";
import { bps, bytes, money, time } from "../format";
import { t, type Key } from "../i18n";

interface BillList {
  items: Bill[];
  total: string;
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
  useEffect(() => {
    api.get<Account>("/v1/account").then(
      (a) => setMonth((m) => m || a.billing_day.slice(0, 7)),
      () => setMonth(new Date().toISOString().slice(0, 7)),
    );
  }, []);
  const [from, to] = month ? monthRange(month) : ["", ""];
  const bills = useLoad(async () => (month ? api.get<BillList>(`/v1/bills?from=${from}&to=${to}`) : null), [month]);
  const [error, setError] = useState<unknown>(null);
  return (
    <section aria-labelledby="bills-title">
      <h1 id="bills-title">{t("bills")}</h1>
      <div class="row toolbar">
        <Field id="bills-month" label={t("month")}>
          <input id="bills-month" type="month" value={month} onChange={(e) => value(e) && setMonth(value(e))} />
        </Field>
        <div class="card stat">
          <span>{t("month_total")}</span>
          <strong data-testid="month-total">{money(bills.data?.total ?? "0.00")}</strong>
        </div>
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
      <ErrorBox error={bills.error || error} />
      {!bills.data && !bills.error && <Loading />}
      {bills.data && bills.data.items.length === 0 && <p class="empty">{t("no_bills")}</p>}
      {bills.data && bills.data.items.length > 0 && (
        <>
          <ElasticChart bills={bills.data.items} />
          <ForwardingChart bills={bills.data.items} />
          {bills.data.items.map((b) => (
            <DayBill bill={b} onError={setError} />
          ))}
        </>
      )}
    </section>
  );
}

function DayBill({ bill, onError }: { bill: Bill; onError: (e: unknown) => void }) {
  return (
    <details class="card bill" open data-testid={`bill-${bill.day}`}>
      <summary>
        <span>{bill.day}</span> <strong>{money(bill.total)}</strong>
      </summary>
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
                    <a href={`#/resources/${l.resource}`}>{l.resource}</a>
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
        onClick={() => download(`/v1/bills/${bill.day}?format=csv`, `rampart-bill-${bill.day}.csv`).catch(onError)}
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

// Per day: the attack peak (largest over the resources' elastic lines), the base and
// ceiling in force, and the charged range drawn as a band from base+lo to base+hi.
function ElasticChart({ bills }: { bills: Bill[] }) {
  const rows = bills
    .map((b) => {
      const lines = b.lines.filter((l) => l.kind === "elastic").map((l) => l.measure as Record<string, any>);
      if (lines.length === 0) return null;
      const top = lines.reduce((a, c) => (c.attack_peak_bps > a.attack_peak_bps ? c : a));
      return {
        day: b.day,
        peak: gbps(top.attack_peak_bps),
        base: gbps(top.base_bps),
        ceiling: gbps(top.ceiling_bps),
        lo: top.range?.lo_gbps ?? null,
        hi: top.range?.hi_gbps ?? null,
        price: top.daily_price as string | undefined,
      };
    })
    .filter((r) => r !== null);
  if (rows.length === 0) return null;
  const days = rows.map((r) => r.day);
  return (
    <div class="card">
      <h2>{t("elastic_chart")}</h2>
      <Chart
        testId="elastic-chart"
        label={t("elastic_chart")}
        option={{
          tooltip: {
            trigger: "axis",
            // One line per measure with its unit, and the charged range as the range it is.
            formatter: (params: { dataIndex: number }[]) => {
              const r = rows[params[0].dataIndex];
              return [
                `<b>${r.day}</b>`,
                `${t("attack_peak")}: ${r.peak} Gbps`,
                `${t("base")}: ${r.base} Gbps`,
                `${t("ceiling")}: ${r.ceiling} Gbps`,
                `${t("charged_range")}: ${r.lo === null ? "—" : `(${r.lo}, ${r.hi}] Gbps`}`,
              ].join("<br>");
            },
          },
          legend: { top: 0, data: [t("charged_range"), t("attack_peak"), t("base"), t("ceiling")] },
          grid: { left: 50, right: 20, top: 50, bottom: 30 },
          xAxis: { type: "category", data: days },
          yAxis: { type: "value", name: "Gbps" },
          series: [
            {
              name: "_offset",
              type: "bar",
              stack: "range",
              silent: true,
              itemStyle: { color: "transparent" },
              data: rows.map((r) => (r.lo === null ? 0 : r.base + r.lo)),
              tooltip: { show: false },
            },
            {
              name: t("charged_range"),
              type: "bar",
              stack: "range",
              itemStyle: { color: "rgba(217,72,15,0.25)" },
              data: rows.map((r) => (r.lo === null ? 0 : r.hi! - r.lo)),
            },
            { name: t("attack_peak"), type: "line", data: rows.map((r) => r.peak), itemStyle: { color: "#d9480f" } },
            {
              name: t("base"),
              type: "line",
              step: "middle",
              data: rows.map((r) => r.base),
              itemStyle: { color: "#1c7ed6" },
            },
            {
              name: t("ceiling"),
              type: "line",
              step: "middle",
              lineStyle: { type: "dashed" },
              data: rows.map((r) => r.ceiling),
              itemStyle: { color: "#495057" },
            },
          ],
        }}
      />
      <div class="sr-only">
        <table data-testid="elastic-chart-data">
          <caption>{t("elastic_chart")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("day")}</th>
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
                <td>{r.peak} Gbps</td>
                <td>{r.base} Gbps</td>
                <td>{r.ceiling} Gbps</td>
                <td>{r.lo === null ? "—" : `(${r.lo}, ${r.hi}]`}</td>
                <td>{r.price ? money(r.price) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function ForwardingChart({ bills }: { bills: Bill[] }) {
  const rows = bills.map((b) => {
    let gb = 0;
    let mbps = 0;
    for (const l of b.lines) {
      const m = l.measure as Record<string, any>;
      if (l.kind === "forwarding_traffic") gb += Number(m.total_gb);
      if (l.kind === "forwarding_bandwidth") mbps = Math.max(mbps, m.bandwidth_bps / 1e6);
    }
    return { day: b.day, gb: +gb.toFixed(3), mbps: +mbps.toFixed(2) };
  });
  if (rows.every((r) => r.gb === 0 && r.mbps === 0)) return null;
  return (
    <div class="card">
      <h2>{t("forwarding_chart")}</h2>
      <Chart
        testId="forwarding-chart"
        label={t("forwarding_chart")}
        option={{
          tooltip: { trigger: "axis" },
          legend: { top: 0 },
          grid: { left: 50, right: 50, top: 50, bottom: 30 },
          xAxis: { type: "category", data: rows.map((r) => r.day) },
          yAxis: [
            { type: "value", name: "GB" },
            { type: "value", name: "Mbps" },
          ],
          series: [
            {
              name: t("traffic_gb"),
              type: "bar",
              data: rows.map((r) => r.gb),
              itemStyle: { color: "#2f9e44" },
              tooltip: { valueFormatter: (v: number) => `${v.toFixed(2)} GB` },
            },
            {
              name: t("bandwidth_mbps"),
              type: "line",
              yAxisIndex: 1,
              data: rows.map((r) => r.mbps),
              itemStyle: { color: "#7048e8" },
              tooltip: { valueFormatter: (v: number) => `${v.toFixed(2)} Mbps` },
            },
          ],
        }}
      />
      <div class="sr-only">
        <table>
          <caption>{t("forwarding_chart")}</caption>
          <tbody>
            {rows.map((r) => (
              <tr>
                <td>{r.day}</td>
                <td>{r.gb} GB</td>
                <td>{r.mbps} Mbps</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
