// Account: balance, arrears, the low-balance threshold and every ledger movement.
import { useState } from "preact/hooks";
import { api, type Account as AccountT, type LedgerEntry } from "../api";
import { ErrorBox, Field, Loading, Notice, useAction, useLoad, value } from "../components/ui";
import { money, time } from "../format";
import { named, t } from "../i18n";
import { PagedTable } from "./Lists";

export function Account() {
  const acc = useLoad(() => api.get<AccountT>("/v1/account"));
  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title">{t("account")}</h1>
      <ErrorBox error={acc.error} />
      {!acc.data && !acc.error && <Loading />}
      {acc.data && (
        <div class="row cards">
          <div class="card stat" data-testid="balance-card">
            <span>{t("balance")}</span>
            <strong data-testid="balance">{money(acc.data.balance)}</strong>
          </div>
          <Threshold account={acc.data} onSaved={acc.setData} />
        </div>
      )}
      <h2>{t("ledger")}</h2>
      <PagedTable<LedgerEntry>
        path="/v1/account/ledger?order=newest"
        rowKey={(e) => e.id}
        columns={[
          { label: t("at"), cell: (e) => time(e.at) },
          { label: t("kind"), cell: (e) => named("ledger", e.kind) },
          { label: t("amount"), cell: (e) => money(e.amount), numeric: true },
          { label: t("balance_after"), cell: (e) => money(e.balance_after), numeric: true },
          { label: t("reference"), cell: (e) => e.reference },
        ]}
      />
    </section>
  );
}

function Threshold({ account, onSaved }: { account: AccountT; onSaved: (a: AccountT) => void }) {
  const [text, setText] = useState(account.low_balance_threshold);
  const [saved, setSaved] = useState(false);
  const a = useAction();
  return (
    <form
      class="card row"
      data-testid="threshold-card"
      onSubmit={(e) => (
        e.preventDefault(),
        a.run(
          async () => (
            onSaved(await api.patch<AccountT>("/v1/account", { low_balance_threshold: text })),
            setSaved(true)
          ),
        )
      )}
    >
      <Field id="threshold" label={t("low_balance")}>
        <input
          id="threshold"
          inputMode="decimal"
          pattern="\d+(\.\d{1,2})?"
          value={text}
          onInput={(e) => (setText(value(e)), setSaved(false))}
        />
      </Field>
      <button type="submit" disabled={a.busy}>
        {t("save")}
      </button>
      {saved && <Notice>{t("saved")}</Notice>}
      <ErrorBox error={a.error} />
    </form>
  );
}
