"""Fixtures for the reference-platform tests: real platform directories, a real server process.

    def test_x(platform_server):            # one `venue-issuer serve` per module, 127.0.0.1, port 0
        requests.get(platform_server.url + "/v1/trust-list", headers=platform_server.auth)

(No __init__.py here: a package named `issuer` would shadow the real one. Helpers are in
issuer_helpers.py.)
"""
from __future__ import annotations

import pytest

from issuer.platform import Platform
from issuer.testing import start_server
from issuer_helpers import NOW


@pytest.fixture(scope="module")
def platform_server(tmp_path_factory):
    handle = start_server(tmp_path_factory.mktemp("platform") / "plat")
    yield handle
    handle.stop()


@pytest.fixture
def plat(tmp_path) -> Platform:
    """A fresh platform directory with its clock pinned at NOW."""
    p, created = Platform.init(tmp_path / "plat", now=NOW)
    assert created
    return p
