"""Start and stop a local redis-server (Debian's `redis-server`) for the demo and the tests: on
127.0.0.1, a free port, a password, no persistence, its files in a directory of the caller's,
stopped by its pid.

    srv = RedisServer.start(tmp_path / "redis", password="pw")
    srv.url            # redis://127.0.0.1:PORT/0 (the password is srv.password, never in the URL)
    srv.pause(); srv.resume(); srv.kill(); srv.restart()
    srv.stop()

Raises RedisServerError (one line) when the binary is missing or the server does not come up.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


class RedisServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RedisServer:
    dir: Path
    port: int
    password: str
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @classmethod
    def start(cls, directory: str | Path, *, password: str, port: int | None = None,
              timeout: float = 10.0) -> "RedisServer":
        srv = cls(Path(directory), port or free_port(), password)
        srv.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        srv._spawn(timeout)
        return srv

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def _spawn(self, timeout: float) -> None:
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(exe):
            raise RedisServerError("redis-server is not installed (Debian package redis-server; scripts/bootstrap.sh)")
        conf = self.dir / "redis.conf"
        conf.write_text(f"bind 127.0.0.1\nport {self.port}\nrequirepass {self.password}\nsave \"\"\n"
                        f"appendonly no\ndir {self.dir}\nprotected-mode yes\ndaemonize no\n"
                        f"logfile {self.dir / 'redis.log'}\n")
        conf.chmod(0o600)
        self.proc = subprocess.Popen([exe, str(conf)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RedisServerError(f"redis-server exited with {self.proc.returncode} (see {self.dir / 'redis.log'})")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(f"AUTH {self.password}\r\nPING\r\n".encode())
                    got = b""
                    while b"PONG" not in got and (chunk := s.recv(64)):
                        got += chunk
                    if b"PONG" in got:
                        return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RedisServerError(f"redis-server did not answer on 127.0.0.1:{self.port} within {timeout:.0f} s")

    def pause(self) -> None:
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL, as a crash: the keys are gone (no persistence)."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(5)

    def restart(self, timeout: float = 10.0) -> None:
        self.kill()
        self._spawn(timeout)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGCONT)
                self.proc.terminate()
                self.proc.wait(5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
