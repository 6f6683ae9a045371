"""Fixtures for the sync tests: a real reference platform (`venue-issuer serve` as a
subprocess on 127.0.0.1, through the one harness in issuer/testing.py) over a platform directory
in tmp_path, and enrolled terminal homes.

    def test_x(platform, enrolled):
        home = enrolled()                          # enrolled via `venue-terminal enroll`
        platform.faults(delay_seconds=1)           # the server's fault-injection admin API
        platform.stop(); platform.start()          # same DIR, same port
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from issuer.cli import main as issuer_main
from issuer.testing import ServerHandle, prepare_server
from terminal.cli import main as terminal_main

ISSUER = [sys.executable, "-m", "issuer.cli"]
REPO = Path(__file__).resolve().parents[2]


class PlatformServer(ServerHandle):
    """The harness's ServerHandle (issuer.testing: `venue-issuer serve DIR` on 127.0.0.1, a free
    port, restartable on the same port) plus what these tests use: the Platform object, the
    issuer CLI on DIR, and the events as `venue-issuer events --json` prints them."""

    @classmethod
    def create(cls, root: Path) -> "PlatformServer":
        h = prepare_server(root)
        server = cls(**{f.name: getattr(h, f.name) for f in dataclasses.fields(h)})
        server.plat = server.platform
        return server

    def issuer(self, *args: str) -> int:
        return issuer_main([args[0], str(self.dir), *args[1:]])

    def mint(self, out: Path, count: int = 1, *flags: str) -> list[str]:
        """`venue-issuer mint DIR --type resident ... --out FILE`; returns the minted rows."""
        return super().mint("--type", "resident", "--count", str(count), *flags, out=out)

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
    server = PlatformServer.create(tmp_path / "platform")
    server.start()
    yield server
    server.stop()


def run_terminal(*argv: str) -> int:
    return terminal_main(list(argv))


def enrol(server: PlatformServer, home: Path, venue: str = "V-test", token: str | None = None) -> int:
    """`venue-terminal --home HOME enroll --code ...` against `server` (a fresh one-time code for
    `venue`; with `token`, the version 1 shared-token path); returns the exit code."""
    cred = f"--token={token}" if token else f"--code={server.platform.add_terminal_code(venue)}"
    return run_terminal("--home", str(home), "enroll", "--platform", server.url, cred,
                        "--root-key", str(server.root_pem), "--venue", venue)


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
    server = PlatformServer.create(tmp_path_factory.mktemp("shared") / "platform")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def shared(shared_platform):
    shared_platform.clear_faults()
    yield shared_platform
    if shared_platform.proc is not None:
        shared_platform.clear_faults()
