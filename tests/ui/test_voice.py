"""Voice guidance through Qt TextToSpeech: Qt's mock engine hears what each outcome and the idle
guide say (Mandarin first, English after the toggle), on at the kiosk by default, optional at the
gate, volume from Settings; with no engine the app is silent with one log line; and the real
engine the set-up installs (speech-dispatcher + espeak-ng) offers a Mandarin voice."""
from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import time

import pytest

from vocab import reasons as R
from ui import texts as T


def said(rt):
    return rt.window.voice.said


def test_kiosk_speaks_each_outcome_and_the_guide(qtbot, make_app, service, cases):
    rt = make_app("kiosk", "images:/nonexistent", start=False)
    voice = rt.window.voice
    assert voice.engine == "mock" and voice.enabled            # on by default at the kiosk
    qtbot.waitUntil(lambda: voice.available is True, timeout=5000)
    rt.window.show_verdict(service.scan(cases["resident_es256_ok"]["code"]), 0.0)
    qtbot.waitUntil(lambda: len(said(rt)) == 1, timeout=5000)
    rt.window.show_verdict(service.scan(cases["tampered_payload"]["code"]), 0.0)
    qtbot.waitUntil(lambda: len(said(rt)) == 2, timeout=5000)
    rt.window.on_unreadable(0.0)
    qtbot.waitUntil(lambda: len(said(rt)) == 3, timeout=5000)
    assert said(rt) == [("zh", "通过，请通行"), ("zh", "此码无法验证，请到人工窗口办理"),
                        ("zh", "未能识别，请将码放平，对准摄像头并保持不动")]
    rt.window.kiosk.lang_button.click()                        # English: the guide, then outcomes in English
    qtbot.waitUntil(lambda: len(said(rt)) == 4, timeout=5000)
    assert said(rt)[3] == ("en", T.IDLE_PROMPT[1])
    rt.window.show_verdict(service.scan(cases["expired"]["code"]), 0.0)
    qtbot.waitUntil(lambda: len(said(rt)) == 5, timeout=5000)
    assert said(rt)[4] == ("en", "This code has expired. Please renew it in your app and show it again.")
    for _lang, text in said(rt):
        assert "伪造" not in text and "forged" not in text and not any(r in text for r in R.ALL_REASONS if "_" in r)


def test_the_idle_kiosk_speaks_its_guide_when_touched(qtbot, make_app):
    rt = make_app("kiosk", "images:/nonexistent", start=False)
    k = rt.window.kiosk
    qtbot.waitUntil(lambda: rt.window.voice.available is True, timeout=5000)
    assert k.stack.currentWidget() is k.idle_page
    from ui.qt import Qt
    qtbot.mouseClick(k.idle_page, Qt.MouseButton.LeftButton)
    assert k.stack.currentWidget() is k.guide_page
    qtbot.waitUntil(lambda: said(rt) == [("zh", "请将居民码对准摄像头")], timeout=5000)


def test_gate_is_silent_by_default_and_speaks_when_set(qtbot, make_app, service, cases):
    rt = make_app("gate", "images:/nonexistent", start=False)
    voice = rt.window.voice
    assert not voice.enabled and voice.available is None      # no engine made while the voice is off
    rt.window.show_verdict(service.scan(cases["expired"]["code"]), 0.0)
    rt.apply_settings(rt.settings.with_(voice="on", voice_volume=0.3))
    assert voice.enabled and voice.volume == 0.3
    qtbot.waitUntil(lambda: voice.available is True, timeout=5000)
    assert said(rt) == []                                      # nothing was said while off
    rt.window.show_verdict(service.scan(cases["resident_es256_ok"]["code"]), 0.0)
    qtbot.waitUntil(lambda: said(rt) == [("zh", "通过，请通行")], timeout=5000)
    assert abs(voice.engine_volume - 0.3) < 0.01              # the engine's own volume
    rt.apply_settings(rt.settings.with_(voice="off"))
    rt.window.show_verdict(service.scan(cases["expired"]["code"]), 0.0)
    qtbot.wait(300)
    assert len(said(rt)) == 1


def test_no_engine_is_silence_with_one_log_line(qtbot, caplog):
    from ui.voice import VoiceGuide
    with caplog.at_level(logging.WARNING, logger="ui.voice"):
        v = VoiceGuide(engine="no-such-engine")
        qtbot.waitUntil(lambda: v.available is False, timeout=5000)
        for _ in range(3):
            v.say("通过，请通行", "Admitted. Please go ahead.", chinese=True)
        qtbot.wait(200)
        v.close()
    lines = [r for r in caplog.records if r.name == "ui.voice"]
    assert len(lines) == 1 and "no engine 'no-such-engine'" in lines[0].getMessage()
    assert v.said == []


def test_a_speech_daemon_that_is_not_there_is_silence(qtbot, caplog, tmp_path, monkeypatch):
    """The real engine with no speech-dispatcher listening: one log line, no hang, nothing said."""
    from ui.voice import VoiceGuide
    monkeypatch.setenv("SPEECHD_ADDRESS", f"unix_socket:{tmp_path / 'nobody.sock'}")
    with caplog.at_level(logging.WARNING, logger="ui.voice"):
        v = VoiceGuide(engine="speechd")
        qtbot.waitUntil(lambda: v.available is False, timeout=10000)
        v.say("通过，请通行", "Admitted. Please go ahead.", chinese=True)
        qtbot.wait(100)
        v.close()
    assert [r.getMessage() for r in caplog.records if r.name == "ui.voice"] == [
        "voice guidance off: Connection to speech-dispatcher failed"]
    assert v.said == []


def test_a_stuck_speech_daemon_never_freezes_the_screen(qtbot, caplog, tmp_path, monkeypatch):
    """Seen on this machine: a speech-dispatcher hung in its own shutdown keeps its socket and never
    answers; the engine then blocks inside Qt holding Python's GIL. Here a socket that listens and
    never answers: the screen keeps running, the guide gives up with one line, nothing is said."""
    import socket

    from ui import voice as V
    from ui.qt import QTimer
    stuck = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stuck.bind(str(tmp_path / "stuck.sock"))
    stuck.listen(8)                                  # connects succeed; nobody ever reads or answers
    monkeypatch.setenv("SPEECHD_ADDRESS", f"unix_socket:{tmp_path / 'stuck.sock'}")
    monkeypatch.setattr(V, "READY_S", 3.0)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(50)
    try:
        with caplog.at_level(logging.WARNING, logger="ui.voice"):
            v = V.VoiceGuide(engine="speechd")
            v.say("通过，请通行", "Admitted. Please go ahead.", chinese=True)
            qtbot.waitUntil(lambda: v.available is False, timeout=20000)
            v.say("通过，请通行", "Admitted. Please go ahead.", chinese=True)
            v.close()
    finally:
        timer.stop()
        stuck.close()
    assert len(ticks) >= 20                          # the GUI thread ran all along (3 s of 50 ms ticks)
    assert [r.getMessage() for r in caplog.records if r.name == "ui.voice"] == [
        "voice guidance off: the speech engine did not start in 3 s (speech daemon stuck?)"]
    assert v.said == []


@pytest.mark.skipif(not shutil.which("speech-dispatcher"), reason="speech-dispatcher not installed (scripts/bootstrap.sh)")
def test_the_installed_engine_has_a_mandarin_voice(qtbot, tmp_path, monkeypatch):
    """speech-dispatcher (its own daemon on a private socket, stopped by its pid) with espeak-ng:
    the guide finds the Mandarin voice and the engine starts saying a Chinese prompt."""
    from ui.voice import VoiceGuide
    sock = tmp_path / "speechd.sock"
    daemon = subprocess.Popen(["speech-dispatcher", "-s", "-c", "unix_socket", "-S", str(sock), "-t", "0",
                               "-L", str(tmp_path)], start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        monkeypatch.setenv("SPEECHD_ADDRESS", f"unix_socket:{sock}")
        v = VoiceGuide(engine="speechd")
        qtbot.waitUntil(lambda: v.available is not None, timeout=10000)
        assert v.available and "Mandarin" in v.mandarin
        v.say("请将居民码对准摄像头", "Please hold your resident code up to the camera.", chinese=True)
        qtbot.waitUntil(lambda: v.said == [("zh", "请将居民码对准摄像头")], timeout=10000)
        v.close()
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(2)
        except subprocess.TimeoutExpired:          # it can hang closing its output module without audio
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait(5)
