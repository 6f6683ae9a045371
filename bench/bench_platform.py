"""Platform benchmark: a fleet of terminals uploading to `serve --workers N`, PostgreSQL vs SQLite.

    .venv/bin/python -m bench platform                        # 1,000 terminals x 100 events, batches of 50
    .venv/bin/python -m bench platform --terminals 200 --quick

For each backend, in the same run: a fresh platform (`venue-issuer serve --workers 2` on
127.0.0.1, a child process; PostgreSQL in a throwaway cluster of its own, fsync on, like SQLite's
synchronous=FULL), N terminals enrolled, each with its own token and a chain of mixed events
(issuer.testing.chained_events; generated and encoded before the clock starts). Then asyncio
clients on loopback (at most --concurrency terminals at once, one keep-alive connection each)
upload every terminal's chain in order, batch after batch. Reported: events/s over the wall time,
p50/p99 request latency, the server's peak RSS (VmHWM summed over the supervisor and its
workers), and the checks: every event accepted once (0 lost, 0 duplicated, 0 rejected), the
database's count, every terminal's chain intact.

A second table compares the storage paths alone (no HTTP): Platform.store_events for 500-event
batches on each backend, and on PostgreSQL the COPY path against plain executemany.

Goal (issue 14): at least 5,000 events/s on PostgreSQL with p99 under 500 ms on this 2-core machine.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

GOAL_EPS, GOAL_P99_MS = 5000.0, 500.0


def _vmhwm_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def server_peak_rss(pid: int) -> float:
    import psutil
    try:
        procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return 0.0
    return sum(_vmhwm_mb(p.pid) for p in procs)


async def _post(reader, writer, host: str, token: str, body: bytes) -> tuple[int, bytes]:
    writer.write(f"POST /v1/scan-events HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
                 f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    return status, await reader.readexactly(length)


async def _fleet(url: str, work: list[tuple[str, str, list[bytes]]], concurrency: int) -> tuple[list[float], dict]:
    host, port = url.split("//")[1].split(":")
    sem = asyncio.Semaphore(concurrency)
    lat: list[float] = []
    tally = {"accepted": 0, "duplicates": 0, "rejected": 0, "errors": 0, "accepted_ids": set()}

    async def terminal(tid: str, token: str, bodies: list[bytes]) -> None:
        async with sem:
            reader, writer = await asyncio.open_connection(host, int(port))
            try:
                for body in bodies:
                    t0 = time.perf_counter()
                    status, raw = await _post(reader, writer, host, token, body)
                    lat.append(time.perf_counter() - t0)
                    if status != 200:
                        tally["errors"] += 1
                        continue
                    ans = json.loads(raw)
                    tally["accepted"] += len(ans["accepted"])
                    tally["duplicates"] += len(ans["duplicates"])
                    tally["rejected"] += len(ans["rejected"])
                    tally["accepted_ids"].update(ans["accepted"])
            finally:
                writer.close()

    await asyncio.gather(*(terminal(*w) for w in work))
    return lat, tally


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def run_backend(name: str, tmp: Path, args, pg) -> dict:
    from issuer.platform import Platform
    from issuer.testing import chained_events, start_server
    init = {}
    if name == "postgresql":
        init = {"db": pg.new_schema("bench"), "password_file": pg.password_file}
    plat, _ = Platform.init(tmp / f"plat-{name}", **init)
    rng = random.Random(14)
    work = []
    start_ms = int(time.time() * 1000) - 86400_000
    for _ in range(args.terminals):
        tid = str(uuid.uuid4())
        token = plat.enrol(plat.add_terminal_code("BENCH-V"), tid)["token"]
        evs = chained_events(tid, "BENCH-V", [start_ms + i * 1000 for i in range(args.events)], rng=rng)
        bodies = [json.dumps({"terminal": tid, "events": evs[i:i + args.batch]}, ensure_ascii=False).encode()
                  for i in range(0, len(evs), args.batch)]
        work.append((tid, token, bodies))
    h = start_server(tmp / f"plat-{name}", workers=args.workers, timeout=60, test_faults=False)
    try:
        t0 = time.perf_counter()
        try:
            lat, tally = asyncio.run(_fleet(h.url, work, args.concurrency))
        except OSError:
            print(h.stderr_path.read_text(errors="replace")[-3000:])
            raise
        wall = time.perf_counter() - t0
        rss = server_peak_rss(h.pid)
    finally:
        h.stop()
    total = args.terminals * args.events
    stored = plat.store.read("SELECT count(*), count(DISTINCT id) FROM events")[0]
    fleet = plat.terminals()
    intact = sum(1 for t in fleet if t.breaks == 0 and t.events == args.events)
    return {"backend": name, "events": total, "wall": wall, "eps": total / wall, "p50": _pct(lat, 50) * 1000,
            "p99": _pct(lat, 99) * 1000, "rss": rss, "requests": len(lat),
            "lost": total - len(tally["accepted_ids"]), "dup": tally["accepted"] - len(tally["accepted_ids"]),
            "rejected": tally["rejected"], "errors": tally["errors"], "stored": stored[0],
            "stored_distinct": stored[1], "intact": intact, "terminals": len(fleet)}


def storage_paths(tmp: Path, pg, batches: int, size: int = 500) -> list[tuple[str, float]]:
    """Events/s of the storage paths alone, 500-event batches, one terminal per batch."""
    from issuer.platform import Platform, _event_row
    from issuer.testing import chained_events
    rng = random.Random(7)
    out = []
    for name in ("sqlite", "postgresql"):
        init = {} if name == "sqlite" else {"db": pg.new_schema(f"paths_{name}"), "password_file": pg.password_file}
        plat, _ = Platform.init(tmp / f"paths-{name}", **init)
        work = []
        for _ in range(batches):
            tid = str(uuid.uuid4())
            plat.enrol(plat.add_terminal_code("P"), tid)
            work.append((tid, chained_events(tid, "P", [1_790_000_000_000 + i for i in range(size)], rng=rng)))
        t0 = time.perf_counter()
        for tid, evs in work:
            assert len(plat.store_events(tid, evs).accepted) == size
        out.append((f"{name}: Platform.store_events (checks, chain, insert)", batches * size / (time.perf_counter() - t0)))
        if name == "postgresql":
            from issuer.store import EVENT_COLUMNS
            rows = [[_event_row(tid, 0, {**e, "id": str(uuid.uuid4())}) for e in evs] for tid, evs in work]
            sql = (f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))}) "
                   "ON CONFLICT (id) DO NOTHING")
            for label, fn in (("postgresql: insert only, COPY + INSERT ... RETURNING", plat.store.insert_events),
                              ("postgresql: insert only, executemany ON CONFLICT", lambda c, r: c.executemany(sql, r))):
                batch_rows = [[(str(uuid.uuid4()), *r[1:]) for r in b] for b in rows]
                t0 = time.perf_counter()
                for b in batch_rows:
                    with plat.store.tx() as c:
                        fn(c, b)
                out.append((label, batches * size / (time.perf_counter() - t0)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--terminals", type=int, default=1000)
    ap.add_argument("--events", type=int, default=100, help="events per terminal")
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=32, help="terminals uploading at the same time")
    ap.add_argument("--quick", action="store_true", help="200 terminals, fewer storage batches")
    args = ap.parse_args()
    if args.quick:
        args.terminals = min(args.terminals, 200)

    from issuer import store
    from issuer.testing import PgCluster
    pg = PgCluster.start(fsync=True, max_connections=100)
    os.environ.setdefault("VENUE_ISSUER_DB_POOL", "8")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            results = [run_backend(b, tmp, args, pg) for b in ("postgresql", "sqlite")]
            paths = storage_paths(tmp, pg, 10 if args.quick else 40)
            store.close_stores()
    finally:
        pg.stop()

    print(f"{args.terminals} terminals x {args.events} events, batches of {args.batch}, serve --workers "
          f"{args.workers}, {args.concurrency} terminals at once, loopback, {os.cpu_count()} cores")
    print(f"{'backend':<11} {'events':>7} {'wall s':>7} {'events/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'RSS MB':>7} "
          f"{'lost':>5} {'dup':>4} {'rej':>4} {'err':>4} {'stored':>7} {'chains ok':>10}")
    for r in results:
        print(f"{r['backend']:<11} {r['events']:>7} {r['wall']:>7.1f} {r['eps']:>9.0f} {r['p50']:>7.1f} {r['p99']:>7.1f} "
              f"{r['rss']:>7.0f} {r['lost']:>5} {r['dup']:>4} {r['rejected']:>4} {r['errors']:>4} {r['stored']:>7} "
              f"{r['intact']:>5}/{r['terminals']}")
    pgr = results[0]
    ok = pgr["eps"] >= GOAL_EPS and pgr["p99"] <= GOAL_P99_MS
    print(f"goal (PostgreSQL): >= {GOAL_EPS:.0f} events/s and p99 <= {GOAL_P99_MS:.0f} ms: "
          f"{'met' if ok else 'NOT met'} ({pgr['eps']:.0f} events/s, p99 {pgr['p99']:.0f} ms)")
    print(f"\n{'storage path (no HTTP), 500-event batches':<58} {'events/s':>9}")
    for label, eps in paths:
        print(f"{label:<58} {eps:>9.0f}")
    print("reference (environment notes, this machine kind): COPY + INSERT ... ON CONFLICT about 18k/s, "
          "executemany about 11k/s")


if __name__ == "__main__":
    main()
