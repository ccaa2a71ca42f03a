# Two versions of the shipped payer registry as rule bundles, for the bundle e2e tests:
# $tmp/v1.tar (the rules as shipped, version 2026.1) and $tmp/v2.tar (Acme's policy edited,
# version 2026.2), with their digests in $v1 and $v2. Sourced after harness.sh.
built_at=2026-03-01T00:00:00Z
digest_of() { grep -o 'sha256:[0-9a-f]\{64\}' "$1" | head -1; }
"$COVCHECK" bundle --rules rules --version 2026.1 --built-at $built_at --out "$tmp/v1.tar" >"$tmp/out" 2>"$tmp/err"
v1=$(digest_of "$tmp/out")
mkdir -p "$tmp/src"
cp -r rules "$tmp/src/rules"
echo "# the second version" >>"$tmp/src/rules/acme/acme-2026.1.cpl"
(cd "$tmp/src" && "$COVCHECK" bundle --rules rules --version 2026.2 --built-at 2026-04-01T00:00:00Z --out "$tmp/v2.tar") \
  >"$tmp/out" 2>"$tmp/err"
v2=$(digest_of "$tmp/out")

# wait_digest URL DIGEST: the server at URL reports DIGEST in /readyz within 10 s.
wait_digest() {
  for _ in $(seq 1 100); do
    curl -s "$1/readyz" | grep -qF "\"digest\":\"$2\"" && return 0
    sleep 0.1
  done
  return 1
}

# swap_in SOURCE TARGET: replaces TARGET by a copy of SOURCE in one rename, as `bundle` writes.
swap_in() { cp "$1" "$2.new" && mv "$2.new" "$2"; }
