"""Simulated gate hardware for the tests: a USB relay board on a pty (the terminal's side is a
stable symlink, as udev's /dev/serial/by-id/… is, so the board can be unplugged and plugged back
in), and a network turnstile controller (a real HTTP server on 127.0.0.1)."""
from __future__ import annotations

import json
import os
import random
import select
import socket
import threading
import time
import tty
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def wait_for(cond, timeout: float = 5.0, step: float = 0.02) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return bool(cond())


class PtyRelay:
    """The relay board: reads the frames the terminal writes, tracks the contact (closed = gate open)."""

    def __init__(self, link: Path):
        self.link = link
        self.frames: list[bytes] = []
        self.opens = 0
        self.closed_contact = False
        self._master = None
        self._thread = None
        self.plug()

    def plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        name = os.ttyname(slave)
        os.close(slave)
        tmp = self.link.with_suffix(".new")
        if tmp.is_symlink():
            tmp.unlink()
        tmp.symlink_to(name)
        os.replace(tmp, self.link)
        self._master = master
        self._thread = threading.Thread(target=self._read, args=(master,), daemon=True)
        self._thread.start()

    def unplug(self) -> None:
        m, self._master = self._master, None
        if m is not None:
            os.close(m)
        if self._thread is not None:
            self._thread.join(2)

    def _read(self, fd: int) -> None:
        buf = b""
        while True:
            try:
                r, _, _ = select.select([fd], [], [], 0.05)
                if not r:
                    if self._master != fd:
                        return
                    continue
                chunk = os.read(fd, 64)
            except OSError:                 # EIO while the terminal has no handle on the other side
                if self._master != fd:
                    return
                time.sleep(0.02)
                continue
            if not chunk:
                continue
            buf += chunk
            while len(buf) >= 4:
                frame, buf = buf[:4], buf[4:]
                self.frames.append(frame)
                if frame[0] == 0xA0 and frame[3] == (sum(frame[:3]) & 0xFF):
                    if frame[2] == 1:
                        self.opens += 1
                        self.closed_contact = True
                    else:
                        self.closed_contact = False


class Turnstile:
    """A network turnstile controller: POST {"pulse_ms": N} opens the arm for N ms (0: just answer)."""

    def __init__(self, token: str | None = None, port: int | None = None, path: str = "/open"):
        self.token, self.path = token, path
        self.requests: list[dict] = []
        self.opens = 0
        self.delay = 0.0
        self.port = port or _free_port()
        self._srv = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def start(self) -> None:
        owner = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(n) or b"{}")
                auth = self.headers.get("Authorization")
                owner.requests.append({"path": self.path, "body": body, "auth": auth})
                if owner.delay:
                    time.sleep(owner.delay)
                if owner.token is not None and auth != f"Bearer {owner.token}":
                    self.send_response(401)
                    self.end_headers()
                    return
                if self.path != owner.path:
                    self.send_response(404)
                    self.end_headers()
                    return
                if body.get("pulse_ms"):
                    owner.opens += 1
                out = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        ThreadingHTTPServer.allow_reuse_address = True
        self._srv = ThreadingHTTPServer(("127.0.0.1", self.port), H)
        self._srv.daemon_threads = True
        threading.Thread(target=self._srv.serve_forever, daemon=True).start()

    def stop(self) -> None:
        srv, self._srv = self._srv, None
        if srv is not None:
            srv.shutdown()
            srv.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _vectors() -> Path:
    v = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "vectors"
    return v if v.exists() else Path("/work/shared/spec/vectors")


def make_video(path: Path, seconds: float = 4.0, fps: int = 10) -> None:
    """The simulated camera: a code held in front of it, as an MJPG video."""
    import cv2
    import numpy as np
    img = cv2.imread(str(_vectors() / "img" / "resident_es256_ok.png"), cv2.IMREAD_GRAYSCALE)
    frame = np.full((480, 640), 230, np.uint8)
    s = min(400 / img.shape[0], 1.0)
    img = cv2.resize(img, (int(img.shape[1] * s), int(img.shape[0] * s)))
    y, x = (480 - img.shape[0]) // 2, (640 - img.shape[1]) // 2
    frame[y:y + img.shape[0], x:x + img.shape[1]] = img
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (640, 480), False)
    for _ in range(int(seconds * fps)):
        w.write(frame)
    w.release()


def free_display() -> int:
    while True:
        n = random.randint(200, 400)
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
