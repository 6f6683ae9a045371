"""Presentation replay cache: which `EP1` presentation nonces (cti) were already accepted.

    from cache import Store
    replay = Store.open(home).replay
    if replay.seen(cti, now):            # accepted before and not yet expired
        reason = "replayed"
    else:
        replay.record(cti, expires_at=now + 90, now=now)   # -> True when newly recorded
    replay.prune(now)                    # drop expired nonces (e.g. once a minute)

A nonce needs to be remembered only while its presentation could still pass the
freshness check (`iat` within the window): after that the presentation is
`stale_presentation` anyway, so `expires_at = iat + freshness window + clock skew` is
enough and the table stays small.

Raises: `BadEntry` for a cti that is not 1..64 bytes. Threads: use from the thread that
opened the Store.
"""
from __future__ import annotations

import sqlite3

from .db import transaction
from .errors import BadEntry

MAX_CTI = 64


def _cti(cti: bytes) -> bytes:
    if not isinstance(cti, (bytes, bytearray, memoryview)) or not 0 < len(cti) <= MAX_CTI:
        raise BadEntry(f"cti must be 1..{MAX_CTI} bytes")
    return bytes(cti)


class ReplayCache:
    """Seen presentation nonces with an expiry. Obtain it as `Store.replay`."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def seen(self, cti: bytes, now: int) -> bool:
        """True if `cti` was recorded and its entry has not expired (`expires_at > now`)."""
        row = self._conn.execute("SELECT 1 FROM replay WHERE cti = ? AND expires_at > ?", (_cti(cti), now)).fetchone()
        return row is not None

    def record(self, cti: bytes, expires_at: int, now: int | None = None) -> bool:
        """Remember `cti` until `expires_at`; return True if it was new.

        Like INSERT OR IGNORE: recording a held cti again returns False and keeps the
        later of the two expiries. With `now`, an entry that had already expired counts as
        absent (returns True), so a not-yet-pruned table gives the same answer as a pruned
        one. Committed durably before returning."""
        with transaction(self._conn):
            return self.claim_in_transaction(cti, expires_at, now)

    def claim_in_transaction(self, cti: bytes, expires_at: int, now: int | None = None) -> bool:
        """`record` for a caller that already holds this connection's write transaction: the
        claim and what depends on it (the scan event) commit or roll back together. The write
        lock is held from BEGIN IMMEDIATE, so of two processes claiming one cti exactly one
        gets True."""
        key = _cti(cti)
        row = self._conn.execute("SELECT expires_at FROM replay WHERE cti = ?", (key,)).fetchone()
        if row is None:
            self._conn.execute("INSERT INTO replay (cti, expires_at) VALUES (?, ?)", (key, expires_at))
            return True
        if now is not None and row[0] <= now:
            self._conn.execute("UPDATE replay SET expires_at = ? WHERE cti = ?", (expires_at, key))
            return True
        if expires_at > row[0]:
            self._conn.execute("UPDATE replay SET expires_at = ? WHERE cti = ?", (expires_at, key))
        return False

    def prune(self, now: int) -> int:
        """Delete entries with `expires_at <= now`; return how many."""
        with transaction(self._conn):
            return self._conn.execute("DELETE FROM replay WHERE expires_at <= ?", (now,)).rowcount

    def count(self) -> int:
        """Number of entries held (expired ones included until pruned)."""
        return self._conn.execute("SELECT count(*) FROM replay").fetchone()[0]
