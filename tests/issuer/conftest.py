"""Fixtures for the reference-platform tests: real platform directories, a real server process.

    def test_x(platform_server):            # one `venue-issuer serve` per module, 127.0.0.1, port 0
        requests.get(platform_server.url + "/v1/trust-list", headers=platform_server.auth)

(No __init__.py here: a package named `issuer` would shadow the real one. Helpers are in
issuer_helpers.py.)
"""
from __future__ import annotations

import pytest

from issuer import store
from issuer.platform import Platform
from issuer.testing import PgCluster, pg_bin, start_server
from issuer_helpers import NOW

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg_cluster():
    """One throwaway PostgreSQL cluster for the whole session (initdb in a temp dir, 127.0.0.1, a
    free port, stopped by its pid); each test gets its own schema in it (pg_url)."""
    if not pg_bin("initdb"):
        pytest.skip("PostgreSQL server programs missing (scripts/bootstrap.sh installs postgresql)")
    cluster = PgCluster.start()
    yield cluster
    store.close_stores()
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster):
    """A fresh schema in the session's cluster: (URL, password file). Its pools close at the end."""
    url = pg_cluster.new_schema()
    yield url, pg_cluster.password_file
    store.close_stores()


@pytest.fixture(params=BACKENDS)
def backend(request):
    """{} for SQLite, {"db": URL, "password_file": F} for PostgreSQL: Platform.init keyword arguments."""
    if request.param == "sqlite":
        return {}
    url, pwfile = request.getfixturevalue("pg_url")
    return {"db": url, "password_file": pwfile}


@pytest.fixture(scope="module", params=["sqlite", "postgresql-2-workers"])
def platform_server(request, tmp_path_factory):
    """One `venue-issuer serve` per module and backend: SQLite with one worker, and PostgreSQL
    with `--workers 2` (every request may land on either process: the state, faults included,
    must be in the database)."""
    init, workers = {}, 1
    if request.param != "sqlite":
        cluster = request.getfixturevalue("pg_cluster")
        init, workers = {"db": cluster.new_schema(), "password_file": cluster.password_file}, 2
    handle = start_server(tmp_path_factory.mktemp("platform") / "plat", init=init, workers=workers)
    yield handle
    handle.stop()


@pytest.fixture
def plat(tmp_path, backend) -> Platform:
    """A fresh platform directory with its clock pinned at NOW, on each backend."""
    p, created = Platform.init(tmp_path / "plat", now=NOW, **backend)
    assert created
    return p
