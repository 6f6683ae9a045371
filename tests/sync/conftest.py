"""Fixtures for the sync tests: a real reference platform (`venue-issuer serve` as a
subprocess on 127.0.0.1) over a platform directory in tmp_path, and enrolled terminal homes.

    def test_x(platform, enrolled):
        home = enrolled()                          # enrolled via `venue-terminal enroll`
        platform.faults(delay_seconds=1)           # the server's fault-injection admin API
        platform.stop(); platform.start()          # same DIR, same port
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from issuer.cli import main as issuer_main
from issuer.platform import Platform
from terminal.cli import main as terminal_main

ISSUER = [sys.executable, "-m", "issuer.cli"]
REPO = Path(__file__).resolve().parents[2]


class PlatformServer:
    """`venue-issuer serve DIR` in a child process; restartable on the same port."""

    def __init__(self, root: Path):
        self.dir = root
        self.plat, _ = Platform.init(root)
        self.token = self.plat.token
        self.admin_token = self.plat.admin_token
        self.root_pem = root / "root.pem"
        self.port = 0
        self.url: str | None = None
        self.proc: subprocess.Popen | None = None

    def start(self, *extra: str) -> str:
        assert self.proc is None
        self.proc = subprocess.Popen([*ISSUER, "serve", str(self.dir), "--port", str(self.port), *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
        line = self.proc.stdout.readline()
        if not line:
            err = self.proc.stderr.read().decode()[-2000:]
            self.proc.wait()
            self.proc = None
            raise RuntimeError(f"venue-issuer serve did not start: {err}")
        self.url = json.loads(line)["url"]
        self.port = int(self.url.rsplit(":", 1)[1])
        # the socket listens before uvicorn runs: wait until it answers
        deadline = time.monotonic() + 15
        while True:
            try:
                requests.get(self.url + "/_admin/faults", timeout=2,
                             headers={"Authorization": f"Bearer {self.admin_token}"})
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        return self.url

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdout.close()
            self.proc.stderr.close()
            self.proc = None

    def faults(self, **faults) -> dict:
        r = requests.post(self.url + "/_admin/faults", json=faults, timeout=5,
                          headers={"Authorization": f"Bearer {self.admin_token}"})
        r.raise_for_status()
        return r.json()["faults"]

    def clear_faults(self) -> None:
        requests.delete(self.url + "/_admin/faults", timeout=5,
                        headers={"Authorization": f"Bearer {self.admin_token}"}).raise_for_status()

    def issuer(self, *args: str) -> int:
        return issuer_main([args[0], str(self.dir), *args[1:]])

    def mint(self, out: Path, count: int = 1, *flags: str) -> list[dict]:
        """`venue-issuer mint DIR --type resident ... --out FILE`; returns the minted rows."""
        rc = issuer_main(["mint", str(self.dir), "--type", "resident", "--count", str(count), "--out", str(out),
                          *flags])
        assert rc == 0
        return [r for r in out.read_text().splitlines() if r]

    def events(self) -> list[dict]:
        """What the platform holds, via `venue-issuer events DIR --json` (a subprocess: its real output)."""
        out = subprocess.run([*ISSUER, "events", str(self.dir), "--json"], capture_output=True, text=True,
                             cwd=REPO, timeout=60, check=True)
        return json.loads(out.stdout)


def canonical_json(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def server_chain_problem(events: list[dict]) -> str | None:
    """Recompute the hash chain over the platform's events in the order it received them
    (written here from the spec, independently of cache.outbox)."""
    prev = "0" * 64
    for n, ev in enumerate(events):
        body = {k: v for k, v in ev.items() if k != "hash"}
        if ev.get("prev") != prev:
            return f"event #{n} ({ev.get('id')}): prev does not link to the event before it"
        if hashlib.sha256(canonical_json(body)).hexdigest() != ev.get("hash"):
            return f"event #{n} ({ev.get('id')}): hash does not cover its content"
        prev = ev["hash"]
    return None


@pytest.fixture
def platform(tmp_path):
    server = PlatformServer(tmp_path / "platform")
    server.start()
    yield server
    server.stop()


def run_terminal(*argv: str) -> int:
    return terminal_main(list(argv))


def enrol(server: PlatformServer, home: Path, venue: str = "V-test", token: str | None = None) -> int:
    """`venue-terminal --home HOME enroll ...` against `server`; returns the exit code."""
    return run_terminal("--home", str(home), "enroll", "--platform", server.url,
                        f"--token={token or server.token}", "--root-key", str(server.root_pem), "--venue", venue)


@pytest.fixture
def enrolled(platform, tmp_path, capsys):
    """enrolled(name="home") -> home Path, enrolled with `venue-terminal enroll` (first sync ok)."""
    def make(name: str = "home", venue: str = "V-test") -> Path:
        home = tmp_path / name
        rc = enrol(platform, home, venue)
        out = capsys.readouterr().out
        assert rc == 0, out
        return home
    return make


@pytest.fixture(scope="module")
def shared_platform(tmp_path_factory):
    """One platform server for a whole module (tests that only need a fresh terminal each);
    every test starts and ends with no faults set."""
    server = PlatformServer(tmp_path_factory.mktemp("shared") / "platform")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def shared(shared_platform):
    shared_platform.clear_faults()
    yield shared_platform
    if shared_platform.proc is not None:
        shared_platform.clear_faults()
