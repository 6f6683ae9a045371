"""Where the platform's state lives: one small interface, two implementations.

    >>> store = open_store(Path("plat"))                 # DIR/platform.db, or DIR/database.json's URL
    >>> with store.tx() as c:                            # one transaction; commits, or rolls back on error
    ...     c.execute("UPDATE meta SET value = ? WHERE key = ?", ("x", "k"))
    >>> store.read("SELECT value FROM meta WHERE key = ?", ("k",))

SQL is written once, in the dialect both engines share (qmark parameters `?`, `INSERT ...
ON CONFLICT`, no `INSERT OR REPLACE`); PostgresStore turns `?` into `%s` and the SQLite DDL
types into PostgreSQL's (BLOB -> BYTEA, INTEGER -> BIGINT, AUTOINCREMENT -> BIGSERIAL). What
differs is behind three methods: `lock_terminal` (SQLite: the database lock BEGIN IMMEDIATE
already takes; PostgreSQL: `SELECT ... FOR UPDATE` on the terminal's row, so uploads of one
terminal queue and uploads of others run side by side), `insert_events` (SQLite: one INSERT
... ON CONFLICT DO NOTHING per event; PostgreSQL: COPY into a temporary table, then one
`INSERT ... ON CONFLICT DO NOTHING RETURNING id` that also reads the hash already held for
every id it did not insert) and `migrate`.

A PostgreSQL platform keeps its keys in DIR like a SQLite one; DIR/database.json names the
database (`{"url": "postgresql://user@host:port/db", "password_file": "..."}`) and never holds
a password: that comes from the file named there or from VENUE_ISSUER_DB_PASSWORD (libpq's
PGPASSWORD and PGPASSFILE work too). A URL with a password in it is refused.

Raises StoreError (one line) for a database that cannot be reached or a refused URL.
"""
from __future__ import annotations

import atexit
import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DB_FILE = "platform.db"
DB_POINTER = "database.json"
PASSWORD_ENV = "VENUE_ISSUER_DB_PASSWORD"
# The columns an uploaded event is stored with, in the order insert_events receives them.
EVENT_COLUMNS = ("id", "terminal", "received", "body", "hash", "kind", "ts_ms", "venue", "mode", "profile", "typ",
                 "valid", "reason", "cert", "code", "ref")


class StoreError(Exception):
    """The database cannot be opened or used (unreachable, refused URL, foreign schema)."""


def is_pg_url(url: str | None) -> bool:
    return bool(url) and url.split(":", 1)[0] in ("postgresql", "postgres")


def check_pg_url(url: str) -> str:
    """`url` if it is a PostgreSQL URL without a password; StoreError otherwise."""
    if not is_pg_url(url):
        raise StoreError("--db takes a postgresql://user@host:port/dbname URL")
    try:
        parts = urlsplit(url)
        parts.port
    except ValueError as exc:
        raise StoreError(f"bad database URL: {exc}") from None
    if parts.password is not None or re.search(r"(?:^|[?&])password=", parts.query):
        raise StoreError("a database password never goes in the URL (argv is visible to every user): "
                         f"use --db-password-file FILE or {PASSWORD_ENV}")
    return url


def redact(url: str) -> str:
    return re.sub(r"//([^:@/]*):[^@/]*@", r"//\1:***@", url)


class Store:
    """The interface Platform uses. Every method opens (or borrows) its own connection."""

    kind = "?"

    def tx(self):                 # -> context manager yielding a Conn
        raise NotImplementedError

    def read(self, sql: str, args: Iterable = ()) -> list[tuple]:
        with self.tx() as c:
            return c.execute(sql, tuple(args)).fetchall()

    def lock_terminal(self, c: "Conn", terminal: str) -> str | None:
        """The terminal's chain head, locked until the transaction ends; None for no such terminal."""
        row = c.execute("SELECT chain_head FROM terminals WHERE id = ?", (terminal,)).fetchone()
        return row[0] if row else None

    def insert_events(self, c: "Conn", rows: Sequence[tuple]) -> dict[str, str | None]:
        """Insert `rows` (EVENT_COLUMNS, distinct ids) where their id is new. Returns, for every id
        NOT inserted, the hash already held for it (None for a version-1 event without hash)."""
        raise NotImplementedError

    def schema_version(self) -> int | None:
        """The platform schema held, or None when the database holds no platform."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def close(self) -> None:
        pass


class Conn:
    """A connection inside a transaction: execute / executemany return a DB-API cursor."""

    def __init__(self, raw: Any, translate=None):
        self.raw = raw
        self._t = translate or (lambda s: s)

    def execute(self, sql: str, args: Sequence = ()) -> Any:
        return self.raw.execute(self._t(sql), tuple(args))

    def executemany(self, sql: str, rows: Iterable[Sequence]) -> None:
        cur = self.raw.cursor()
        cur.executemany(self._t(sql), [tuple(r) for r in rows])

    def script(self, ddl: str) -> None:
        for stmt in filter(str.strip, ddl.split(";")):
            self.execute(stmt)


# ---- SQLite -----------------------------------------------------------------------------------

class SqliteStore(Store):
    """One SQLite file (WAL, synchronous=FULL). BEGIN IMMEDIATE: one writer at a time."""

    kind = "sqlite"

    def __init__(self, path: Path):
        self.path = Path(path)

    @classmethod
    def create(cls, path: Path) -> "SqliteStore":
        """A new, empty database file (0600, WAL: readers never wait for the writer)."""
        conn = sqlite3.connect(path)
        os.chmod(path, 0o600)
        conn.execute("PRAGMA journal_mode=WAL")      # persistent
        conn.close()
        return cls(path)

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=15, isolation_level=None)
        conn.execute("PRAGMA synchronous=FULL")      # an accepted event survives a power cut
        return conn

    @contextmanager
    def tx(self) -> Iterator[Conn]:
        conn = self.connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield Conn(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def read(self, sql: str, args: Iterable = ()) -> list[tuple]:
        conn = self.connect()
        try:
            return conn.execute(sql, tuple(args)).fetchall()
        finally:
            conn.close()

    def insert_events(self, c: Conn, rows: Sequence[tuple]) -> dict[str, str | None]:
        held: dict[str, str | None] = {}
        sql = (f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))}) "
               "ON CONFLICT (id) DO NOTHING")
        for row in rows:
            if c.execute(sql, row).rowcount != 1:
                held[row[0]] = c.execute("SELECT hash FROM events WHERE id = ?", (row[0],)).fetchone()[0]
        return held

    def schema_version(self) -> int | None:
        if not self.path.is_file():
            return None
        rows = self.read("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
        if not rows:
            return None
        v = self.read("SELECT value FROM meta WHERE key = 'schema'")
        return int(v[0][0]) if v else 1

    def describe(self) -> str:
        return str(self.path)


# ---- PostgreSQL -------------------------------------------------------------------------------

def pg_ddl(sqlite_ddl: str) -> str:
    """The SQLite DDL in PostgreSQL's types (the schema is declared once, in platform.py)."""
    ddl = re.sub(r"INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY", sqlite_ddl)
    ddl = re.sub(r"\bBLOB\b", "BYTEA", ddl)
    return re.sub(r"\bINTEGER\b", "BIGINT", ddl)


def _configure(conn) -> None:
    """Once per pooled connection: the temporary table uploads are copied into (emptied at commit)."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS upload (ord INT, id TEXT, terminal TEXT, received BIGINT, "
                 "body TEXT, hash TEXT, kind TEXT, ts_ms BIGINT, venue TEXT, mode TEXT, profile TEXT, typ TEXT, "
                 "valid BIGINT, reason TEXT, cert TEXT, code TEXT, ref TEXT) ON COMMIT DELETE ROWS")
    conn.commit()


def _qmark_to_pyformat(sql: str) -> str:
    # our SQL has no literal '?' or '%' inside strings; psycopg wants %s
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresStore(Store):
    """A PostgreSQL database through psycopg 3, with a small connection pool per process."""

    kind = "postgresql"

    def __init__(self, url: str, password: str | None = None):
        self.url = check_pg_url(url)
        self._password = password
        self._pool = None
        self._lock = threading.Lock()
        self._sql_cache: dict[str, str] = {}

    def _translate(self, sql: str) -> str:
        out = self._sql_cache.get(sql)
        if out is None:
            out = self._sql_cache[sql] = _qmark_to_pyformat(sql)
        return out

    def pool(self):
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    import psycopg
                    from psycopg_pool import ConnectionPool
                    kwargs = {"password": self._password} if self._password else {}
                    # one plain connection first: a refused one fails at once with libpq's
                    # reason (the pool would retry until its timeout and say only that)
                    try:
                        psycopg.connect(self.url, connect_timeout=10, **kwargs).close()
                    except psycopg.Error as exc:
                        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[-1][:300]
                        raise StoreError(f"cannot connect to {redact(self.url)}: {reason}") from None
                    pool = ConnectionPool(self.url, kwargs=kwargs, min_size=1, configure=_configure,
                                          max_size=int(os.environ.get("VENUE_ISSUER_DB_POOL", "8")),
                                          open=False, timeout=30)
                    pool.open(wait=False)
                    self._pool = pool
                    atexit.register(self.close)
        return self._pool

    @contextmanager
    def tx(self) -> Iterator[Conn]:
        with self.pool().connection() as conn:
            with conn.transaction():
                yield Conn(conn, self._translate)

    def lock_terminal(self, c: Conn, terminal: str) -> str | None:
        # the row lock queues uploads of this terminal (its chain is checked in order) and lets
        # every other terminal's upload go on at the same time
        row = c.execute("SELECT chain_head FROM terminals WHERE id = ? FOR UPDATE", (terminal,)).fetchone()
        return row[0] if row else None

    def insert_events(self, c: Conn, rows: Sequence[tuple]) -> dict[str, str | None]:
        if not rows:
            return {}
        raw = c.raw          # the temporary table `upload` is made per connection (_configure)
        cols = ", ".join(EVENT_COLUMNS)
        with raw.cursor() as cur:
            with cur.copy(f"COPY upload (ord, {cols}) FROM STDIN") as cp:
                for n, row in enumerate(rows):
                    cp.write_row((n, *row))
            # the outer SELECT sees the table as it was before this statement's INSERT: a
            # joined events row is one that was already there
            cur.execute(f"WITH ins AS (INSERT INTO events ({cols}) SELECT {cols} FROM upload ORDER BY ord "
                        "ON CONFLICT (id) DO NOTHING RETURNING id) "
                        "SELECT u.id, e.hash, e.id IS NOT NULL FROM upload u LEFT JOIN ins ON ins.id = u.id "
                        "LEFT JOIN events e ON e.id = u.id WHERE ins.id IS NULL")
            held: dict[str, str | None] = {}
            racing = []
            for eid, h, found in cur.fetchall():
                if found:
                    held[eid] = h
                else:
                    racing.append(eid)       # inserted by an upload that committed while we waited
            if racing:
                cur.execute("SELECT id, hash FROM events WHERE id = ANY(%s)", (racing,))
                held.update(dict(cur.fetchall()))
        return held

    def schema_version(self) -> int | None:
        rows = self.read("SELECT to_regclass('meta') IS NOT NULL")
        if not rows[0][0]:
            return None
        v = self.read("SELECT value FROM meta WHERE key = 'schema'")
        return int(v[0][0]) if v else None

    def describe(self) -> str:
        return redact(self.url)

    def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.close()


# ---- opening ----------------------------------------------------------------------------------

_PG_STORES: dict[tuple[str, str | None], PostgresStore] = {}
_PG_LOCK = threading.Lock()


def read_password(password_file: str | None) -> str | None:
    """The database password: VENUE_ISSUER_DB_PASSWORD, else the first line of `password_file`."""
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if password_file:
        try:
            return Path(password_file).read_text(encoding="utf-8").splitlines()[0].strip() or None
        except (OSError, IndexError, UnicodeDecodeError) as exc:
            raise StoreError(f"cannot read the database password file {password_file}: "
                             f"{getattr(exc, 'strerror', None) or 'empty or not text'}") from None
    return None


def postgres_store(url: str, password_file: str | None = None) -> PostgresStore:
    """One PostgresStore (one pool) per URL and password in this process."""
    password = read_password(password_file)
    key = (check_pg_url(url), password)
    with _PG_LOCK:
        if key not in _PG_STORES:
            _PG_STORES[key] = PostgresStore(url, password)
        return _PG_STORES[key]


def close_stores() -> None:
    """Close every PostgreSQL pool this process opened (tests: between schemas)."""
    with _PG_LOCK:
        stores = list(_PG_STORES.values())
        _PG_STORES.clear()
    for s in stores:
        s.close()


def pointer(root: Path) -> dict | None:
    """DIR/database.json: {"url", "password_file"} of a PostgreSQL platform, or None."""
    path = Path(root) / DB_POINTER
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        check_pg_url(data["url"])
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"{path} is not a database pointer: {exc}") from None
    return data


def write_pointer(path: Path, url: str, password_file: str | None) -> None:
    data = {"url": check_pg_url(url)}
    if password_file:
        data["password_file"] = str(Path(password_file).resolve())
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.chmod(path, 0o600)


def open_store(root: Path, db: str | None = None, password_file: str | None = None) -> Store | None:
    """The store of platform directory `root`: `db` if given (a postgresql:// URL), else the one
    DIR/database.json names, else DIR/platform.db. None when DIR holds neither."""
    root = Path(root)
    if db:
        return postgres_store(db, password_file)
    ptr = pointer(root)
    if ptr is not None:
        return postgres_store(ptr["url"], password_file or ptr.get("password_file"))
    if (root / DB_FILE).is_file():
        return SqliteStore(root / DB_FILE)
    return None
