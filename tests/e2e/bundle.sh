#!/usr/bin/env bash
# Rule bundles end to end: `covcheck bundle` builds the same bytes from the same inputs,
# `--verify` refuses a tampered bundle naming the file, and `serve --bundle` reports the
# bundle in /readyz, /metrics and every answer, swaps to a new version on SIGHUP, on POST
# /v1/admin/reload and by polling, keeps serving when the new bundle is tampered with, and
# loads a bundle from an http:// URL. docs/deploy.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"
command -v curl >/dev/null || { echo "SKIP: no curl"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; [[ -n "${KEEP:-}" ]] || rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib/bundles.sh"

# ---- building -------------------------------------------------------------------------------
if [[ -n "$v1" && -n "$v2" && "$v1" != "$v2" ]]; then pass; else fail "two versions, two digests: '$v1' '$v2'"; fi
expect_status "bundle the payer registry" 0 bundle --rules rules --version 2026.1 --built-at $built_at --out "$tmp/v1b.tar"
contains "the digest is printed" out "$v1"
run bundle --rules rules --version 2026.1 --built-at $built_at --out "$tmp/again.tar"
if cmp -s "$tmp/v1.tar" "$tmp/again.tar"; then pass; else fail "the same inputs give the same bytes"; fi
SOURCE_DATE_EPOCH=1772323200 "$COVCHECK" bundle --rules rules --version 2026.1 --out "$tmp/epoch.tar" >/dev/null 2>&1
if cmp -s "$tmp/v1.tar" "$tmp/epoch.tar"; then pass; else fail "SOURCE_DATE_EPOCH stands for --built-at"; fi
if [[ "$(tar -tf "$tmp/v1.tar" | head -1)" == manifest.json ]]; then pass; else fail "tar reads it, manifest.json first"; fi
if tar -tf "$tmp/v1.tar" | grep -x rules/payers.yaml >/dev/null; then pass; else fail "the registry is in the bundle"; fi
expect_status "--registry FILE" 0 bundle --registry rules/payers.yaml --version 2026.1 --built-at $built_at --out "$tmp/registry.tar"
if cmp -s "$tmp/v1.tar" "$tmp/registry.tar"; then pass; else fail "--registry rules/payers.yaml is --rules rules"; fi
expect_status "--rules and --registry together" 2 bundle --rules rules --registry rules/payers.yaml --version v --built-at $built_at --out "$tmp/x.tar"
expect_status "a directory bundle" 0 bundle --rules rules --version 2026.1 --built-at $built_at --out "$tmp/v1.dir"
if [[ "$(digest_of "$tmp/out")" == "$v1" ]]; then pass; else fail "a directory bundle has the tar's digest"; fi
expect_status "verify the tar" 0 bundle --verify "$tmp/v1.tar"
contains "verify prints the digest" out "$v1"
expect_status "verify the directory" 0 bundle --verify "$tmp/v1.dir"

expect_status "no build time" 2 bundle --rules rules --version v --out "$tmp/x.tar"
expect_status "a build time that is not UTC" 2 bundle --rules rules --version v --built-at 2026-03-01 --out "$tmp/x.tar"
expect_status "a missing rules path" 2 bundle --rules "$tmp/none" --version v --built-at $built_at --out "$tmp/x.tar"
printf 'policy p "P" version "1" default denied "x"\nrule r {\n  when nothing.here\n}\n' >"$tmp/bad.cpl"
expect_status "rules that do not compile make no bundle" 3 bundle --rules "$tmp/bad.cpl" --version v --built-at $built_at --out "$tmp/bad.tar"
grep -q "bad.cpl:[0-9]*:[0-9]*: error" "$tmp/err" && pass || fail "with the compiler's error at file:line:col"
if [[ ! -e "$tmp/bad.tar" ]]; then pass; else fail "no bundle is written"; fi

# ---- tampering --------------------------------------------------------------------------------
echo "# edited after the build" >>"$tmp/v1.dir/rules/acme/acme-2026.1.cpl"
expect_status "a changed file does not verify" 3 bundle --verify "$tmp/v1.dir"
contains "the error names the file" err "rules/acme/acme-2026.1.cpl\` does not match its SHA-256"
mkdir -p "$tmp/unpacked" && tar -xf "$tmp/v1.tar" -C "$tmp/unpacked"
echo "module sneaked \"S\"" >"$tmp/unpacked/rules/acme/sneaked.cpl"
(cd "$tmp/unpacked" && tar --format=ustar -cf "$tmp/sneaked.tar" manifest.json rules)
expect_status "an added file does not verify" 3 bundle --verify "$tmp/sneaked.tar"
contains "the error names it" err "rules/acme/sneaked.cpl\` is in the archive but not in the manifest"
(cd "$tmp/unpacked" && ln -s /etc/passwd rules/link.cpl && tar --format=ustar -cf "$tmp/link.tar" manifest.json rules)
expect_status "a symbolic link is refused" 3 bundle --verify "$tmp/link.tar"
contains "naming it" err "rules/link.cpl\` is a symbolic link"

# ---- serving ----------------------------------------------------------------------------------
cp "$tmp/v1.tar" "$tmp/live.tar"
COVCHECK_ADMIN_TOKEN=bundle-admin-token-0123 "$COVCHECK" serve --bundle "$tmp/live.tar" --port 0 2>"$tmp/server.err" &
server=$!
pids+=("$server")
url=$(server_url "$tmp/server.err")
if [[ -n "$url" ]]; then pass; else fail "the server of the bundle starts"; cat "$tmp/server.err"; fi
grep -q "serving bundle $tmp/live.tar (version 2026.1, $v1)" "$tmp/server.err" && pass || fail "it says which bundle it serves"
wait_digest "$url" "$v1" && pass || fail "/readyz reports the bundle"
curl -s "$url/readyz" | grep -qF "\"bundle\":{\"digest\":\"$v1\",\"version\":\"2026.1\"}" && pass || fail "/readyz: digest and version"
curl -s "$url/metrics" | grep -qF "covcheck_bundle_info{digest=\"$v1\",version=\"2026.1\"} 1" && pass || fail "/metrics: covcheck_bundle_info"
curl -s -o "$tmp/answer.json" -H 'Content-Type: application/yaml' --data-binary @rules/acme/cases/esk-covered.yaml "$url/v1/check"
grep -qF "{\"bundle\":{\"digest\":\"$v1\",\"version\":\"2026.1\"},\"case\":\"esk-covered\"" "$tmp/answer.json" && pass \
  || fail "the answer's bundle key"
grep -qF '"at":"rules/acme/' "$tmp/answer.json" && pass || fail "the answer's locations are the bundle's names"
"$COVCHECK" check --rules rules --case rules/acme/cases/esk-covered.yaml --format json --no-trace >"$tmp/cli.json" 2>/dev/null
/usr/bin/python3 - "$tmp/answer.json" "$tmp/cli.json" <<'PY' && pass || fail "the answer is check --format json's, with the bundle"
import json, sys
served, cli = (json.load(open(p)) for p in sys.argv[1:])
served.pop("bundle")
sys.exit(0 if served == cli else 1)
PY

# SIGHUP with the second version in place (written beside, then renamed, as `bundle` does).
swap_in "$tmp/v2.tar" "$tmp/live.tar"
kill -HUP "$server"
wait_digest "$url" "$v2" && pass || fail "SIGHUP swaps to the second version"
curl -s -H 'Content-Type: application/yaml' --data-binary @rules/acme/cases/esk-covered.yaml "$url/v1/check" |
  grep -qF "\"bundle\":{\"digest\":\"$v2\",\"version\":\"2026.2\"}" && pass || fail "answers name the second version"
curl -s "$url/readyz" | grep -q '"generation":2' && pass || fail "generation 2"

# A tampered bundle on SIGHUP: refused by name, the second version keeps serving.
cp "$tmp/sneaked.tar" "$tmp/live.tar"
kill -HUP "$server"
for _ in $(seq 1 100); do grep -q "reload failed" "$tmp/server.err" && break; sleep 0.1; done
grep -q "sneaked.cpl\` is in the archive but not in the manifest" "$tmp/server.err" && pass || fail "the refusal names the file"
curl -s "$url/readyz" | grep -qF "\"digest\":\"$v2\"" && pass || fail "the second version still serves"

# POST /v1/admin/reload back to the first version.
cp "$tmp/v1.tar" "$tmp/live.tar"
code=$(curl -s -o "$tmp/reload.json" -w '%{http_code}' -X POST -H 'Authorization: Bearer bundle-admin-token-0123' "$url/v1/admin/reload")
[[ "$code" == 200 ]] && pass || fail "POST /v1/admin/reload: $code"
grep -qF "\"bundle\":{\"digest\":\"$v1\"" "$tmp/reload.json" && pass || fail "the reload answer names the bundle"
wait_digest "$url" "$v1" && pass || fail "the admin reload swaps back"

# Polling: a server that reads the bundle every 0.2 s swaps when its digest changes.
cp "$tmp/v1.tar" "$tmp/polled.tar"
"$COVCHECK" serve --bundle "$tmp/polled.tar" --bundle-poll 200ms --port 0 2>"$tmp/poll.err" &
pids+=("$!")
poll_url=$(server_url "$tmp/poll.err")
wait_digest "$poll_url" "$v1" && pass || fail "the polling server serves the first version"
sleep 0.5
curl -s "$poll_url/readyz" | grep -q '"generation":1' && pass || fail "an unchanged bundle is not loaded again"
swap_in "$tmp/v2.tar" "$tmp/polled.tar"
wait_digest "$poll_url" "$v2" && pass || fail "polling swaps to the second version"

# From an http:// URL (Python's http.server on loopback stands in for an artifact store).
/usr/bin/python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$tmp" >"$tmp/http.out" 2>&1 &
pids+=("$!")
for _ in $(seq 1 100); do grep -q 'port [0-9]' "$tmp/http.out" && break; sleep 0.1; done
http_port=$(grep -o 'port [0-9]*' "$tmp/http.out" | head -1 | cut -d' ' -f2)
"$COVCHECK" serve --bundle "http://127.0.0.1:$http_port/v2.tar" --port 0 2>"$tmp/url.err" &
pids+=("$!")
server_url "$tmp/url.err" >/dev/null  # waits for the line; its first address is the bundle's URL
url_url=$(grep -o ' on http://127.0.0.1:[0-9]*' "$tmp/url.err" | head -1 | cut -c5-)
wait_digest "$url_url" "$v2" && pass || fail "a bundle from an http:// URL"
"$COVCHECK" serve --bundle "http://127.0.0.1:$http_port/missing.tar" --port 0 2>"$tmp/err"
[[ $? == 2 ]] && grep -q "answered HTTP 404" "$tmp/err" && pass || fail "a URL that answers 404 is exit 2, saying so"

expect_status "--rules and --bundle together" 2 serve --rules rules --bundle "$tmp/v1.tar" --port 0
expect_status "a tampered bundle does not start a server" 3 serve --bundle "$tmp/sneaked.tar" --port 0

finish
