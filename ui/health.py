"""What the running app tells the venue's monitoring: a runtime report and an optional health endpoint.

    report = RuntimeReport(rt.runtime_snapshot, path=home / RUNTIME_FILE, server=HealthServer(...))
    report.start()         # GUI thread: every 2 s a fresh snapshot, to the file and the server

- `runtime.json` beside the settings file: the app's pid, when it was written, the camera (source,
  state, frames, last frame time), the gate actuator's snapshot (gate/controller.py), the venue's
  shared store. `venue-terminal status` reads it (terminal/commands/status.py): a report older
  than RUNTIME_STALE_S (terminal/settings.py) means the app is not running, or its GUI thread hangs.
- `HealthServer`: GET /health on a loopback address only (settings health_bind, health_port; a
  non-loopback address is refused), the same snapshot as JSON (under 2 KB), 200 when healthy
  (frames processed while the camera is up, the gate actuator not in fault) and 503 when not or
  when the snapshot is stale; any other method 405, any other path 404. Bounded: at most
  MAX_CLIENTS requests at once (more are closed), CLIENT_TIMEOUT_S for a request to arrive, and
  http.server's own limits on the request line and headers. Nothing personal is in it: no code,
  name or ID number, and URLs without their passwords.

Threads: RuntimeReport on the GUI thread (a frozen screen stops its reports); HealthServer
answers on its own threads from the last snapshot handed to it (a lock around one reference).
"""
from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from terminal.settings import RUNTIME_STALE_S, check_loopback

from .qt import QObject, QTimer

log = logging.getLogger(__name__)

INTERVAL_MS = 2000
MAX_CLIENTS = 4          # requests answered at once; more are closed unanswered (monitoring polls, nobody else)
CLIENT_TIMEOUT_S = 3.0   # a client that sends its request slower than this is dropped


def stale(snapshot: dict | None, now: float | None = None) -> bool:
    if not snapshot or not isinstance(snapshot.get("updated_at"), (int, float)):
        return True
    return (time.time() if now is None else now) - snapshot["updated_at"] > RUNTIME_STALE_S


def healthy(snapshot: dict | None) -> bool:
    """Fresh, frames processed while the camera is up, and the gate actuator (if any) not in fault."""
    act = (snapshot or {}).get("actuator") or {}
    return not stale(snapshot) and bool(snapshot.get("healthy")) and act.get("state", "ok") == "ok"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 8

    def __init__(self, addr, handler, family):
        self.address_family = family
        self._slots = threading.BoundedSemaphore(MAX_CLIENTS)
        super().__init__(addr, handler)

    def process_request(self, request, client_address):
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)           # busy: closed, the poller tries again
            return
        try:
            super().process_request(request, client_address)
        except Exception:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class HealthServer:
    """GET /health on a loopback address: the latest snapshot, 200 healthy / 503 not."""

    def __init__(self, host: str, port: int):
        check_loopback(host)                          # SettingsError (a ValueError): one line
        if not 0 <= int(port) <= 65535:
            raise ValueError(f"health endpoint: port {port} is out of range")
        self._lock = threading.Lock()
        self._snap: dict | None = None
        owner = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "venue-terminal"
            sys_version = ""
            timeout = CLIENT_TIMEOUT_S

            def log_message(self, *a):          # the journal gets verdicts and faults, not every poll
                pass

            def do_GET(self):
                if self.path.split("?")[0] not in ("/health", "/"):
                    return self._send(404, {"error": "not found: GET /health"})
                snap = owner.snapshot()
                ok = healthy(snap)
                self._send(200 if ok else 503, {**(snap or {}), "ok": ok, "stale": stale(snap)})

            def do_POST(self):
                self._send(405, {"error": "GET /health only"})

            do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_POST

            def _send(self, code: int, body: dict):
                out = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.send_header("Cache-Control", "no-store")
                self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(out)
                self.close_connection = True

        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._srv = _Server((host, int(port)), Handler, family)
        self.host, self.port = host, self._srv.server_address[1]
        self._thread = threading.Thread(target=self._srv.serve_forever, name="health", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{f'[{self.host}]' if ':' in self.host else self.host}:{self.port}/health"

    def start(self) -> "HealthServer":
        self._thread.start()
        log.info("health endpoint on %s", self.url)
        return self

    def update(self, snap: dict) -> None:
        with self._lock:
            self._snap = snap

    def snapshot(self) -> dict | None:
        with self._lock:
            return self._snap

    def close(self) -> None:
        if self._thread.is_alive():
            self._srv.shutdown()
        self._srv.server_close()


class RuntimeReport(QObject):
    """Every 2 s on the GUI thread: the runtime snapshot to `path` (atomically) and to the server."""

    def __init__(self, snapshot: Callable[[], dict], *, path: Path | None, server: HealthServer | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._snapshot, self.path, self.server = snapshot, path, server
        self._warned = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.write)

    def start(self) -> None:
        self.write()
        self._timer.start(INTERVAL_MS)

    def set_server(self, server: HealthServer | None) -> None:
        """Another endpoint (the settings changed): the old one is closed, the new one answers at once."""
        if self.server is not None:
            self.server.close()
        self.server = server
        if server is not None:
            self.write()

    def stop(self) -> None:
        self._timer.stop()
        self.set_server(None)
        if self.path is not None:
            try:
                self.path.unlink(missing_ok=True)      # not running any more
            except OSError:
                pass

    def write(self) -> None:
        try:
            snap = self._snapshot()
        except Exception:  # noqa: BLE001 - a report that fails must not stop the app
            log.exception("runtime snapshot failed")
            return
        if self.server is not None:
            self.server.update(snap)
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(snap, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            if not self._warned:
                log.warning("runtime report %s not written: %s", self.path, exc)
                self._warned = True
