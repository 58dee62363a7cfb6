// Webhook endpoints: where the account's notifications are POSTed, signed with a secret
// shown once; each endpoint's recent deliveries with their status.
import { useState } from "preact/hooks";
import { api, type Page } from "../api";
import { ConfirmButton, ErrorBox, Field, Notice, StateBadge, Table, useAction, useLoad, value } from "../components/ui";
import { time } from "../format";
import { t } from "../i18n";

interface Webhook {
  id: string;
  url: string;
  created_at: string;
}
interface Delivery {
  notification: string;
  kind: string;
  status: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  delivered_at: string | null;
}

export function Webhooks() {
  const hooks = useLoad(() => api.get<Page<Webhook>>("/v1/webhooks"));
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState("");
  const [open, setOpen] = useState<string | null>(null);
  const a = useAction();
  return (
    <div class="card">
      <h2>{t("webhooks")}</h2>
      <p class="help">{t("webhooks_help")}</p>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          a.run(async () => {
            const made = await api.post<Webhook & { secret: string }>("/v1/webhooks", { url });
            setSecret(made.secret);
            setUrl("");
            hooks.reload();
          });
        }}
      >
        <Field id="webhook-url" label={t("webhook_url")}>
          <input
            id="webhook-url"
            type="url"
            required
            placeholder="http://hooks.example.net/rampart"
            value={url}
            onInput={(e) => setUrl(value(e).trim())}
          />
        </Field>
        <button type="submit" disabled={a.busy}>
          {t("add")}
        </button>
      </form>
      {secret && (
        <Notice kind="warn">
          {t("webhook_secret_once")} <code data-testid="webhook-secret">{secret}</code>
        </Notice>
      )}
      <ErrorBox error={a.error || hooks.error} />
      {hooks.data && (
        <Table
          rows={hooks.data.items}
          rowKey={(w) => w.id}
          columns={[
            { label: t("webhook_url"), cell: (w) => <code>{w.url}</code> },
            { label: t("created"), cell: (w) => time(w.created_at) },
            {
              label: t("actions"),
              cell: (w) => (
                <>
                  <button
                    type="button"
                    aria-expanded={open === w.id}
                    onClick={() => setOpen(open === w.id ? null : w.id)}
                  >
                    {t("deliveries")}
                  </button>
                  <ConfirmButton
                    label={t("delete")}
                    consequence={t("delete_webhook_consequence", { url: w.url })}
                    busy={a.busy}
                    action={() => a.run(async () => (await api.del(`/v1/webhooks/${w.id}`), hooks.reload()))}
                  />
                </>
              ),
            },
          ]}
        />
      )}
      {open && <Deliveries key={open} id={open} />}
    </div>
  );
}

function Deliveries({ id }: { id: string }) {
  const list = useLoad(() => api.get<Page<Delivery>>(`/v1/webhooks/${id}/deliveries?limit=50`), [id]);
  return (
    <>
      <ErrorBox error={list.error} />
      {list.data && (
        <Table
          caption={t("deliveries")}
          rows={list.data.items}
          rowKey={(d) => d.notification}
          columns={[
            { label: t("kind"), cell: (d) => d.kind },
            { label: t("status"), cell: (d) => <StateBadge state={d.status} /> },
            { label: t("attempts"), cell: (d) => d.attempts, numeric: true },
            { label: "HTTP", cell: (d) => d.last_status ?? d.last_error ?? "—" },
            { label: t("at"), cell: (d) => time(d.delivered_at) },
          ]}
        />
      )}
    </>
  );
}
