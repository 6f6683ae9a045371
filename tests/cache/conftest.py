"""Fixtures for the store tests: a fresh terminal database in tmp_path for every test."""
from __future__ import annotations

import pytest

from cache import Store


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


@pytest.fixture
def store(home):
    s = Store.open(home)
    yield s
    s.close()
