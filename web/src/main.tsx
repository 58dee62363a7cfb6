// The console's shell: sign-in, the navigation for the key's role, language switch, and the
// page of the current hash route.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, session, signIn, signOut, type Account as AccountT } from "./api";
import { ErrorBox, Field, useAction } from "./components/ui";
import { lang, setLang, t, type Key, type Lang } from "./i18n";
import { go, useRoute } from "./router";
import { Account } from "./pages/Account";
import { PriceBook, Pools, Revenue, TenantPage, Tenants } from "./pages/Admin";
import { Bills } from "./pages/Bills";
import { Attacks, Notifications, Orders, Resources } from "./pages/Lists";
import { Overview } from "./pages/Overview";
import { Purchase } from "./pages/Purchase";
import { ResourceDetail } from "./pages/ResourceDetail";
import { catalog } from "./catalog";
import { money, setTimeZone } from "./format";
import "./styles.css";

const tenantNav: [string, Key][] = [
  ["/", "nav_overview"],
  ["/buy/hdip", "nav_buy_hdip"],
  ["/buy/hdp", "nav_buy_hdp"],
  ["/orders", "nav_orders"],
  ["/resources", "nav_resources"],
  ["/attacks", "nav_attacks"],
  ["/bills", "nav_bills"],
  ["/account", "nav_account"],
  ["/notifications", "nav_notifications"],
];
const adminNav: [string, Key][] = [
  ["/admin/tenants", "nav_tenants"],
  ["/admin/pools", "nav_pools"],
  ["/admin/revenue", "nav_revenue"],
  ["/admin/attacks", "nav_attacks"],
  ["/admin/pricebook", "nav_pricebook"],
];

function Page({ path, role }: { path: string; role: "tenant" | "admin" }) {
  const m = path.match(/^\/resources\/([\w-]+)$/);
  if (role === "admin") {
    if (path === "/admin/pools") return <Pools />;
    if (path === "/admin/pricebook") return <PriceBook />;
    if (path === "/admin/attacks") return <Attacks admin />;
    if (path === "/admin/revenue") return <Revenue />;
    const tenant = path.match(/^\/admin\/tenants\/([\w-]+)$/);
    if (tenant) return <TenantPage id={tenant[1]} />;
    return <Tenants />;
  }
  if (m) return <ResourceDetail id={m[1]} />;
  switch (path) {
    case "/buy/hdip":
      return <Purchase product="hdip" />;
    case "/buy/hdp":
      return <Purchase product="hdp" />;
    case "/orders":
      return <Orders />;
    case "/resources":
      return <Resources />;
    case "/attacks":
      return <Attacks />;
    case "/bills":
      return <Bills />;
    case "/account":
      return <Account />;
    case "/notifications":
      return <Notifications />;
    default:
      return <Overview />;
  }
}

// The account line in the header, with the arrears banner when the balance is negative.
function AccountBar({ path }: { path: string }) {
  const [acc, setAcc] = useState<AccountT | null>(null);
  useEffect(() => {
    const load = () => api.get<AccountT>("/v1/account").then(setAcc, () => {});
    load();
    window.addEventListener("rampart:account", load);
    return () => window.removeEventListener("rampart:account", load);
  }, [path]);
  if (!acc) return null;
  return (
    <>
      <span class="balance" data-testid="header-balance">
        {acc.name} · <span class="sr-only">{t("balance")} </span>
        {money(acc.balance)}
      </span>
      {acc.in_arrears && (
        <div class="banner" role="alert">
          {t("arrears_banner")}
        </div>
      )}
    </>
  );
}

function SignIn({ onDone }: { onDone: () => void }) {
  const [key, setKey] = useState("");
  const a = useAction();
  return (
    <main id="main" class="signin">
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          a.run(async () => {
            const role = await signIn(key.trim());
            go(role === "admin" ? "/admin/tenants" : "/");
            onDone();
          });
        }}
      >
        <h1>
          {t("app")} <small>{t("tagline")}</small>
        </h1>
        <Field id="api-key" label={t("api_key")} help={t("api_key_help")}>
          <input
            id="api-key"
            type="password"
            autoComplete="off"
            required
            value={key}
            aria-describedby="api-key-help"
            onInput={(e) => setKey(e.currentTarget.value)}
          />
        </Field>
        <button type="submit" class="primary" disabled={a.busy}>
          {t("signin")}
        </button>
        <ErrorBox error={a.error} />
        <LangSwitch />
      </form>
    </main>
  );
}

let rerender: () => void = () => {};

function LangSwitch() {
  return (
    <label class="lang">
      <span class="sr-only">{t("language")}</span>
      <select
        value={lang()}
        aria-label={t("language")}
        onChange={(e) => {
          setLang(e.currentTarget.value as Lang);
          rerender();
        }}
      >
        <option value="en">English</option>
        <option value="zh-CN">简体中文</option>
      </select>
    </label>
  );
}

function App() {
  const path = useRoute();
  const [, setTick] = useState(0);
  const [menu, setMenu] = useState(false);
  rerender = () => setTick((n) => n + 1);
  const s = session();
  // Times in the billing zone, once the catalogue names it.
  useEffect(() => {
    if (s)
      catalog().then(
        (c) => setTimeZone(c.billing_time_zone) && rerender(),
        () => {},
      );
  }, [s?.role]);
  if (!s || path === "/signin") return <SignIn onDone={rerender} />;
  const nav = s.role === "admin" ? adminNav : tenantNav;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        {t("skip")}
      </a>
      <header class="top">
        <a class="brand" href={s.role === "admin" ? "#/admin/tenants" : "#/"}>
          {t("app")}
        </a>
        <button
          type="button"
          class="menu-toggle"
          aria-expanded={menu}
          aria-controls="nav"
          onClick={() => setMenu(!menu)}
        >
          {t("menu")}
        </button>
        <nav id="nav" class={menu ? "open" : ""} aria-label={t("menu")}>
          {nav.map(([href, key]) => (
            <a
              href={"#" + href}
              aria-current={
                path === href || (href === "/resources" && path.startsWith("/resources/")) ? "page" : undefined
              }
              onClick={() => setMenu(false)}
            >
              {t(key)}
            </a>
          ))}
        </nav>
        <div class="right">
          {s.role === "tenant" && <AccountBar path={path} />}
          <LangSwitch />
          <button
            type="button"
            onClick={() => {
              signOut();
              go("/signin");
              rerender();
            }}
          >
            {t("signout")}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} role={s.role} />
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);

// One tab title per page: its heading, then the product (headings come and go with the route
// and with data, so the title follows the document rather than the router).
new MutationObserver(() => {
  const heading = document.querySelector("main h1")?.textContent?.trim();
  const title = heading ? `${heading} · ${t("app")}` : t("app");
  if (document.title !== title) document.title = title;
}).observe(document.getElementById("app")!, { subtree: true, childList: true, characterData: true });
