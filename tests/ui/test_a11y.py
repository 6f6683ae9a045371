"""Verdict rhythm and accessibility (issue 11 build): the countdown before the screen goes back to
scanning, dismissing it early by a tap or Enter / Space / Escape (never by a wedge scanner's
keys), the hold time per mode from Settings."""
from __future__ import annotations

import pytest

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from vocab import reasons as R


def key_event(kind, key, text, ts):
    ev = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text)
    ev.setTimestamp(ts)
    return ev


def press(widget, key, text="", ts=0):
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, key_event(kind, key, text, ts))


def type_burst(widget, text: str, t0: int, gap_ms: int):
    """A keyboard-wedge scanner: the code's characters gap_ms apart, then Enter."""
    t = t0
    for ch in text:
        QApplication.sendEvent(widget, key_event(QEvent.Type.KeyPress, Qt.Key.Key_Space if ch == " " else 0, ch, t))
        QApplication.sendEvent(widget, key_event(QEvent.Type.KeyRelease, Qt.Key.Key_Space if ch == " " else 0, ch,
                                                 t + 1))
        t += gap_ms
    QApplication.sendEvent(widget, key_event(QEvent.Type.KeyPress, Qt.Key.Key_Return, "\r", t))
    QApplication.sendEvent(widget, key_event(QEvent.Type.KeyRelease, Qt.Key.Key_Return, "\r", t + 1))


def focused(qtbot, w):
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=3000)
    return QApplication.focusWidget()


def number_shown(panel) -> int:
    return int(panel.countdown.text().split()[0])


@pytest.mark.parametrize("mode", ["gate", "kiosk"])
def test_countdown_is_visible_and_runs_down(qtbot, make_app, service, cases, mode):
    rt = make_app(mode, "images:/nonexistent", start=False)
    w = rt.window
    w.apply_settings(w.settings.with_(verdict_seconds=2.5, kiosk_verdict_seconds=2.5))
    view = w.view
    w.show_verdict(service.scan(cases["resident_es256_ok"]["code"]), 0.0)
    p = view.panel
    assert view.showing_verdict and p.countdown.isVisible()
    assert number_shown(p) == 3 and "秒后继续" in p.countdown.text() and "Next in 3 s" in p.countdown.text()
    width0 = p.bar_width()
    assert width0 > 0.8 * p.width()
    qtbot.waitUntil(lambda: number_shown(p) == 2, timeout=5000)
    assert 0 < p.bar_width() < width0
    assert view.showing_verdict
    # the countdown sits under the verdict's lines, never over them
    assert all(p.countdown.geometry().top() >= lab.geometry().bottom()
               for lab in (p.word, p.reason) if lab.isVisible())
    qtbot.waitUntil(lambda: not view.showing_verdict, timeout=5000)
    assert not p.countdown.isVisible() and p.bar_width() == 0


def test_english_countdown_has_no_chinese(qtbot, make_app, service, cases):
    rt = make_app("gate", "images:/nonexistent", start=False)
    rt.window.set_language("en")
    rt.window.show_verdict(service.scan(cases["expired"]["code"]), 0.0)
    assert rt.window.gate.panel.countdown.text().startswith("Next in 2 s")
    assert "秒" not in rt.window.gate.panel.countdown.text()


@pytest.mark.parametrize("key,text", [(Qt.Key.Key_Return, "\r"), (Qt.Key.Key_Space, " "), (Qt.Key.Key_Escape, "")])
def test_a_key_dismisses_the_verdict_early(qtbot, make_app, service, cases, key, text):
    rt = make_app("gate", "images:/nonexistent", start=False)
    w = rt.window
    w.apply_settings(w.settings.with_(verdict_seconds=30))
    focused(qtbot, w)
    w.show_verdict(service.scan(cases["revoked"]["code"]), 0.0)
    g = w.gate
    qtbot.waitUntil(lambda: QApplication.focusWidget() is g.panel, timeout=3000)   # the verdict has the focus
    ended = []
    g.panel.finished.connect(ended.append)
    press(QApplication.focusWidget(), key, text, ts=50_000)       # a person's key: through the wedge filter
    qtbot.waitUntil(lambda: not g.showing_verdict, timeout=3000)
    assert ended == ["dismissed"] and g.panel.remaining == 0


def test_a_tap_dismisses_the_kiosk_verdict(qtbot, make_app, service, cases):
    rt = make_app("kiosk", "images:/nonexistent", start=False)
    k = rt.window.kiosk
    rt.window.apply_settings(rt.window.settings.with_(kiosk_verdict_seconds=30))
    rt.window.show_verdict(service.scan(cases["resident_es256_ok"]["code"]), 0.0)
    assert k.showing_verdict
    qtbot.mouseClick(k.panel, Qt.MouseButton.LeftButton, pos=QPoint(k.panel.width() // 2, k.panel.height() // 2))
    assert k.stack.currentWidget() is k.guide_page and not k.panel.holding


def test_a_wedge_scan_during_a_verdict_is_a_new_code(qtbot, make_app, cases):
    """Codes contain spaces and end with Enter: a scanner's burst during a verdict is read as the
    next code and never dismisses the verdict on screen (it is replaced by the new one)."""
    rt = make_app("gate", "images:/nonexistent", start=False)
    w = rt.window
    w.apply_settings(w.settings.with_(verdict_seconds=30))
    got = []
    rt.verify.verdict.connect(lambda v, *a: got.append(v.reason))
    target = focused(qtbot, w)
    type_burst(target, cases["expired"]["code"], 10_000, 3)
    qtbot.waitUntil(lambda: got == [R.EXPIRED] and w.gate.showing_verdict, timeout=5000)
    panel = w.gate.panel
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel, timeout=3000)
    ended = []
    panel.finished.connect(ended.append)
    code = cases["revoked"]["code"]
    assert " " in code                         # the burst holds Space and Enter: both dismiss keys
    type_burst(panel, code, 20_000, 3)
    qtbot.waitUntil(lambda: got == [R.EXPIRED, R.REVOKED], timeout=5000)
    qtbot.waitUntil(lambda: w.last_verdict.reason == R.REVOKED, timeout=3000)
    qtbot.wait(200)                            # longer than the filter holds keys back
    assert ended == [] and w.gate.showing_verdict and panel.holding


def test_hold_time_from_settings_is_respected_per_mode(qtbot, make_app, service, cases):
    rt = make_app("kiosk", "images:/nonexistent", start=False)
    w = rt.window
    w.apply_settings(w.settings.with_(verdict_seconds=1.0, kiosk_verdict_seconds=6.0))
    assert (w.gate.verdict_seconds, w.kiosk.verdict_seconds) == (1.0, 6.0)
    w.show_verdict(service.scan(cases["resident_es256_ok"]["code"]), 0.0)
    assert number_shown(w.kiosk.panel) == 6 and w.kiosk.panel.hold_seconds == 6.0
    w.apply_settings(w.settings.with_(mode="gate"))
    w.show_verdict(service.scan(cases["resident_es256_ok"]["code"]), 0.0)
    assert number_shown(w.gate.panel) == 1 and w.gate.panel.hold_seconds == 1.0
    qtbot.waitUntil(lambda: not w.gate.showing_verdict, timeout=4000)
    assert w.kiosk.showing_verdict and w.kiosk.panel.remaining > 0     # still its own, longer hold


def test_hold_settings_are_in_the_dialog(qtbot):
    from terminal.settings import Settings
    from ui.dialogs import SettingsDialog
    dlg = SettingsDialog(Settings(kiosk_verdict_seconds=5.0))
    qtbot.addWidget(dlg)
    for name in ("verdict_seconds", "kiosk_verdict_seconds", "sound", "voice", "voice_volume"):
        assert name in dlg.extra
    dlg.extra["kiosk_verdict_seconds"].setValue(7.0)
    assert dlg.try_save() and dlg.result_settings.kiosk_verdict_seconds == 7.0
