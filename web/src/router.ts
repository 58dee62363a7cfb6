// Hash routes (#/resources/res_1): the server serves one page, and a reload keeps the place.
import { useEffect, useState } from "preact/hooks";

export function currentPath(): string {
  return location.hash.replace(/^#/, "") || "/";
}

export function useRoute(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const on = () => setPath(currentPath());
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return path;
}

export function go(path: string) {
  location.hash = "#" + path;
}
