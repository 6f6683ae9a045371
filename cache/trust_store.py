"""Trust list store: the signed trust list exactly as received, and its header.

    from cache import Store
    store = Store.open(home)
    store.trust.save_trust_list(raw_cose, verified_payload, etag='"abc"')
    held = store.trust.load_trust_list()          # None before the first sync
    if held:
        raw, meta = held                          # bytes, TrustListMeta (seq, next, iat, etag, received_at)
    store.dcc_trust                               # the same for the DCC trust list (spec section 6)

This store does NOT verify or parse signatures or issuers: the terminal core
(`terminal.trust`) verifies `raw` against the pinned platform key and parses it, on every
start, so there is one parser with one set of rules. The store keeps the bytes and the
header fields it needs to refuse a rollback and to show the list's age.

`parsed` is the verified payload (spec section 4); only `seq` (required), `next` and `iat`
are read from it.

Raises: `RollbackRefused` for a seq lower than the held one (an equal seq replaces the
held list: the same list fetched again); `BadTrustList` for a malformed header.
Threads: use from the thread that opened the Store.
"""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass

from .db import transaction
from .errors import BadTrustList, RollbackRefused


@dataclass(frozen=True)
class TrustListMeta:
    """Everything held about the trust list except the raw bytes."""

    seq: int
    next: int | None
    iat: int | None
    etag: str | None
    received_at: int


def _int(value: object, field: str, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadTrustList(f"trust list field {field!r} must be an integer, got {type(value).__name__}")
    return value


# The tables a TrustStore may keep a signed list in (the same columns; see cache.db).
TABLES = {"trust_list": "trust list", "dcc_trust": "DCC trust list"}


class TrustStore:
    """The held trust list (at most one). Obtain it as `Store.trust`; `Store.dcc_trust` keeps
    the DCC trust list (GET /v1/dcc-trust) the same way, in its own table."""

    def __init__(self, conn: sqlite3.Connection, table: str = "trust_list"):
        if table not in TABLES:
            raise ValueError(f"no trust table {table!r}")
        self._conn = conn
        self._table = table                # one of TABLES only: never text from outside
        self.what = TABLES[table]

    def held_seq(self) -> int | None:
        """The seq of the held list, or None."""
        row = self._conn.execute(f"SELECT seq FROM {self._table} WHERE id = 1").fetchone()
        return row[0] if row else None

    def save_trust_list(self, raw: bytes, parsed: Mapping, etag: str | None, *,
                        received_at: int | None = None) -> TrustListMeta:
        """Replace the held trust list atomically with `raw` (the COSE bytes as received)
        and `parsed` (its verified payload); return what is now held.

        `received_at` defaults to the current time (seconds). Raises `RollbackRefused`
        (nothing changed) if `parsed["seq"]` is lower than the held seq, `BadTrustList`
        if `parsed` is malformed."""
        if not isinstance(raw, (bytes, bytearray)) or not raw:
            raise BadTrustList("raw trust list must be non-empty bytes")
        if not isinstance(parsed, Mapping):
            raise BadTrustList("parsed trust list must be a map")
        seq = _int(parsed.get("seq"), "seq")
        assert seq is not None
        if seq < 0:
            raise BadTrustList("trust list seq must not be negative")
        meta = TrustListMeta(seq=seq, next=_int(parsed.get("next"), "next", True),
                             iat=_int(parsed.get("iat"), "iat", True), etag=etag,
                             received_at=int(time.time()) if received_at is None else int(received_at))
        with transaction(self._conn):
            held = self.held_seq()
            if held is not None and seq < held:
                raise RollbackRefused(self.what, held, seq)
            self._conn.execute(
                f"INSERT OR REPLACE INTO {self._table} (id, raw, seq, next, iat, etag, received_at)"
                " VALUES (1, ?, ?, ?, ?, ?, ?)", (bytes(raw), meta.seq, meta.next, meta.iat, etag, meta.received_at))
        return meta

    def load_trust_list(self) -> tuple[bytes, TrustListMeta] | None:
        """`(raw, meta)` for the held list, or None if none was ever saved."""
        row = self._conn.execute(
            f"SELECT raw, seq, next, iat, etag, received_at FROM {self._table} WHERE id = 1").fetchone()
        if row is None:
            return None
        raw, seq, nxt, iat, etag, received_at = row
        return bytes(raw), TrustListMeta(seq=seq, next=nxt, iat=iat, etag=etag, received_at=received_at)

    def clear(self) -> None:
        """Forget the held trust list (re-enrolment with another platform)."""
        with transaction(self._conn):
            self._conn.execute(f"DELETE FROM {self._table}")
