#!/usr/bin/env python3
# Loopback attackers and a legitimate client for the serve defence tests (tests/e2e/shield_*.sh):
# slow-loris connections, a request flood, many big pending cases at once, and a probe that
# measures the latency of /healthz and /v1/check from 127.0.0.1. Attackers bind distinct
# loopback sources (127.0.0.2, ...) so per-client limits can tell them from the probe.
# Each mode prints one JSON object of what it saw; the shell test judges it.
import argparse, json, resource, selectors, socket, sys, threading, time

def raise_file_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

def source(first, count, i):
    n = first + i % count
    return "127.0.%d.%d" % (n // 256, n % 256)

def connect(port, src=None, timeout=10):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if src:
        s.bind((src, 0))
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    return s

class Reader:
    """Reads HTTP/1.1 answers (Content-Length or chunked) from a socket."""
    def __init__(self, sock):
        self.sock, self.buf = sock, b""
    def _more(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed")
        self.buf += data
    def _until(self, sep):
        while sep not in self.buf:
            self._more()
        at = self.buf.index(sep)
        out, self.buf = self.buf[:at], self.buf[at + len(sep):]
        return out
    def _take(self, n):
        while len(self.buf) < n:
            self._more()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out
    def answer(self):
        head = self._until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        status = int(head[0].split(" ")[1])
        headers = {}
        for line in head[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self._until(b"\r\n").split(b";")[0], 16)
                if size == 0:
                    self._until(b"\r\n")
                    break
                body += self._take(size)
                self._take(2)
        else:
            body = self._take(int(headers.get("content-length", "0")))
        return status, headers, body

def request_bytes(method, path, body=b"", ctype="application/json"):
    head = "%s %s HTTP/1.1\r\nHost: x\r\n" % (method, path)
    if method == "POST":
        head += "Content-Type: %s\r\nContent-Length: %d\r\n" % (ctype, len(body))
    return head.encode() + b"\r\n" + body

def percentile(values, p):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]

def slowloris(a):
    """Opens connections that send a request head one byte at a time and never finish it;
    records how long after its connect each one is closed by the server."""
    raise_file_limit()
    sel = selectors.DefaultSelector()
    conns = []
    start = time.monotonic()
    for i in range(a.connections):
        s = connect(a.port, source(a.first_source, a.sources, i))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        s.setblocking(False)
        c = {"sock": s, "opened": time.monotonic(), "closed": None}
        conns.append(c)
        sel.register(s, selectors.EVENT_READ, c)
    if a.ready:
        open(a.ready, "w").write("%d\n" % len(conns))
    end = time.monotonic() + a.seconds  # from the moment all are open
    next_drip = time.monotonic()
    while time.monotonic() < end:
        now = time.monotonic()
        if now >= next_drip:
            for c in conns:
                if c["closed"] is None:
                    try:
                        c["sock"].send(b"X")  # one byte of a header name that never ends
                    except OSError:
                        c["closed"] = now - c["opened"]
            next_drip = now + a.drip
        for key, _ in sel.select(timeout=0.05):
            c = key.data
            try:
                data = c["sock"].recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data and c["closed"] is None:
                c["closed"] = time.monotonic() - c["opened"]
                sel.unregister(c["sock"])
    closed = [c["closed"] for c in conns if c["closed"] is not None]
    print(json.dumps({"opened": len(conns), "closed": len(closed), "still_open": len(conns) - len(closed),
                      "first_close": min(closed) if closed else None, "last_close": max(closed) if closed else None,
                      "connect_seconds": round(conns[-1]["opened"] - start, 3) if conns else None}))

def probe(a):
    """The legitimate client: requests from 127.0.0.1, each on a new connection, alternating
    GET /healthz and POST /v1/check; latency includes the connect."""
    case = open(a.case, "rb").read()
    lat, failures = [], []
    end = time.monotonic() + a.seconds if a.seconds else None
    give_up = time.monotonic() + a.give_up  # a server that does not answer must not hang the test
    i = 0
    while ((end is None and i < a.requests) or (end is not None and time.monotonic() < end)) and \
            time.monotonic() < give_up:
        check = i % 2 == 1
        req = request_bytes("POST", "/v1/check", case, "application/yaml") if check else request_bytes("GET", "/healthz")
        t0 = time.monotonic()
        try:
            for attempt in range(10):
                s = connect(a.port, "127.0.0.1", timeout=a.timeout)
                s.sendall(req)
                status, headers, body = Reader(s).answer()
                s.close()
                # A client that honours Retry-After (with --retry) tries again after it.
                if not (a.retry and status == 503 and "retry-after" in headers):
                    break
                time.sleep(int(headers["retry-after"]))
            ok = status == 200 and (not check or b'"decision":"covered"' in body)
            if not ok:
                failures.append("%s %d" % ("check" if check else "healthz", status))
        except OSError as e:
            failures.append("%s %s" % ("check" if check else "healthz", type(e).__name__))
        lat.append(time.monotonic() - t0)
        i += 1
        if a.interval:
            time.sleep(a.interval)
    print(json.dumps({"requests": len(lat), "failures": failures[:10], "failed": len(failures),
                      "p50_ms": round(percentile(lat, 50) * 1000, 2), "p99_ms": round(percentile(lat, 99) * 1000, 2),
                      "max_ms": round(max(lat) * 1000, 2)}))

def flood(a):
    """One client address sending as fast as it can: `depth` pipelined requests in flight
    on each of its connections; counts the answers by status."""
    counts, missing_retry = {}, [0]
    lock = threading.Lock()
    end = time.monotonic() + a.seconds
    req = request_bytes("GET", a.path)
    def one():
        while time.monotonic() < end:
            try:
                s = connect(a.port, a.source)
                r = Reader(s)
                while time.monotonic() < end:
                    s.sendall(req * a.depth)
                    for _ in range(a.depth):
                        status, headers, _ = r.answer()
                        with lock:
                            counts[status] = counts.get(status, 0) + 1
                            if status in (429, 503) and "retry-after" not in headers:
                                missing_retry[0] += 1
                s.close()
            except OSError:
                with lock:
                    counts["closed"] = counts.get("closed", 0) + 1
    threads = [threading.Thread(target=one) for _ in range(a.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"counts": {str(k): v for k, v in counts.items()}, "retry_after_missing": missing_retry[0],
                      "seconds": a.seconds}))

def pending_case(n):
    """An esketamine case with n treatments: an adequate failed SSRI trial, then trials without
    `adequate_dose`, so the case pends on them."""
    items = ['{"name":"t0","class":"ssri","start":"2025-01-10","end":"2025-03-15","adequate_dose":true,"outcome":"failed"}']
    items += ['{"name":"t%06d","class":"snri","start":"2025-01-10","end":"2025-03-15","outcome":"failed"}' % i
              for i in range(1, n)]
    return ('{"id":"big-pending","date_of_service":"2026-03-02",'
            '"patient":{"birth_date":"1987-05-14","sex":"female","state":"NY","pregnant":false},'
            '"plan":{"payer":"Acme Health","type":"commercial","network":"in","riders":[]},'
            '"request":{"service":"esketamine_nasal","hcpcs":["J0013","G2082"],"site":"office","sessions":8,'
            '"period_days":28,"prescriber_specialty":"psychiatry","rems_certified_site":true,"submitted":"2026-03-09"},'
            '"diagnoses":[{"code":"F33.2","primary":true}],"current_medications":[{"name":"bupropion XL","class":"atypical"}],'
            '"assessments":[{"instrument":"phq9","score":21,"date":"2026-02-20"}],'
            '"documents":["letter_of_medical_necessity","treatment_history","rems_enrollment","prior_auth_form"],'
            '"conditions":[],"treatments":[' + ",".join(items) + "]}").encode()

def bigwork(a):
    """`clients` clients at once, each POSTing one big pending case from its own address;
    a 503 is retried after its Retry-After. Every case must come back pending."""
    raise_file_limit()
    body = pending_case(a.elements)
    req = request_bytes("POST", "/v1/check", body)
    results = {"pend": 0, "retries": 0, "failures": []}
    lock = threading.Lock()
    go = threading.Barrier(a.clients)
    deadline = time.monotonic() + a.seconds
    def one(i):
        go.wait()
        while time.monotonic() < deadline:
            try:
                s = connect(a.port, source(a.first_source, a.sources, i), timeout=a.seconds)
                s.sendall(req)
                status, headers, answer = Reader(s).answer()
                s.close()
            except OSError as e:
                with lock:
                    results["failures"].append(type(e).__name__)
                return
            if status == 503 and "retry-after" in headers:
                with lock:
                    results["retries"] += 1
                time.sleep(int(headers["retry-after"]) * (0.5 + (i % 10) / 10.0))
                continue
            with lock:
                if status == 200 and b'"decision":"pend"' in answer:
                    results["pend"] += 1
                else:
                    results["failures"].append("%d %s" % (status, answer[:80]))
            return
        with lock:
            results["failures"].append("not answered in time")
    threads = [threading.Thread(target=one, args=(i,)) for i in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results["failures"] = results["failures"][:10] + ([] if len(results["failures"]) <= 10 else ["..."])
    results["body_bytes"] = len(body)
    print(json.dumps(results))

def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["slowloris", "probe", "flood", "bigwork"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--connections", type=int, default=1)
    p.add_argument("--first-source", type=int, default=2)
    p.add_argument("--sources", type=int, default=200)
    p.add_argument("--source", default="127.0.0.2")
    p.add_argument("--seconds", type=float, default=0)
    p.add_argument("--drip", type=float, default=0.5)
    p.add_argument("--ready")
    p.add_argument("--case")
    p.add_argument("--requests", type=int, default=100)
    p.add_argument("--interval", type=float, default=0)
    p.add_argument("--timeout", type=float, default=5)
    p.add_argument("--give-up", type=float, default=20)
    p.add_argument("--retry", action="store_true")
    p.add_argument("--path", default="/healthz")
    p.add_argument("--depth", type=int, default=8)
    p.add_argument("--clients", type=int, default=10)
    p.add_argument("--elements", type=int, default=1000)
    a = p.parse_args()
    {"slowloris": slowloris, "probe": probe, "flood": flood, "bigwork": bigwork}[a.mode](a)

if __name__ == "__main__":
    main()
