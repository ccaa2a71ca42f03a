#!/usr/bin/env bash
# Two `serve --bundle` replicas behind nginx (Debian's, started in the foreground on loopback
# with a config of its own) under load, while first one replica and then the other swaps to
# the next bundle version on SIGHUP: not one request may fail. In between, the replicas
# report different digests in /readyz, which is what a load balancer drains on
# (docs/deploy.md). Load: wrk when installed, else a curl loop.
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh" "$@"
nginx=$(command -v nginx || echo /usr/sbin/nginx)
if [[ ! -x "$nginx" ]] || ! command -v curl >/dev/null; then
  # tools/setup.sh installs nginx: in CI its absence is a failure.
  if [[ -n "${CI:-}" ]]; then echo "FAIL: nginx (or curl) is not installed; tools/setup.sh installs it"; exit 1; fi
  echo "SKIP: nginx is not installed (apt-get install nginx; tools/setup.sh does)"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib/bundles.sh"

# The replicas, each reading its own copy of the bundle so that each can be swapped alone.
urls=()
for r in a b; do
  cp "$tmp/v1.tar" "$tmp/$r.tar"
  "$COVCHECK" serve --bundle "$tmp/$r.tar" --port 0 --threads 4 2>"$tmp/$r.err" &
  pids+=("$!")
  declare "pid_$r=$!"
  urls+=("$(server_url "$tmp/$r.err")")
done
for u in "${urls[@]}"; do wait_digest "$u" "$v1" && pass || fail "replica $u serves the first version"; done

# nginx in front: round robin, keep-alive to the replicas, no retry hiding a failure.
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/nginx"
{
  [[ "$(id -u)" == 0 ]] && echo "user root;"  # the workers must reach the scratch folder
  cat <<CONF
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 256; }
http {
  access_log $tmp/nginx/access.log;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  upstream covcheck {
    server ${urls[0]#http://};
    server ${urls[1]#http://};
    keepalive 16;
  }
  server {
    listen 127.0.0.1:$port;
    location / {
      proxy_pass http://covcheck;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream off;
    }
  }
}
CONF
} >"$tmp/nginx/nginx.conf"
"$nginx" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -g 'daemon off;' 2>"$tmp/nginx/stderr" &
pids+=("$!")
lb="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -s -o /dev/null "$lb/healthz" && break; sleep 0.1; done
if [[ "$(curl -s -o /dev/null -w '%{http_code}' "$lb/healthz")" == 200 ]]; then pass; else
  fail "nginx answers on $lb"
  cat "$tmp/nginx/stderr" "$tmp/nginx/error.log" 2>/dev/null | head -5
fi

# The load, in the background: 4 s of POST /v1/check through nginx.
case_file=rules/acme/cases/esk-covered.yaml
if command -v wrk >/dev/null; then
  { printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/yaml"\nwrk.body = [==[\n'
    cat "$case_file"
    printf ']==]\n'; } >"$tmp/post.lua"
  wrk -t1 -c4 -d4s -s "$tmp/post.lua" "$lb/v1/check" >"$tmp/load.out" 2>&1 &
else
  end=$((SECONDS + 4))
  (while ((SECONDS < end)); do
    curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/yaml' --data-binary @"$case_file" "$lb/v1/check"
  done >"$tmp/load.out") &
fi
load=$!

# Replica a swaps to the second version while the load runs; the two digests differ (what a
# load balancer drains on); then replica b follows.
sleep 1
swap_in "$tmp/v2.tar" "$tmp/a.tar"
kill -HUP "$pid_a"
wait_digest "${urls[0]}" "$v2" && pass || fail "replica a swaps to the second version under load"
curl -s "${urls[1]}/readyz" | grep -qF "\"digest\":\"$v1\"" && pass || fail "replica b still reports the first version"
sleep 1
swap_in "$tmp/v2.tar" "$tmp/b.tar"
kill -HUP "$pid_b"
wait_digest "${urls[1]}" "$v2" && pass || fail "replica b swaps too"
wait "$load"

# Zero failed requests: every answer a 200, and there were answers.
if command -v wrk >/dev/null; then
  requests=$(grep -o '[0-9]* requests in' "$tmp/load.out" | cut -d' ' -f1)
  if grep -q 'Non-2xx\|Socket errors' "$tmp/load.out"; then fail "wrk saw failures"; cat "$tmp/load.out"; else pass; fi
else
  requests=$(wc -l <"$tmp/load.out")
  if grep -qv '^200$' "$tmp/load.out"; then fail "a request failed: $(grep -v '^200$' "$tmp/load.out" | sort | uniq -c)"; else pass; fi
fi
if ((${requests:-0} > 20)); then pass; else fail "the load ran ($requests requests)"; fi
# wrk closes its 4 connections when its time is up: the requests then in flight are logged 499
# (the client went away), not failures; any other status is one.
if [[ -n "$(awk '$9 != 200 && $9 != 499' "$tmp/nginx/access.log")" ]]; then
  fail "nginx logged a failed request: $(awk '$9 != 200 && $9 != 499' "$tmp/nginx/access.log" | head -3)"
else
  pass
fi
if (($(awk '$9 == 499' "$tmp/nginx/access.log" | wc -l) <= 4)); then pass; else fail "more clients went away than wrk has connections"; fi
# Both versions answered through nginx: the answers' bundle key changed under the load.
curl -s -H 'Content-Type: application/yaml' --data-binary @"$case_file" "$lb/v1/check" |
  grep -qF "\"bundle\":{\"digest\":\"$v2\",\"version\":\"2026.2\"}" && pass || fail "answers through nginx name the second version"
echo "($requests requests through nginx during the swaps)"

finish
