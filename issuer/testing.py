"""The one platform harness: the reference platform as a real server process on loopback, for
the demo (`venue-terminal demo`) and the tests of sync, UI and the platform.

    >>> h = start_server(tmp_path / "plat", clock_offset=-900)   # inits DIR if needed
    >>> requests.get(h.url + "/v1/trust-list", headers=h.auth)
    >>> h.set_faults(fail_next_upload_with=500)                   # POST /_admin/faults (or h.faults(...))
    >>> codes = h.mint("--type", "resident", "--count", "2")     # venue-issuer mint, in-process
    >>> h.stop(); h.start()                                       # down, then back on the same port
    >>> h.stop()
    >>> h = prepare_server(dir); h.start("--clock-offset", "600") # init now, start later (extra serve options)

The server is `python -m issuer.cli serve DIR --host 127.0.0.1 --port 0` (the OS picks a free
port; later starts reuse it); its first stdout line gives the URL, and start() returns once the
server answers HTTP (the socket listens before uvicorn serves). stop() ends only the process this
handle started, by its pid (SIGTERM, then SIGKILL). Raises RuntimeError if the server does not
come up within `timeout` seconds (its stderr is in the message).
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .platform import Platform

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class ServerHandle:
    url: str
    token: str
    admin_token: str
    dir: Path
    root_pem: Path
    port: int
    proc: subprocess.Popen | None
    args: list[str] = field(default_factory=list)
    stderr_path: Path | None = None
    timeout: float = 10.0

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    @property
    def root_key(self) -> str:
        """The pinned root key's PEM path, as `venue-terminal enroll --root-key` takes it."""
        return str(self.root_pem)

    def start(self, *extra: str, timeout: float | None = None) -> str:
        """Start the server (on the port of the last start, or a free one the first time);
        `extra`: more `venue-issuer serve` options for this start (a later one wins). Returns the URL."""
        if self.running:
            raise RuntimeError(f"the platform server is already running (pid {self.pid})")
        self.stop()
        args = list(self.args)
        args[args.index("--port") + 1] = str(self.port)
        self.proc, self.url = _spawn(args + list(extra), self.stderr_path, self.timeout if timeout is None else timeout,
                                     self.admin_token)
        self.port = int(self.url.rsplit(":", 1)[1])
        return self.url

    @property
    def auth(self) -> dict[str, str]:
        """Headers for the terminal API."""
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def platform(self) -> Platform:
        return Platform(self.dir)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the server this handle started, by its pid (SIGTERM, then SIGKILL after `timeout`);
        idempotent."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        if self.proc.stdout:
            self.proc.stdout.close()
        self.proc = None

    def kill(self) -> None:
        """Stop abruptly (SIGKILL), as a crash or power cut would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.stop()

    def restart(self, timeout: float = 10.0) -> "ServerHandle":
        """Start again on the same port with the same options (faults set at runtime are gone)."""
        self.stop()
        self.start(timeout=timeout)
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _admin(self, method: str, body: Any = None) -> dict:
        if self.url.startswith("https:"):
            raise RuntimeError("the admin helpers speak plain HTTP; use requests with the CA bundle")
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + "/_admin/faults", data=data, method=method,
                                     headers={"Authorization": f"Bearer {self.admin_token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def set_faults(self, **faults: Any) -> dict:
        """Set faults (see issuer.server.FAULT_KEYS); a None value clears that one."""
        return self._admin("POST", faults)["faults"]

    def clear_faults(self) -> None:
        self._admin("DELETE")

    def faults(self, **faults: Any) -> dict:
        """The faults now set; with keyword arguments, set those first (as set_faults)."""
        return self.set_faults(**faults) if faults else self._admin("GET")["faults"]

    def mint(self, *options: str, out: str | Path | None = None) -> list[str]:
        """`venue-issuer mint DIR OPTIONS --out FILE` (in-process, output kept quiet); returns
        the minted codes, one per line of FILE (a file in DIR unless `out` is given)."""
        from .cli import main as issuer_main
        out = Path(out) if out is not None else self.dir / "minted.txt"
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = issuer_main(["mint", str(self.dir), *options, "--out", str(out)])
        if rc != 0:
            raise RuntimeError(f"venue-issuer mint {' '.join(options)} failed (exit {rc}): {buf.getvalue()[-300:]}")
        return [line for line in out.read_text(encoding="utf-8").splitlines() if line]

    def events(self) -> list[dict]:
        """The scan events the platform has stored (read from its database)."""
        return self.platform.events()

    def __enter__(self) -> "ServerHandle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _spawn(args: list[str], stderr_path: Path | None, timeout: float,
           admin_token: str | None = None) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONUNBUFFERED", "1")
    err = open(stderr_path, "ab") if stderr_path else subprocess.DEVNULL
    try:
        proc = subprocess.Popen([sys.executable, "-m", "issuer.cli", *args], stdout=subprocess.PIPE, stderr=err,
                                cwd=str(REPO_ROOT), env=env)
    finally:
        if stderr_path:
            err.close()
    line: list[bytes] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not line or not line[0]:
        proc.kill()
        proc.wait(5)
        tail = stderr_path.read_text(errors="replace")[-2000:] if stderr_path and stderr_path.exists() else ""
        raise RuntimeError(f"venue-issuer serve did not start within {timeout} s: {tail}")
    url = json.loads(line[0])["url"]
    try:
        _wait_answering(url, admin_token, timeout)
    except RuntimeError:
        proc.kill()
        proc.wait(5)
        raise
    return proc, url


def _wait_answering(url: str, admin_token: str | None, timeout: float) -> None:
    """The socket listens before uvicorn serves: wait for any HTTP answer."""
    ctx = ssl._create_unverified_context() if url.startswith("https:") else None   # only "is it up?"
    headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(urllib.request.Request(url + "/_admin/faults", headers=headers),
                                        timeout=2, context=ctx):
                return
        except urllib.error.HTTPError:
            return                      # an answer (401/404...): it serves
        except (OSError, ValueError):
            if time.monotonic() > deadline:
                raise RuntimeError(f"venue-issuer serve at {url} does not answer within {timeout} s") from None
            time.sleep(0.05)


def prepare_server(dir: str | Path, *, port: int = 0, clock_offset: float = 0.0, faults: dict | None = None,
                   auto_refresh: bool = False, init: dict | None = None, tls: tuple[Path, Path] | None = None,
                   timeout: float = 10.0) -> ServerHandle:
    """A handle for `venue-issuer serve DIR` on 127.0.0.1, DIR initialised if needed, not started
    yet (mint first, or pass extra serve options to start()). Options as start_server."""
    dir = Path(dir)
    plat, _ = Platform.init(dir, **(init or {}))
    args = ["serve", str(dir), "--host", "127.0.0.1", "--port", str(port), "--clock-offset", str(clock_offset)]
    for k, v in (faults or {}).items():
        args += ["--fault", f"{k}={json.dumps(v)}"]
    if auto_refresh:
        args.append("--auto-refresh")
    if tls:
        args += ["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])]
    stderr_path = Path(tempfile.mkstemp(prefix="venue-issuer-", suffix=".log")[1])
    return ServerHandle(url="", token=plat.token, admin_token=plat.admin_token, dir=dir, root_pem=plat.root_pem_path,
                        port=port, proc=None, args=args, stderr_path=stderr_path, timeout=timeout)


def start_server(dir: str | Path, *, port: int = 0, clock_offset: float = 0.0, faults: dict | None = None,
                 auto_refresh: bool = False, init: dict | None = None, tls: tuple[Path, Path] | None = None,
                 timeout: float = 10.0) -> ServerHandle:
    """Start `venue-issuer serve DIR` on 127.0.0.1 (initialising DIR first if needed).

    port: 0 (default) lets the OS pick a free port.
    init: keyword arguments for Platform.init (root_kind, issuer_kind, validity, now, token).
    faults: the starting faults (as POST /_admin/faults would set them).
    tls: (certificate chain PEM, private key PEM) to serve HTTPS; the URL is then https://.
    """
    h = prepare_server(dir, port=port, clock_offset=clock_offset, faults=faults, auto_refresh=auto_refresh,
                       init=init, tls=tls, timeout=timeout)
    h.start()
    return h
