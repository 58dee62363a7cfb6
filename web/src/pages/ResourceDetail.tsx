// One resource: its state and terms, the changes a customer makes (elastic peak, auto-renew,
// forwarding mode, renew and upgrade with the price shown first, cancel), the forwarding
// rules of an hdip, the bindings of an hdp, the protection policy and a day's attack chart.
import { useEffect, useState } from "preact/hooks";
import { accountChanged, api, getAll, type Account, type Page, type Quote, type Resource, type Rule } from "../api";
import { catalog } from "../catalog";
import { Chart } from "../components/Chart";
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
import { bps, clock, money, time } from "../format";
import { place, t } from "../i18n";

const MAX_RULES = 60; // per hdip (lifecycle/protection.h kMaxRules)

export function ResourceDetail({ id }: { id: string }) {
  const res = useLoad(() => api.get<Resource>(`/v1/resources/${id}`), [id]);
  if (res.error) return <ErrorBox error={res.error} />;
  if (!res.data) return <Loading />;
  const r = res.data;
  const update = (next: Resource) => res.setData(next);
  return (
    <section aria-labelledby="res-title">
      <p>
        <a href="#/resources">← {t("nav_resources")}</a>
      </p>
      <h1 id="res-title">
        {r.name || r.id} <StateBadge state={r.state} />
      </h1>
      {r.name && <p class="help">{r.id}</p>}
      {r.tags.length > 0 && (
        <p class="tags" data-testid="tags">
          {r.tags.map((tag) => (
            <span class="tag">{tag}</span>
          ))}
        </p>
      )}
      <dl class="facts card">
        <dt>{t("product")}</dt>
        <dd>{`${t(r.product)} · ${place(r.region, r.line)}${r.scope ? " · " + r.scope + " × " + r.ip_count : ""}`}</dd>
        <dt>{t("ips")}</dt>
        <dd data-testid="ips">{r.ips.join(", ") || "—"}</dd>
        <dt>{t("base")}</dt>
        <dd>{t("gbps", { n: r.base_gbps })}</dd>
        <dt>{t("elastic")}</dt>
        <dd>{r.elastic_gbps ? t("gbps", { n: r.elastic_gbps }) : t("off")}</dd>
        {r.product === "hdip" && (
          <>
            <dt>{t("forwarding_mode")}</dt>
            <dd>
              {t(r.forwarding_mode as "by_traffic")}
              {r.pending_forwarding_mode &&
                ` (${t("pending_mode", { mode: t(r.pending_forwarding_mode as "by_traffic") })})`}
            </dd>
          </>
        )}
        <dt>{t("expires")}</dt>
        <dd>{time(r.expires_at)}</dd>
        <dt>{t("auto_renew")}</dt>
        <dd>{r.auto_renew ? t("on") : t("off")}</dd>
      </dl>
      <Labels r={r} onChange={update} />
      {(r.state === "running" || r.state === "provisioning" || r.state === "expired") && (
        <Settings r={r} onChange={update} />
      )}
      {(r.state === "running" || r.state === "expired") && <Renew r={r} onChange={update} />}
      {r.state === "running" && <Upgrade r={r} onChange={update} />}
      {r.product === "hdip" && r.state !== "released" && r.state !== "failed" && <Rules id={r.id} />}
      {r.product === "hdp" && r.state !== "released" && r.state !== "failed" && <Bindings r={r} />}
      {r.state !== "released" && r.state !== "failed" && <Policy r={r} />}
      <UsageChart r={r} />
      {(r.state === "running" || r.state === "provisioning") && <Cancel r={r} onChange={update} />}
    </section>
  );
}

// The customer's own name and tags for the resource (lists search them; bills show the name).
function Labels({ r, onChange }: { r: Resource; onChange: (r: Resource) => void }) {
  const [name, setName] = useState(r.name);
  const [tags, setTags] = useState(r.tags.join(", "));
  const [note, setNote] = useState("");
  const a = useAction();
  return (
    <form
      class="card row"
      aria-label={t("labels")}
      onSubmit={(e) => {
        e.preventDefault();
        setNote("");
        a.run(async () => {
          const list = tags
            .split(/[,，]/)
            .map((x) => x.trim())
            .filter((x) => x);
          onChange(await api.patch<Resource>(`/v1/resources/${r.id}`, { name: name.trim(), tags: list }));
          accountChanged();
          setNote(t("labels_saved"));
        });
      }}
    >
      <Field id="res-name" label={t("name")}>
        <input id="res-name" maxLength={64} value={name} onInput={(e) => setName(value(e))} />
      </Field>
      <Field id="res-tags" label={t("tags")} help={t("tags_help")}>
        <input id="res-tags" value={tags} aria-describedby="res-tags-help" onInput={(e) => setTags(value(e))} />
      </Field>
      <button type="submit" disabled={a.busy}>
        {t("save")}
      </button>
      {note && <Notice>{note}</Notice>}
      <ErrorBox error={a.error} />
    </form>
  );
}

function Settings({ r, onChange }: { r: Resource; onChange: (r: Resource) => void }) {
  // Elastic protection: a switch, and the peak while it is on (off is a peak of 0).
  const [on, setOn] = useState(r.elastic_gbps > 0);
  const [elastic, setElastic] = useState(r.elastic_gbps || r.base_gbps * 2);
  const [note, setNote] = useState("");
  const [mode, setMode] = useState<string | null>(null); // a forwarding mode chosen, not yet confirmed
  const a = useAction();
  const patch = (body: Record<string, unknown>, message = t("saved")) =>
    a.run(async () => {
      onChange(await api.patch<Resource>(`/v1/resources/${r.id}`, body));
      setNote(message);
    });
  return (
    <div class="card">
      <h2>{t("settings")}</h2>
      <label class="inline">
        <input
          type="checkbox"
          role="switch"
          checked={on}
          disabled={a.busy}
          onChange={(e) => {
            const enable = e.currentTarget.checked;
            setOn(enable);
            if (!enable && r.elastic_gbps > 0) patch({ elastic_gbps: 0 });
          }}
        />
        {t("elastic_switch")}
      </label>
      {on && (
        <form class="row" onSubmit={(e) => (e.preventDefault(), patch({ elastic_gbps: elastic }))}>
          <Field id="res-elastic" label={t("elastic")} help={t("elastic_help")}>
            <input
              id="res-elastic"
              type="number"
              min={r.base_gbps + 1}
              value={elastic}
              aria-describedby="res-elastic-help"
              onInput={(e) => setElastic(Math.max(0, Math.trunc(+value(e) || 0)))}
            />
          </Field>
          <button type="submit" disabled={a.busy}>
            {t("save")}
          </button>
        </form>
      )}
      <label class="inline">
        <input
          type="checkbox"
          checked={r.auto_renew}
          disabled={a.busy}
          onChange={(e) => patch({ auto_renew: e.currentTarget.checked })}
        />
        {t("auto_renew")}
      </label>
      {r.product === "hdip" && (
        <Field id="res-mode" label={t("forwarding_mode")}>
          <select
            id="res-mode"
            value={mode ?? r.pending_forwarding_mode ?? r.forwarding_mode ?? "by_traffic"}
            disabled={a.busy}
            onChange={(e) => setMode(value(e))}
          >
            <option value="by_traffic">{t("by_traffic")}</option>
            <option value="by_bandwidth">{t("by_bandwidth")}</option>
          </select>
        </Field>
      )}
      {mode && (
        <span class="confirm-inline" role="group">
          <span class="consequence">{t("mode_consequence", { mode: t(mode as "by_traffic") })}</span>{" "}
          <button
            type="button"
            class="primary"
            disabled={a.busy}
            onClick={() => {
              setMode(null);
              patch({ forwarding_mode: mode }, t("next_day_mode", { mode: t(mode as "by_traffic") }));
            }}
          >
            {t("confirm")}
          </button>{" "}
          <button type="button" onClick={() => setMode(null)}>
            {t("back")}
          </button>
        </span>
      )}
      {note && !a.error && <Notice>{note}</Notice>}
      <ErrorBox error={a.error} />
    </div>
  );
}

// A priced change: choose, see the price from the server, then confirm.
function PricedChange(props: {
  title: string;
  id: string;
  label: string;
  options: { value: number; label: string }[];
  initial: number;
  quote: (v: number) => Promise<Quote>;
  // Applies the change; the resource after it, and what changed in words.
  apply: (v: number) => Promise<Resource>;
  changed: (after: Resource) => string;
}) {
  const [choice, setChoice] = useState(props.initial);
  const [quote, setQuote] = useState<Quote | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const a = useAction();
  return (
    <div class="card">
      <h2>{props.title}</h2>
      <div class="row">
        <Field id={props.id} label={props.label}>
          <select id={props.id} value={choice} onChange={(e) => (setChoice(+value(e)), setQuote(null), setDone(null))}>
            {props.options.map((o) => (
              <option value={o.value}>{o.label}</option>
            ))}
          </select>
        </Field>
        <button type="button" disabled={a.busy} onClick={() => a.run(async () => setQuote(await props.quote(choice)))}>
          {t("price")}
        </button>
      </div>
      {quote && !done && (
        <div class="confirm-box">
          <p>{t("price_before", { amount: money(quote.amount) })}</p>
          {quote.elastic_switched_off && <Notice kind="warn">{t("elastic_will_switch_off")}</Notice>}
          <button
            type="button"
            class="primary"
            disabled={a.busy}
            onClick={() =>
              a.run(async () => {
                const charged = quote.amount;
                const after = await props.apply(choice);
                setDone(t("charged_and_changed", { amount: money(charged), changed: props.changed(after) }));
                setQuote(null);
              })
            }
          >
            {t("confirm")}
          </button>
          <button type="button" onClick={() => setQuote(null)}>
            {t("cancel")}
          </button>
        </div>
      )}
      {done && <Notice>{done}</Notice>}
      <ErrorBox error={a.error} />
    </div>
  );
}

function Renew({ r, onChange }: { r: Resource; onChange: (r: Resource) => void }) {
  const cat = useLoad(catalog);
  if (!cat.data) return null;
  return (
    <PricedChange
      title={t("renew")}
      id="renew-months"
      label={t("renew_for")}
      options={cat.data.months.map((m) => ({ value: m, label: t("months_n", { n: m }) }))}
      initial={1}
      quote={(months) => api.post<Quote>(`/v1/resources/${r.id}/renew/quote`, { months })}
      apply={async (months) => {
        const after = await api.post<Resource>(`/v1/resources/${r.id}/renew`, { months });
        onChange(after);
        accountChanged();
        return after;
      }}
      changed={(after) => t("now_expires", { at: time(after.expires_at) })}
    />
  );
}

function Upgrade({ r, onChange }: { r: Resource; onChange: (r: Resource) => void }) {
  const cat = useLoad(catalog);
  if (!cat.data) return null;
  const cls =
    r.product === "hdip"
      ? cat.data.products.hdip.networks.find((n) => n.region === r.region && n.line === r.line)
      : cat.data.products.hdp.regions.find((x) => x.region === r.region);
  const higher = (cls?.base ?? []).filter((b) => b.gbps > r.base_gbps);
  if (higher.length === 0) return null;
  return (
    <PricedChange
      title={t("upgrade")}
      id="upgrade-base"
      label={t("new_base")}
      options={higher.map((b) => ({ value: b.gbps, label: t("gbps", { n: b.gbps }) }))}
      initial={higher[0].gbps}
      quote={(base_gbps) => api.post<Quote>(`/v1/resources/${r.id}/upgrade/quote`, { base_gbps })}
      apply={async (base_gbps) => {
        const after = await api.post<Resource>(`/v1/resources/${r.id}/upgrade`, { base_gbps });
        onChange(after);
        accountChanged();
        return after;
      }}
      changed={(after) =>
        t("now_base", { n: after.base_gbps }) +
        (after.elastic_gbps === 0 && r.elastic_gbps > 0 ? " " + t("elastic_now_off") : "")
      }
    />
  );
}

function Cancel({ r, onChange }: { r: Resource; onChange: (r: Resource) => void }) {
  const [asking, setAsking] = useState(false);
  // What a cancel would refund now (POST .../cancel/quote: nothing changes), shown before it.
  const [quote, setQuote] = useState<string | null>(null);
  const [refund, setRefund] = useState("");
  const a = useAction();
  const ask = () =>
    a.run(async () => {
      setQuote((await api.post<{ refund: string }>(`/v1/resources/${r.id}/cancel/quote`, {})).refund);
      setAsking(true);
    });
  return (
    <div class="card danger">
      <h2>{t("cancel_resource")}</h2>
      {!asking ? (
        <button type="button" disabled={a.busy} onClick={ask}>
          {t("cancel_resource")}…
        </button>
      ) : (
        <div class="confirm-box">
          <p>{t("cancel_confirm")}</p>
          {quote !== null && <p data-testid="cancel-refund">{t("cancel_refund", { amount: money(quote) })}</p>}
          <button
            type="button"
            class="danger"
            disabled={a.busy}
            onClick={() =>
              a.run(async () => {
                const out = await api.post<Resource & { refund: string }>(`/v1/resources/${r.id}/cancel`, {});
                setRefund(out.refund);
                onChange(out);
                accountChanged();
              })
            }
          >
            {t("confirm")}
          </button>
          <button type="button" onClick={() => setAsking(false)}>
            {t("back")}
          </button>
        </div>
      )}
      {refund && <Notice>{t("refunded", { amount: money(refund) })}</Notice>}
      <ErrorBox error={a.error} />
    </div>
  );
}

const emptyRule = (): Rule => ({
  protocol: "tcp",
  frontend_port: 80,
  origins: [{ address: "", port: 80, weight: 100 }],
  lb: "wrr",
  session_persistence_s: 0,
  health_check: { enabled: true, interval_s: 5, timeout_s: 3, unhealthy_after: 3, healthy_after: 3 },
});

function Rules({ id }: { id: string }) {
  const rules = useLoad(async () => ({ items: await getAll<Rule>(`/v1/resources/${id}/rules`) }), [id]);
  const [editing, setEditing] = useState<Rule | null>(null);
  const a = useAction();
  const save = (rule: Rule) =>
    a.run(async () => {
      const { id: ruleId, ...body } = rule;
      if (ruleId) await api.put(`/v1/resources/${id}/rules/${ruleId}`, body);
      else await api.post(`/v1/resources/${id}/rules`, body);
      setEditing(null);
      rules.reload();
    });
  return (
    <div class="card">
      <h2>
        {t("rules")}{" "}
        {rules.data && (
          <small data-testid="rule-count">{t("rule_count", { n: rules.data.items.length, max: MAX_RULES })}</small>
        )}
      </h2>
      <ErrorBox error={rules.error} />
      {rules.data && (
        <Table
          rows={rules.data.items}
          rowKey={(r) => r.id!}
          columns={[
            { label: t("protocol"), cell: (r) => r.protocol.toUpperCase() },
            { label: t("frontend_port"), cell: (r) => r.frontend_port, numeric: true },
            {
              label: t("origins"),
              cell: (r) => r.origins.map((o) => `${o.address}:${o.port} (${o.weight})`).join(", "),
            },
            { label: t("lb"), cell: (r) => t(r.lb) },
            {
              label: t("actions"),
              cell: (r) => (
                <>
                  <button type="button" onClick={() => setEditing(structuredClone(r))}>
                    {t("edit")} <span class="sr-only">{r.frontend_port}</span>
                  </button>
                  <ConfirmButton
                    label={
                      <>
                        {t("delete")} <span class="sr-only">{r.frontend_port}</span>
                      </>
                    }
                    consequence={t("delete_rule_consequence", {
                      rule: `${r.protocol.toUpperCase()} ${r.frontend_port}`,
                    })}
                    busy={a.busy}
                    action={() =>
                      a.run(async () => (await api.del(`/v1/resources/${id}/rules/${r.id}`), rules.reload()))
                    }
                  />
                </>
              ),
            },
          ]}
        />
      )}
      {!editing && (
        <button
          type="button"
          disabled={(rules.data?.items.length ?? 0) >= MAX_RULES}
          onClick={() => setEditing(emptyRule())}
        >
          {t("add_rule")}
        </button>
      )}
      {editing && <RuleEditor rule={editing} onSave={save} onCancel={() => setEditing(null)} busy={a.busy} />}
      <ErrorBox error={a.error} />
    </div>
  );
}

function RuleEditor({
  rule,
  onSave,
  onCancel,
  busy,
}: {
  rule: Rule;
  onSave: (r: Rule) => void;
  onCancel: () => void;
  busy: boolean;
}) {
  const [r, setR] = useState(rule);
  const setOrigin = (i: number, patch: Partial<Rule["origins"][0]>) =>
    setR({ ...r, origins: r.origins.map((o, j) => (i === j ? { ...o, ...patch } : o)) });
  return (
    <form
      class="rule-editor"
      aria-label={rule.id ? `${t("edit")} ${rule.frontend_port}` : t("add_rule")}
      onSubmit={(e) => (e.preventDefault(), onSave(r))}
    >
      <div class="row">
        <Field id="rule-protocol" label={t("protocol")}>
          <select
            id="rule-protocol"
            value={r.protocol}
            onChange={(e) => setR({ ...r, protocol: value(e) as Rule["protocol"] })}
          >
            <option value="tcp">TCP</option>
            <option value="udp">UDP</option>
          </select>
        </Field>
        <Field id="rule-port" label={t("frontend_port")}>
          <input
            id="rule-port"
            type="number"
            min={1}
            max={65535}
            required
            value={r.frontend_port}
            onInput={(e) => setR({ ...r, frontend_port: +value(e) })}
          />
        </Field>
        <Field id="rule-lb" label={t("lb")}>
          <select id="rule-lb" value={r.lb} onChange={(e) => setR({ ...r, lb: value(e) as Rule["lb"] })}>
            <option value="wrr">{t("wrr")}</option>
            <option value="source_hash">{t("source_hash")}</option>
          </select>
        </Field>
        <Field id="rule-persist" label={t("persistence")}>
          <input
            id="rule-persist"
            type="number"
            min={0}
            value={r.session_persistence_s}
            onInput={(e) => setR({ ...r, session_persistence_s: +value(e) })}
          />
        </Field>
      </div>
      <fieldset>
        <legend>{t("origins")}</legend>
        {r.origins.map((o, i) => (
          <div class="row">
            <Field id={`origin-${i}-address`} label={t("origin_address")}>
              <input
                id={`origin-${i}-address`}
                required
                value={o.address}
                onInput={(e) => setOrigin(i, { address: value(e).trim() })}
              />
            </Field>
            <Field id={`origin-${i}-port`} label={t("origin_port")}>
              <input
                id={`origin-${i}-port`}
                type="number"
                min={1}
                max={65535}
                required
                value={o.port}
                onInput={(e) => setOrigin(i, { port: +value(e) })}
              />
            </Field>
            <Field id={`origin-${i}-weight`} label={t("weight")}>
              <input
                id={`origin-${i}-weight`}
                type="number"
                min={0}
                max={100}
                required
                value={o.weight}
                onInput={(e) => setOrigin(i, { weight: +value(e) })}
              />
            </Field>
            {r.origins.length > 1 && (
              <button type="button" onClick={() => setR({ ...r, origins: r.origins.filter((_, j) => j !== i) })}>
                {t("delete")}
              </button>
            )}
          </div>
        ))}
        <button
          type="button"
          onClick={() => setR({ ...r, origins: [...r.origins, { address: "", port: 80, weight: 100 }] })}
        >
          {t("add_origin")}
        </button>
      </fieldset>
      <label class="inline">
        <input
          type="checkbox"
          checked={r.health_check.enabled}
          onChange={(e) => setR({ ...r, health_check: { ...r.health_check, enabled: e.currentTarget.checked } })}
        />
        {t("health_check")}
      </label>
      {r.health_check.enabled && (
        <div class="row">
          {(
            [
              ["interval_s", 1, 300],
              ["timeout_s", 1, 60],
              ["unhealthy_after", 1, 10],
              ["healthy_after", 1, 10],
            ] as const
          ).map(([k, min, max]) => (
            <Field id={`hc-${k}`} label={t(`hc_${k}` as "hc_interval_s")}>
              <input
                id={`hc-${k}`}
                type="number"
                min={min}
                max={max}
                value={r.health_check[k]}
                onInput={(e) => setR({ ...r, health_check: { ...r.health_check, [k]: Math.trunc(+value(e) || min) } })}
              />
            </Field>
          ))}
        </div>
      )}
      <div class="buttons">
        <button type="submit" class="primary" disabled={busy}>
          {t("save")}
        </button>
        <button type="button" onClick={onCancel}>
          {t("cancel")}
        </button>
      </div>
    </form>
  );
}

function Bindings({ r }: { r: Resource }) {
  const list = useLoad(() => api.get<Page<{ ip: string }>>(`/v1/resources/${r.id}/bindings`), [r.id]);
  const [ip, setIp] = useState("");
  const a = useAction();
  const count = list.data?.items.length ?? 0;
  return (
    <div class="card">
      <h2>
        {t("bindings")} ({count}/{r.ip_count})
      </h2>
      <ErrorBox error={list.error} />
      {list.data && (
        <ul class="plain bindings" data-testid="bindings">
          {list.data.items.map((b) => (
            <li>
              <code>{b.ip}</code>{" "}
              <ConfirmButton
                label={t("delete")}
                ariaLabel={`${t("delete")} ${b.ip}`}
                consequence={t("unbind_consequence", { ip: b.ip })}
                busy={a.busy}
                action={() =>
                  a.run(async () => (await api.del(`/v1/resources/${r.id}/bindings/${b.ip}`), list.reload()))
                }
              />
            </li>
          ))}
        </ul>
      )}
      <form
        class="row"
        onSubmit={(e) => (
          e.preventDefault(),
          a.run(async () => (await api.post(`/v1/resources/${r.id}/bindings`, { ip }), setIp(""), list.reload()))
        )}
      >
        <Field id="binding-ip" label={t("ip")}>
          <input
            id="binding-ip"
            required
            value={ip}
            placeholder="198.51.100.10"
            onInput={(e) => setIp(value(e).trim())}
          />
        </Field>
        <button type="submit" disabled={a.busy || count >= r.ip_count}>
          {t("add_binding")}
        </button>
      </form>
      <ErrorBox error={a.error} />
    </div>
  );
}

interface Detection {
  bps: number;
  pps: number;
  syn_pps: number;
  udp_pps: number;
  icmp_pps: number;
  sustain_s: number;
  cooldown_s: number;
  applies_to?: string;
}
interface PolicyBody {
  per_source: { max_connections: number; max_new_connections_per_s: number; max_pps: number; max_bps: number };
  reflection_filter: { udp_source_ports: number[] };
  blacklist: string[];
  whitelist: string[];
  detection: Detection;
}

function Policy({ r }: { r: Resource }) {
  const policy = useLoad(() => api.get<PolicyBody>(`/v1/resources/${r.id}/policy`), [r.id]);
  if (policy.error) return <ErrorBox error={policy.error} />;
  if (!policy.data) return null;
  return <PolicyForm r={r} initial={policy.data} />;
}

const splitList = (text: string) => text.split(/[\s,，]+/).filter(Boolean);

// The whole policy in one form, sent whole (PUT replaces it: a field left out would be reset):
// per-source limits, the reflection filter, the black and white lists, and the detection
// thresholds that decide what counts as an attack.
function PolicyForm({ r, initial }: { r: Resource; initial: PolicyBody }) {
  const [p, setP] = useState(initial.per_source);
  const [ports, setPorts] = useState(initial.reflection_filter.udp_source_ports.join(", "));
  const [black, setBlack] = useState(initial.blacklist.join("\n"));
  const [white, setWhite] = useState(initial.whitelist.join("\n"));
  const [d, setD] = useState(initial.detection);
  const [saved, setSaved] = useState(false);
  const a = useAction();
  const submit = () =>
    a.run(async () => {
      const body: PolicyBody = {
        per_source: p,
        reflection_filter: { udp_source_ports: splitList(ports).map(Number) },
        blacklist: splitList(black),
        whitelist: splitList(white),
        detection: r.product === "hdp" ? d : { ...d, applies_to: undefined },
      };
      await api.put(`/v1/resources/${r.id}/policy`, body);
      setSaved(true);
    });
  const edited = () => setSaved(false);
  const keys = ["max_connections", "max_new_connections_per_s", "max_pps", "max_bps"] as const;
  const thresholds = ["bps", "pps", "syn_pps", "udp_pps", "icmp_pps"] as const;
  return (
    <form class="card" aria-labelledby="policy-title" onSubmit={(e) => (e.preventDefault(), submit())}>
      <h2 id="policy-title">{t("policy")}</h2>
      <fieldset>
        <legend>{t("per_source")}</legend>
        <div class="row">
          {keys.map((k) => (
            <Field id={`policy-${k}`} label={t(k)}>
              <input
                id={`policy-${k}`}
                type="number"
                min={0}
                value={p[k]}
                onInput={(e) => (setP({ ...p, [k]: Math.max(0, Math.trunc(+value(e) || 0)) }), edited())}
              />
            </Field>
          ))}
        </div>
      </fieldset>
      <Field id="policy-ports" label={t("reflection_ports")}>
        <input
          id="policy-ports"
          value={ports}
          placeholder="19, 123, 1900, 11211"
          onInput={(e) => (setPorts(value(e)), edited())}
        />
      </Field>
      <div class="row">
        <Field id="policy-blacklist" label={t("blacklist")} help={t("list_help")}>
          <textarea
            id="policy-blacklist"
            rows={3}
            value={black}
            aria-describedby="policy-blacklist-help"
            onInput={(e) => (setBlack(e.currentTarget.value), edited())}
          />
        </Field>
        <Field id="policy-whitelist" label={t("whitelist")} help={t("whitelist_help")}>
          <textarea
            id="policy-whitelist"
            rows={3}
            value={white}
            aria-describedby="policy-whitelist-help"
            onInput={(e) => (setWhite(e.currentTarget.value), edited())}
          />
        </Field>
      </div>
      <fieldset>
        <legend>{t("detection")}</legend>
        <p class="help">{t("detection_help")}</p>
        <div class="row">
          {thresholds.map((k) => (
            <Field id={`detect-${k}`} label={t(`detect_${k}` as "detect_bps")}>
              <input
                id={`detect-${k}`}
                type="number"
                min={0}
                value={d[k]}
                onInput={(e) => (setD({ ...d, [k]: Math.max(0, Math.trunc(+value(e) || 0)) }), edited())}
              />
            </Field>
          ))}
          <Field id="detect-sustain" label={t("detect_sustain_s")}>
            <input
              id="detect-sustain"
              type="number"
              min={1}
              max={60}
              value={d.sustain_s}
              onInput={(e) => (setD({ ...d, sustain_s: Math.trunc(+value(e) || 1) }), edited())}
            />
          </Field>
          <Field id="detect-cooldown" label={t("detect_cooldown_s")}>
            <input
              id="detect-cooldown"
              type="number"
              min={1}
              max={3600}
              value={d.cooldown_s}
              onInput={(e) => (setD({ ...d, cooldown_s: Math.trunc(+value(e) || 1) }), edited())}
            />
          </Field>
          {r.product === "hdp" && (
            <Field id="detect-applies" label={t("detect_applies_to")}>
              <select
                id="detect-applies"
                value={d.applies_to ?? "each_ip"}
                onChange={(e) => (setD({ ...d, applies_to: e.currentTarget.value }), edited())}
              >
                <option value="each_ip">{t("applies_each_ip")}</option>
                <option value="total">{t("applies_total")}</option>
              </select>
            </Field>
          )}
        </div>
      </fieldset>
      <button type="submit" disabled={a.busy}>
        {t("save")}
      </button>
      {saved && <Notice>{t("saved")}</Notice>}
      <ErrorBox error={a.error} />
    </form>
  );
}

// The windows of one billing day: attack bandwidth per window against base and ceiling.
function UsageChart({ r }: { r: Resource }) {
  const [day, setDay] = useState("");
  // The latest billing day with windows, looking back as far as late samples reach (3 days)
  // from the service's billing day (its clock may be simulated, unlike the browser's date).
  useEffect(() => {
    let live = true;
    (async () => {
      const today = (await api.get<Account>("/v1/account")).billing_day;
      for (let back = 0; back <= 3; back++) {
        const d = shiftDay(today, -back);
        const u = await api.get<{ windows: unknown[] }>(`/v1/resources/${r.id}/usage?day=${d}`);
        if (u.windows.length > 0) return d;
      }
      return today;
    })().then(
      (d) => live && setDay((current) => current || d),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [r.id]);
  // Each source's copy of each window: summed for the chart (as bills sum them), listed by
  // source for the attack windows.
  const usage = useLoad(
    async () =>
      day ? api.get<{ windows: SourceWindow[] }>(`/v1/resources/${r.id}/usage?day=${day}&by=source`) : { windows: [] },
    [r.id, day],
  );
  const sums = new Map<string, number>();
  for (const w of usage.data?.windows ?? []) sums.set(w.window_start, (sums.get(w.window_start) ?? 0) + w.attack_bps);
  const points = [...sums.entries()].sort();
  const attacks = attackWindows(usage.data?.windows ?? []);
  const gb = (n: number) => +(n / 1e9).toFixed(3);
  return (
    <div class="card">
      <h2>{t("usage_chart")}</h2>
      <div class="row day-picker">
        <button
          type="button"
          disabled={!day}
          class="icon"
          onClick={() => setDay(shiftDay(day, -1))}
          aria-label={t("previous_day")}
        >
          ◀
        </button>
        <Field id="usage-day" label={t("pick_day")}>
          <input id="usage-day" type="date" value={day} onChange={(e) => value(e) && setDay(value(e))} />
        </Field>
        <button
          type="button"
          disabled={!day}
          class="icon"
          onClick={() => setDay(shiftDay(day, 1))}
          aria-label={t("next_day")}
        >
          ▶
        </button>
      </div>
      <ErrorBox error={usage.error} />
      <Chart
        testId="usage-chart"
        label={t("usage_chart")}
        height={240}
        option={{
          tooltip: { trigger: "axis" },
          legend: {},
          xAxis: { type: "category", data: points.map(([at]) => clock(at)) },
          yAxis: { type: "value", name: "Gbps" },
          series: [
            {
              name: t("attack_peak"),
              type: "bar",
              data: points.map(([, v]) => gb(v)),
              itemStyle: { color: "#d9480f" },
            },
            { name: t("base"), type: "line", showSymbol: points.length === 1, data: points.map(() => r.base_gbps) },
            {
              name: t("ceiling"),
              type: "line",
              showSymbol: points.length === 1,
              lineStyle: { type: "dashed" },
              data: r.elastic_gbps ? points.map(() => r.elastic_gbps) : [],
            },
          ],
        }}
      />
      <p class="help" data-testid="usage-summary">
        {points.length
          ? t("windows_max", { n: points.length, max: bps(Math.max(...points.map((p) => p[1]))) })
          : t("none_yet")}
      </p>
      {attacks.length > 0 && (
        <div data-testid="attack-windows">
          <h3>{t("attack_windows")}</h3>
          <Table
            rows={attacks.slice(0, kAttackRows)}
            rowKey={(a) => `${a.window_start} ${a.ip}`}
            columns={[
              { label: t("window"), cell: (a) => time(a.window_start) },
              { label: "IP", cell: (a) => a.ip },
              { label: t("attack_peak"), cell: (a) => bps(a.attack_bps), numeric: true },
              {
                label: t("sources"),
                cell: (a) =>
                  a.sources
                    .map(
                      (s) =>
                        `${s.source} ${bps(s.attack_bps)}${s.revision > 0 ? ` (${t("revision", { n: s.revision })})` : ""}`,
                    )
                    .join(", "),
              },
            ]}
          />
          {attacks.length > kAttackRows && <p class="help">{t("more_rows", { n: attacks.length - kAttackRows })}</p>}
        </div>
      )}
    </div>
  );
}

type SourceWindow = { window_start: string; ip: string; attack_bps: number; source: string; revision: number };
type AttackWindow = { window_start: string; ip: string; attack_bps: number; sources: SourceWindow[] };
const kAttackRows = 50;

// The windows with an attack, per IP, largest source first, in time order.
function attackWindows(windows: SourceWindow[]): AttackWindow[] {
  const byKey = new Map<string, AttackWindow>();
  for (const w of windows) {
    if (w.attack_bps <= 0) continue;
    const key = `${w.window_start} ${w.ip}`;
    const a = byKey.get(key) ?? { window_start: w.window_start, ip: w.ip, attack_bps: 0, sources: [] };
    a.attack_bps += w.attack_bps;
    a.sources.push(w);
    byKey.set(key, a);
  }
  const out = [...byKey.values()].sort((x, y) =>
    x.window_start === y.window_start ? x.ip.localeCompare(y.ip) : x.window_start.localeCompare(y.window_start),
  );
  for (const a of out) a.sources.sort((x, y) => y.attack_bps - x.attack_bps);
  return out;
}

// "YYYY-MM-DD" moved by whole days (calendar arithmetic in UTC: no time zone can shift it).
function shiftDay(day: string, days: number): string {
  const d = new Date(day + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
