// Small building blocks shared by the pages: labelled fields, tables, messages, loading.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError } from "../api";
import { explainError, named, t } from "../i18n";

export function Field(props: { label: string; help?: string; children: ComponentChildren; id: string }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.help && (
        <small id={props.id + "-help"} class="help">
          {props.help}
        </small>
      )}
    </div>
  );
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiError ? error.code : "";
  // The code's meaning and what to do, in the user's language; the server's own words (which
  // name the field and the amounts) after it.
  const explained = code ? explainError(code) : null;
  return (
    <div class="error" role="alert" data-code={code}>
      {explained ? (
        <>
          <strong>{explained}</strong> <span class="detail">{message}</span>
        </>
      ) : (
        message
      )}
    </div>
  );
}

export function Notice({ children, kind = "ok" }: { children: ComponentChildren; kind?: "ok" | "warn" | "info" }) {
  return (
    <div class={"notice " + kind} role="status">
      {children}
    </div>
  );
}

export function Table<T>(props: {
  rows: T[];
  columns: { label: string; cell: (row: T) => ComponentChildren; numeric?: boolean }[];
  caption?: string;
  rowKey: (row: T) => string;
}) {
  if (props.rows.length === 0) return <p class="empty">{t("none_yet")}</p>;
  return (
    <div class="table-wrap">
      <table>
        {props.caption && <caption>{props.caption}</caption>}
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th scope="col" class={c.numeric ? "num" : undefined}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={props.rowKey(r)}>
              {props.columns.map((c) => (
                <td class={c.numeric ? "num" : undefined} data-label={c.label}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function StateBadge({ state }: { state: string }) {
  return <span class={"badge state-" + state}>{named("state", state)}</span>;
}

// Loads data on mount and when `deps` change; `reload` fetches again.
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (d) => live && (setData(d), setError(null)),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, reload, setData };
}

// Runs an action, keeping its busy flag and error for the button and message next to it.
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async <T,>(f: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await f();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError };
}

// A destructive or billing action in two steps: the first click says what will happen
// (`consequence`) and offers Confirm and Back; only Confirm runs `action`.
export function ConfirmButton({
  label,
  consequence,
  action,
  busy = false,
  ariaLabel,
}: {
  label: ComponentChildren;
  consequence: string;
  action: () => void;
  busy?: boolean;
  ariaLabel?: string;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" aria-label={ariaLabel} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span class="confirm-inline" role="group">
      <span class="consequence">{consequence}</span>{" "}
      <button
        type="button"
        class="danger"
        disabled={busy}
        onClick={() => {
          setAsking(false);
          action();
        }}
      >
        {t("confirm")}
      </button>{" "}
      <button type="button" onClick={() => setAsking(false)}>
        {t("back")}
      </button>
    </span>
  );
}

export function Loading() {
  return (
    <p class="loading" aria-live="polite">
      {t("loading")}
    </p>
  );
}

export type InputEvent = Event & { currentTarget: HTMLInputElement | HTMLSelectElement };
export const value = (e: InputEvent) => e.currentTarget.value;
