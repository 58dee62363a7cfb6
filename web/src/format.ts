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

// The billing time zone (GET /v1/catalog): bills, days and windows are in it, so every time is
// shown in it, with the zone named. Until it is known, the browser's zone.
let zone: string | undefined;
export function setTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: name });
  } catch {
    return false; // not a zone this browser knows: keep the browser's
  }
  const changed = zone !== name;
  zone = name;
  return changed;
}

export function time(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toLocaleString(lang() === "zh-CN" ? "zh-CN" : "en-GB", {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: zone,
    timeZoneName: "short",
  });
}

// The time of day ("10:00") in the billing time zone: chart axes, under a heading that names
// the day.
export function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: zone });
}

// Exact amounts in fen, for comparisons and differences only (a shortfall): integers, so
// nothing is rounded; display goes back through money().
export function toFen(amount: string): bigint {
  const negative = amount.startsWith("-");
  const [whole, frac = ""] = amount.replace("-", "").split(".");
  const fen = BigInt(whole) * BigInt(100) + BigInt((frac + "00").slice(0, 2));
  return negative ? -fen : fen;
}

export function fromFen(fen: bigint): string {
  const negative = fen < BigInt(0);
  const abs = negative ? -fen : fen;
  return `${negative ? "-" : ""}${abs / BigInt(100)}.${String(abs % BigInt(100)).padStart(2, "0")}`;
}
