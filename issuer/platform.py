"""The reference platform's state: keys, trust list, revocation history, credentials, scan events.

    >>> plat, created = Platform.init(Path("plat"))     # idempotent: an existing DIR is opened
    >>> minted = plat.mint("resident", senior=True)
    >>> plat.revoke(minted[0].cti)                      # bumps the revocation seq, re-signs
    >>> raw, kind = plat.revocations_since(3)           # a signed delta from seq 3, or the full list

Layout of DIR (0700): `platform.db` (SQLite, WAL, 0600: tokens, documents, history, events) or,
for a PostgreSQL platform (`init DIR --db postgresql://...`), `database.json` naming the database
(issuer/store.py); `root.pem` (the public trust-list key terminals pin) and `keys/*.key`
(private PEM, 0600). Every change is one transaction; signed documents are stored, so every
process (CLI, server workers) serves the same bytes. Methods take `now` (Unix seconds) so tests
pin time.
Raises PlatformError (one-line message) for anything the caller did wrong.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cbor2

from vocab.events import GENESIS, EventInvalid, check_event, event_hash, event_kind, ts_to_ms
from vocab.spec import revocation_key

from . import claims as C
from . import keys
from .store import (DB_FILE, DB_POINTER, Conn, SqliteStore, Store, StoreError, open_store, pg_ddl,
                    postgres_store, write_pointer)

SCHEMA_VERSION = 3
ENROL_CODE_LIFETIME = 24 * 3600         # spec section 6: a one-time enrolment code is valid 24 h
MAX_BATCH = 500                         # spec section 6: at most 500 events per upload
DEFAULT_VALIDITY = 7 * C.DAY           # trust data `next` = iat + 7 days
DEFAULT_DELTA_WINDOW = 1000            # deltas are served from at most this many seqs back
CREDENTIAL_LIFETIME = 180 * C.DAY
KEY_WINDOW = 400 * C.DAY               # issuer keys may sign credentials issued +-400 days from init
STALE_AFTER = 24 * 3600                # fleet view: a terminal silent this long is flagged
HOLDER_KINDS = ("ed25519", "p256", "ed25519", "p256")
# Display names published in the trust list (`name`, spec section 4) for the demo issuers.
ISSUER_NAMES = {"SD-RC": "山东省大数据局", "SD-EC": "山东省市场监督管理局"}

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE issuers (
    kid BLOB PRIMARY KEY, iss TEXT NOT NULL, typ TEXT NOT NULL, alg INTEGER NOT NULL, spki BLOB NOT NULL,
    nbf INTEGER NOT NULL, exp INTEGER NOT NULL, status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    key_file TEXT, created INTEGER NOT NULL);
CREATE TABLE documents (
    kind TEXT NOT NULL CHECK (kind IN ('trust', 'revocations')), seq INTEGER NOT NULL,
    iat INTEGER NOT NULL, next INTEGER NOT NULL, cose BLOB NOT NULL, PRIMARY KEY (kind, seq));
CREATE TABLE revoked (entry BLOB PRIMARY KEY, iss TEXT NOT NULL, cti BLOB NOT NULL, seq INTEGER NOT NULL);
CREATE TABLE revocation_changes (
    seq INTEGER NOT NULL, entry BLOB NOT NULL, op TEXT NOT NULL CHECK (op IN ('add', 'remove')),
    iss TEXT NOT NULL, cti BLOB NOT NULL, PRIMARY KEY (seq, entry));
CREATE TABLE holders (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, key_file TEXT NOT NULL);
CREATE TABLE credentials (
    cti BLOB PRIMARY KEY, iss TEXT NOT NULL, typ TEXT NOT NULL, sub TEXT NOT NULL, kid BLOB NOT NULL,
    holder_id INTEGER, iat INTEGER NOT NULL, exp INTEGER NOT NULL, forged INTEGER NOT NULL DEFAULT 0,
    cose BLOB NOT NULL);
CREATE TABLE events (
    n INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, terminal TEXT NOT NULL,
    received INTEGER NOT NULL, body TEXT NOT NULL, hash TEXT);
"""
# Version 2 (spec v2 section 6): terminals with their own tokens, one-time enrolment codes, the
# per-terminal hash chain and the breaks found in it.
_SCHEMA_2 = """
CREATE TABLE IF NOT EXISTS terminals (
    id TEXT PRIMARY KEY, venue TEXT NOT NULL, token_hash BLOB NOT NULL UNIQUE, enrolled INTEGER NOT NULL,
    revoked INTEGER, last_seen INTEGER, chain_head TEXT NOT NULL, events INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS enrol_codes (
    code_hash BLOB PRIMARY KEY, venue TEXT NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL,
    used_by TEXT, used INTEGER);
CREATE TABLE IF NOT EXISTS chain_breaks (
    n INTEGER PRIMARY KEY AUTOINCREMENT, terminal TEXT NOT NULL, event TEXT NOT NULL, kind TEXT NOT NULL
    CHECK (kind IN ('edited', 'missing', 'reordered')), detail TEXT NOT NULL, found INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS chain_breaks_terminal ON chain_breaks(terminal);
CREATE INDEX IF NOT EXISTS events_terminal ON events(terminal, n);
"""
# Version 3 (issue 14): the fields reports count by, copied out of each event's body (no
# personal data: the event schema has none), and the trust data seqs each terminal last asked from.
_SCHEMA_3 = """
ALTER TABLE events ADD COLUMN kind TEXT;
ALTER TABLE events ADD COLUMN ts_ms INTEGER;
ALTER TABLE events ADD COLUMN venue TEXT;
ALTER TABLE events ADD COLUMN mode TEXT;
ALTER TABLE events ADD COLUMN profile TEXT;
ALTER TABLE events ADD COLUMN typ TEXT;
ALTER TABLE events ADD COLUMN valid INTEGER;
ALTER TABLE events ADD COLUMN reason TEXT;
ALTER TABLE events ADD COLUMN cert TEXT;
ALTER TABLE events ADD COLUMN code TEXT;
ALTER TABLE events ADD COLUMN ref TEXT;
ALTER TABLE terminals ADD COLUMN trust_seq INTEGER;
ALTER TABLE terminals ADD COLUMN revocations_seq INTEGER;
CREATE INDEX IF NOT EXISTS events_ts ON events(ts_ms);
"""
MIGRATE_LOCK = 0x76656e7565          # pg_advisory_xact_lock key: one migration at a time


def _event_row(terminal: str, received: int, ev: dict) -> tuple:
    """An event as the columns it is stored with (issuer.store.EVENT_COLUMNS)."""
    valid = ev.get("valid")
    return (ev["id"], terminal, received, json.dumps(ev, ensure_ascii=False), ev.get("hash"), event_kind(ev),
            ts_to_ms(ev["ts"]), ev.get("venue"), ev.get("mode"), ev.get("profile"), ev.get("typ"),
            None if valid is None else int(bool(valid)), ev.get("reason"), ev.get("cert"), ev.get("code"), ev.get("ref"))


def _backfill_3(c: Conn) -> None:
    for n, body in c.execute("SELECT n, body FROM events WHERE kind IS NULL").fetchall():
        ev = json.loads(body)
        row = _event_row(ev.get("terminal", ""), 0, ev)
        c.execute("UPDATE events SET kind = ?, ts_ms = ?, venue = ?, mode = ?, profile = ?, typ = ?, valid = ?, "
                  "reason = ?, cert = ?, code = ?, ref = ? WHERE n = ?", (*row[5:], n))


def create_schema(c: Conn, kind: str) -> None:
    """A fresh platform schema at SCHEMA_VERSION."""
    if kind == "sqlite":
        for ddl in (_SCHEMA, _SCHEMA_2, _SCHEMA_3):
            c.script(ddl)
    else:
        c.script(pg_ddl(_SCHEMA))
        c.execute("ALTER TABLE issuers ADD COLUMN rowid BIGSERIAL")     # SQLite's implicit insertion order
        c.script(pg_ddl(_SCHEMA_2))
        c.script(pg_ddl(_SCHEMA_3))


def migrate(store: Store) -> tuple[int, int]:
    """Bring the store's schema to SCHEMA_VERSION in one transaction; returns (from, to).
    Raises PlatformError for a database without a platform or with a newer schema."""
    with store.tx() as c:
        if store.kind == "postgresql":
            c.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATE_LOCK,))
        if store.schema_version() is None:
            raise PlatformError(f"{store.describe()} holds no platform (run venue-issuer init)")
        row = c.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        have = int(row[0]) if row else 1
        if have > SCHEMA_VERSION:
            raise PlatformError(f"{store.describe()} has platform schema {have}; this venue-issuer knows up to "
                                f"{SCHEMA_VERSION}")
        ddl = (lambda s: s) if store.kind == "sqlite" else pg_ddl
        if have < 2:
            cols = {r[1] for r in c.execute("PRAGMA table_info(events)")}
            if "hash" not in cols:
                c.execute("ALTER TABLE events ADD COLUMN hash TEXT")
            c.script(ddl(_SCHEMA_2))
        if have < 3:
            c.script(ddl(_SCHEMA_3))
            _backfill_3(c)
        c.execute("INSERT INTO meta VALUES ('schema', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                  (str(SCHEMA_VERSION),))
    return have, SCHEMA_VERSION


def _token_hash(token: str) -> bytes:
    """Tokens and enrolment codes are random (>= 128 bits): a plain SHA-256 is what is kept."""
    return hashlib.sha256(token.encode("utf-8")).digest()


@dataclass(frozen=True)
class TerminalRow:
    id: str
    venue: str
    enrolled: int
    revoked: int | None
    last_seen: int | None
    chain_head: str
    events: int
    rejected: int
    breaks: int
    trust_seq: int | None = None
    revocations_seq: int | None = None

    def to_json(self, *, now: int | None = None, stale_after: int | None = None, trust_seq: int | None = None,
                revocations_seq: int | None = None) -> dict:
        """`quarantined`: events the platform refused (the terminal quarantines them). With `now`
        and `stale_after`: `stale` and `since_seen`; with the platform's seqs: how far behind."""
        out = {"terminal": self.id, "venue": self.venue, "enrolled": self.enrolled, "revoked": self.revoked,
               "last_seen": self.last_seen, "events": self.events, "rejected": self.rejected,
               "quarantined": self.rejected, "trust_seq": self.trust_seq, "revocations_seq": self.revocations_seq,
               "chain_breaks": self.breaks, "chain": "intact" if not self.breaks else "broken"}
        if now is not None and stale_after is not None:
            since = now - (self.last_seen if self.last_seen is not None else self.enrolled)
            out["since_seen"] = since
            out["stale"] = self.revoked is None and since > stale_after
        if trust_seq is not None:
            out["trust_behind"] = None if self.trust_seq is None else trust_seq - self.trust_seq
        if revocations_seq is not None:
            out["revocations_behind"] = None if self.revocations_seq is None else revocations_seq - self.revocations_seq
        return out


@dataclass(frozen=True)
class UploadAnswer:
    """The answer to one POST /v1/scan-events: every id of the batch in exactly one list."""

    accepted: list[str]
    duplicates: list[str]
    rejected: list[dict]

    def to_json(self) -> dict:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected}


class PlatformError(Exception):
    """A platform operation that cannot be done (not initialised, unknown credential...)."""


class EventError(ValueError):
    """A scan-event batch that does not have the spec's shape (answered with HTTP 400)."""


@dataclass(frozen=True)
class Minted:
    text: str                  # the QR text (EZ1 or EP1)
    cti: bytes
    iss: str
    typ: str
    kid: bytes
    holder_id: int | None
    dynamic: bool
    revoked: bool = False
    forged: bool = False

    def to_json(self) -> dict:
        return {"cti": self.cti.hex(), "iss": self.iss, "typ": self.typ, "kid": self.kid.hex(),
                "holder": self.holder_id, "profile": "EP1" if self.dynamic else "EZ1",
                "revoked": self.revoked, "forged": self.forged}


@dataclass(frozen=True)
class Document:
    kind: str
    seq: int
    iat: int
    next: int
    cose: bytes


def _now(now: int | None) -> int:
    return int(time.time()) if now is None else int(now)


class Platform:
    """One platform directory. Cheap to construct; every method opens its own connection."""

    def __init__(self, root: str | Path, db: str | None = None, password_file: str | None = None):
        """Open platform directory `root`; `db` (a postgresql:// URL) overrides where its state is.
        A SQLite platform of an older schema is migrated on open (as before); a PostgreSQL one
        is migrated only by `venue-issuer migrate` (many workers may be opening it)."""
        self.root = Path(root)
        self._root_key = None
        try:
            store = open_store(self.root, db, password_file)
            if store is None:
                raise PlatformError(f"{self.root} is not an initialised platform directory (run venue-issuer init)")
            have = store.schema_version()
        except StoreError as exc:
            raise PlatformError(str(exc)) from None
        if have is None:
            raise PlatformError(f"{store.describe()} holds no platform (run venue-issuer init DIR --db URL)")
        self.store = store
        if have < SCHEMA_VERSION:
            if store.kind != "sqlite":
                raise PlatformError(f"{store.describe()} has platform schema {have}, this version needs "
                                    f"{SCHEMA_VERSION}: run venue-issuer migrate {self.root}")
            migrate(store)
        elif have > SCHEMA_VERSION:
            raise PlatformError(f"{store.describe()} has platform schema {have}; this venue-issuer knows up to "
                                f"{SCHEMA_VERSION}")

    @property
    def db_path(self) -> Path | None:
        """The SQLite file (None for a PostgreSQL platform)."""
        return self.store.path if isinstance(self.store, SqliteStore) else None

    # ---- creation -------------------------------------------------------------------------

    @classmethod
    def init(cls, root: str | Path, *, root_kind: str = "ed25519", issuer_kind: str = "p256",
             validity: int = DEFAULT_VALIDITY, now: int | None = None, token: str | None = None,
             admin_token: str | None = None, holder_kind: str = "p256", db: str | None = None,
             password_file: str | None = None) -> tuple["Platform", bool]:
        """Create a platform in `root`; an already initialised `root` is opened as is.

        Holder keys alternate Ed25519 and `holder_kind` (P-256, or SM2 for an SM2 platform).
        db: a postgresql:// URL (no password in it): the state goes there, in an empty database
        or schema, and DIR/database.json names it; default DIR/platform.db.

        Returns (platform, created). Raises PlatformError if `root` holds other files or the
        database already holds a platform.
        """
        root = Path(root)
        if (root / DB_FILE).is_file() or (root / DB_POINTER).is_file():
            return cls(root, db, password_file), False
        tmp = root / f"{DB_POINTER if db else DB_FILE}.init"
        leftovers = [root / f"{DB_FILE}.init", root / f"{DB_POINTER}.init"]
        if any(p.exists() for p in leftovers):       # an init that died half-way: only our own files are here
            import shutil
            shutil.rmtree(root / "keys", ignore_errors=True)
            for leftover in (*leftovers, root / "root.pem", root / "platform.db.init-wal", root / "platform.db.init-shm"):
                leftover.unlink(missing_ok=True)
        if root.exists() and any(root.iterdir()):
            raise PlatformError(f"{root} exists and is not an empty directory or a platform directory")
        if root_kind not in keys.KINDS or issuer_kind not in keys.KINDS or holder_kind not in keys.KINDS:
            raise PlatformError(f"key kinds are {', '.join(keys.KINDS)}")
        now = _now(now)
        try:
            if db:
                store: Store = postgres_store(db, password_file)
                if store.schema_version() is not None:
                    raise PlatformError(f"{store.describe()} already holds a platform: init a new DIR against "
                                        "an empty database (or schema)")
        except StoreError as exc:
            raise PlatformError(str(exc)) from None
        root.mkdir(parents=True, exist_ok=True)
        os.chmod(root, 0o700)
        (root / "keys").mkdir(mode=0o700, exist_ok=True)
        if db:
            write_pointer(tmp, db, password_file)
        else:
            store = SqliteStore.create(tmp)
        plat = cls.__new__(cls)
        plat.root, plat.store, plat._root_key = root, store, None
        with store.tx() as c:
            create_schema(c, store.kind)
            root_key = keys.generate(root_kind)
            keys.write_private_pem(root / "keys" / "root.key", root_key)
            (root / "root.pem").write_bytes(keys.public_pem(root_key))
            meta = {"schema": str(SCHEMA_VERSION), "token": token or secrets.token_urlsafe(24),
                    "admin_token": admin_token or secrets.token_urlsafe(24), "validity": str(int(validity)),
                    "delta_window": str(DEFAULT_DELTA_WINDOW), "root_kid": keys.kid_of(root_key).hex(),
                    "created": str(now)}
            c.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
            for iss, typ in ((C.ISS_RESIDENT, ["resident"]), (C.ISS_ENTERPRISE, ["enterprise"])):
                _add_issuer(c, root, iss, typ, keys.generate(issuer_kind), now - KEY_WINDOW, now + KEY_WINDOW, now)
            for n, kind in enumerate((holder_kind if k == "p256" else k for k in HOLDER_KINDS), start=1):
                path = root / "keys" / f"holder-{n}.key"
                keys.write_private_pem(path, keys.generate(kind))
                c.execute("INSERT INTO holders VALUES (?, ?, ?)", (n, kind, path.name))
            plat._publish_trust(c, now)
            plat._publish_revocations(c, now)
        # the directory counts as initialised only when complete
        os.replace(tmp, root / (DB_POINTER if db else DB_FILE))
        return cls(root, db, password_file), True

    # ---- plumbing ---------------------------------------------------------------------------

    def _tx(self):
        return self.store.tx()

    def _read(self, sql: str, args: Iterable = ()) -> list[tuple]:
        return self.store.read(sql, args)

    def meta(self, key: str) -> str:
        rows = self._read("SELECT value FROM meta WHERE key = ?", (key,))
        if not rows:
            raise PlatformError(f"meta key {key!r} missing")
        return rows[0][0]

    def set_meta(self, key: str, value: Any) -> None:
        with self._tx() as c:
            c.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                      (key, str(value)))

    # ---- fault injection state (serve --test-faults): in the database, so every worker sees it --

    def faults(self) -> dict:
        rows = self._read("SELECT value FROM meta WHERE key = 'faults'")
        return json.loads(rows[0][0]) if rows else {}

    def _fault_tx(self, change) -> Any:
        """Run change(faults, state) -> result on the stored faults under a row lock; store them back."""
        with self._tx() as c:
            for key in ("faults", "fault_state"):
                c.execute("INSERT INTO meta VALUES (?, '{}') ON CONFLICT (key) DO NOTHING", (key,))
            c.execute("UPDATE meta SET value = value WHERE key = 'faults'")        # the row lock, both engines
            faults = json.loads(c.execute("SELECT value FROM meta WHERE key = 'faults'").fetchone()[0])
            state = json.loads(c.execute("SELECT value FROM meta WHERE key = 'fault_state'").fetchone()[0])
            result = change(faults, state)
            c.execute("UPDATE meta SET value = ? WHERE key = 'faults'", (json.dumps(faults),))
            c.execute("UPDATE meta SET value = ? WHERE key = 'fault_state'", (json.dumps(state),))
        return result

    def set_faults(self, update: Mapping, *, replace: bool = False) -> dict:
        """Merge `update` into the faults (a None value clears that one); replace: start from none."""
        def change(faults, state):
            if replace:
                faults.clear()
                state.clear()
            for k, v in update.items():
                if v is None:
                    faults.pop(k, None)
                else:
                    faults[k] = v
            if replace or any(k.startswith("fail_") for k in update):
                state["uploads_passed"] = 0
            return dict(faults)
        return self._fault_tx(change)

    def take_upload_fault(self) -> int | None:
        """The HTTP status this upload is to fail with (fail_next_upload_with and its counters),
        or None; counts the upload against the faults atomically across workers."""
        def change(faults, state):
            status = faults.get("fail_next_upload_with")
            if not status:
                return None
            if state.get("uploads_passed", 0) < int(faults.get("fail_upload_after") or 0):
                state["uploads_passed"] = state.get("uploads_passed", 0) + 1
                return None
            times = int(faults.get("fail_upload_times", 1) or 1) - 1
            if times <= 0:
                for k in ("fail_next_upload_with", "fail_upload_after", "fail_upload_times"):
                    faults.pop(k, None)
                state["uploads_passed"] = 0
            else:
                faults["fail_upload_times"] = times
            return int(status)
        return self._fault_tx(change)

    def take_fault(self, key: str) -> Any:
        """Pop a one-shot fault (after_commit_drop_connection)."""
        return self._fault_tx(lambda faults, state: faults.pop(key, None))

    @property
    def token(self) -> str:
        return self.meta("token")

    @property
    def admin_token(self) -> str:
        return self.meta("admin_token")

    @property
    def root_pem_path(self) -> Path:
        return self.root / "root.pem"

    def root_key(self) -> Any:
        if self._root_key is None:
            self._root_key = keys.read_private_pem(self.root / "keys" / "root.key")
        return self._root_key

    def _sign_root(self, payload: Mapping) -> bytes:
        from terminal import cose
        key = self.root_key()
        return cose.sign1(cbor2.dumps(dict(payload)), key, kid=keys.kid_of(key))

    def sign_trust_data(self, payload: Mapping) -> bytes:
        """Sign any trust-data payload with the root key (the server's fault modes use this)."""
        return self._sign_root(payload)

    def info(self) -> dict:
        tl, rl = self.document("trust"), self.document("revocations")
        return {"dir": str(self.root.resolve()), "root_key": str(self.root_pem_path.resolve()),
                "root_kid": self.meta("root_kid"), "token": self.token, "admin_token": self.admin_token,
                "trust_list_seq": tl.seq, "revocations_seq": rl.seq,
                "issuers": [{"kid": r["kid"], "iss": r["iss"], "alg": r["alg"], "typ": r["typ"],
                             "status": r["status"]} for r in self.issuers()],
                "holders": [{"id": h, "kind": k} for h, k, _ in self._read("SELECT * FROM holders ORDER BY id")]}

    # ---- issuers and the trust list ---------------------------------------------------------

    def issuers(self) -> list[dict]:
        rows = self._read("SELECT kid, iss, typ, alg, spki, nbf, exp, status, key_file FROM issuers ORDER BY created, rowid")
        return [{"kid": r[0].hex(), "iss": r[1], "typ": json.loads(r[2]), "alg": r[3], "spki": r[4],
                 "nbf": r[5], "exp": r[6], "status": r[7], "key_file": r[8]} for r in rows]

    def signing_key(self, iss: str, now: int | None = None) -> tuple[Any, bytes, dict]:
        """(private key, kid, issuer row) of the newest active key for `iss` valid at `now`."""
        now = _now(now)
        for row in reversed(self.issuers()):
            if row["iss"] == iss and row["status"] == "active" and row["key_file"] and row["nbf"] <= now <= row["exp"]:
                return keys.read_private_pem(self.root / "keys" / row["key_file"]), bytes.fromhex(row["kid"]), row
        raise PlatformError(f"no active key for issuer {iss} at {now}")

    def add_issuer_key(self, iss: str, typ: list[str], kind: str = "p256", *, nbf: int | None = None,
                       exp: int | None = None, now: int | None = None) -> str:
        """Add (rotate in) a new key for `iss`; it becomes the signing key. Returns its kid hex."""
        now = _now(now)
        with self._tx() as c:
            kid = _add_issuer(c, self.root, iss, typ, keys.generate(kind),
                              now - C.DAY if nbf is None else nbf, now + KEY_WINDOW if exp is None else exp, now)
            self._publish_trust(c, now)
        return kid.hex()

    def set_issuer_status(self, kid_hex: str, status: str, now: int | None = None) -> None:
        if status not in ("active", "revoked"):
            raise PlatformError("status is active or revoked")
        with self._tx() as c:
            cur = c.execute("UPDATE issuers SET status = ? WHERE kid = ?", (status, bytes.fromhex(kid_hex)))
            if cur.rowcount != 1:
                raise PlatformError(f"no issuer key with kid {kid_hex}")
            self._publish_trust(c, _now(now))

    def _validity(self, c: Conn) -> int:
        return int(c.execute("SELECT value FROM meta WHERE key = 'validity'").fetchone()[0])

    def _next_seq(self, c: Conn, kind: str) -> int:
        return (c.execute("SELECT MAX(seq) FROM documents WHERE kind = ?", (kind,)).fetchone()[0] or 0) + 1

    def _publish_trust(self, c: Conn, now: int) -> Document:
        seq, validity = self._next_seq(c, "trust"), self._validity(c)
        rows = c.execute("SELECT kid, iss, alg, spki, nbf, exp, typ, status FROM issuers ORDER BY created, rowid")
        issuers = [{"kid": r[0], "iss": r[1], "alg": r[2], "spki": r[3], "nbf": r[4], "exp": r[5],
                    "typ": json.loads(r[6]), "status": r[7]} for r in rows]
        for e in issuers:
            if e["iss"] in ISSUER_NAMES:
                e["name"] = ISSUER_NAMES[e["iss"]]
        payload = {"v": 1, "seq": seq, "iat": now, "next": now + validity, "issuers": issuers}
        doc = Document("trust", seq, now, now + validity, self._sign_root(payload))
        c.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?)", (doc.kind, doc.seq, doc.iat, doc.next, doc.cose))
        return doc

    def _publish_revocations(self, c: Conn, now: int, seq: int | None = None) -> Document:
        seq, validity = seq or self._next_seq(c, "revocations"), self._validity(c)
        entries = [r[0] for r in c.execute("SELECT entry FROM revoked ORDER BY entry")]
        payload = {"v": 1, "seq": seq, "iat": now, "next": now + validity, "entries": entries}
        doc = Document("revocations", seq, now, now + validity, self._sign_root(payload))
        c.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?)", (doc.kind, doc.seq, doc.iat, doc.next, doc.cose))
        return doc

    def document(self, kind: str, seq: int | None = None) -> Document:
        """The newest signed document of `kind` ('trust' or 'revocations'), or the one with `seq`."""
        if seq is None:
            rows = self._read("SELECT kind, seq, iat, next, cose FROM documents WHERE kind = ? ORDER BY seq DESC LIMIT 1",
                              (kind,))
        else:
            rows = self._read("SELECT kind, seq, iat, next, cose FROM documents WHERE kind = ? AND seq = ?", (kind, seq))
        if not rows:
            raise PlatformError(f"no {kind} document" + (f" with seq {seq}" if seq is not None else ""))
        return Document(*rows[0])

    def refresh(self, now: int | None = None, *, validity: int | None = None, kinds=("trust", "revocations")) -> dict:
        """Re-issue the trust data with a new seq, iat and next (what a platform does before `next`)."""
        now = _now(now)
        with self._tx() as c:
            if validity is not None:
                c.execute("INSERT INTO meta VALUES ('validity', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                          (str(int(validity)),))
            out = {}
            if "trust" in kinds:
                out["trust_list_seq"] = self._publish_trust(c, now).seq
            if "revocations" in kinds:
                out["revocations_seq"] = self._publish_revocations(c, now).seq
        return out

    def refresh_if_due(self, now: int | None = None) -> None:
        """Re-issue a document past half its validity, so terminals never see stale data from us."""
        now = _now(now)
        due = [d.kind for d in (self.document("trust"), self.document("revocations")) if now > d.iat + (d.next - d.iat) // 2]
        if due:
            self.refresh(now, kinds=tuple(due))

    # ---- revocation --------------------------------------------------------------------------

    def _credential_iss(self, cti: bytes, iss: str | None) -> str:
        if iss is not None:
            return iss
        rows = self._read("SELECT iss FROM credentials WHERE cti = ?", (cti,))
        if not rows:
            raise PlatformError(f"credential {cti.hex()} was not minted here: give --iss")
        return rows[0][0]

    def revoke(self, cti: bytes, iss: str | None = None, now: int | None = None) -> dict:
        """List SHA-256(iss ‖ 0 ‖ cti)[:16]; a new revocation seq unless it was already listed."""
        iss = self._credential_iss(cti, iss)
        entry = revocation_key(iss, cti)
        with self._tx() as c:
            if c.execute("SELECT 1 FROM revoked WHERE entry = ?", (entry,)).fetchone():
                seq = c.execute("SELECT MAX(seq) FROM documents WHERE kind = 'revocations'").fetchone()[0]
                return {"changed": False, "seq": seq, "entry": entry.hex(), "iss": iss, "cti": cti.hex()}
            seq = self._next_seq(c, "revocations")
            c.execute("INSERT INTO revoked VALUES (?, ?, ?, ?)", (entry, iss, cti, seq))
            c.execute("INSERT INTO revocation_changes VALUES (?, ?, 'add', ?, ?)", (seq, entry, iss, cti))
            self._publish_revocations(c, _now(now), seq)
        return {"changed": True, "seq": seq, "entry": entry.hex(), "iss": iss, "cti": cti.hex()}

    def unrevoke(self, cti: bytes, iss: str | None = None, now: int | None = None) -> dict:
        iss = self._credential_iss(cti, iss)
        entry = revocation_key(iss, cti)
        with self._tx() as c:
            if not c.execute("SELECT 1 FROM revoked WHERE entry = ?", (entry,)).fetchone():
                seq = c.execute("SELECT MAX(seq) FROM documents WHERE kind = 'revocations'").fetchone()[0]
                return {"changed": False, "seq": seq, "entry": entry.hex(), "iss": iss, "cti": cti.hex()}
            seq = self._next_seq(c, "revocations")
            c.execute("DELETE FROM revoked WHERE entry = ?", (entry,))
            c.execute("INSERT INTO revocation_changes VALUES (?, ?, 'remove', ?, ?)", (seq, entry, iss, cti))
            self._publish_revocations(c, _now(now), seq)
        return {"changed": True, "seq": seq, "entry": entry.hex(), "iss": iss, "cti": cti.hex()}

    def revoked_entries(self) -> list[bytes]:
        return [r[0] for r in self._read("SELECT entry FROM revoked ORDER BY entry")]

    def delta_payload(self, since: int) -> dict | None:
        """The delta from `since` to the current list, or None when only the full list will do.

        None when `since` is 0, ahead of us (a platform reset), or older than the window kept.
        """
        cur = self.document("revocations")
        window = int(self.meta("delta_window"))
        if since <= 0 or since > cur.seq or cur.seq - since > window:
            return None
        changes = self._read("SELECT seq, entry, op FROM revocation_changes WHERE seq > ? AND seq <= ? ORDER BY seq",
                             (since, cur.seq))
        first_op: dict[bytes, str] = {}
        for _, entry, op in changes:
            first_op.setdefault(entry, op)
        now_listed = set(self.revoked_entries())
        # the first change after `since` tells whether the entry was listed at `since`
        add = sorted(e for e, op in first_op.items() if op == "add" and e in now_listed)
        remove = sorted(e for e, op in first_op.items() if op == "remove" and e not in now_listed)
        return {"v": 1, "seq": cur.seq, "iat": cur.iat, "next": cur.next, "from": since, "add": add, "remove": remove}

    def revocations_since(self, since: int | None) -> tuple[bytes, str]:
        """(signed COSE, 'delta' or 'full') for GET /v1/revocations?since=SEQ."""
        delta = None if since is None else self.delta_payload(since)
        if delta is None:
            return self.document("revocations").cose, "full"
        return self._sign_root(delta), "delta"

    # ---- credentials -------------------------------------------------------------------------

    def holder_key(self, holder_id: int) -> Any:
        rows = self._read("SELECT key_file FROM holders WHERE id = ?", (holder_id,))
        if not rows:
            raise PlatformError(f"no holder key {holder_id}")
        return keys.read_private_pem(self.root / "keys" / rows[0][0])

    def mint(self, typ: str, *, senior: bool = False, disabled: bool = False, expired: bool = False,
             dynamic: bool = False, forged: bool = False, revoked: bool = False, count: int = 1,
             now: int | None = None, rng: random.Random | None = None, holder: int | None = None,
             printed: bool = False) -> list[Minted]:
        """Issue `count` credentials of `typ` ('resident' or 'enterprise'), stored for revoke/present.

        expired: issued 200 days ago, expired an hour ago. forged: signed by a key that is not in the
        trust list but under the real issuer's kid and alg (terminals answer bad_signature).
        revoked: listed in the revocation list right away. dynamic: returned as an EP1 signed by
        the holder key at `now`. printed: a credential for print (spec section 2: elderly holders
        without a phone, paper fallback), issued without cnf, so it can never be presented as EP1
        and a terminal never sees it as bound_credential_static.
        """
        if printed and dynamic:
            raise PlatformError("a credential for print has no holder key: it cannot be dynamic")
        if typ not in ("resident", "enterprise"):
            raise PlatformError("type is resident or enterprise")
        if typ == "enterprise" and (senior or disabled):
            raise PlatformError("--senior and --disabled are for resident codes")
        if count < 1:
            raise PlatformError("count must be at least 1")
        now = _now(now)
        rng = rng or random.Random(secrets.randbits(64))
        iss = C.ISS_RESIDENT if typ == "resident" else C.ISS_ENTERPRISE
        iat, exp = (now - 200 * C.DAY, now - 3600) if expired else (now, now + CREDENTIAL_LIFETIME)
        key, kid, row = self.signing_key(iss, iat)
        if forged:
            key = keys.generate(keys.kind_of(key))
        holders = [h for h, in self._read("SELECT id FROM holders ORDER BY id")]
        if holder is not None and holder not in holders:
            raise PlatformError(f"no holder key {holder}")
        base = self._read("SELECT COUNT(*) FROM credentials")[0][0]
        out: list[Minted] = []
        rows = []
        holder_keys: dict[int, Any] = {}
        for i in range(count):
            hid = holder if holder is not None else holders[(base + i) % len(holders)]
            if hid not in holder_keys:
                holder_keys[hid] = self.holder_key(hid)
            hkey = holder_keys[hid]
            ezc = (C.resident_ezc(rng, now=now, senior=senior, disabled=disabled) if typ == "resident"
                   else C.enterprise_ezc(rng, now=now))
            cti = rng.randbytes(12)
            payload = C.credential_claims(iss=iss, sub=C.new_sub(rng), iat=iat, exp=exp, cti=cti, ezc=ezc,
                                          holder=None if printed else hkey.public_key())
            vc = C.sign_credential(payload, key, kid)
            rows.append((cti, iss, typ, payload[C.CLAIM_SUB], kid, None if printed else hid, iat, exp, int(forged),
                         vc))
            text = (C.ep1_text(C.sign_presentation(vc, hkey, iat=now, cti=rng.randbytes(8))) if dynamic
                    else C.ez1_text(vc))
            out.append(Minted(text, cti, iss, typ, kid, hid, dynamic, revoked, forged))
        with self._tx() as c:
            c.executemany("INSERT INTO credentials VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        if revoked:
            for m in out:
                self.revoke(m.cti, m.iss, now)
        return out

    def credential(self, cti: bytes) -> dict:
        rows = self._read("SELECT cti, iss, typ, sub, kid, holder_id, iat, exp, forged, cose FROM credentials WHERE cti = ?",
                          (cti,))
        if not rows:
            raise PlatformError(f"no credential {cti.hex()} minted here")
        r = rows[0]
        return {"cti": r[0], "iss": r[1], "typ": r[2], "sub": r[3], "kid": r[4], "holder_id": r[5], "iat": r[6],
                "exp": r[7], "forged": bool(r[8]), "cose": r[9]}

    def present(self, cti: bytes, now: int | None = None, nonce: bytes | None = None) -> str:
        """A fresh EP1 presentation of a stored credential, signed by its demo holder key."""
        cred = self.credential(cti)
        if cred["holder_id"] is None:
            raise PlatformError("credential has no holder key")
        return C.ep1_text(C.sign_presentation(cred["cose"], self.holder_key(cred["holder_id"]), iat=_now(now),
                                              cti=nonce or secrets.token_bytes(8)))

    # ---- scan events -------------------------------------------------------------------------

    # ---- terminals and enrolment (spec v2 section 6) -----------------------------------------

    def add_terminal_code(self, venue: str, now: int | None = None) -> str:
        """A one-time enrolment code for a new terminal of `venue`, valid 24 h; only its hash is kept."""
        from vocab.spec import is_ident
        if not is_ident(venue):
            raise PlatformError("venue must be an identifier (1-64 of A-Z a-z 0-9 _ . : -)")
        code = secrets.token_urlsafe(18)
        now = _now(now)
        with self._tx() as c:
            c.execute("INSERT INTO enrol_codes VALUES (?, ?, ?, ?, NULL, NULL)",
                      (_token_hash(code), venue, now, now + ENROL_CODE_LIFETIME))
        return code

    def enrol(self, code: str, terminal: str, now: int | None = None) -> dict:
        """Exchange a one-time code for a token bound to `terminal` (a UUID the terminal made).
        Raises PlatformError (answered 400) for an unknown, used or expired code."""
        try:
            if str(uuid.UUID(terminal)) != terminal:
                raise ValueError
        except (ValueError, TypeError, AttributeError):
            raise PlatformError("terminal must be a lower-case UUID") from None
        if not isinstance(code, str) or not 8 <= len(code) <= 128:
            raise PlatformError("unknown or used enrolment code")
        now = _now(now)
        token = secrets.token_urlsafe(32)
        with self._tx() as c:
            row = c.execute("SELECT venue, expires, used FROM enrol_codes WHERE code_hash = ?",
                            (_token_hash(code),)).fetchone()
            if row is None or row[2] is not None or row[1] < now:
                raise PlatformError("unknown, used or expired enrolment code")
            if c.execute("SELECT 1 FROM terminals WHERE id = ?", (terminal,)).fetchone():
                raise PlatformError("this terminal id is already enrolled")
            c.execute("UPDATE enrol_codes SET used_by = ?, used = ? WHERE code_hash = ?",
                      (terminal, now, _token_hash(code)))
            c.execute("INSERT INTO terminals (id, venue, token_hash, enrolled, chain_head) VALUES (?, ?, ?, ?, ?)",
                      (terminal, row[0], _token_hash(token), now, GENESIS))
        return {"terminal": terminal, "venue": row[0], "token": token}

    def terminal_for_token(self, token: str | None) -> tuple[str, bool] | None:
        """(terminal id, revoked) for a terminal token, or None for an unknown one."""
        if not token:
            return None
        rows = self._read("SELECT id, revoked FROM terminals WHERE token_hash = ?", (_token_hash(token),))
        return (rows[0][0], rows[0][1] is not None) if rows else None

    def revoke_terminal(self, terminal: str, now: int | None = None) -> None:
        with self._tx() as c:
            if c.execute("UPDATE terminals SET revoked = ? WHERE id = ? AND revoked IS NULL",
                         (_now(now), terminal)).rowcount != 1:
                raise PlatformError(f"no enrolled, unrevoked terminal {terminal}")

    def seen(self, terminal: str, now: int | None = None, *, trust_seq: int | None = None,
             revocations_seq: int | None = None) -> None:
        """A terminal synced: its last-seen time, and the trust data seq just delivered to it."""
        with self._tx() as c:
            c.execute("UPDATE terminals SET last_seen = ?, trust_seq = COALESCE(?, trust_seq), "
                      "revocations_seq = COALESCE(?, revocations_seq) WHERE id = ?",
                      (_now(now), trust_seq, revocations_seq, terminal))

    def terminals(self) -> list[TerminalRow]:
        rows = self._read("SELECT t.id, t.venue, t.enrolled, t.revoked, t.last_seen, t.chain_head, t.events, "
                          "t.rejected, (SELECT count(*) FROM chain_breaks b WHERE b.terminal = t.id), "
                          "t.trust_seq, t.revocations_seq FROM terminals t ORDER BY t.venue, t.enrolled, t.id")
        return [TerminalRow(*r) for r in rows]

    def fleet(self, now: int | None = None, stale_after: int = STALE_AFTER) -> dict:
        """The fleet view: every terminal with its sync state, and the platform's current seqs.
        A terminal not revoked whose last sync is older than `stale_after` seconds (or that never
        synced since enrolment that long ago) is flagged `stale`."""
        now = _now(now)
        trust_seq, rev_seq = self.document("trust").seq, self.document("revocations").seq
        rows = [t.to_json(now=now, stale_after=stale_after, trust_seq=trust_seq, revocations_seq=rev_seq)
                for t in self.terminals()]
        return {"now": now, "stale_after": stale_after, "trust_list_seq": trust_seq, "revocations_seq": rev_seq,
                "terminals": rows, "stale": sum(r["stale"] for r in rows),
                "broken_chains": sum(r["chain"] == "broken" for r in rows)}

    def chain_breaks(self, terminal: str) -> list[dict]:
        return [{"event": e, "kind": k, "detail": d, "found": f} for e, k, d, f in self._read(
            "SELECT event, kind, detail, found FROM chain_breaks WHERE terminal = ? ORDER BY n", (terminal,))]

    def recent_chain_breaks(self, limit: int = 50) -> list[dict]:
        """The newest chain breaks of the whole fleet, newest first."""
        return [{"terminal": t, "event": e, "kind": k, "detail": d, "found": f} for t, e, k, d, f in self._read(
            "SELECT terminal, event, kind, detail, found FROM chain_breaks ORDER BY n DESC LIMIT ?", (int(limit),))]

    # ---- scan events -------------------------------------------------------------------------

    def store_events(self, terminal: str, events: list, now: int | None = None) -> UploadAnswer:
        """Store one upload of `terminal` in one committed transaction (spec v2 section 6).

        Each event is checked alone: a malformed one is rejected (`schema`), one naming another
        terminal `wrong_terminal`, an id held with another hash `conflict`; the same id and hash is
        a duplicate. Every accepted event's hash is recomputed and its `prev` compared with this
        terminal's chain head: a mismatch is recorded as a chain break (edited, missing or
        reordered) and the event is still kept. A rejected event never blocks the others.

        The terminal's row is locked for the transaction (store.lock_terminal), so concurrent
        uploads of one terminal are checked one after the other against the head the previous
        one left; new events go in with one store.insert_events call (COPY on PostgreSQL).
        """
        received = _now(now)
        # first pass, no database: the schema of each event, and which occurrence of an id is first
        plan: list[tuple[str, Any, bool] | dict] = []
        first: dict[str, dict] = {}
        for n, ev in enumerate(events):
            eid = ev.get("id") if isinstance(ev, dict) else None
            eid = eid if isinstance(eid, str) and len(eid) <= 64 else f"#{n}"
            try:
                check_event(ev, chained=True)
            except EventInvalid as exc:
                plan.append({"id": eid, "error": "schema", "detail": str(exc)[:200]})
                continue
            if ev["terminal"] != terminal:
                plan.append({"id": eid, "error": "wrong_terminal"})
                continue
            plan.append((eid, ev, eid not in first))
            first.setdefault(eid, ev)
        accepted: list[str] = []
        duplicates: list[str] = []
        rejected: list[dict] = []
        with self._tx() as c:
            head = self.store.lock_terminal(c, terminal)   # None: a legacy (shared-token) upload, no chain kept
            held = self.store.insert_events(c, [_event_row(terminal, received, ev) for ev in first.values()])
            for item in plan:
                if isinstance(item, dict):
                    rejected.append(item)
                    continue
                eid, ev, is_first = item
                if is_first and eid not in held:
                    accepted.append(eid)
                else:
                    ref = held[eid] if eid in held else first[eid]["hash"]
                    if ref is None or ref == ev["hash"]:
                        duplicates.append(eid)
                    else:
                        rejected.append({"id": eid, "error": "conflict"})
                    continue
                if head is None:
                    continue
                body = {k: v for k, v in ev.items() if k != "hash"}
                if event_hash(body) != ev["hash"]:
                    self._break(c, terminal, eid, "edited", "hash does not match the content", received)
                if ev["prev"] != head:
                    earlier = c.execute("SELECT 1 FROM events WHERE terminal = ? AND hash = ? AND id != ?",
                                        (terminal, ev["prev"], eid)).fetchone()
                    kind = "reordered" if earlier else "missing"
                    self._break(c, terminal, eid, kind, f"prev {ev['prev'][:12]}... is not the chain head "
                                                        f"{head[:12]}...", received)
                head = ev["hash"]
            if head is not None:
                c.execute("UPDATE terminals SET chain_head = ?, events = events + ?, rejected = rejected + ?, "
                          "last_seen = ? WHERE id = ?", (head, len(accepted), len(rejected), received, terminal))
        return UploadAnswer(accepted, duplicates, rejected)

    @staticmethod
    def _break(c: Conn, terminal: str, event: str, kind: str, detail: str, now: int) -> None:
        c.execute("INSERT INTO chain_breaks (terminal, event, kind, detail, found) VALUES (?, ?, ?, ?, ?)",
                  (terminal, event, kind, detail, now))

    def events(self) -> list[dict]:
        return [json.loads(b) for b, in self._read("SELECT body FROM events ORDER BY n")]


def _add_issuer(c: Conn, root: Path, iss: str, typ: list[str], key: Any, nbf: int, exp: int,
                now: int) -> bytes:
    kid = keys.kid_of(key)
    name = f"{iss}-{kid.hex()}.key"
    keys.write_private_pem(root / "keys" / name, key)
    c.execute("INSERT INTO issuers (kid, iss, typ, alg, spki, nbf, exp, status, key_file, created) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)",
              (kid, iss, json.dumps(typ), keys.alg_of(key), keys.spki_der(key), nbf, exp, name, now))
    return kid


# ---- scan-event validation (spec section 6) ---------------------------------------------------

def validate_batch(body: Any) -> tuple[str, list]:
    """Check the envelope of a POST /v1/scan-events body; return (terminal, events) or raise
    EventError (answered 400). The events themselves are checked one by one by store_events, so
    one malformed event is rejected alone instead of blocking the batch.

    Unknown keys are refused by name: the platform must never receive more than the spec's
    fields (no names, no ID numbers, no raw `sub`).
    """
    if not isinstance(body, dict):
        raise EventError("body must be a JSON object")
    extra = set(body) - {"terminal", "events"}
    if extra:
        raise EventError(f"unknown key '{str(sorted(extra)[0])[:40]}' in the batch")
    terminal, events = body.get("terminal"), body.get("events")
    if not isinstance(terminal, str) or not terminal or len(terminal) > 128:
        raise EventError("'terminal' must be a non-empty string")
    if not isinstance(events, list):
        raise EventError("'events' must be an array")
    if len(events) > MAX_BATCH:
        raise EventError(f"at most {MAX_BATCH} events per batch")
    return terminal, events
