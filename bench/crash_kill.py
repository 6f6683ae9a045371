"""SIGKILL soak of the scan log: kill a scanning terminal at random moments, N times.

    .venv/bin/python -m bench.crash_kill              # 60 kills, scanners forked from a warm process
    .venv/bin/python -m bench.crash_kill --kills 500 --seed 42
    .venv/bin/python -m bench.crash_kill --spawn      # a fresh interpreter per kill (~0.8 s each)

Each round starts (forks, or with --spawn runs) tests/sync/crash_child.py, which scans codes through an enrolled
terminal (TerminalService.from_home(...).scan) and prints each event id and reason after
scan() returns; the round kills it with SIGKILL after a random delay (0-150 ms after it is
ready). Then the database is reopened and checked: it opens, the hash chain verifies, and
every event whose verdict was returned is held with the same reason. Prints a table and
exits 1 on the first violation. tests/sync/test_crash.py runs the same loop 50 times.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from cache import Store  # noqa: E402
from sync.test_crash import Zygote, enrolled_home, kill_once  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=60)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--spawn", action="store_true",
                    help="start a fresh interpreter per kill (~0.8 s each) instead of forking a warm one")
    args = ap.parse_args(argv)
    seed = args.seed if args.seed is not None else time.time_ns()
    rng = random.Random(seed)
    returned: dict[str, str] = {}
    extra_max = 0
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        home, codes = Path(tmp) / "home", Path(tmp) / "codes.txt"
        enrolled_home(home, codes)
        zygote = None if args.spawn else Zygote(home, codes)
        for n in range(1, args.kills + 1):
            printed = kill_once(home, codes, rng)[0] if zygote is None else zygote.kill_once(rng)
            returned.update(printed)
            with Store.open(home) as store:
                ok, problem = store.outbox.verify_chain()
                held = dict(store.conn.execute("SELECT id, json_extract(body, '$.reason') FROM outbox"))
            lost = [i for i in returned if i not in held]
            wrong = [i for i, r in returned.items() if i in held and held[i] != r]
            extra_max = max(extra_max, len(held) - len(returned))
            if not ok or lost or wrong:
                print(f"FAIL after kill {n} (seed {seed}): chain_ok={ok} {problem or ''} lost={len(lost)} "
                      f"wrong_reason={len(wrong)}")
                return 1
        elapsed = time.perf_counter() - t0
        if zygote is not None:
            zygote.close()
        reasons: dict[str, int] = {}
        for r in held.values():
            reasons[r] = reasons.get(r, 0) + 1
    print(f"SIGKILL soak of the scan log (seed {seed}, {'fresh process' if args.spawn else 'forked scanner'} per kill)")
    print(f"{'kills':>24} {args.kills}")
    print(f"{'time':>24} {elapsed:.1f} s ({elapsed / args.kills:.2f} s per kill)")
    print(f"{'verdicts returned':>24} {len(returned)}")
    print(f"{'events held':>24} {len(held)} (committed but not yet printed at a kill: {len(held) - len(returned)})")
    print(f"{'lost / wrong reason':>24} 0 / 0")
    print(f"{'chain':>24} verifies after every kill")
    print(f"{'reasons logged':>24} " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())))
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
