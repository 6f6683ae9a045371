"""Entry counts per holder and period (spec v2 section 7): how often a holder was admitted at
this venue today, for a policy's entry limit. The terminal's own count, used alone when the venue
has no shared store and as the fallback when the shared store is down.

    ok = store.entries.count_in_transaction(ref, "2026-12-03", limit=1, expires_at=t)
    # True: counted (under the limit, or limit None); False: the limit was already used up
    store.entries.give_back(ref, "2026-12-03")   # an admission nobody walked through: one entry less

Raises: `BadEntry` for a holder_ref that is not 32 hex digits or an empty period.
Threads: use from the thread that opened the Store.
"""
from __future__ import annotations

import re
import sqlite3

from .db import transaction
from .errors import BadEntry

_REF = re.compile(r"[0-9a-f]{32}")


def _check(ref: str, period: str) -> None:
    if not isinstance(ref, str) or not _REF.fullmatch(ref):
        raise BadEntry("holder_ref must be 32 lower-case hex digits")
    if not isinstance(period, str) or not 0 < len(period) <= 32:
        raise BadEntry("period must be 1..32 characters")


class EntryCounts:
    """Obtain it as `Store.entries`."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def count(self, ref: str, period: str) -> int:
        _check(ref, period)
        row = self._conn.execute("SELECT count FROM entries WHERE holder_ref = ? AND period = ?",
                                 (ref, period)).fetchone()
        return row[0] if row else 0

    def count_in_transaction(self, ref: str, period: str, limit: int | None, expires_at: int) -> bool:
        """Add one entry unless `limit` entries are already counted (None: no limit, always
        counted). For a caller holding the write transaction (BEGIN IMMEDIATE), so of two
        processes counting the last free entry exactly one gets True."""
        held = self.count(ref, period)
        if limit is not None and held >= limit:
            return False
        self._conn.execute(
            "INSERT INTO entries (holder_ref, period, count, expires_at) VALUES (?, ?, 1, ?) "
            "ON CONFLICT (holder_ref, period) DO UPDATE SET count = count + 1, "
            "expires_at = max(expires_at, excluded.expires_at)", (ref, period, expires_at))
        return True

    def give_back(self, ref: str, period: str) -> bool:
        """Take one counted entry back (the gate opened and nobody walked through); False when
        there was none to take (the period's row expired or was pruned)."""
        _check(ref, period)
        with transaction(self._conn):
            return self._conn.execute("UPDATE entries SET count = count - 1 WHERE holder_ref = ? AND period = ? "
                                      "AND count > 0", (ref, period)).rowcount == 1

    def prune(self, now: int) -> int:
        with transaction(self._conn):
            return self._conn.execute("DELETE FROM entries WHERE expires_at <= ?", (now,)).rowcount
