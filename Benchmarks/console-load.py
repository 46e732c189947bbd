#!/usr/bin/env python3
"""Load on the console, for Benchmarks/console-under-load.sh.

  hammer URL SECONDS CONCURRENCY   GETs URL on keep-alive connections for SECONDS (or until
                                   SIGTERM); prints
                                   requests, requests/s and latency p50/p90/p99/max (ms)
  pages URL SECONDS CLIENTS        CLIENTS open dashboards: each holds /api/events open and
                                   fetches the live region (/?fragment=1) after an event, at
                                   most twice a second, as the page's script does
"""
import http.client
import signal
import sys
import threading
import time
from urllib.parse import urlsplit


def connect(url):
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=30), parts.path + ("?" + parts.query if parts.query else "")


def hammer(url, seconds, concurrency):
    latencies, errors, lock = [], [0], threading.Lock()
    end = [time.monotonic() + seconds]
    started = time.monotonic()
    # Told to stop (the job ended): the clients finish their request and the figures are printed.
    signal.signal(signal.SIGTERM, lambda *_: end.__setitem__(0, 0))

    def worker():
        conn, path = connect(url)
        mine = []
        while time.monotonic() < end[0]:
            start = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(response.status)
                mine.append(time.perf_counter() - start)
            except Exception:  # noqa: BLE001 - counted, the connection renewed
                with lock:
                    errors[0] += 1
                conn.close()
                conn, path = connect(url)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        for t in threads:
            t.join(0.2)
    elapsed = time.monotonic() - started
    latencies.sort()
    if not latencies:
        print(f"requests 0 errors {errors[0]}")
        return

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    print(f"requests {len(latencies)} errors {errors[0]} seconds {elapsed:.1f} rps {len(latencies) / elapsed:.0f} "
          f"p50_ms {pct(50):.1f} p90_ms {pct(90):.1f} p99_ms {pct(99):.1f} max_ms {latencies[-1] * 1000:.1f}")


def pages(url, seconds, clients):
    end = time.monotonic() + seconds
    fetched = [0]
    lock = threading.Lock()

    def page():
        events, _ = connect(url)
        events.request("GET", "/api/events", headers={"Accept": "text/event-stream"})
        stream = events.getresponse()
        region, _ = connect(url)
        last = 0.0
        while time.monotonic() < end:
            line = stream.fp.readline()
            if not line:
                break
            if line.startswith(b"event:") and time.monotonic() - last >= 0.5:
                last = time.monotonic()
                region.request("GET", "/?fragment=1")
                region.getresponse().read()
                with lock:
                    fetched[0] += 1
        events.close()

    def report(*_):
        print(f"pages {clients} refreshes {fetched[0]}", flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, report)  # the benchmark stops the pages when the job ends
    threads = [threading.Thread(target=page, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    report()


if __name__ == "__main__":
    mode, url, seconds, count = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    (hammer if mode == "hammer" else pages)(url, seconds, count)
