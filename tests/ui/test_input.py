"""Keyboard-wedge scans through the application event filter, and the verdict sounds."""
from __future__ import annotations

import wave

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from vocab import reasons as R
from ui import sound


def key_event(kind, key, text, ts):
    ev = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text)
    ev.setTimestamp(ts)
    return ev


def type_burst(widget, text: str, t0: int, gap_ms: int):
    t = t0
    for ch in text:
        QApplication.sendEvent(widget, key_event(QEvent.Type.KeyPress, 0, ch, t))
        QApplication.sendEvent(widget, key_event(QEvent.Type.KeyRelease, 0, ch, t + 1))
        t += gap_ms
    QApplication.sendEvent(widget, key_event(QEvent.Type.KeyPress, Qt.Key.Key_Return, "\r", t))


def test_wedge_scan_reaches_the_screen(qtbot, make_app, cases):
    rt = make_app("gate", "images:/nonexistent", start=False)
    w = rt.window
    w.activateWindow()
    w.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None and QApplication.focusWidget().window() is w,
                    timeout=2000)
    target = QApplication.focusWidget()
    got = []
    rt.verify.verdict.connect(lambda v, *a: got.append((v.reason, a[1])))
    type_burst(target, cases["expired"]["code"], 10_000, 3)
    qtbot.waitUntil(lambda: len(got) == 1, timeout=5000)
    assert got[0] == (R.EXPIRED, "wedge")
    qtbot.waitUntil(lambda: w.gate.showing_verdict, timeout=2000)
    # a person typing slowly is not a scan
    target = QApplication.focusWidget() or w
    type_burst(target, "hello world 12345", 20_000, 150)
    qtbot.wait(100)
    assert len(got) == 1
    assert rt.wedge.keys_seen == len(cases["expired"]["code"]) + 1 + len("hello world 12345") + 1


def test_committed_sounds_match_the_generator(tmp_path):
    fresh = sound.write_tones(tmp_path)
    for name, p in fresh.items():
        committed = sound.SOUND_DIR / f"{name}.wav"
        assert committed.read_bytes() == p.read_bytes(), name
        with wave.open(str(committed)) as w:
            assert w.getframerate() == sound.RATE and 0.1 < w.getnframes() / w.getframerate() < 1.0


def test_each_outcome_plays_its_sound_or_carries_on(qtbot, make_app, service, cases):
    rt = make_app("gate", "images:/nonexistent", start=False)
    for name, want in (("resident_es256_ok", "admit"), ("expired", "refuse")):
        rt.window.show_verdict(service.scan(cases[name]["code"]), 0.0)
        assert rt.sound.last_played == want


def test_serial_scanner_reaches_the_screen(qtbot, make_app, cases, tmp_path):
    """A configured serial scanner (settings `scanner`, here a pty) feeds the same handheld step as
    the wedge: its scans get verdicts with source "serial", and a double send is one scan."""
    import os
    master, slave = os.openpty()
    try:
        rt = make_app("gate", "images:/nonexistent", scanner=f"serial:{os.ttyname(slave)}@9600")
        assert rt.settings.scanner.startswith("serial:") and rt.serial_feed is not None
        got = []
        rt.verify.verdict.connect(lambda v, *a: got.append((v.reason, a[1])))
        qtbot.waitUntil(lambda: rt.serial_feed.scanner.state == "live", timeout=5000)
        code = cases["expired"]["code"].encode()
        os.write(master, code + b"\r" + code + b"\r")
        qtbot.waitUntil(lambda: len(got) == 1, timeout=5000)
        qtbot.wait(300)
        assert got == [(R.EXPIRED, "serial")]
        qtbot.waitUntil(lambda: rt.window.gate.showing_verdict, timeout=2000)
        feed = rt.serial_feed
        rt.apply_settings(rt.settings.with_(scanner=""))          # unset: the feed stops, the port closes
        assert rt.serial_feed is None and not feed.running
    finally:
        for fd in (master, slave):
            try:
                os.close(fd)
            except OSError:
                pass


def test_bad_scanner_setting_names_the_key(tmp_path):
    import json

    import pytest

    from terminal.settings import Settings, SettingsError
    p = tmp_path / "s.json"
    p.write_text(json.dumps({"scanner": "usb:1"}))
    with pytest.raises(SettingsError, match="scanner"):
        Settings.load(p)
    assert Settings().scanner == "" and Settings(scanner="serial:/dev/ttyUSB0@9600").validate().scanner
