"""Sync benchmark: upload 100k queued scan events to the local reference platform.

    .venv/bin/python -m bench.bench_sync                   # 100k events, batch 500
    .venv/bin/python -m bench.bench_sync --events 20000 --batch 100 500 1000

For each batch size: a fresh platform (`venue-issuer serve` on 127.0.0.1, a child
process) and a fresh enrolled terminal home whose outbox is filled with N events
(realistic fields, hash-chained by cache.outbox; the fill is not timed and runs with
synchronous=OFF to save time). Then a separate terminal process runs
`Syncer(home).upload_events(batch_size)`; it reports the wall time and its peak RSS
(VmHWM of the whole process: Python, requests, SQLite page cache) at the end of the upload.
Afterwards the platform's event count and the terminal's chain are checked.

Goals (issue 4): 100k events in < 60 s with < 300 MB RSS.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench._common import peak_rss_mb

REPO = Path(__file__).resolve().parents[1]
GOAL_S, GOAL_MB = 60.0, 300.0


def fill(home: Path, n: int, terminal: str, venue: str) -> None:
    from cache import Store
    from cache.outbox import rfc3339
    with Store.open(home) as store:
        store.conn.execute("PRAGMA synchronous = OFF")      # setup only; the upload runs with FULL
        t0 = time.time() - n * 0.01
        reasons = ("ok", "ok", "ok", "ok", "expired", "revoked", "unknown_format", "bad_signature")
        for i in range(n):
            reason = reasons[i % len(reasons)]
            store.outbox.append({
                "id": str(uuid.uuid4()), "ts": rfc3339(t0 + i * 0.01), "terminal": terminal, "venue": venue,
                "mode": "gate", "profile": "EZ1" if reason != "unknown_format" else None,
                "typ": "resident" if reason != "unknown_format" else None, "valid": reason == "ok",
                "reason": reason, "issuer": "e792bc58d23e9143" if reason != "unknown_format" else None,
                "holder_ref": secrets.token_hex(16) if reason != "unknown_format" else None,
                "policy": "default"})


def upload_child(home: str, batch: int) -> None:
    """Runs in its own process: upload everything, print time and peak RSS as JSON."""
    from terminal.sync import Syncer
    rss0 = peak_rss_mb()
    with Syncer(home, retain_days=None) as s:
        t0 = time.perf_counter()
        up = s.upload_events(batch_size=batch)
        elapsed = time.perf_counter() - t0
        rss = peak_rss_mb()
        ok, problem = s.store.outbox.verify_chain()
    print(json.dumps({"seconds": elapsed, "rss_mb": rss, "rss_start_mb": rss0, "uploaded": up.uploaded,
                      "duplicates": up.duplicates, "batches": up.batches, "pending": up.pending,
                      "chain_ok": ok, "problem": problem}))


def run_one(n: int, batch: int, tmp: Path) -> dict:
    from cache import Identity, Store
    from issuer.platform import Platform
    plat, _ = Platform.init(tmp / f"platform-{batch}")
    server = subprocess.Popen([sys.executable, "-m", "issuer.cli", "serve", str(plat.root), "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    try:
        url = json.loads(server.stdout.readline())["url"]
        home = tmp / f"home-{batch}"
        with Store.open(home) as store:
            store.identity.save_identity(Identity(
                terminal_id="T-bench", venue_id="V-bench", platform_url=url, token=plat.token,
                venue_secret=os.urandom(32), root_key_pem=plat.root_pem_path.read_bytes()))
        t0 = time.perf_counter()
        fill(home, n, "T-bench", "V-bench")
        fill_s = time.perf_counter() - t0
        out = subprocess.run([sys.executable, "-m", "bench.bench_sync", "--child", str(home), "--batch", str(batch)],
                             capture_output=True, text=True, cwd=REPO, check=True)
        res = json.loads(out.stdout.strip().splitlines()[-1])
        res["fill_s"] = fill_s
        res["server_events"] = len(plat.events())
        return res
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()
        server.stderr.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--batch", type=int, nargs="+", default=[500])
    ap.add_argument("--child", metavar="HOME", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        upload_child(args.child, args.batch[0])
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for batch in args.batch:
            rows.append((batch, run_one(args.events, batch, Path(tmp))))
    print(f"Upload of {args.events} queued scan events to the local platform (venue-issuer serve, 127.0.0.1)")
    print(f"{'batch':>6} {'requests':>8} {'time s':>8} {'events/s':>9} {'peak RSS MB':>12} "
          f"{'server holds':>12} {'chain':>6} {'goal':>5}")
    ok_all = True
    for batch, r in rows:
        ok = (r["seconds"] < GOAL_S and r["rss_mb"] < GOAL_MB and r["server_events"] == args.events
              and r["uploaded"] == args.events and r["pending"] == 0 and r["chain_ok"])
        ok_all &= ok
        print(f"{batch:>6} {r['batches']:>8} {r['seconds']:>8.1f} {args.events / r['seconds']:>9.0f} "
              f"{r['rss_mb']:>12.0f} {r['server_events']:>12} {'ok' if r['chain_ok'] else 'BROKEN':>6} "
              f"{'PASS' if ok else 'FAIL':>5}")
    print(f"(peak RSS of the uploading terminal process; {rows[0][1]['rss_start_mb']:.0f} MB after imports. "
          f"outbox fill, not timed: {rows[0][1]['fill_s']:.0f} s)")
    print(f"goals: < {GOAL_S:.0f} s and < {GOAL_MB:.0f} MB for 100k events")
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
