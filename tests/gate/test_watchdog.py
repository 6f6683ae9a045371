"""The GUI's systemd watchdog (issue 16): READY=1 once the window is up, WATCHDOG=1 while frames are
processed, none once the frame loop hangs while the camera is up (systemd then kills the app and
Restart=always starts it again), pings again when frames flow or the camera is down. A datagram
socket of the test's own stands in for systemd's $NOTIFY_SOCKET."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("VENUE_TTS_ENGINE", "mock")

from ui.watchdog import Watchdog, sd_notify, watchdog_seconds  # noqa: E402

from gate_sim import make_video  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


class Notify:
    """systemd's side of the notify socket: collects what the app sends."""

    def __init__(self, path: Path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.setblocking(False)
        self.got: list[tuple[float, str]] = []

    def drain(self) -> list[str]:
        new = []
        while True:
            try:
                msg = self.sock.recv(8192).decode()
            except BlockingIOError:
                return new
            self.got.append((time.monotonic(), msg))
            new.append(msg)

    def wait_for(self, word: str, timeout: float, pump=lambda: time.sleep(0.05)) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(word in m for m in self.drain()):
                return True
            pump()
        return False

    def pings_within(self, seconds: float, pump=lambda: time.sleep(0.05)) -> int:
        self.drain()
        end, n = time.monotonic() + seconds, 0
        while time.monotonic() < end:
            pump()
            n += sum("WATCHDOG=1" in m for m in self.drain())
        return n

    def close(self) -> None:
        self.sock.close()


def test_sd_notify_speaks_systemds_datagram_protocol(tmp_path):
    n = Notify(tmp_path / "notify")
    assert sd_notify("READY=1\nSTATUS=up", {"NOTIFY_SOCKET": n.path})
    assert n.drain() == ["READY=1\nSTATUS=up"]
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    name = f"venue-test-{os.getpid()}"
    abstract.bind("\0" + name)
    assert sd_notify("WATCHDOG=1", {"NOTIFY_SOCKET": "@" + name})
    assert abstract.recv(100) == b"WATCHDOG=1"
    abstract.close()
    assert not sd_notify("READY=1", {}) and not sd_notify("READY=1", {"NOTIFY_SOCKET": str(tmp_path / "none")})
    assert watchdog_seconds({"WATCHDOG_USEC": "30000000"}) == 30.0
    assert watchdog_seconds({"WATCHDOG_USEC": "x"}) is None and watchdog_seconds({}) is None
    n.close()


class FreezableDecoder:
    """The real decoder, until `freeze` is set: then decode() hangs (a stuck frame loop)."""

    def __init__(self, inner, freeze: threading.Event, release: threading.Event):
        self.inner, self.freeze, self.release = inner, freeze, release

    def decode(self, gray):
        if self.freeze.is_set():
            self.release.wait(30)
        return self.inner.decode(gray)


def test_a_hung_frame_loop_stops_the_pings_while_the_camera_is_up(qtbot, tmp_path):
    from scanner.decoders import make_decoder
    from terminal.service import TerminalService
    from ui.app import AppOptions, build
    video = tmp_path / "cam.avi"
    make_video(video, seconds=2.0)
    n = Notify(tmp_path / "notify")
    freeze, release = threading.Event(), threading.Event()
    svc = TerminalService.from_files()
    rt = build(AppOptions(mode="gate", source=f"video:{video}", loop_media=True, settings_path=tmp_path / "s.json",
                          fullscreen=False, service=svc, sync=False))
    rt._make_decoder = lambda spec: FreezableDecoder(make_decoder(spec), freeze, release)
    rt.watchdog = Watchdog(rt.health_ok, env={"NOTIFY_SOCKET": n.path, "WATCHDOG_USEC": "2000000"}, parent=rt)
    qtbot.addWidget(rt.window)
    pump = lambda: qtbot.wait(50)   # noqa: E731 - the GUI thread runs meanwhile
    try:
        rt.window.show()
        rt.start()
        rt.watchdog.start()
        assert n.wait_for("READY=1", 5, pump)
        qtbot.waitUntil(lambda: rt.window.camera_state == "live" and rt.frames_seen > 3, timeout=10000)
        assert n.pings_within(1.5, pump) >= 2                       # frames flow: pings every 0.5 s
        freeze.set()                                                 # the frame loop hangs, the camera stays up
        qtbot.waitUntil(lambda: not rt.health_ok()[0], timeout=5000)
        assert rt.window.camera_state == "live"
        assert n.pings_within(2.5, pump) == 0                        # > WatchdogSec without one: systemd restarts
        assert "no frame processed" in rt.health_ok()[1]
        assert any("STATUS=camera live but no frame processed" in m for _, m in n.got)
        rt.window.on_camera_state("no_signal")                       # no picture at all: nothing to restart for
        assert n.pings_within(1.2, pump) >= 1
        rt.window.on_camera_state("live")
        assert n.pings_within(1.2, pump) == 0
        release.set()                                                # frames flow again
        freeze.clear()
        assert n.pings_within(2.0, pump) >= 1
    finally:
        release.set()
        rt.window.shutdown()
        rt.stop()
        svc.close()
        n.close()


def test_a_stopped_gui_process_goes_silent_and_speaks_again(tmp_path):
    """The GUI as the unit runs it (gui --session), with a notify socket and WatchdogSec=2: ready,
    pings; SIGSTOP (the whole GUI hangs) and no ping comes for longer than WatchdogSec; SIGCONT and
    it pings again. SIGTERM (systemctl stop) ends it cleanly with STOPPING=1."""
    from terminal.settings import Settings, settings_path
    home = tmp_path / "home"
    video = tmp_path / "cam.avi"
    make_video(video, seconds=2.0)
    Settings().with_(source=f"video:{video}").save(settings_path(home))
    n = Notify(tmp_path / "notify")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen", "VENUE_TTS_ENGINE": "mock",
           "NOTIFY_SOCKET": n.path, "WATCHDOG_USEC": "2000000"}
    p = subprocess.Popen([sys.executable, "-m", "terminal.cli", "--home", str(home), "gui", "--mode", "gate",
                          "--session", "--loop"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert n.wait_for("READY=1", 60), p.stderr.read1().decode() if p.poll() is not None else "no READY"
        assert n.pings_within(2.0) >= 2
        p.send_signal(signal.SIGSTOP)
        time.sleep(0.1)
        assert n.pings_within(3.0) == 0
        p.send_signal(signal.SIGCONT)
        assert n.pings_within(2.0) >= 1
        p.send_signal(signal.SIGTERM)
        assert p.wait(20) == 0
        assert any("STOPPING=1" in m for m in n.drain() + [m for _, m in n.got])
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(5)
        p.stderr.close()
        n.close()
