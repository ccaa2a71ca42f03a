#!/usr/bin/env bash
# `covcheck serve --tls-cert --tls-key` end to end, against certificates the test makes with
# the openssl CLI: bad files at start (exit 2 naming the file and OpenSSL's reason); /healthz
# and POST /v1/check over HTTPS; keep-alive, pipelining and a streamed batch over TLS; TLS 1.1 refused; plain
# HTTP to the TLS port closed without an answer; SIGHUP serving a new certificate (and
# keeping the old one when the new file is bad); a slow handshake cut at the header deadline
# without holding the only worker; failed handshakes counted and logged; a connection past
# --client-connections closed without a byte, a request past --client-rate answered 429
# over TLS. Every step is bounded by a timeout.
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"

command -v curl >/dev/null && command -v openssl >/dev/null && command -v python3 >/dev/null ||
  { echo "SKIP: needs curl, openssl and python3"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }

server_pid=
trap '[[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"' EXIT

# make_cert NAME: a self-signed P-256 certificate for 127.0.0.1, $tmp/NAME.crt and NAME.key.
make_cert() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=$1" \
    -addext "subjectAltName=IP:127.0.0.1" -keyout "$tmp/$1.key" -out "$tmp/$1.crt" 2>/dev/null
}
fingerprint() { openssl x509 -noout -fingerprint -sha256 -in "$1"; }
served_fingerprint() {
  timeout 5 openssl s_client -connect "127.0.0.1:$port" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256
}
make_cert first
make_cert second
echo "not a certificate" >"$tmp/garbage.pem"

# Bad files at start: exit 2, naming the file and OpenSSL's reason.
expect_status "a missing certificate is exit 2" 2 serve --rules rules/acme --port 0 --tls-cert "$tmp/none.crt" --tls-key "$tmp/first.key"
contains "it names the certificate" err "--tls-cert \`$tmp/none.crt\`: No such file or directory"
expect_status "a certificate that is not PEM is exit 2" 2 serve --rules rules/acme --port 0 --tls-cert "$tmp/garbage.pem" --tls-key "$tmp/first.key"
contains "it names the certificate and OpenSSL's reason" err "--tls-cert \`$tmp/garbage.pem\`: no start line"
expect_status "a key that is not PEM is exit 2" 2 serve --rules rules/acme --port 0 --tls-cert "$tmp/first.crt" --tls-key "$tmp/garbage.pem"
contains "it names the key" err "--tls-key \`$tmp/garbage.pem\`"
expect_status "a key of another certificate is exit 2" 2 serve --rules rules/acme --port 0 --tls-cert "$tmp/first.crt" --tls-key "$tmp/second.key"
contains "it says they do not match" err "--tls-key \`$tmp/second.key\`: key values mismatch"
expect_status "--tls-cert without --tls-key is exit 2" 2 serve --rules rules/acme --port 0 --tls-cert "$tmp/first.crt"

# The server, with one worker, so that a handshake holding a worker would show.
cp "$tmp/first.crt" "$tmp/server.crt"
cp "$tmp/first.key" "$tmp/server.key"
"$COVCHECK" serve --rules rules/acme --port 0 --threads 1 --header-timeout 2s --tls-cert "$tmp/server.crt" \
  --tls-key "$tmp/server.key" --access-log "$tmp/access.log" 2>"$tmp/server.err" &
server_pid=$!
url=$(server_url "$tmp/server.err")
if [[ "$url" == https://* ]]; then pass; else fail "the server prints an https address"; cat "$tmp/server.err"; exit 1; fi
port=${url##*:}
tcurl() { curl -s --max-time 5 --cacert "$tmp/first.crt" "$@"; }

code=$(tcurl -o "$tmp/out" -w '%{http_code}' "$url/healthz")
if [[ "$code" == 200 ]]; then pass; else fail "GET /healthz over TLS: $code"; fi
code=$(tcurl -o "$tmp/out" -w '%{http_code}' -H 'Content-Type: application/yaml' \
  --data-binary @rules/acme/cases/esk-covered.yaml "$url/v1/check")
if [[ "$code" == 200 ]]; then pass; else fail "POST /v1/check over TLS: $code"; fi
contains "the decision comes back over TLS" out '"decision":"covered"'
# Keep-alive: three requests, one connection (curl counts the connections it made).
tcurl -w '%{http_code} %{num_connects}\n' -o /dev/null "$url/healthz" -o /dev/null "$url/readyz" -o /dev/null \
  "$url/healthz" >"$tmp/out"
if [[ "$(tr '\n' ' ' <"$tmp/out")" == "200 1 200 0 200 0 " ]]; then pass; else
  fail "keep-alive over TLS: $(tr '\n' ' ' <"$tmp/out")"; fi
tcurl -o /dev/null -w '%{ssl_verify_result} ' "$url/healthz" >"$tmp/out"
contains "the certificate verifies" out "0 "

# Pipelining: three requests in one TLS write, three answers in order.
python3 - "$port" "$tmp/first.crt" >"$tmp/out" <<'PY'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5) as raw:
    with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
        case = open("rules/acme/cases/esk-covered.yaml", "rb").read()
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/yaml\r\n"
                  + b"Content-Length: %d\r\n\r\n" % len(case) + case
                  + b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        print(data.decode(errors="replace").count("HTTP/1.1 200 OK"), "covered" if b'"decision":"covered"' in data else "-")
PY
if [[ "$(cat "$tmp/out")" == "3 covered" ]]; then pass; else fail "pipelining over TLS: $(cat "$tmp/out")"; fi

# A streamed /v1/batch: 3,000 records in, 3,000 answer lines out (about 2 MB through SSL_write).
for i in $(seq 1 3000); do
  printf '{"id":"b-%d","date_of_service":"2026-03-02","request":{"service":"ketamine_oral"},"diagnoses":[{"code":"F33.2","primary":true}]}\n' "$i"
done >"$tmp/batch.ndjson"
tcurl --max-time 30 -H 'Content-Type: application/x-ndjson' --data-binary @"$tmp/batch.ndjson" "$url/v1/batch" >"$tmp/out"
lines=$(grep -c '"decision":"excluded"' "$tmp/out")
if [[ "$lines" == 3000 ]] && tail -1 "$tmp/out" | grep -q '"case":"b-3000"'; then pass; else
  fail "a streamed batch over TLS: $lines of 3000 answers"; fi

# TLS 1.1 is refused, even by a client that would accept weak ciphers.
if tcurl --tls-max 1.1 --ciphers 'DEFAULT@SECLEVEL=0' -o /dev/null "$url/healthz"; then
  fail "a TLS 1.1 client was served"; else pass; fi
tcurl --tlsv1.2 --tls-max 1.2 -o /dev/null -w '%{http_code}' "$url/healthz" >"$tmp/out"
contains "TLS 1.2 is served" out 200
# Plain HTTP to the TLS port: no answer, the connection closed.
rm -f "$tmp/out"
curl -s --max-time 5 -o "$tmp/out" -w '%{http_code}' "http://127.0.0.1:$port/healthz" >"$tmp/code"
if [[ "$(cat "$tmp/code")" == 000 && ! -s "$tmp/out" ]]; then pass; else
  fail "plain HTTP got an answer: $(cat "$tmp/code")"; fi

# A slow handshake: three clients send 3 bytes of a ClientHello and stall. The one worker
# still answers meanwhile, and each is closed at the header deadline (2 s), not before.
python3 - "$port" >"$tmp/slow" <<'PY' &
import socket, sys, time
start = time.monotonic()
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=6) for _ in range(3)]
for s in socks:
    s.sendall(b"\x16\x03\x01")
closed = []
for s in socks:
    try:
        closed.append(round(time.monotonic() - start, 2) if s.recv(1) == b"" else -1)
    except OSError:
        closed.append(round(time.monotonic() - start, 2))
print(" ".join(str(c) for c in closed))
PY
slow=$!
sleep 0.5
code=$(tcurl --max-time 1 -o /dev/null -w '%{http_code}' "$url/healthz")
if [[ "$code" == 200 ]]; then pass; else fail "answered while handshakes stall: $code"; fi
wait "$slow"
if python3 -c 'import sys; t=[float(x) for x in sys.argv[1].split()]; sys.exit(0 if len(t)==3 and all(1.8<=x<3.5 for x in t) else 1)' "$(cat "$tmp/slow")"; then
  pass; else fail "slow handshakes closed at the deadline: $(cat "$tmp/slow")"; fi

# SIGHUP with a new certificate: new connections get it.
if [[ "$(served_fingerprint)" == "$(fingerprint "$tmp/first.crt")" ]]; then pass; else fail "serves the first certificate"; fi
cp "$tmp/second.crt" "$tmp/server.crt"
cp "$tmp/second.key" "$tmp/server.key"
kill -HUP "$server_pid"
for _ in $(seq 1 50); do grep -q "reloaded the TLS certificate" "$tmp/server.err" && break; sleep 0.1; done
if [[ "$(served_fingerprint)" == "$(fingerprint "$tmp/second.crt")" ]]; then pass; else fail "SIGHUP serves the new certificate"; fi
code=$(curl -s --max-time 5 --cacert "$tmp/second.crt" -o /dev/null -w '%{http_code}' "$url/healthz")
if [[ "$code" == 200 ]]; then pass; else fail "the new certificate verifies: $code"; fi
# A bad file on SIGHUP: the previous certificate stays, and the reason is said.
cp "$tmp/garbage.pem" "$tmp/server.crt"
kill -HUP "$server_pid"
for _ in $(seq 1 50); do grep -q "TLS reload failed" "$tmp/server.err" && break; sleep 0.1; done
cp "$tmp/server.err" "$tmp/err"
contains "a bad certificate on SIGHUP is reported" err "TLS reload failed, still serving the previous certificate: --tls-cert"
if [[ "$(served_fingerprint)" == "$(fingerprint "$tmp/second.crt")" ]]; then pass; else fail "the previous certificate stays"; fi

# Failed handshakes (TLS 1.1, plain HTTP, the slow ones) are counted and logged.
curl -s --max-time 5 --cacert "$tmp/second.crt" "$url/metrics" >"$tmp/out"
if grep -qE '^covcheck_load_shed_total\{reason="tls_handshake"\} ([5-9]|[1-9][0-9]+)$' "$tmp/out"; then pass; else
  fail "metrics count the failed handshakes: $(grep tls_handshake "$tmp/out")"; fi
kill -TERM "$server_pid"
wait "$server_pid"
server_pid=
cp "$tmp/access.log" "$tmp/out"
contains "the access log has the failed handshakes" out '"event":"tls_handshake_failed"'
contains "with a reason" out '"last_reason":"'
contains "and the failed reload" out '"event":"tls_load_failed"'

# Refusals under TLS: a connection past --client-connections is closed at accept without a
# word (no plain-text 429 into a TLS client); a request past --client-rate gets its 429 over TLS.
"$COVCHECK" serve --rules rules/acme --port 0 --client-connections 1 --client-rate 1 --client-burst 1 \
  --tls-cert "$tmp/first.crt" --tls-key "$tmp/first.key" --access-log "$tmp/access2.log" 2>"$tmp/server2.err" &
server_pid=$!
url=$(server_url "$tmp/server2.err")
port=${url##*:}
python3 - "$port" "$tmp/first.crt" >"$tmp/out" <<'PY' &
import socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
with ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5), server_hostname="127.0.0.1"):
    print("held", flush=True)
    time.sleep(1.5)
PY
holder=$!
for _ in $(seq 1 50); do grep -q held "$tmp/out" && break; sleep 0.05; done
# A raw connection: the refusal is the connection closing, with not one byte sent.
python3 - "$port" >"$tmp/code" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
try:
    got = s.recv(4096)
    print("closed" if got == b"" else "bytes: %r" % got[:40])
except OSError as e:
    print("closed" if isinstance(e, ConnectionResetError) else "error: %s" % e)
PY
if [[ "$(cat "$tmp/code")" == closed ]]; then pass; else fail "a connection past --client-connections: $(cat "$tmp/code")"; fi
wait "$holder"
sleep 0.3
tcurl -w '%{http_code} ' -o /dev/null "$url/healthz" -o "$tmp/body" "$url/v1/schema" >"$tmp/out"
contains "a request past --client-rate is 429, over TLS" out "200 429 "
cp "$tmp/body" "$tmp/out"
contains "with its JSON body" out '"error":"too_many_requests"'
kill -TERM "$server_pid"
wait "$server_pid"
server_pid=
finish
