#!/usr/bin/env bash
# CDS Hooks client authentication end to end: `serve --cds-clients` with an EHR whose JWK Set
# a loopback python3 http.server serves; tokens signed RS384 and ES384 with keys the openssl
# command makes. A valid token is answered, a missing, replayed or wrongly addressed one is
# 401 with an OperationOutcome naming the reason (never the token); the flag's usage errors;
# the audit record of each answered call names the issuer, a refused call writes none.
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"

server_pid=
jwks_pid=
stop_all() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [[ -n "$jwks_pid" ]] && kill "$jwks_pid" 2>/dev/null && wait "$jwks_pid" 2>/dev/null
}
trap 'stop_all; rm -rf "$tmp"' EXIT
expect() {  # NAME COMMAND...
  local name=$1
  shift
  if "$@"; then pass; else fail "$name"; fi
}

# ---- the EHR: keys, its JWK Set on a loopback port, and a token maker --------------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rsa.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$tmp/ec.pem" 2>/dev/null
mkdir "$tmp/www"
cat >"$tmp/jwt.py" <<'EOF'
# jwt.py jwks DIR | token KEY.pem KID ISS AUD JTI [EXP_OFFSET]: the JWK Set of both keys,
# or one compact JWS signed with the openssl command (ES384: DER turned into r || s).
import base64, json, os, subprocess, sys, time

def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def der_int(b, i):  # (value, next index) of an ASN.1 INTEGER at i
    n = b[i + 1]
    return int.from_bytes(b[i + 2:i + 2 + n], "big"), i + 2 + n
def pub_der(pem): return subprocess.run(["openssl", "pkey", "-in", pem, "-pubout", "-outform", "DER"], capture_output=True, check=True).stdout

d = sys.argv[2]
if sys.argv[1] == "jwks":
    mod = subprocess.run(["openssl", "rsa", "-in", f"{d}/rsa.pem", "-noout", "-modulus"], capture_output=True, text=True, check=True).stdout
    n = bytes.fromhex(mod.strip().split("=")[1])
    point = pub_der(f"{d}/ec.pem")[-97:]
    print(json.dumps({"keys": [
        {"kty": "RSA", "kid": "rsa-1", "alg": "RS384", "use": "sig", "n": b64(n), "e": b64((65537).to_bytes(3, "big"))},
        {"kty": "EC", "kid": "ec-1", "alg": "ES384", "crv": "P-384", "x": b64(point[1:49]), "y": b64(point[49:])}]}))
else:
    pem, kid, iss, aud, jti = sys.argv[2:7]
    offset = int(sys.argv[7]) if len(sys.argv) > 7 else 240
    alg = "RS384" if os.path.basename(pem).startswith("rsa") else "ES384"
    now = int(time.time())
    head = b64(json.dumps({"alg": alg, "typ": "JWT", "kid": kid}).encode())
    body = b64(json.dumps({"iss": iss, "aud": aud, "exp": now + offset, "iat": now - 5, "jti": jti}).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha384", "-sign", pem], input=f"{head}.{body}".encode(), capture_output=True, check=True).stdout
    if alg == "ES384":
        r, i = der_int(sig, 2 if sig[1] < 0x80 else 3)
        s, _ = der_int(sig, i)
        sig = r.to_bytes(48, "big") + s.to_bytes(48, "big")
    print(f"{head}.{body}.{b64(sig)}")
EOF
python3 "$tmp/jwt.py" jwks "$tmp" >"$tmp/www/jwks.json"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$tmp/www" >"$tmp/jwks.log" 2>&1 &
jwks_pid=$!
jwks_port=
for _ in $(seq 1 100); do
  jwks_port=$(grep -o 'port [0-9]*' "$tmp/jwks.log" | head -1 | cut -d' ' -f2)
  [[ -n "$jwks_port" ]] && break
  sleep 0.1
done
expect "the JWKS server starts" test -n "$jwks_port"

public=https://covcheck.example
iss=https://ehr.example.org
cat >"$tmp/clients.yaml" <<EOF
clients:
  - issuer: $iss
    jwks_url: http://127.0.0.1:$jwks_port/jwks.json
EOF

# ---- usage errors ---------------------------------------------------------------------------
expect_status "--cds-clients without --public-url" 2 serve --rules rules --port 0 --cds-clients "$tmp/clients.yaml"
contains "names --public-url" err "--cds-clients needs --public-url"
printf 'clients:\n  - issuer: x\n    jwks_url: http://ehr.example.org/jwks\n' >"$tmp/bad.yaml"
expect_status "a plain-http JWKS URL elsewhere" 2 serve --rules rules --port 0 --public-url "$public" --cds-clients "$tmp/bad.yaml"
contains "says https" err "must be an https URL"

# ---- the service ----------------------------------------------------------------------------
"$COVCHECK" serve --rules rules --port 0 --public-url "$public" --cds-clients "$tmp/clients.yaml" \
  --access-log "$tmp/access.log" --audit-log "$tmp/audit.jsonl" 2>"$tmp/server.err" &
server_pid=$!
url=
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*' "$tmp/server.err" | head -1)
  [[ -n "$url" ]] && break
  sleep 0.1
done
expect "the server prints its address" test -n "$url"

python3 tests/crd/bundle_to_hook.py tests/data/fhir/esketamine_order.json "$tmp/request.json"
hook=/cds-services/covcheck-order-sign
post() {  # post [CURL ARGS...]: the hook's HTTP status; its body in $tmp/body
  curl -s -o "$tmp/body" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$tmp/request.json" \
    "$@" "$url$hook"
}
token() { python3 "$tmp/jwt.py" token "$@"; }

expect "discovery needs no token" test "$(curl -s -o /dev/null -w '%{http_code}' "$url/cds-services")" = 200
expect "no Authorization: 401" test "$(post)" = 401
expect "as an OperationOutcome" grep -q '"resourceType":"OperationOutcome"' "$tmp/body"
expect "naming the reason" grep -q 'auth.missing_token' "$tmp/body"

rs=$(token "$tmp/rsa.pem" rsa-1 "$iss" "$public$hook" jti-rs)
expect "a valid RS384 token: 200" test "$(post -H "Authorization: Bearer $rs")" = 200
expect "the hook answered" grep -q '"cards"' "$tmp/body"
es=$(token "$tmp/ec.pem" ec-1 "$iss" "$public$hook" jti-es)
expect "a valid ES384 token: 200" test "$(post -H "Authorization: Bearer $es")" = 200
expect "the JWK Set was fetched once" test "$(grep -c 'GET /jwks.json' "$tmp/jwks.log")" -eq 1

expect "the same token again: 401" test "$(post -H "Authorization: Bearer $rs")" = 401
expect "named a replay" grep -q 'auth.replayed' "$tmp/body"
expect "the token is not in the answer" bash -c "! grep -qF -- '${rs:0:40}' '$tmp/body'"
expect "nor in the access log" bash -c "! grep -qF -- '${rs##*.}' '$tmp/access.log'"

other=$(token "$tmp/rsa.pem" rsa-1 "$iss" "$public/cds-services/covcheck-order-select" jti-aud)
expect "a token for another service: 401" test "$(post -H "Authorization: Bearer $other")" = 401
expect "named the audience" grep -q 'auth.audience' "$tmp/body"
stranger=$(token "$tmp/rsa.pem" rsa-1 https://stranger.example "$public$hook" jti-iss)
expect "an unknown issuer: 401" test "$(post -H "Authorization: Bearer $stranger")" = 401
expect "named the issuer" grep -q 'auth.unknown_issuer' "$tmp/body"
expired=$(token "$tmp/ec.pem" ec-1 "$iss" "$public$hook" jti-exp -600)
expect "an expired token: 401" test "$(post -H "Authorization: Bearer $expired")" = 401
expect "named expiry" grep -q 'auth.expired' "$tmp/body"
expect "the access log names the client" grep -q "\"client\":\"$iss\"" "$tmp/access.log"
expect "one audit record per answered call, none for a refused one" test "$(wc -l <"$tmp/audit.jsonl")" -eq 2
expect "each names the JWT's issuer as the client" test "$(grep -c "\"client\":\"$iss\",\"route\":\"/cds-services/{id}\"" "$tmp/audit.jsonl")" -eq 2

finish
