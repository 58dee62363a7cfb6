// Display helpers. Money arrives as exact decimal strings and is shown as such: the console
// never does arithmetic on amounts (the server is the one that rounds).
import { lang } from "./i18n";

export function money(amount: string | undefined | null): string {
  if (amount === undefined || amount === null) return "—";
  const [whole, frac = "00"] = amount.replace("-", "").split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${amount.startsWith("-") ? "−" : ""}¥${grouped}.${frac}`;
}

export function bps(n: number | undefined | null): string {
  if (n === undefined || n === null) return "—";
  if (n >= 1e9) return `${+(n / 1e9).toFixed(2)} Gbps`;
  if (n >= 1e6) return `${+(n / 1e6).toFixed(2)} Mbps`;
  return `${n} bit/s`;
}

export function bytes(n: number): string {
  if (n >= 1e9) return `${+(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${+(n / 1e6).toFixed(2)} MB`;
  return `${n} B`;
}

// RFC 3339 UTC → local display in the billing zone is the server's business; the console
// shows the instant in the browser's zone with the zone named.
export function time(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toLocaleString(lang() === "zh-CN" ? "zh-CN" : "en-GB", {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  });
}
