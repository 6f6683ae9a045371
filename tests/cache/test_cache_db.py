"""cache.db: opening, pragmas, permissions, migrations, thread rule."""
from __future__ import annotations

import os
import sqlite3
import stat
import threading

import pytest

import cache.db as cdb
from cache import SchemaTooNew, Store


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_database_is_migrated_once_and_reopen_is_idempotent(home, monkeypatch):
    calls = []
    original = cdb.MIGRATIONS[0]

    def counting(conn):
        calls.append(1)
        original(conn)

    monkeypatch.setattr(cdb, "MIGRATIONS", [counting, *cdb.MIGRATIONS[1:]])
    conn = cdb.connect(home)
    assert cdb.schema_version(conn) == len(cdb.MIGRATIONS) == cdb.SCHEMA_VERSION
    conn.execute("INSERT INTO state (key, value) VALUES ('k', '1')")
    conn.close()
    for _ in range(3):
        conn = cdb.connect(home)
        assert cdb.migrate(conn) == []
        assert conn.execute("SELECT value FROM state WHERE key = 'k'").fetchone() == ("1",)
        conn.close()
    assert calls == [1]


def test_migrations_apply_in_order_each_committed_with_its_version(home, monkeypatch):
    def m2(conn):
        conn.execute("CREATE TABLE extra (x INTEGER)")

    def m3_fails(conn):
        conn.execute("CREATE TABLE extra3 (x INTEGER)")
        raise RuntimeError("boom")

    conn = cdb.connect(home)
    conn.close()
    n = len(cdb.MIGRATIONS)
    monkeypatch.setattr(cdb, "MIGRATIONS", [*cdb.MIGRATIONS, m2, m3_fails])
    monkeypatch.setattr(cdb, "SCHEMA_VERSION", n + 2)
    with pytest.raises(RuntimeError, match="boom"):
        cdb.connect(home)
    conn = cdb.connect(home, run_migrations=False)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert cdb.schema_version(conn) == n + 1      # m2 committed, m3 rolled back whole
    assert "extra" in tables and "extra3" not in tables
    conn.close()


def test_newer_schema_is_refused(home):
    conn = cdb.connect(home)
    conn.execute(f"PRAGMA user_version = {cdb.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew, match="newer"):
        Store.open(home)


def test_files_are_private(home):
    s = Store.open(home)
    s.state.set_state("x", 1)  # a write, so the WAL has content
    db = home / "terminal.db"
    for p in (db, db.with_name("terminal.db-wal"), db.with_name("terminal.db-shm")):
        assert p.exists(), p
        assert _mode(p) == 0o600, (p, oct(_mode(p)))
    assert _mode(home) == 0o700
    s.close()


def test_loose_permissions_are_tightened_on_open(home):
    Store.open(home).close()
    db = home / "terminal.db"
    os.chmod(db, 0o644)
    s = Store.open(home)
    assert _mode(db) == 0o600
    s.close()


def test_umask_restored(home):
    before = os.umask(0o022)
    os.umask(before)
    Store.open(home).close()
    after = os.umask(before)
    os.umask(before)
    assert after == before


def test_pragmas(store):
    c = store.conn
    assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert c.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert c.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert c.execute("PRAGMA busy_timeout").fetchone()[0] == cdb.BUSY_TIMEOUT_MS


def test_default_home_is_platformdirs(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert cdb.default_home() == tmp_path / "xdg" / "venue-terminal"
    s = Store.open(None)
    assert s.path == tmp_path / "xdg" / "venue-terminal" / "terminal.db" and s.path.exists()
    s.close()


def test_connection_belongs_to_its_thread(store):
    errors = []

    def other():
        try:
            store.outbox.counts()
        except sqlite3.ProgrammingError as exc:
            errors.append(exc)

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert len(errors) == 1


def test_two_stores_on_one_file_see_each_others_commits(home):
    a, b = Store.open(home), Store.open(home)
    a.state.set_state("k", "v")
    assert b.state.get_state("k") == "v"
    a.close()
    b.close()


def test_transaction_rolls_back_on_error(store):
    with pytest.raises(ValueError):
        with cdb.transaction(store.conn):
            store.conn.execute("INSERT INTO state (key, value) VALUES ('a', '1')")
            raise ValueError("x")
    assert store.state.get_state("a") is None
    assert not store.conn.in_transaction


def test_concurrent_first_opens_migrate_once(tmp_path):
    home = tmp_path / "fresh"
    errors, versions = [], []
    barrier = threading.Barrier(4)

    def opener():
        try:
            barrier.wait()
            conn = cdb.connect(home)
            versions.append(cdb.schema_version(conn))
            conn.close()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and versions == [cdb.SCHEMA_VERSION] * 4
