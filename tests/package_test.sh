#!/usr/bin/env bash
# Checks the Debian package built by scripts/package: what it holds, what it depends on, its
# systemd units, and that the server runs from it unpacked into a clean directory (its
# console and price book found next to the binary, its shipped serve.toml read).
# Usage: tests/package_test.sh build/release/rampart_<version>_amd64.deb
set -euo pipefail
deb=$(readlink -f "$1")
fail() { echo "package_test: FAIL: $*" >&2; exit 1; }
ok() { echo "package_test: ok: $*"; }

# 1. Contents.
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for path in ./usr/bin/rampart ./usr/share/rampart/console/index.html \
  ./usr/share/rampart/pricebook/default.toml ./lib/systemd/system/rampart.service \
  ./lib/systemd/system/rampart-collect.service ./lib/systemd/system/rampart-forward.service \
  ./etc/rampart/serve.toml ./usr/share/doc/rampart/operations.md; do
  grep -qx "$path" <<<"$contents" || fail "$path is not in the package"
done
ok "contents"

# 2. Control: dependencies found from the binary's libraries, the conffile, the scripts.
depends=$(dpkg-deb -f "$deb" Depends)
for dep in adduser tzdata libc6 libstdc++6 libsqlite3-0 libssl3 libpq5; do
  grep -q "\b$dep\b" <<<"$depends" || fail "Depends lacks $dep: $depends"
done
[ "$(dpkg-deb -f "$deb" Package)" = rampart ] || fail "package name"
control=$(mktemp -d)
unpacked=$(mktemp -d)
data=$(mktemp -d)
server=""
trap '[ -z "$server" ] || kill "$server" 2>/dev/null; rm -rf "$control" "$unpacked" "$data"' EXIT
dpkg-deb -e "$deb" "$control"
grep -qx /etc/rampart/serve.toml "$control/conffiles" || fail "serve.toml is not a conffile"
for script in postinst prerm postrm; do
  [ -x "$control/$script" ] || fail "$script missing or not executable"
  sh -n "$control/$script" || fail "$script does not parse"
done
ok "control: Depends: $depends"

# 3. The units: systemd's own check, and the hardening they promise.
dpkg-deb -x "$deb" "$unpacked"
for unit in rampart rampart-collect rampart-forward; do
  file="$unpacked/lib/systemd/system/$unit.service"
  for line in User=rampart NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes; do
    grep -qx "$line" "$file" || fail "$unit.service lacks $line"
  done
  # Unknown or misspelt directives are what verify reports; the binary's path is the
  # installed one (/usr/bin/rampart), absent here, so that one complaint is expected.
  out=$(systemd-analyze verify "$file" 2>&1 || true)
  problems=$(grep -v -e "/usr/bin/rampart" -e "^$" <<<"$out" | grep -v "Failed to prepare filename" || true)
  [ -z "$problems" ] || fail "$unit.service: $problems"
done
grep -qx "CapabilityBoundingSet=CAP_NET_BIND_SERVICE" "$unpacked/lib/systemd/system/rampart-forward.service" ||
  fail "the forwarder's only capability should be CAP_NET_BIND_SERVICE"
grep -qx "CapabilityBoundingSet=" "$unpacked/lib/systemd/system/rampart.service" ||
  fail "the server should hold no capability"
ok "units"

# 4. Run it from the clean directory.
bin="$unpacked/usr/bin/rampart"
"$bin" --version | grep -q "^rampart " || fail "--version"
"$bin" pricebook check "$unpacked/usr/share/rampart/pricebook/default.toml" >/dev/null ||
  fail "the shipped price book does not check"
log="$data/serve.log"
RAMPART_ADMIN_KEY=rk_0123456789abcdef0123456789abcdef "$bin" serve \
  --config "$unpacked/etc/rampart/serve.toml" --listen 127.0.0.1:0 --data "$data/db" >"$log" 2>&1 &
server=$!
url=""
for _ in $(seq 100); do
  url=$(grep -o 'listening on http://[0-9.:]*' "$log" | sed 's/listening on //' || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || fail "the server did not start: $(cat "$log")"
grep -q "console: [0-9]* files from $unpacked/usr/share/rampart/console" "$log" ||
  fail "the console was not found next to the binary: $(cat "$log")"
curl -fsS "$url/healthz" | grep -q '"ok"' || fail "/healthz"
curl -fsS "$url/" | grep -qi "<!doctype html>" || fail "the console's page"
curl -fsS -H "Authorization: Bearer rk_0123456789abcdef0123456789abcdef" "$url/v1/admin/ip-pools" |
  grep -q '"items"' || fail "the API"
ok "serves the API and the console from $unpacked"
echo "package_test: all checks passed"
