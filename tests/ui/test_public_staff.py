"""Public vs staff information: the kiosk shows the public nothing of uploads, the platform or
raw reason codes; gate and counter show staff warnings large (readable from 2 m); an amber
verdict is never counted as a refusal."""
from __future__ import annotations

import dataclasses
import re

import pytest

from vocab import reasons as R
from terminal.verdict import Verdict

from test_modes import texts_of      # same folder (pytest prepends it to sys.path)


def troubled(service):
    """The service's real status with everything staff must act on: offline with events waiting,
    a suspect clock, trust data an hour from expiring, events the platform rejected."""
    st = service.status()
    nxt = st.trust_next
    return dataclasses.replace(st, enrolled=True, online=False, events_pending=7, clock_suspect=True,
                               clock_skew_s=400.0, trust_age_s=(nxt - 1800) - st.trust_iat, trust_stale=False,
                               events_quarantined=2, quarantine_errors={"schema": 2}, last_sync_error="timeout")



@pytest.mark.parametrize("mode", ["gate", "counter"])
def test_staff_warnings_are_large_at_gate_and_counter(qtbot, make_app, service, mode):
    rt = make_app(mode, "images:/nonexistent", start=False)
    w = rt.window
    w.on_status(troubled(service), (0, 0))
    w.on_camera_state("no_signal")
    assert w.alerts.isVisible()
    assert w.alerts.kinds == ["trust_soon", "clock", "camera", "backlog"]
    rows = {k: w.alerts.rows[k].text() for k in w.alerts.kinds}
    assert rows["trust_soon"].startswith("信任数据将在 30 分钟后过期")
    assert "6 分钟" in rows["clock"] and "时钟" in rows["clock"]
    assert rows["camera"].startswith("摄像头无画面")
    assert rows["backlog"].startswith("7 条核验记录待上传")
    for k in w.alerts.kinds:
        lab = w.alerts.rows[k]
        assert lab.font().pointSize() >= 20 and lab.font().bold(), k
        assert "\n" in lab.text()                       # the English line below the Chinese
    assert w.offline_banner.isVisible() and w.offline_banner.font().pointSize() >= 20
    w.on_camera_state("live")
    assert "camera" not in w.alerts.kinds


def test_staff_see_when_the_other_gates_cannot_be_reached(qtbot, make_app, service):
    rt = make_app("gate", "images:/nonexistent", start=False)
    w = rt.window
    st = dataclasses.replace(service.status(), venue_store="redis://127.0.0.1:6390/0",
                             venue_store_state="unavailable", venue_store_pending=3)
    w.on_status(st, (0, 0))
    assert "venue" in w.alerts.kinds
    text = w.alerts.rows["venue"].text()
    assert text.startswith("无法连接其他闸机") and "3 条待回写" in text and "3 to write back" in text
    w.on_status(dataclasses.replace(st, venue_store_state="ok", venue_store_pending=0), (0, 0))
    assert "venue" not in w.alerts.kinds
    kiosk = make_app("kiosk", "images:/nonexistent", start=False).window
    kiosk.on_status(st, (0, 0))
    assert not kiosk.alerts.isVisible()


def test_the_kiosk_shows_the_public_nothing_technical(qtbot, make_app, service, cases):
    rt = make_app("kiosk", "images:/nonexistent", start=False)
    w = rt.window
    w.on_status(troubled(service), (0, 0))
    w.on_camera_state("no_signal")
    w.show_verdict(service.scan(cases["revoked"]["code"]), 0.0)
    assert not w.statusBar().isVisible() and not w.alerts.isVisible()
    assert not w.offline_banner.isVisible() and not w.stale_banner.isVisible()
    from ui.qt import QWidget
    shown = [t for x in w.findChildren(QWidget) if x.isVisible() for t in texts_of_one(x)]
    text = "\n".join(shown)
    for word in ("上传", "upload", "平台", "platform", "Platform", "离线", "Offline", "信任数据", "Trust data",
                 "时钟", "摄像头无画面"):
        assert word not in text, word
    codes = set(R.ALL_REASONS) | set(R.WARNINGS)
    for tok in re.findall(r"[a-z]+(?:_[a-z]+)+", text):
        assert tok not in codes, tok
    # the same window back at the gate: the warnings are there for staff
    w.set_mode("gate")
    assert w.statusBar().isVisible() and w.alerts.isVisible() and w.offline_banner.isVisible()


def texts_of_one(x):
    from ui.qt import QAbstractButton, QLabel
    out = [x.toolTip()]
    if isinstance(x, (QLabel, QAbstractButton)):
        out.append(x.text())
    return out


@pytest.mark.parametrize("mode", ["gate", "kiosk"])
def test_amber_is_never_counted_as_a_refusal(qtbot, make_app, service, cases, mode):
    rt = make_app(mode, "images:/nonexistent", start=False)
    w = rt.window
    w.on_unreadable(0.0)
    w.show_verdict(Verdict(valid=False, reason=R.INTERNAL_ERROR), 0.0)
    assert w.local_counts == [0, 0]
    w.show_verdict(service.scan(cases["expired"]["code"]), 0.0)
    w.show_verdict(service.scan(cases["resident_es256_ok"]["code"]), 0.0)
    assert w.local_counts == [1, 1]
    if mode == "gate":
        assert (w.gate.admitted.text(), w.gate.refused.text()) == ("今日通过：1", "今日拒绝：1")
