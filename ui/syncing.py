"""Background sync for the app: `SyncController` runs one terminal.sync round at a time on a
thread pool and hands each round's `SyncReport` to the GUI thread as the `syncFinished(object)`
signal; the window updates its banners and status strip from the report's fields.

    ctl = SyncController(make_sync_round(service), interval_s=30, parent=runtime)
    ctl.syncFinished.connect(window.on_sync_report)
    ctl.start()

Threads: `SyncController` lives on the GUI thread; each round runs as a QRunnable on its own
QThreadPool (one thread), so network I/O never touches the GUI thread. The report comes back
through a queued signal. A sync failure is a report (ok False, error, error_kind), never an
exception: a round that raises anyway (a bug, an unusable home) becomes a report too.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from .qt import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

log = logging.getLogger(__name__)


def failed_report(exc: BaseException) -> Any:
    """A SyncReport for a round that could not run (e.g. the Syncer could not be made)."""
    from terminal.sync import SyncConfigError, SyncReport
    kind = "config" if isinstance(exc, SyncConfigError) else "error"
    msg = " ".join(f"{type(exc).__name__}: {exc}".split())
    return SyncReport(ok=False, trust="failed", error=msg, error_kind=kind, errors=[msg], finished_at=time.time())


def make_sync_round(service, settings=None) -> Callable[[], Any] | None:
    """One sync round for an enrolled, store-backed service (terminal.sync), returning its
    SyncReport and reloading the service's trust data when the round changed it; None when
    there is nothing to sync (not enrolled, trust data from files). `round.close()` closes the
    Syncer."""
    if service.status().enrolled is False or service.home is None:
        return None
    from terminal.sync import Syncer
    holder: dict[str, Any] = {}
    home = service.home

    def sync_round():
        # Created lazily on the pool thread; a Syncer is used from one thread at a time.
        if "s" not in holder:
            t = settings.http_timeout_s if settings is not None else 5.0
            kw = {"retain_days": settings.retention_days} if settings is not None else {}
            holder["s"] = Syncer(home, timeout=(min(2.0, t), t), retries=1, max_retry_time=max(5.0, t), **kw)
        rep = holder["s"].run_once()
        if rep.trust_changed:
            service.reload_trust()
        return rep

    sync_round.close = lambda: holder.pop("s").close() if "s" in holder else None   # type: ignore[attr-defined]
    return sync_round


class _Signals(QObject):
    done = Signal(object)              # SyncReport


class _Job(QRunnable):
    def __init__(self, run: Callable[[], Any], signals: _Signals):
        super().__init__()
        self._run = run
        self._signals = signals
        self.setAutoDelete(True)

    def run(self) -> None:   # on a pool thread
        try:
            rep = self._run()
        except Exception as exc:  # noqa: BLE001 - sync failure is a status, not a crash
            log.exception("sync round failed")
            rep = failed_report(exc)
        if not rep.ok:
            log.warning("sync failed: %s", rep.error)
        self._signals.done.emit(rep)


class SyncController(QObject):
    """Runs `sync_round()` every `interval_s` on a thread pool, one at a time (GUI-thread object).

    sync_round: a callable doing one sync round and returning its terminal.sync.SyncReport
    (see make_sync_round); it may block on the network for as long as it likes. None: no sync.
    """

    syncFinished = Signal(object)      # the round's SyncReport, on the GUI thread

    def __init__(self, sync_round: Callable[[], Any] | None, interval_s: float = 30.0,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._sync_round = sync_round
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._busy = False
        self._again = False
        self._signals = _Signals()
        self._signals.done.connect(self._done)
        self._timer = QTimer(self)
        self._timer.setInterval(max(50, int(interval_s * 1000)))
        self._timer.timeout.connect(self.sync_now)
        self.rounds = 0
        self.last_report: Any = None

    @property
    def available(self) -> bool:
        return self._sync_round is not None

    def start(self) -> None:
        if self._sync_round is None:
            return
        self._timer.start()
        self.sync_now()

    @Slot()
    def sync_now(self) -> None:
        if self._sync_round is None or self._busy:
            return
        self._busy = True
        self._pool.start(_Job(self._sync_round, self._signals))

    @Slot()
    def request_sync(self) -> None:
        """A round now, or right after the one running (which may have read old settings)."""
        if self._busy:
            self._again = True
        else:
            self.sync_now()

    @Slot(object)
    def _done(self, report) -> None:
        self._busy = False
        self.rounds += 1
        self.last_report = report
        self.syncFinished.emit(report)
        if self._again and self._timer.isActive():
            self._again = False
            self.sync_now()

    def stop(self, wait_ms: int = 3000) -> None:
        self._timer.stop()
        self._pool.waitForDone(wait_ms)

    def close(self) -> None:
        """Close the round's Syncer (after stop())."""
        close = getattr(self._sync_round, "close", None)
        if close is not None:
            close()
