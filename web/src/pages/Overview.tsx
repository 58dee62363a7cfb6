// Overview, the landing page after sign-in: the balance and today's estimated spend, what is
// protected, what is under attack now (and blackholed), today's peak of each resource against
// its base and ceiling, and what expires soon. Built on GET /v1/account, /v1/resources,
// /v1/attacks and /v1/bills/estimate.
import type { ComponentChildren } from "preact";
import { api, type Account, type Bill } from "../api";
import { ErrorBox, Loading, StateBadge, Table, useLoad } from "../components/ui";
import { bps, money, time } from "../format";
import { t, type Key } from "../i18n";
import { byId, resourceLabel, useResources } from "../resources";
import type { Attack } from "./Lists";

const WEEK_MS = 7 * 86400 * 1000;

export function Overview() {
  const account = useLoad(() => api.get<Account>("/v1/account"));
  const estimate = useLoad(() => api.get<Bill>("/v1/bills/estimate"));
  const attacks = useLoad(() => api.get<{ items: Attack[] }>("/v1/attacks?days=1&limit=200"));
  const resources = useResources();
  const names = byId(resources.items);
  const error = account.error || estimate.error || attacks.error || resources.error;
  const ready = account.data && estimate.data && attacks.data && resources.items;
  if (!ready) {
    return (
      <section>
        <h1>{t("nav_overview")}</h1>
        <ErrorBox error={error} />
        {!error && <Loading />}
      </section>
    );
  }
  const acc = account.data!;
  const est = estimate.data!;
  const live = resources.items!.filter((r) => r.state === "running" || r.state === "provisioning");
  const ips = live.reduce((n, r) => n + r.ips.length, 0);
  const ongoing = attacks.data!.items.filter((a) => a.ongoing);
  const blackholed = ongoing.filter((a) => a.blackholed);
  const now = Date.parse(acc.now);
  const expiring = resources
    .items!.filter(
      (r) =>
        (r.state === "running" || r.state === "expired") && r.expires_at && Date.parse(r.expires_at) - now < WEEK_MS,
    )
    .sort((a, b) => Date.parse(a.expires_at!) - Date.parse(b.expires_at!));
  const peaks = est.lines.filter((l) => l.kind === "elastic");
  const label = (id: string) => resourceLabel(names.get(id), id);
  const link = (id: string) => <a href={`#/resources/${id}`}>{label(id)}</a>;
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">{t("nav_overview")}</h1>
      <ErrorBox error={error} />
      <div class="stats">
        <Stat label={t("balance")} value={money(acc.balance)} testId="ov-balance" warn={acc.in_arrears}>
          <a href="#/account">{t("ledger")}</a>
        </Stat>
        <Stat label={t("today_estimate")} value={money(est.total)} testId="ov-estimate">
          {t("estimate_as_of", { at: time(est.as_of) })}
        </Stat>
        <Stat label={t("protected_assets")} value={String(live.length)} testId="ov-assets">
          {t("n_ips", { n: ips })}
        </Stat>
        <Stat
          label={t("under_attack_now")}
          value={String(ongoing.length)}
          testId="ov-attacks"
          warn={ongoing.length > 0}
        >
          {t("n_blackholed", { n: blackholed.length })}
        </Stat>
      </div>

      <h2>{t("under_attack_now")}</h2>
      {ongoing.length === 0 ? (
        <p class="empty" data-testid="ov-no-attack">
          {t("no_attack_now")}
        </p>
      ) : (
        <Table<Attack>
          rows={ongoing}
          rowKey={(a) => `${a.resource}@${a.start}`}
          columns={[
            { label: t("resource"), cell: (a) => link(a.resource) },
            { label: t("ips"), cell: (a) => a.ips.join(", ") },
            { label: t("attack_start"), cell: (a) => time(a.start) },
            { label: t("attack_peak"), cell: (a) => bps(a.peak_bps), numeric: true },
            { label: t("ceiling"), cell: (a) => bps(a.ceiling_bps), numeric: true },
            {
              label: t("attack_outcome"),
              cell: (a) =>
                a.blackholed ? <span class="badge state-failed">{t("attack_blackholed")}</span> : t("attack_mitigated"),
            },
          ]}
        />
      )}

      <h2>{t("todays_peaks")}</h2>
      <p class="help">{t("todays_peaks_help")}</p>
      {peaks.length === 0 ? (
        <p class="empty">{t("no_peak_today")}</p>
      ) : (
        <Table
          rows={peaks}
          rowKey={(l) => l.resource}
          columns={[
            { label: t("resource"), cell: (l) => link(l.resource) },
            {
              label: t("attack_peak"),
              cell: (l) => <PeakMeter m={l.measure as Record<string, number>} />,
            },
            { label: t("base"), cell: (l) => bps(l.measure.base_bps as number), numeric: true },
            { label: t("ceiling"), cell: (l) => bps(l.measure.ceiling_bps as number), numeric: true },
            { label: t("amount"), cell: (l) => money(l.amount), numeric: true },
          ]}
        />
      )}

      <h2>{t("expiring_soon")}</h2>
      {expiring.length === 0 ? (
        <p class="empty">{t("nothing_expiring")}</p>
      ) : (
        <Table
          rows={expiring}
          rowKey={(r) => r.id}
          columns={[
            { label: t("resource"), cell: (r) => link(r.id) },
            { label: t("state"), cell: (r) => <StateBadge state={r.state} /> },
            { label: t("expires"), cell: (r) => time(r.expires_at) },
            {
              label: t("auto_renew"),
              cell: (r) =>
                r.auto_renew ? (
                  t("on")
                ) : (
                  <>
                    {t("off")} · <a href={`#/resources/${r.id}`}>{t("renew_now")}</a>
                  </>
                ),
            },
          ]}
        />
      )}

      <h2>{t("todays_charges")}</h2>
      <p class="help">{t("estimate_help", { day: est.day })}</p>
      {est.lines.length === 0 ? (
        <p class="empty">{t("no_charges")}</p>
      ) : (
        <Table
          rows={est.lines}
          rowKey={(l) => l.resource + l.kind}
          columns={[
            { label: t("resource"), cell: (l) => link(l.resource) },
            { label: t("kind"), cell: (l) => t(("kind_" + l.kind) as Key) },
            { label: t("amount"), cell: (l) => money(l.amount), numeric: true },
          ]}
        />
      )}
    </section>
  );
}

function Stat(props: { label: string; value: string; testId: string; warn?: boolean; children?: ComponentChildren }) {
  return (
    <div class={"card stat" + (props.warn ? " warn" : "")}>
      <span>{props.label}</span>
      <strong data-testid={props.testId}>{props.value}</strong>
      {props.children && <small>{props.children}</small>}
    </div>
  );
}

// The day's peak on a bar from 0 to the ceiling, the base marked: how close it came.
function PeakMeter({ m }: { m: Record<string, number> }) {
  const max = Math.max(m.ceiling_bps, m.attack_peak_bps, 1);
  return (
    <span class="peak">
      <meter
        min={0}
        max={max}
        low={m.base_bps}
        high={m.ceiling_bps}
        optimum={0}
        value={m.attack_peak_bps}
        aria-label={`${t("attack_peak")} ${bps(m.attack_peak_bps)} / ${t("ceiling")} ${bps(m.ceiling_bps)}`}
      />{" "}
      {bps(m.attack_peak_bps)}
    </span>
  );
}
