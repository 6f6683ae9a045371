"""Health for the venue's monitoring (issue 16): `venue-terminal status --json` carries the running
app's camera, last frame time, gate actuator and shared store (the app's runtime report beside
the settings), and the optional loopback-only HTTP endpoint answers a real GET /health."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("VENUE_TTS_ENGINE", "mock")

from terminal.settings import RUNTIME_FILE, Settings, SettingsError, settings_path  # noqa: E402
from ui.health import HealthServer  # noqa: E402

from gate_sim import PtyRelay, _free_port, make_video, wait_for  # noqa: E402
from test_gate_app import NOW, home  # noqa: E402,F401 - the enrolled home fixture

ROOT = Path(__file__).resolve().parents[2]


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def status_json(home: Path) -> dict:
    r = subprocess.run([sys.executable, "-m", "terminal.cli", "--home", str(home), "status", "--json"],
                       capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


def test_status_and_the_health_endpoint_report_camera_gate_and_frames(qtbot, tmp_path, home):  # noqa: F811
    from terminal.service import TerminalService
    from ui.app import AppOptions, build
    relay = PtyRelay(tmp_path / "ttyUSB-relay")
    video = tmp_path / "cam.avi"
    make_video(video, seconds=2.0)
    port = _free_port()
    Settings().with_(source=f"video:{video}", actuator=f"serial:{relay.link}", health_port=port).save(settings_path(home))
    svc = TerminalService.from_home(home, mode="gate", clock=lambda: NOW)
    rt = build(AppOptions(home=home, service=svc, loop_media=True, fullscreen=False, sync=False,
                          status_interval_ms=200))
    qtbot.addWidget(rt.window)
    try:
        rt.window.show()
        rt.start()
        qtbot.waitUntil(lambda: rt.frames_seen > 2, timeout=10000)
        qtbot.wait(2200)                                        # a report with frames in it
        code, body = get(f"http://127.0.0.1:{port}/health")
        assert code == 200 and body["ok"] and body["healthy"] and not body["stale"]
        assert body["camera"]["state"] == "live" and body["camera"]["frames"] > 0
        assert body["actuator"]["kind"] == "serial" and body["actuator"]["state"] == "ok"
        assert abs(body["last_frame_at"] - time.time()) < 5 and body["shared_store"] is None
        assert get(f"http://127.0.0.1:{port}/other")[0] == 404
        req = urllib.request.Request(f"http://127.0.0.1:{port}/health", data=b"{}", method="POST")
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=5)
        assert e.value.code == 405

        d = status_json(home)                                   # another process: from the runtime report
        assert d["app"]["running"] and d["app"]["pid"] == os.getpid() and d["app"]["healthy"]
        assert d["camera"]["source"] == f"video:{video}" and d["last_frame_at"] is not None
        assert d["actuator"]["target"] == str(relay.link) and d["actuator"]["state"] == "ok"
        assert "shared_store" in d and d["shared_store"] is None

        relay.unplug()                                          # the gate fails: monitoring sees it
        assert rt.gate_link.admit(svc.scan("not a ticket"), None) is None     # a refusal does nothing...
        rt.gate_link.open_by_hand("local-test")                 # ...a pulse to a pulled cable faults it
        qtbot.waitUntil(lambda: rt.gate_link.state == "fault", timeout=5000)
        qtbot.wait(2200)
        code, body = get(f"http://127.0.0.1:{port}/health")
        assert code == 503 and not body["ok"] and body["actuator"]["state"] == "fault"
        assert "ttyUSB-relay" in body["actuator"]["fault"]
    finally:
        rt.window.shutdown()
        rt.stop()
        svc.close()
    assert not (settings_path(home).parent / RUNTIME_FILE).exists()
    d = status_json(home)                                       # the app is gone
    assert not d["app"]["running"] and d["camera"] is None and d["actuator"]["state"] == "unknown"
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)


def test_the_health_endpoint_refuses_non_loopback_binds(tmp_path):
    for host in ("0.0.0.0", "192.168.1.20", "::", "example.org"):
        with pytest.raises(SettingsError, match="not a loopback address"):
            Settings().with_(health_bind=host)
        with pytest.raises(ValueError, match="not a loopback address"):
            HealthServer(host, 0)
    with pytest.raises(SettingsError):
        Settings().with_(health_port=80.5)
    path = tmp_path / "ui-settings.json"                      # a hand-edited file: one line naming the key
    path.write_text(json.dumps({"health_bind": "0.0.0.0", "health_port": 8080}))
    with pytest.raises(SettingsError) as e:
        Settings.load(path)
    assert "health_bind" in str(e.value) and "\n" not in str(e.value)
    srv = HealthServer("::1", 0).start()
    try:
        code, body = get(f"http://[::1]:{srv.port}/health")
        assert code == 503 and body["stale"] and not body["ok"]  # nothing reported yet: not healthy
        srv.update({"updated_at": time.time(), "healthy": True, "actuator": None})
        assert get(f"http://[::1]:{srv.port}/health")[0] == 200
        srv.update({"updated_at": time.time() - 60, "healthy": True, "actuator": None})
        assert get(f"http://[::1]:{srv.port}/health")[0] == 503  # a frozen app's last word is not health
    finally:
        srv.close()


def test_the_health_endpoint_is_bounded_against_stalled_and_greedy_clients():
    import socket
    from ui.health import CLIENT_TIMEOUT_S, MAX_CLIENTS
    srv = HealthServer("127.0.0.1", 0).start()
    srv.update({"updated_at": time.time(), "healthy": True, "actuator": None})
    stalled = []
    try:
        for _ in range(MAX_CLIENTS + 3):                        # connect, send half a request line, stall
            c = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            c.sendall(b"GET /hea")
            stalled.append(c)
        time.sleep(0.2)
        for c in stalled[MAX_CLIENTS:]:                         # over the bound: closed at once, no thread
            c.settimeout(0.5)
            assert c.recv(100) == b""
        t0 = time.monotonic()
        code = None
        while time.monotonic() - t0 < CLIENT_TIMEOUT_S + 3:    # the stalled ones time out; then it answers
            try:
                code = get(f"http://127.0.0.1:{srv.port}/health")[0]
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        assert code == 200 and time.monotonic() - t0 < CLIENT_TIMEOUT_S + 2
        for c in stalled:                                       # each was dropped, none was answered
            c.settimeout(2)
            assert c.recv(100) == b""
        c = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        c.sendall(b"GET /" + b"x" * 70000 + b" HTTP/1.1\r\n\r\n")   # an oversized request line: 414
        assert c.recv(100).startswith(b"HTTP/1.0 414")
        c.close()
    finally:
        for c in stalled:
            c.close()
        srv.close()


def test_status_carries_no_password_of_a_camera_stream_or_a_store():
    from terminal.commands.status import without_password
    assert without_password("camera:rtsp://admin:s3cret@10.0.0.9:554/live") == "camera:rtsp://10.0.0.9:554/live"
    assert without_password("redis://:pw@127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    assert without_password("video:/media/a@b.avi") == "video:/media/a@b.avi"
