"""Fixtures for the venue tests (spec v2 section 7): a real redis-server on 127.0.0.1 (a free
port, a password, stopped by its pid; cache.redis_server), one real reference platform for the
module, and terminal homes enrolled at one venue that share its secret (exported from the first
with `venue-terminal venue-secret export`, imported at the others' enrolment)."""
from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from cache.redis_server import RedisServer
from tests.sync.conftest import PlatformServer
from terminal.cli import main as terminal_main

PASSWORD = "pw-" + secrets.token_hex(8)


@pytest.fixture
def redis_server(tmp_path):
    srv = RedisServer.start(tmp_path / "redis", password=PASSWORD)
    yield srv
    srv.stop()


@pytest.fixture
def password_file(tmp_path) -> Path:
    p = tmp_path / "venue-store.password"
    p.write_text(PASSWORD + "\n")
    p.chmod(0o600)
    return p


@pytest.fixture(scope="module")
def venue_platform(tmp_path_factory):
    server = PlatformServer.create(tmp_path_factory.mktemp("venue") / "platform")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def gates(venue_platform, tmp_path, capsys):
    """gates(n, venue="V-park", store=url_or_None, password_file=None) -> [home, ...]: n terminals
    enrolled at one venue; the first makes the venue secret, the others import it."""
    def make(n: int, venue: str = "V-park", store: str | None = None, password_file: Path | None = None,
             prefix: str = "gate") -> list[Path]:
        homes = []
        secret = tmp_path / f"{venue}.secret"
        for i in range(n):
            home = tmp_path / f"{prefix}{i + 1}-{venue}"
            argv = ["--home", str(home), "enroll", "--platform", venue_platform.url,
                    f"--code={venue_platform.platform.add_terminal_code(venue)}",
                    "--root-key", str(venue_platform.root_pem), "--venue", venue]
            if store is not None:
                argv += ["--venue-store", store]
            if password_file is not None:
                argv += ["--venue-store-password-file", str(password_file)]
            if i > 0:
                argv += ["--venue-secret", str(secret)]
            rc = terminal_main(argv)
            assert rc == 0, capsys.readouterr()
            if i == 0 and not secret.exists():
                assert terminal_main(["--home", str(home), "venue-secret", "export", str(secret)]) == 0
            homes.append(home)
        capsys.readouterr()
        return homes
    return make
