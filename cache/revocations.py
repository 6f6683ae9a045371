"""Revocation store: the set of revoked credential keys, replaced or patched atomically.

    from cache import Store
    from cache.revocations import revocation_key
    store = Store.open(home)
    store.revocations.apply_full(seq=7, next=1_800_000_000, iat=1_799_990_000, entries=keys)
    store.revocations.apply_delta(from_seq=7, seq=8, next=..., iat=..., add=[k1], remove=[k2])
    store.revocations.contains(revocation_key("SD-RC", cti))      # -> bool
    store.revocations.is_revoked(key)                             # the core's RevocationLookup protocol
    lookup = store.revocations.lookup()                           # or a slim object exposing only
    lookup.is_revoked(key)                                        #   is_revoked()

A key is `SHA-256(iss || 0x00 || cti)[:16]` (spec section 4), stored as a 16-byte BLOB in
a WITHOUT ROWID table whose primary key is the key itself: a lookup is one B-tree descent
(bench/bench_stores.py measures it at 10 million entries). `entries`, `add` and `remove`
may be any iterables (a generator is fine for millions of keys); they are consumed
inside the transaction, so a bad key anywhere rolls the whole change back.

Raises: `RollbackRefused` (full list older than held, or delta seq not newer than held),
`DeltaMismatch` (delta `from_seq` is not the held seq, or nothing held), `BadEntry` (a key
that is not 16 bytes; nothing changed). Threads: use from the thread that opened the Store.
"""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from vocab.spec import REVOCATION_KEY_LEN as KEY_LEN, revocation_key  # noqa: F401  (re-exported by cache)

from .db import transaction
from .errors import BadEntry, DeltaMismatch, RollbackRefused

_CONTAINS_SQL = "SELECT 1 FROM revocations WHERE key = ?"


@dataclass(frozen=True)
class RevocationMeta:
    """The held revocation list's header. `count` is the number of keys held."""

    seq: int
    next: int | None
    iat: int | None
    count: int
    updated_at: int


def _rows(keys: Iterable[bytes], what: str) -> Iterator[tuple[bytes]]:
    for i, key in enumerate(keys):
        if not isinstance(key, (bytes, bytearray, memoryview)) or len(key) != KEY_LEN:
            raise BadEntry(f"{what}[{i}] is not a {KEY_LEN}-byte key "
                           f"({type(key).__name__}, length {len(key) if hasattr(key, '__len__') else '?'})")
        yield (bytes(key),)


class RevocationStore:
    """The held revocation list. Obtain it as `Store.revocations`."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    # --------------------------------------------------------------- reading
    def contains(self, key: bytes) -> bool:
        """Whether `key` (16 bytes) is revoked. Raises `BadEntry` for anything else."""
        if not isinstance(key, (bytes, bytearray, memoryview)) or len(key) != KEY_LEN:
            # a 16-char str would bind as TEXT and silently never match
            raise BadEntry(f"revocation key must be {KEY_LEN} bytes, got {type(key).__name__} "
                           f"of length {len(key) if hasattr(key, '__len__') else '?'}")
        # sqlite3 caches prepared statements by SQL text: this is a prepared-statement
        # lookup without re-parsing.
        return self._conn.execute(_CONTAINS_SQL, (key,)).fetchone() is not None

    def is_revoked(self, key: bytes) -> bool:
        """Same as `contains`: lets the store itself serve as the core's RevocationLookup."""
        return self.contains(key)

    def meta(self) -> RevocationMeta | None:
        """The held list's header, or None if no list was ever applied."""
        row = self._conn.execute("SELECT seq, next, iat, count, updated_at FROM revocation_meta WHERE id = 1").fetchone()
        return RevocationMeta(*row) if row else None

    def seq(self) -> int | None:
        """The held seq, or None (then ask the platform for `since=0`)."""
        row = self._conn.execute("SELECT seq FROM revocation_meta WHERE id = 1").fetchone()
        return row[0] if row else None

    def count(self) -> int:
        """Number of keys held (kept in the header, so it is O(1))."""
        row = self._conn.execute("SELECT count FROM revocation_meta WHERE id = 1").fetchone()
        return row[0] if row else 0

    def lookup(self) -> RevocationLookup:
        """A small object with `is_revoked(key) -> bool` for the core."""
        return RevocationLookup(self)

    # --------------------------------------------------------------- writing
    def apply_full(self, seq: int, next: int | None, iat: int | None, entries: Iterable[bytes], *,
                   now: int | None = None) -> RevocationMeta:
        """Replace every key with `entries` (duplicates are ignored) in one transaction.

        Raises `RollbackRefused` if `seq` is lower than the held seq; `BadEntry` for a key
        that is not 16 bytes. On any error nothing changes."""
        with transaction(self._conn):
            held = self.seq()
            if held is not None and seq < held:
                raise RollbackRefused("revocation list", held, seq)
            self._conn.execute("DELETE FROM revocations")
            added = self._conn.executemany("INSERT OR IGNORE INTO revocations (key) VALUES (?)",
                                           _rows(entries, "entries")).rowcount
            return self._write_meta(seq, next, iat, added, now)

    def apply_delta(self, from_seq: int, seq: int, next: int | None, iat: int | None,
                    add: Iterable[bytes], remove: Iterable[bytes], *, now: int | None = None) -> RevocationMeta:
        """Patch the held list from `from_seq` to `seq` in one transaction: `remove` first,
        then `add` (so a key in both ends up revoked). Removing a key un-revokes it.

        Raises `DeltaMismatch` if nothing is held or `from_seq` differs from the held seq,
        `RollbackRefused` if `seq` is not higher than the held seq, `BadEntry` for a bad
        key. On any error nothing changes."""
        with transaction(self._conn):
            held = self.seq()
            if held is None or from_seq != held:
                raise DeltaMismatch(held, from_seq)
            if seq <= held:
                raise RollbackRefused("revocation delta", held, seq, "not newer than")
            # rowcount of executemany is the number of rows really deleted/inserted
            # (absent keys and already-present keys count 0), so the header count stays exact.
            removed = self._conn.executemany("DELETE FROM revocations WHERE key = ?", _rows(remove, "remove")).rowcount
            added = self._conn.executemany("INSERT OR IGNORE INTO revocations (key) VALUES (?)", _rows(add, "add")).rowcount
            return self._write_meta(seq, next, iat, self.count() - removed + added, now)

    def clear(self) -> None:
        """Forget every key and the header (re-enrolment with another platform)."""
        with transaction(self._conn):
            self._conn.execute("DELETE FROM revocations")
            self._conn.execute("DELETE FROM revocation_meta")

    def _write_meta(self, seq: int, next: int | None, iat: int | None, count: int,
                    now: int | None) -> RevocationMeta:
        meta = RevocationMeta(seq=seq, next=next, iat=iat, count=count,
                              updated_at=int(time.time()) if now is None else int(now))
        self._conn.execute(
            "INSERT OR REPLACE INTO revocation_meta (id, seq, next, iat, count, updated_at) VALUES (1, ?, ?, ?, ?, ?)",
            (meta.seq, meta.next, meta.iat, meta.count, meta.updated_at))
        return meta


class RevocationLookup:
    """`is_revoked(key) -> bool` over a RevocationStore, the interface the core expects.

        lookup = store.revocations.lookup()
        lookup.is_revoked(revocation_key(iss, cti))

    Same thread rule as the Store it came from."""

    __slots__ = ("_store",)

    def __init__(self, store: RevocationStore):
        self._store = store

    def is_revoked(self, key: bytes) -> bool:
        """True if the 16-byte key is in the held list. Raises `BadEntry` for another length."""
        return self._store.contains(key)
