"""Store benchmark: revocation lookups at 10 million entries, a 100k delta, outbox appends.

    .venv/bin/python -m bench.bench_stores                    # 10 M entries (first run builds ~1-2 min)
    .venv/bin/python -m bench.bench_stores --entries 100000   # quick run
    .venv/bin/python -m bench.bench_stores --crash-kills 200  # also a SIGKILL soak of the outbox

The revocation database is built once per entry count through the real API
(`RevocationStore.apply_full` over a generator, one transaction) and cached under
bench/out/ (gitignored), so reruns only measure. Keys are uniform random 16-byte values
generated in sorted order (as the platform sends them): key i = i * (2^128 / N) + an offset
taken from SHA-256(i), so any key can be regenerated for "hit" lookups without storing them.

Printed: build time and database size; lookup latency p50/p99/max in microseconds
(hits and misses, each timed around one `contains()` call, after 2,000 warm-up lookups;
the first 1,000 lookups after opening are reported separately); time to apply a delta
(100k removed + 100k added) and its inverse; outbox append rate with synchronous=FULL
(the shipped setting) and NORMAL (for comparison); verify_chain rate. Goal: lookup p99 < 100 µs.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import statistics
import sys
import time
import uuid
from pathlib import Path

from cache import Store

OUT = Path(__file__).resolve().parent / "out"
GOAL_P99_US = 100.0


def key_at(i: int, n: int) -> bytes:
    bucket = (1 << 128) // n
    offset = int.from_bytes(hashlib.sha256(i.to_bytes(8, "big")).digest()[:16], "big") % bucket
    return (i * bucket + offset).to_bytes(16, "big")


def keys(n: int):
    bucket = (1 << 128) // n
    sha = hashlib.sha256
    for i in range(n):
        yield (i * bucket + int.from_bytes(sha(i.to_bytes(8, "big")).digest()[:16], "big") % bucket).to_bytes(16, "big")


def db_size(home: Path) -> int:
    return sum(p.stat().st_size for p in home.glob("terminal.db*"))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def human(nbytes: int) -> str:
    return f"{nbytes / 1e6:.1f} MB"


def build(n: int, rebuild: bool) -> tuple[Path, float | None]:
    home = OUT / f"revocations-{n}"
    if home.exists() and not rebuild:
        with Store.open(home) as s:
            if s.revocations.count() == n and s.state.get_state("bench_entries") == n:
                return home, None
    shutil.rmtree(home, ignore_errors=True)
    t0 = time.perf_counter()
    with Store.open(home) as s:
        s.state.set_state("bench_entries", None)
        s.revocations.apply_full(seq=1, next=None, iat=None, entries=keys(n))
        s.state.set_state("bench_entries", n)
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return home, time.perf_counter() - t0


def time_lookups(store: Store, probes: list[bytes]) -> list[float]:
    contains = store.revocations.contains
    clock = time.perf_counter_ns
    out = []
    for key in probes:
        t0 = clock()
        contains(key)
        out.append((clock() - t0) / 1000)
    return out


def bench_revocations(n: int, lookups: int, rebuild: bool, rows: list[tuple[str, str, str]]) -> None:
    home, built = build(n, rebuild)
    rows.append(("revocation entries", f"{n:,}", ""))
    rows.append(("build (apply_full, one transaction)", f"{built:.1f} s" if built is not None else "cached", ""))
    rows.append(("database size", human(db_size(home)), ""))
    rng = random.Random(1)
    with Store.open(home) as s:
        first = time_lookups(s, [key_at(rng.randrange(n), n) if i % 2 else os.urandom(16) for i in range(1000)])
        time_lookups(s, [key_at(rng.randrange(n), n) for _ in range(2000)])  # warm-up
        hits_keys = [key_at(rng.randrange(n), n) for _ in range(lookups // 2)]
        miss_keys = [os.urandom(16) for _ in range(lookups // 2)]
        assert all(s.revocations.contains(k) for k in hits_keys[:100]), "hit keys must be present"
        hits, misses = time_lookups(s, hits_keys), time_lookups(s, miss_keys)
        both = hits + misses
        p99 = pct(both, 99)
        rows.append(("lookup, first 1000 after open: p50 / p99", f"{pct(first, 50):.1f} / {pct(first, 99):.1f} µs", ""))
        rows.append((f"lookup hit ({len(hits):,}): p50 / p99 / max",
                     f"{pct(hits, 50):.1f} / {pct(hits, 99):.1f} / {max(hits):.0f} µs", ""))
        rows.append((f"lookup miss ({len(misses):,}): p50 / p99 / max",
                     f"{pct(misses, 50):.1f} / {pct(misses, 99):.1f} / {max(misses):.0f} µs", ""))
        rows.append(("lookup all: p50 / p99", f"{pct(both, 50):.1f} / {p99:.1f} µs",
                     f"p99 < {GOAL_P99_US:.0f} µs: {'PASS' if p99 < GOAL_P99_US else 'FAIL'}"))
        rows.append(("lookups per second (one thread)", f"{len(both) / (sum(both) / 1e6):,.0f}", ""))

        d = min(100_000, n // 2)
        removed = sorted(rng.sample(range(n), d))
        remove = [key_at(i, n) for i in removed]
        add = sorted(os.urandom(16) for _ in range(d))
        seq = s.revocations.seq()
        t0 = time.perf_counter()
        meta = s.revocations.apply_delta(seq, seq + 1, None, None, add=add, remove=remove)
        t_delta = time.perf_counter() - t0
        assert meta.count == n and not s.revocations.contains(remove[0]) and s.revocations.contains(add[0])
        t0 = time.perf_counter()
        s.revocations.apply_delta(seq + 1, seq + 2, None, None, add=remove, remove=add)  # restore the cache
        t_inverse = time.perf_counter() - t0
        assert s.revocations.count() == n
        rows.append((f"apply_delta: {d:,} removed + {d:,} added", f"{t_delta:.2f} s", ""))
        rows.append(("apply_delta: the inverse (restores the cached db)", f"{t_inverse:.2f} s", ""))
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def bench_outbox(events: int, rows: list[tuple[str, str, str]]) -> None:
    for sync in ("FULL", "NORMAL"):
        home = OUT / f"outbox-{sync.lower()}"
        shutil.rmtree(home, ignore_errors=True)
        with Store.open(home) as s:
            s.conn.execute(f"PRAGMA synchronous = {sync}")
            per = []
            t_all = time.perf_counter()
            for i in range(events):
                ev = {"terminal": "T-bench", "venue": "V-bench", "mode": "gate", "profile": "EZ1",
                      "typ": "resident", "valid": i % 4 != 0, "reason": "ok" if i % 4 else "expired",
                      "issuer": "0a0b0c0d", "holder_ref": uuid.uuid4().hex, "policy": "default"}
                t0 = time.perf_counter()
                s.outbox.append(ev)
                per.append((time.perf_counter() - t0) * 1000)
            total = time.perf_counter() - t_all
            label = "shipped" if sync == "FULL" else "comparison only"
            rows.append((f"outbox append, synchronous={sync} ({label})",
                         f"{events / total:,.0f} events/s (p50 {statistics.median(per):.2f} ms, "
                         f"p99 {pct(per, 99):.2f} ms)", ""))
            if sync == "FULL":
                t0 = time.perf_counter()
                ok, problem = s.outbox.verify_chain()
                t_verify = time.perf_counter() - t0
                assert ok, problem
                rows.append((f"verify_chain over {events:,} events", f"{t_verify * 1000:.0f} ms "
                             f"({events / t_verify:,.0f} events/s)", ""))
        shutil.rmtree(home, ignore_errors=True)


def crash_soak(kills: int, rows: list[tuple[str, str, str]]) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "cache"))
    import test_crash  # noqa: E402 - the test's own kill loop, run longer

    home = OUT / "crash"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    test_crash.KILLS = kills
    t0 = time.perf_counter()
    test_crash.test_outbox_survives_sigkill(home)  # raises AssertionError with the round and seed
    with Store.open(home / "home") as s:
        held = s.outbox.counts().total
    rows.append((f"SIGKILL soak: {kills} kills", f"ok, {held:,} events held, chain verifies "
                 f"({time.perf_counter() - t0:.0f} s)", ""))
    shutil.rmtree(home, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=int, default=10_000_000, help="revocation entries (default 10,000,000)")
    ap.add_argument("--lookups", type=int, default=200_000, help="timed lookups, half hits (default 200,000)")
    ap.add_argument("--events", type=int, default=1000, help="outbox appends to time (default 1000)")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the cached revocation database")
    ap.add_argument("--crash-kills", type=int, default=0, help="also run the SIGKILL soak with this many kills")
    args = ap.parse_args(argv)
    if args.entries < 2:
        ap.error("--entries must be at least 2")
    OUT.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str, str]] = []
    bench_revocations(args.entries, args.lookups, args.rebuild, rows)
    bench_outbox(args.events, rows)
    if args.crash_kills:
        crash_soak(args.crash_kills, rows)
    import sqlite3
    print(f"\nStore benchmark (SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, db under {OUT})\n")
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    print(f"{'measure':<{w0}}  {'value':<{w1}}  goal")
    print(f"{'-' * w0}  {'-' * w1}  {'-' * 20}")
    for name, value, goal in rows:
        print(f"{name:<{w0}}  {value:<{w1}}  {goal}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
