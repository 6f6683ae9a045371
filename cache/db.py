"""Open the terminal database `<home>/terminal.db`: the one place that sets pragmas,
file permissions and runs the schema migrations.

    from cache.db import connect, transaction
    conn = connect("/var/lib/venue-terminal")      # None: platformdirs user data dir
    with transaction(conn):                        # BEGIN IMMEDIATE ... COMMIT
        conn.execute("INSERT INTO state(key, value) VALUES (?, ?)", ("k", '"v"'))

Threads: a connection belongs to the thread that opened it (`check_same_thread=True`,
sqlite3 raises `ProgrammingError` when another thread touches it). Open one connection
(or one `cache.Store`) per thread. WAL mode lets any number of readers run beside one
writer; a second writer waits up to `BUSY_TIMEOUT_MS` for the write lock.

Durability: `synchronous=FULL`. In WAL mode a commit with `synchronous=NORMAL` is written
to the WAL in the OS page cache and survives a killed process (SIGKILL), but not a power
cut or kernel crash, because the WAL is only fsync'ed at checkpoints. The outbox is a scan
log whose row must exist before the verdict is shown and a gate terminal can lose power
at any moment, so every COMMIT is fsync'ed (FULL): one fsync per scan is cheap at human
scan rates (see bench/bench_stores.py for the measured append rate).

Permissions: the database holds the enrolment token and the venue secret. It is created
under umask 0o077 and chmod'ed 0600, and so are its `-wal` and `-shm` files (SQLite
creates those with the database file's mode). A home directory we create is 0700.

Migrations: `MIGRATIONS[i]` takes the schema from version i to i+1; the version lives in
`PRAGMA user_version`. Each runs in its own BEGIN IMMEDIATE transaction together with the
user_version bump, so a crash mid-migration leaves the previous version intact.
Never edit a released migration; append a new one.

Raises: `SchemaTooNew` when the file was written by a newer program; `sqlite3.Error`
for an unreadable or locked file.
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import SchemaTooNew

if TYPE_CHECKING:
    import sqlite_utils

DB_NAME = "terminal.db"
APP_NAME = "venue-terminal"
BUSY_TIMEOUT_MS = 5000
# Hot lookups (revocations) read random B-tree pages; a bigger page cache than the 2 MB
# default keeps the inner pages of a 10-million-entry table resident.
CACHE_SIZE_KIB = 32 * 1024

JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024

_umask_lock = threading.Lock()


def default_home() -> Path:
    """platformdirs' per-user data directory for the terminal (e.g. ~/.local/share/venue-terminal)."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def resolve_home(home: str | os.PathLike[str] | None) -> Path:
    """`home` as a Path, or `default_home()` when None."""
    return Path(home) if home is not None else default_home()


def db_path(home: str | os.PathLike[str] | None) -> Path:
    """Where the terminal database lives for this home."""
    return resolve_home(home) / DB_NAME


# ----------------------------------------------------------------------------- migrations

def _m1_initial(conn: sqlite3.Connection) -> None:
    # One statement at a time: executescript() would COMMIT the migration transaction.
    for sql in _V1_SQL:
        conn.execute(sql)


# One signed list exactly as received, plus the header fields that refuse a rollback
# (cache.trust_store.TrustStore): the trust list, and the DCC trust list (version 4).
_SIGNED_LIST = """(
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        raw         BLOB    NOT NULL,
        seq         INTEGER NOT NULL,
        next        INTEGER,
        iat         INTEGER,
        etag        TEXT,
        received_at INTEGER NOT NULL
    )"""

_V1_SQL = (
    # Trust list: one row holding the signed bytes as received plus the list's metadata;
    # issuers are parsed rows in list order (pos) so the core can look a kid up without
    # parsing CBOR again. No uniqueness on kid: deciding about duplicates is the core's job.
    "CREATE TABLE trust_list " + _SIGNED_LIST,
    """CREATE TABLE trust_issuers (
        pos    INTEGER PRIMARY KEY,
        kid    BLOB    NOT NULL,
        iss    TEXT    NOT NULL,
        alg    INTEGER NOT NULL,
        spki   BLOB    NOT NULL,
        nbf    INTEGER,
        exp    INTEGER,
        typ    TEXT    NOT NULL,  -- JSON array of strings
        status TEXT    NOT NULL
    )""",
    "CREATE INDEX trust_issuers_kid ON trust_issuers(kid)",
    # Revocations: the key is the whole row, a clustered B-tree (WITHOUT ROWID) so a lookup
    # is one index descent and the table is no bigger than the keys.
    """CREATE TABLE revocations (
        key BLOB PRIMARY KEY CHECK (typeof(key) = 'blob' AND length(key) = 16)
    ) WITHOUT ROWID""",
    """CREATE TABLE revocation_meta (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        seq        INTEGER NOT NULL,
        next       INTEGER,
        iat        INTEGER,
        count      INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    )""",
    """CREATE TABLE replay (
        cti        BLOB PRIMARY KEY,
        expires_at INTEGER NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX replay_expires ON replay(expires_at)",
    # Outbox: body is the canonical JSON of the event including prev, excluding hash; it is
    # what the hash covers. id/ts_ms/valid/uploaded_ms are copies for queries and indexes;
    # verify_chain() checks they agree with body.
    """CREATE TABLE outbox (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        id          TEXT    NOT NULL UNIQUE,
        ts_ms       INTEGER NOT NULL,
        valid       INTEGER NOT NULL,
        body        TEXT    NOT NULL,
        hash        TEXT    NOT NULL,
        uploaded_ms INTEGER
    )""",
    "CREATE INDEX outbox_pending ON outbox(seq) WHERE uploaded_ms IS NULL",
    "CREATE INDEX outbox_ts ON outbox(ts_ms)",
    """CREATE TABLE outbox_checkpoint (
        id        INTEGER PRIMARY KEY CHECK (id = 1),
        last_seq  INTEGER NOT NULL,
        last_hash TEXT    NOT NULL,
        pruned    INTEGER NOT NULL
    )""",
    """CREATE TABLE identity (
        id           INTEGER PRIMARY KEY CHECK (id = 1),
        terminal_id  TEXT NOT NULL,
        venue_id     TEXT NOT NULL,
        platform_url TEXT NOT NULL,
        token        TEXT NOT NULL,
        venue_secret BLOB NOT NULL,
        root_key_pem BLOB NOT NULL,
        ca_bundle    TEXT,
        enrolled_at  INTEGER
    )""",
    """CREATE TABLE state (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL  -- JSON
    ) WITHOUT ROWID""",
)

def _m2_drop_trust_issuers(conn: sqlite3.Connection) -> None:
    # The trust list is parsed by the core from the raw signed bytes on every load; the parsed
    # issuer rows of version 1 were written but never read (issue 9): one parser, one place.
    conn.execute("DROP INDEX IF EXISTS trust_issuers_kid")
    conn.execute("DROP TABLE IF EXISTS trust_issuers")


def _m3_quarantine(conn: sqlite3.Connection) -> None:
    # Spec v2 section 6: events the platform rejects are kept here, shown in status and never sent
    # again; their outbox row is marked done so a rejected event never blocks the others.
    conn.execute("""CREATE TABLE quarantine (
        id       TEXT PRIMARY KEY,
        error    TEXT NOT NULL,
        detail   TEXT,
        at_ms    INTEGER NOT NULL,
        body     TEXT NOT NULL,
        hash     TEXT NOT NULL
    ) WITHOUT ROWID""")


def _m4_dcc_trust(conn: sqlite3.Connection) -> None:
    # Spec v2 section 6: the DCC trust list from GET /v1/dcc-trust, kept like the trust list
    # (the signed bytes as received and the header that refuses a rollback).
    conn.execute("CREATE TABLE dcc_trust " + _SIGNED_LIST)


def _m5_venue_state(conn: sqlite3.Connection) -> None:
    # Spec v2 section 7: entry counts per holder and period (this terminal's own, and the fallback
    # when the venue's shared store is down), and the claims made during such an outage, written
    # to the shared store with NX when it is back (a collision is a double_use alert).
    conn.execute("""CREATE TABLE entries (
        holder_ref TEXT NOT NULL,
        period     TEXT NOT NULL,
        count      INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (holder_ref, period)
    ) WITHOUT ROWID""")
    conn.execute("""CREATE TABLE shared_pending (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        key        TEXT NOT NULL,
        kind       TEXT NOT NULL CHECK (kind IN ('rp', 'en')),
        lim        INTEGER,
        expires_at INTEGER NOT NULL,
        event_id   TEXT NOT NULL,
        claim_id   TEXT NOT NULL
    )""")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_m1_initial, _m2_drop_trust_issuers, _m3_quarantine,
                                                          _m4_dcc_trust, _m5_venue_state]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    """The database's `PRAGMA user_version` (0 for a new file)."""
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Apply the pending migrations in order, each in one transaction; return the versions
    reached (empty when already current). Safe to call from several processes at once:
    the version is re-read under the write lock."""
    applied: list[int] = []
    while True:
        if schema_version(conn) >= SCHEMA_VERSION:
            break
        with transaction(conn):
            current = schema_version(conn)  # re-read under the write lock
            if current >= SCHEMA_VERSION:
                break
            MIGRATIONS[current](conn)
            # user_version is part of the database header, so it commits (or rolls back)
            # together with the migration.
            conn.execute(f"PRAGMA user_version = {current + 1}")
        applied.append(current + 1)
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise SchemaTooNew(f"database schema version {current} is newer than this program's "
                           f"{SCHEMA_VERSION}; upgrade the program")
    return applied


# ----------------------------------------------------------------------------- connections

@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """`BEGIN IMMEDIATE` ... `COMMIT`, or `ROLLBACK` if the block raises.

    IMMEDIATE takes the write lock up front, so a writer never fails half way with
    SQLITE_BUSY while upgrading a read transaction. The block returns only after COMMIT,
    i.e. (with synchronous=FULL) after the WAL is on disk. Not re-entrant."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def as_sqlite_utils(conn: sqlite3.Connection) -> "sqlite_utils.Database":
    """A sqlite-utils Database over a connection from `connect()` (plugins not loaded).

    sqlite-utils suits row-level CRUD and introspection (`db.table_names()`,
    `db["outbox"].count`); the hot paths and multi-statement transactions use sqlite3
    directly because sqlite-utils wraps every query in a SAVEPOINT and uses deferred BEGIN."""
    import sqlite_utils

    return sqlite_utils.Database(conn, execute_plugins=False)


def _restrict(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if p.stat().st_mode & 0o077:
                os.chmod(p, 0o600)
        except FileNotFoundError:
            pass


def connect(home: str | os.PathLike[str] | None = None, *, check_same_thread: bool = True,
            run_migrations: bool = True) -> sqlite3.Connection:
    """Open (creating if needed) `<home>/terminal.db`, configure it and migrate it.

    The connection is in autocommit mode (`isolation_level=None`): every statement
    commits on its own unless wrapped in `transaction(conn)`. Rows come back as tuples.
    Raises `SchemaTooNew`, `sqlite3.Error`, `OSError` (home not creatable)."""
    home_path = resolve_home(home)
    path = home_path / DB_NAME
    # umask is process-wide: hold it tightened only while SQLite may create files
    # (database, -wal, -shm), and serialise that window between threads.
    with _umask_lock:
        old = os.umask(0o077)
        try:
            home_path.mkdir(mode=0o700, parents=True, exist_ok=True)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=check_same_thread,
                                   timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode.lower() != "wal":
                    raise sqlite3.OperationalError(f"could not enable WAL on {path} (journal_mode={mode})")
                conn.execute("PRAGMA synchronous = FULL")
                conn.execute("PRAGMA foreign_keys = ON")
                conn.execute(f"PRAGMA cache_size = -{CACHE_SIZE_KIB}")
                # A full revocation list rewrites the whole table through the WAL; without a
                # limit the -wal file would stay that big after the checkpoint.
                conn.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
                # Touch the schema so the -wal/-shm files exist while the umask is tight.
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except BaseException:
                conn.close()
                raise
        finally:
            os.umask(old)
    _restrict(path)
    if run_migrations:
        try:
            migrate(conn)
        except BaseException:
            conn.close()
            raise
    return conn
