"""The sync round's SyncReport reaches the window as SyncController.syncFinished(object); the
banners and the status strip follow its fields."""
from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from cache import Identity, Store
from terminal.sync import SyncReport
from ui.syncing import SyncController

ROOT_PEM = Path(__file__).resolve().parents[3] / "shared" / "spec" / "vectors" / "root.pem"


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def enrolled(home: Path, url: str) -> Path:
    with Store.open(home) as st:
        st.identity.save_identity(Identity(terminal_id="T-1", venue_id="V-1", platform_url=url, token="t",
                                           venue_secret=os.urandom(32), root_key_pem=ROOT_PEM.read_bytes()))
    return home


def test_an_offline_round_reports_to_the_window(qtbot, make_app, tmp_path):
    home = enrolled(tmp_path / "home", dead_url())
    rt = make_app("gate", "images:/nonexistent", service=None, home=home, sync_interval_s=0.3,
                  status_interval_ms=100)
    w = rt.window
    assert rt.service.home == home.resolve() or rt.service.home == home
    qtbot.waitUntil(lambda: w.sync_report is not None and w.offline_banner.isVisible(), timeout=10000)
    rep = w.sync_report
    assert isinstance(rep, SyncReport) and rep is rt.sync.last_report
    assert not rep.ok and rep.error_kind == "network" and rep.trust == "failed"
    assert w.status.online is False and w.status.last_sync_error
    assert w.strip.online.text().endswith("离线")


def test_the_window_follows_the_report(qtbot, make_app, tmp_path):
    home = enrolled(tmp_path / "home", dead_url())
    rt = make_app("gate", "images:/nonexistent", service=None, home=home, sync=False, status_interval_ms=600000)
    w = rt.window
    qtbot.waitUntil(lambda: w.status is not None, timeout=5000)
    assert w.status.enrolled and w.status.online is None and not w.offline_banner.isVisible()
    w.on_sync_report(SyncReport(ok=False, trust="failed", error="GET /v1/trust-list: no answer", error_kind="timeout",
                                pending=4, finished_at=time.time()))
    assert w.offline_banner.isVisible() and w.status.online is False
    assert w.status.last_sync_error == "GET /v1/trust-list: no answer" and w.status.events_pending == 4
    assert w.strip.online.text().endswith("离线") and w.strip.pending.text() == "待上传：4"
    w.on_sync_report(SyncReport(ok=True, trust="updated", upload="done", pending=0, clock_skew_s=1.5,
                                finished_at=time.time()))
    assert not w.offline_banner.isVisible() and w.status.online is True and w.status.last_sync_error is None
    assert w.status.clock_skew_s == 1.5 and w.strip.online.text().endswith("在线")


def test_controller_emits_every_round_as_a_report(qtbot):
    reports = iter([SyncReport(ok=True, finished_at=1.0), RuntimeError("disk gone")])

    def sync_round():
        nxt = next(reports)
        if isinstance(nxt, Exception):
            raise nxt
        return nxt

    ctl = SyncController(sync_round, interval_s=3600)
    with qtbot.waitSignal(ctl.syncFinished, timeout=5000) as sig:
        ctl.sync_now()
    assert sig.args[0].ok and sig.args[0].finished_at == 1.0
    with qtbot.waitSignal(ctl.syncFinished, timeout=5000) as sig:
        ctl.sync_now()
    rep = sig.args[0]
    assert isinstance(rep, SyncReport) and not rep.ok and rep.error_kind == "error"
    assert rep.error == "RuntimeError: disk gone" and ctl.rounds == 2 and ctl.last_report is rep
    ctl.stop()


def test_nothing_to_sync_without_enrolment(service):
    from ui.syncing import make_sync_round
    assert service.home is None and make_sync_round(service) is None
