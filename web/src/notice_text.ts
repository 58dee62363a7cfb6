// Notification texts in the reader's language. The server writes each notification once, in
// English, with its numbers in it ("order ord_1 paid: 16600.00 CNY"); here each known shape is
// recognised and said again in the chosen language, with money and times formatted as
// everywhere else in the console. A text of a shape not listed is shown as the server wrote it.
import { money, time } from "./format";
import { lang, t, type Key } from "./i18n";

const TIME = "(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z)";
const AMOUNT = "(-?\\d+\\.\\d{2})";

// [pattern, key, how the captures become the key's variables]
const shapes: [RegExp, Key, (m: RegExpMatchArray) => Record<string, string>][] = [
  [new RegExp(`^order (\\S+) paid: ${AMOUNT} CNY$`), "note_order_paid", (m) => ({ id: m[1], amount: money(m[2]) })],
  [new RegExp(`^delivered; expires ${TIME}$`), "note_delivered", (m) => ({ at: time(m[1]) })],
  [
    new RegExp(`^order (\\S+) could not be delivered \\(no free IP in (\\S+)\\); refunded ${AMOUNT} CNY$`),
    "note_delivery_failed",
    (m) => ({ id: m[1], network: m[2], amount: money(m[3]) }),
  ],
  [new RegExp(`^elastic protection peak set to (\\d+) Gbps \\(off\\)$`), "note_elastic_off", () => ({})],
  [new RegExp(`^elastic protection peak set to (\\d+) Gbps$`), "note_elastic_set", (m) => ({ n: m[1] })],
  [/^elastic protection switched off: the new base reaches its peak$/, "note_elastic_reached", () => ({})],
  [
    new RegExp(`^elastic protection charged ${AMOUNT} CNY for (\\S+)$`),
    "note_elastic_charge",
    (m) => ({ amount: money(m[1]), day: m[2] }),
  ],
  [
    new RegExp(`^(\\w[\\w -]*) for (\\d+) months, ${AMOUNT} CNY; expires ${TIME}$`),
    "note_renewed",
    (m) => ({ months: m[2], amount: money(m[3]), at: time(m[4]) }),
  ],
  [new RegExp(`^cancelled; refunded ${AMOUNT} CNY$`), "note_cancelled", (m) => ({ amount: money(m[1]) })],
  [
    new RegExp(`^expires in (\\d+) days?, at ${TIME}; auto-renew is on$`),
    "note_expiring_auto",
    (m) => ({ n: m[1], at: time(m[2]) }),
  ],
  [
    new RegExp(`^expires in (\\d+) days?, at ${TIME}; renew to keep protection$`),
    "note_expiring",
    (m) => ({ n: m[1], at: time(m[2]) }),
  ],
  [
    new RegExp(`^auto-renewal failed: the balance ${AMOUNT} does not cover ${AMOUNT}$`),
    "note_autorenew_failed",
    (m) => ({ balance: money(m[1]), amount: money(m[2]) }),
  ],
  [
    new RegExp(`^expired: basic protection only; renew before ${TIME} to keep it$`),
    "note_expired",
    (m) => ({ at: time(m[1]) }),
  ],
  [/^released: configuration deleted, IPs returned$/, "note_released", () => ({})],
  [
    new RegExp(`^the balance ${AMOUNT} is below ${AMOUNT} CNY$`),
    "note_low_balance",
    (m) => ({ balance: money(m[1]), threshold: money(m[2]) }),
  ],
  [/^the balance is negative: elastic protection is suspended$/, "note_arrears", () => ({})],
  [/^the balance is positive again: elastic protection resumed$/, "note_arrears_left", () => ({})],
  [
    new RegExp(`^attack of (\\d+) Mbps above the base from ${TIME}$`),
    "note_attack_started",
    (m) => ({ mbps: m[1], at: time(m[2]) }),
  ],
  [new RegExp(`^attack ended by ${TIME}$`), "note_attack_ended", (m) => ({ at: time(m[1]) })],
];

export function noticeText(message: string): string {
  if (lang() === "en") return message;
  for (const [re, key, vars] of shapes) {
    const m = message.match(re);
    if (m) return t(key, vars(m));
  }
  return message;
}
