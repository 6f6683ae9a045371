"""`venue-terminal sync`: sync with the platform once (--once) or every --interval seconds
until Ctrl-C / SIGTERM.

    venue-terminal --home DIR sync --once [--json] [--retain-days 30]
    venue-terminal --home DIR sync --interval 60

Exit: 0 the (last) round succeeded, 1 it failed (the error is in `status` too),
2 not enrolled / usage error.
"""
from __future__ import annotations

import json
import signal
import threading
from datetime import datetime

from ._common import UsageError


def register(sub) -> None:
    p = sub.add_parser("sync", help="sync trust data and upload the scan log",
                       description="Fetch the trust list and revocations, upload pending scan events, "
                                   "prune old uploaded events.")
    p.add_argument("--once", action="store_true", help="one round, then exit (default: loop until Ctrl-C)")
    p.add_argument("--interval", type=float, default=60.0, metavar="S", help="seconds between rounds (default 60)")
    p.add_argument("--retain-days", type=float, default=30.0, metavar="N",
                   help="delete uploaded events older than N days after an upload (default 30; negative: keep all)")
    p.add_argument("--batch-size", type=int, default=500, metavar="N", help="events per upload request (default 500)")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S", help="read timeout per request (default 10)")
    p.add_argument("--json", action="store_true", help="one JSON object per round")
    p.set_defaults(func=run)


def describe(r) -> str:
    """One human line for a SyncReport."""
    when = datetime.fromtimestamp(r.finished_at).strftime("%H:%M:%S") if r.finished_at else "-"
    head = "sync ok" if r.ok else "sync FAILED"
    line = (f"{when} {head}: trust {r.trust} (seq {r.trust_seq}), revocations {r.revocations} "
            f"(seq {r.revocation_seq}, {r.revocation_count} entries), DCC trust {r.dcc} (seq {r.dcc_seq}), "
            f"uploaded {r.uploaded}"
            f"{f' (+{r.duplicates} already there)' if r.duplicates else ''}, pending {r.pending}")
    if r.pruned:
        line += f", pruned {r.pruned}"
    if r.clock_skew_s is not None:
        line += f", clock skew {r.clock_skew_s:+.1f} s"
    for err in r.errors:
        line += f"\n  error: {err}"
    return line


def run(args) -> int:
    from ..sync import SyncConfigError, Syncer
    if args.interval <= 0:
        raise UsageError("--interval must be positive")
    if args.batch_size <= 0:
        raise UsageError("--batch-size must be positive")
    retain = None if args.retain_days < 0 else args.retain_days
    try:
        syncer = Syncer(args.home, timeout=(3.05, args.timeout), retain_days=retain, batch_size=args.batch_size)
    except SyncConfigError as exc:
        raise UsageError(str(exc)) from None

    def show(report) -> None:
        print(json.dumps(report.to_dict(), ensure_ascii=False) if args.json else describe(report), flush=True)

    with syncer:
        if args.once:
            report = syncer.run_once()
            show(report)
            return 0 if report.ok else 1
        stop = threading.Event()
        old = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            last = syncer.run_forever(args.interval, stop, on_sync=show)
        except KeyboardInterrupt:
            return 0
        finally:
            signal.signal(signal.SIGTERM, old)
        return 0 if last is None or last.ok else 1
