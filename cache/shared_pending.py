"""Claims this terminal made in its own store while the venue's shared store was down (spec v2
section 7). When the store is back each is written there with NX (a presentation's claim) or
counted (an entry); a collision becomes a `double_use` alert naming the scan event.

    store.shared_pending.add_in_transaction(PendingClaim(key, "rp", None, exp, event_id))
    for p in store.shared_pending.oldest(50): ...; store.shared_pending.remove(p.seq)

Threads: use from the thread that opened the Store.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .db import transaction
from .errors import BadEntry

KINDS = ("rp", "en")       # a presentation's replay claim, an entry count


@dataclass(frozen=True)
class PendingClaim:
    key: str                  # the shared store's key (vocab.spec.replay_key / entry_key)
    kind: str                 # "rp" | "en"
    limit: int | None         # "en": the policy's limit when the entry was counted
    expires_at: int           # Unix seconds: the key's expiry in the shared store
    event_id: str             # the scan event the claim belongs to (the alert's ref)
    claim_id: str = "-"       # "en": the id the entry was counted under (a set member in the store)
    seq: int = 0


class SharedPending:
    """Obtain it as `Store.shared_pending`."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def add_in_transaction(self, claim: PendingClaim) -> None:
        if claim.kind not in KINDS or not isinstance(claim.key, str) or not 0 < len(claim.key) <= 512:
            raise BadEntry("a pending claim needs a kind (rp, en) and a key of 1..512 characters")
        self._conn.execute("INSERT INTO shared_pending (key, kind, lim, expires_at, event_id, claim_id) "
                           "VALUES (?, ?, ?, ?, ?, ?)",
                           (claim.key, claim.kind, claim.limit, int(claim.expires_at), claim.event_id, claim.claim_id))

    def oldest(self, limit: int = 100) -> list[PendingClaim]:
        rows = self._conn.execute("SELECT key, kind, lim, expires_at, event_id, claim_id, seq FROM shared_pending "
                                  "ORDER BY seq LIMIT ?", (limit,)).fetchall()
        return [PendingClaim(*r) for r in rows]

    def remove(self, seq: int) -> None:
        with transaction(self._conn):
            self._conn.execute("DELETE FROM shared_pending WHERE seq = ?", (seq,))

    def count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM shared_pending").fetchone()[0]
