"""systemd's readiness and watchdog protocol, spoken by the app itself (no libsystemd needed).

    sd_notify("READY=1")                  # False when not run by systemd (no $NOTIFY_SOCKET)
    dog = Watchdog(health=rt.health_ok)   # GUI thread; pings WATCHDOG=1 while the app is healthy
    dog.start()

The GUI unit of `venue-terminal install` is Type=notify with WatchdogSec=S and NotifyAccess=all
(the app is a child of xinit, the unit's main process; so $WATCHDOG_PID names xinit and is
ignored here). The app says READY=1 once its window is up, then WATCHDOG=1 every S/4 seconds,
but only while `health()` holds: a frame was processed in the last S/2 seconds, or the camera is
not up (no picture, reconnecting, a video that ended: restarting would not bring a picture, and
staff see it on screen). The timer runs on the GUI thread, so a frozen screen stops the pings as
surely as a stuck frame loop; systemd then kills the app and Restart=always starts it again.

Threads: GUI thread (a QTimer); sd_notify itself from any thread.
"""
from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable

from .qt import QObject, QTimer

log = logging.getLogger(__name__)


def sd_notify(message: str, env: dict | None = None) -> bool:
    """Send one notification (e.g. "READY=1", "WATCHDOG=1", "STATUS=...") to $NOTIFY_SOCKET:
    a unix datagram socket, "@name" for the abstract namespace. False when there is none or it fails."""
    path = (env if env is not None else os.environ).get("NOTIFY_SOCKET")
    if not path or path[0] not in "/@":
        return False
    addr = "\0" + path[1:] if path[0] == "@" else path
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
            s.settimeout(1.0)
            s.connect(addr)
            s.sendall(message.encode("utf-8", "replace")[:4096])
        return True
    except OSError as exc:
        log.debug("sd_notify %s: %s", message.split("=", 1)[0], exc)
        return False


def watchdog_seconds(env: dict | None = None) -> float | None:
    """systemd's WatchdogSec for this service ($WATCHDOG_USEC), or None without a watchdog."""
    raw = (env if env is not None else os.environ).get("WATCHDOG_USEC", "")
    try:
        usec = int(raw)
    except ValueError:
        return None
    return usec / 1e6 if usec > 0 else None


class Watchdog(QObject):
    """READY=1 once, then WATCHDOG=1 while `health()` says the app works; STATUS= with its line.

    health: () -> (ok, one line for `systemctl status`); `stall_s` is what health() should allow
    between processed frames (half the watchdog interval)."""

    def __init__(self, health: Callable[[], tuple[bool, str]], *, env: dict | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._env = dict(os.environ if env is None else env)
        self._health = health
        self.interval_s = watchdog_seconds(self._env)
        self.stall_s = max(1.0, self.interval_s / 2) if self.interval_s else None
        self.enabled = bool(self._env.get("NOTIFY_SOCKET"))
        self.pings = 0
        self.missed = 0
        self._last_status = ""
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.tick)

    def start(self) -> None:
        if not self.enabled:
            return
        ok, line = self._health()
        sd_notify(f"READY=1\nSTATUS={line}", self._env)
        self._last_status = line
        period = self.interval_s / 4 if self.interval_s else 5.0
        self._timer.start(max(200, int(period * 1000)))
        log.info("systemd notified: ready%s", f", watchdog {self.interval_s:g} s" if self.interval_s else "")

    def stop(self) -> None:
        self._timer.stop()
        if self.enabled:
            sd_notify("STOPPING=1", self._env)

    def tick(self) -> None:
        try:
            ok, line = self._health()
        except Exception:  # noqa: BLE001 - a health check that fails is not healthy
            log.exception("health check failed")
            ok, line = False, "health check failed"
        msg = []
        if line != self._last_status:
            msg.append(f"STATUS={line}")
            self._last_status = line
        if self.interval_s:
            if ok:
                msg.append("WATCHDOG=1")
                self.pings += 1
                if self.missed:
                    log.info("watchdog: healthy again (%s)", line)
                self.missed = 0
            else:
                if not self.missed:
                    log.error("watchdog: not pinging systemd: %s", line)   # systemd restarts the app
                self.missed += 1
        if msg:
            sd_notify("\n".join(msg), self._env)
