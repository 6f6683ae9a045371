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
                   timeout: float = 10.0, workers: int = 1, test_faults: bool = True) -> ServerHandle:
    """A handle for `venue-issuer serve DIR` on 127.0.0.1, DIR initialised if needed, not started
    yet (mint first, or pass extra serve options to start()). Options as start_server."""
    dir = Path(dir)
    plat, _ = Platform.init(dir, **(init or {}))
    # the harness is for tests and the demo: fault injection on (it never is by default)
    args = ["serve", str(dir), "--host", "127.0.0.1", "--port", str(port), "--clock-offset", str(clock_offset),
            "--workers", str(workers)] + (["--test-faults"] if test_faults else [])
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
                 timeout: float = 10.0, workers: int = 1, test_faults: bool = True) -> ServerHandle:
    """Start `venue-issuer serve DIR` on 127.0.0.1 (initialising DIR first if needed).

    port: 0 (default) lets the OS pick a free port.
    init: keyword arguments for Platform.init (root_kind, issuer_kind, validity, now, token; db and
    password_file for a PostgreSQL platform).
    workers: `serve --workers N` (uvicorn processes sharing the database).
    test_faults: serve with --test-faults (the fault API; on for tests, off for benchmarks).
    faults: the starting faults (as POST /_admin/faults would set them).
    tls: (certificate chain PEM, private key PEM) to serve HTTPS; the URL is then https://.
    """
    h = prepare_server(dir, port=port, clock_offset=clock_offset, faults=faults, auto_refresh=auto_refresh,
                       init=init, tls=tls, timeout=timeout, workers=workers, test_faults=test_faults)
    h.start()
    return h


# ---- a throwaway PostgreSQL cluster ------------------------------------------------------------

PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def pg_bin(name: str) -> str | None:
    """A PostgreSQL server program (initdb, pg_ctl) from Debian's packages, or from PATH."""
    import shutil
    for d in PG_BIN_DIRS:
        if (d / name).is_file():
            return str(d / name)
    return shutil.which(name)


@dataclass
class PgCluster:
    """A PostgreSQL cluster of its own: `initdb` in a temporary directory, listening only on
    127.0.0.1 on a free port, password (scram-sha-256) auth on TCP, stopped by its pid.

        >>> pg = PgCluster.start()                   # as root, runs as the `postgres` system user
        >>> url = pg.new_schema()                    # postgresql://postgres@127.0.0.1:PORT/postgres?options=...
        >>> Platform.init(dir, db=url, password_file=pg.password_file)
        >>> pg.stop()

    initdb refuses to run as root (CI runs as root): then the cluster runs as `postgres`, the
    user Debian's package creates, and its directory is owned by it. fsync=False (tests) trades
    crash safety for speed; benchmarks keep it on.
    """

    dir: Path
    port: int
    password: str
    pid: int | None = None

    @property
    def password_file(self) -> str:
        return str(self.dir / "password")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @classmethod
    def start(cls, *, fsync: bool = False, max_connections: int = 200, timeout: float = 60) -> "PgCluster":
        import secrets
        import shutil
        import socket
        initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("PostgreSQL server programs not found (Debian package postgresql; "
                               "scripts/bootstrap.sh installs it)")
        root = Path(tempfile.mkdtemp(prefix="venue-pg-"))
        as_user: list[str] = []
        if os.geteuid() == 0:
            import pwd
            ent = pwd.getpwnam("postgres")
            os.chown(root, ent.pw_uid, ent.pw_gid)
            as_user = ["runuser", "-u", "postgres", "--"]
        os.chmod(root, 0o700)
        password = secrets.token_urlsafe(18)
        pwfile = root / "password"
        pwfile.write_text(password + "\n")
        os.chmod(pwfile, 0o644 if as_user else 0o600)    # the server user reads it for initdb; 0700 dir
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        data = root / "data"
        run = lambda *cmd: subprocess.run([*as_user, *cmd], capture_output=True, text=True, timeout=timeout)  # noqa: E731
        r = run(initdb, "-D", str(data), "-U", "postgres", f"--pwfile={pwfile}", "--auth-local=trust",
                "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        if r.returncode != 0:
            shutil.rmtree(root, ignore_errors=True)
            raise RuntimeError(f"initdb failed: {r.stderr.strip()[-500:]}")
        opts = (f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c max_connections={max_connections} "
                f"-c fsync={'on' if fsync else 'off'} -c synchronous_commit={'on' if fsync else 'off'} "
                "-c full_page_writes=off -c shared_buffers=64MB")
        r = run(pg_ctl, "-D", str(data), "-l", str(data / "server.log"), "-o", opts, "-w", "-t", str(int(timeout)),
                "start")
        cluster = cls(dir=root, port=port, password=password)
        try:
            cluster.pid = int((data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            log = (data / "server.log").read_text(errors="replace")[-800:] if (data / "server.log").exists() else ""
            shutil.rmtree(root, ignore_errors=True)
            raise RuntimeError(f"PostgreSQL did not start: {r.stderr.strip()[-300:]} {log}") from None
        if r.returncode != 0:
            cluster.stop()
            raise RuntimeError(f"PostgreSQL did not start: {r.stderr.strip()[-500:]}")
        return cluster

    def connect(self, **kw):
        import psycopg
        return psycopg.connect(self.url, password=self.password, autocommit=True, **kw)

    def new_schema(self, name: str | None = None) -> str:
        """A fresh, empty schema; the URL that works in it (search_path in the URL's options)."""
        import secrets
        name = name or f"t_{secrets.token_hex(6)}"
        with self.connect() as conn:
            conn.execute(f'CREATE SCHEMA "{name}"')
        return f"{self.url}?options=-csearch_path%3D{name}"

    def stop(self, timeout: float = 30) -> None:
        """Fast shutdown (SIGINT) of this cluster's postmaster by its pid, then remove its directory."""
        import shutil
        import signal
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGINT)
                deadline = time.monotonic() + timeout
                pidfile = self.dir / "data" / "postmaster.pid"
                while time.monotonic() < deadline and pidfile.exists():     # removed at a clean shutdown
                    os.kill(self.pid, 0)
                    time.sleep(0.05)
                if pidfile.exists():
                    os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.pid = None
        shutil.rmtree(self.dir, ignore_errors=True)


# ---- generated scan-event workloads (report tests, the platform bench) ------------------------

def chained_events(terminal: str, venue: str, ts_ms: list[int], *, rng: "random.Random | None" = None,
                   prev: str | None = None, mix: bool = True) -> list[dict]:
    """One correctly chained event per time in `ts_ms` (Unix ms) for `terminal` at `venue`.

    mix=True draws every kind (scans with each profile, typ and many reasons, unreadable ones
    without a profile, manual checks of several certificate types, disputes of earlier scans of
    this terminal, sessions, alerts) from `rng`; mix=False gives only valid EZ1 scans. Only the
    spec's fields: a pseudonymous holder_ref, never a name or an ID number.
    """
    import random
    import uuid as _uuid

    from vocab.events import DISPUTE_CODES, GENESIS, event_hash, ms_to_ts
    from vocab.spec import CERT_TYPES, MODES, PREFIXES
    rng = rng or random.Random(0)
    prev = prev or GENESIS
    reasons = ("ok", "ok", "ok", "ok", "expired", "revoked", "bad_signature", "stale_presentation", "policy_denied",
               "unknown_issuer", "trust_list_expired")
    out: list[dict] = []
    scans: list[str] = []
    for t in ts_ms:
        ev: dict = {"id": str(_uuid.UUID(int=rng.getrandbits(128), version=4)), "ts": ms_to_ts(t),
                    "terminal": terminal, "venue": venue, "mode": rng.choice(MODES) if mix else "gate"}
        roll = rng.random() if mix else 0.0
        if roll < 0.70:
            unreadable = mix and rng.random() < 0.08
            reason = "unreadable" if unreadable else rng.choice(reasons) if mix else "ok"
            profile = None if unreadable else rng.choice(PREFIXES) if mix else "EZ1"
            typ = None if unreadable else "dcc" if profile == "HC1" else rng.choice(("resident", "enterprise"))
            ev.update(kind="scan", profile=profile, typ=typ, valid=reason == "ok", reason=reason,
                      issuer=None if unreadable else "%016x" % rng.getrandbits(64),
                      holder_ref=None if unreadable else "%032x" % rng.getrandbits(128), policy="default",
                      operator="staff-07")
            scans.append(ev["id"])
        elif roll < 0.85:
            ev.update(kind="manual", cert=rng.choice(CERT_TYPES[:4]), valid=rng.random() < 0.9, operator="staff-07")
        elif roll < 0.92 and scans:
            ev.update(kind="dispute", ref=rng.choice(scans), code=rng.choice(DISPUTE_CODES))
        elif roll < 0.97:
            ev.update(kind="session", action=rng.choice(("sign_in", "sign_out")), operator="staff-07")
        else:
            ev.update(kind="alert", code="double_use", ref=rng.choice(scans) if scans else None)
        ev = {k: v for k, v in ev.items() if v is not None}
        ev["prev"] = prev
        ev["hash"] = prev = event_hash(ev)
        out.append(ev)
    return out
