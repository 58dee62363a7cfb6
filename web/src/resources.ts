// The tenant's resources as one list, shared by the pages that name resources (overview,
// bills, attacks): a resource is shown by the customer's name for it, with its IPs, not by
// its id. Loaded once and again after every change (accountChanged fires on each).
import { useEffect, useState } from "preact/hooks";
import { getAll, type Resource } from "./api";

let cached: Promise<Resource[]> | null = null;

function load(): Promise<Resource[]> {
  cached ??= getAll<Resource>("/v1/resources").catch((e) => {
    cached = null;
    throw e;
  });
  return cached;
}

window.addEventListener("rampart:account", () => (cached = null));

// The resources (null while loading) and the error of the last load; nothing is loaded
// unless `enabled` (the operator has no resources of its own).
export function useResources(enabled = true): { items: Resource[] | null; error: unknown } {
  const [state, setState] = useState<{ items: Resource[] | null; error: unknown }>({ items: null, error: null });
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    const refresh = () =>
      load().then(
        (items) => live && setState({ items, error: null }),
        (error) => live && setState((s) => ({ items: s.items, error })),
      );
    refresh();
    window.addEventListener("rampart:account", refresh);
    // While something is being delivered, look again every 3 s until it runs (or fails).
    const timer = window.setInterval(() => {
      cached
        ?.then((items) => {
          if (items.some((r) => r.state === "provisioning")) {
            cached = null;
            refresh();
          }
        })
        .catch(() => {});
    }, 3000);
    return () => {
      live = false;
      clearInterval(timer);
      window.removeEventListener("rampart:account", refresh);
    };
  }, [enabled]);
  return state;
}

// "web-1 (203.0.113.5)": the name if there is one, else the id; the first IP beside it.
export function resourceLabel(r: Resource | undefined, id: string): string {
  if (!r) return id;
  const ip = r.ips.length ? ` (${r.ips[0]}${r.ips.length > 1 ? ` +${r.ips.length - 1}` : ""})` : "";
  return (r.name || r.id) + ip;
}

export function byId(items: Resource[] | null): Map<string, Resource> {
  return new Map((items ?? []).map((r) => [r.id, r]));
}
