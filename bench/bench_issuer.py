"""Reference-platform benchmark: minting, world building, and the API under a real server.

    .venv/bin/python -m bench.bench_issuer [--revoked 500] [--requests 200]

Prints one table: operation, n, total time, per-item time (median for HTTP requests). The
server is `venue-issuer serve` on 127.0.0.1 (a child process); the client is requests with a
keep-alive session, so the numbers are per-request service time, not TCP setup.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path


def timed(fn, n: int = 1) -> float:
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--revoked", type=int, default=500)
    ap.add_argument("--requests", type=int, default=200)
    a = ap.parse_args()

    import requests

    from issuer.platform import Platform
    from issuer.testing import start_server
    from issuer.world import build_world

    rows: list[tuple[str, int, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        plat, _ = Platform.init(tmp / "plat")
        rows.append(("init (keys, first trust data)", 1, time.perf_counter() - t, time.perf_counter() - t))
        for kind, kw in (("mint resident EZ1", {}), ("mint resident EP1 (dynamic)", {"dynamic": True}),
                         ("mint enterprise EZ1", {})):
            n = 200
            typ = "enterprise" if "enterprise" in kind else "resident"
            dt = timed(lambda: plat.mint(typ, count=n, **kw))
            rows.append((kind, n, dt, dt / n))
        minted = plat.mint("resident", count=a.revoked)
        t = time.perf_counter()
        for m in minted:
            plat.revoke(m.cti)
        dt = time.perf_counter() - t
        rows.append((f"revoke (re-signs the full list, up to {a.revoked})", a.revoked, dt, dt / a.revoked))
        for images in (False, True):
            dt = timed(lambda: build_world(tmp / f"world-{images}", "bench", images=images))
            rows.append((f"build_world ({'with' if images else 'no'} PNGs)", 1, dt, dt))

        t = time.perf_counter()
        h = start_server(tmp / "plat")
        rows.append(("server start (until the URL line)", 1, time.perf_counter() - t, time.perf_counter() - t))
        s = requests.Session()
        s.headers.update(h.auth)
        s.get(h.url + "/v1/trust-list").raise_for_status()
        seq = plat.document("revocations").seq

        def lat(method, path, n, **kw):
            out = []
            for _ in range(n):
                t0 = time.perf_counter()
                r = s.request(method, h.url + path, timeout=30, **(kw() if callable(kw.get("json")) else kw))
                r.raise_for_status()
                out.append(time.perf_counter() - t0)
            return out

        def batch():
            return {"json": {"terminal": "T-bench", "events": [
                {"id": str(uuid.uuid4()), "ts": "2026-11-29T03:00:00Z", "terminal": "T-bench", "venue": "V",
                 "mode": "gate", "valid": True, "reason": "ok", "hash": "a" * 64} for _ in range(500)]}}

        for label, method, path, n in (("GET /v1/trust-list", "GET", "/v1/trust-list", a.requests),
                                       (f"GET /v1/revocations full ({a.revoked} entries)", "GET",
                                        "/v1/revocations?since=0", a.requests),
                                       ("GET /v1/revocations delta (last 10 changes)", "GET",
                                        f"/v1/revocations?since={seq - 10}", a.requests)):
            xs = lat(method, path, n)
            rows.append((label, n, sum(xs), statistics.median(xs)))
        xs = []
        for _ in range(20):
            body = batch()
            t0 = time.perf_counter()
            s.post(h.url + "/v1/scan-events", timeout=30, **body).raise_for_status()
            xs.append(time.perf_counter() - t0)
        rows.append(("POST /v1/scan-events (500 events, committed)", 20, sum(xs), statistics.median(xs)))
        h.stop()

    print(f"{'operation':<52} {'n':>6} {'total s':>9} {'per item ms':>12}")
    for label, n, total, per in rows:
        print(f"{label:<52} {n:>6} {total:>9.3f} {per * 1000:>12.3f}")


if __name__ == "__main__":
    main()
