"""Local SQLite stores of the venue terminal, bundled over one connection by `Store`.

    from cache import Store
    with Store.open(home) as store:                 # home=None: platformdirs user data dir
        store.trust.load_trust_list()               # TrustStore    (cache.trust_store)
        store.revocations.contains(key16)           # RevocationStore (cache.revocations)
        store.replay.seen(cti, now)                 # ReplayCache   (cache.replay)
        store.outbox.append(event)                  # Outbox        (cache.outbox)
        store.identity.load_identity()              # IdentityStore (cache.identity)
        store.sync_state.load()                     # SyncStateStore (cache.sync_state): a SyncState
        store.entries.count(ref, period)           # EntryCounts   (cache.entries): entry limits
        store.shared_pending.oldest()              # SharedPending (cache.shared_pending): claims for the venue store
        store.staff.load()                          # StaffStore    (cache.staff): staff codes, PIN hashes
        store.state.get_state("key")                # StateStore    (cache.identity): untyped, ad hoc

Everything lives in `<home>/terminal.db` (WAL, synchronous=FULL, 0600; see cache.db).
cache/ imports nothing else of this project and no Qt.

Threads: a Store (its connection) may only be used by the thread that opened it; sqlite3
raises `ProgrammingError` otherwise. Exception: `Store.open(home, check_same_thread=False)`
for a caller that serialises every use under its own lock. Otherwise open one Store per thread (e.g. the scan worker and
the sync thread each open their own); WAL lets them read concurrently and serialises
writers with a 5 s busy timeout.

Raises: `cache.errors.SchemaTooNew` if the file comes from a newer program, `sqlite3.Error`
or `OSError` if it cannot be opened. Store-specific errors are listed in each module.
"""
from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .db import as_sqlite_utils, connect, resolve_home, schema_version, transaction
from .errors import (BadEntry, BadTrustList, ChainBroken, DeltaMismatch, DuplicateEvent, EventRejected,
                     RollbackRefused, SchemaTooNew, StoreError)
from .entries import EntryCounts
from .identity import Identity, IdentityStore, StateStore
from .outbox import Outbox
from .replay import ReplayCache
from .revocations import RevocationLookup, RevocationStore, revocation_key
from .shared_pending import PendingClaim, SharedPending
from .staff import StaffStore
from .sync_state import SyncState, SyncStateStore
from .trust_store import TrustListMeta, TrustStore

if TYPE_CHECKING:
    import sqlite_utils

__all__ = [
    "Store", "Identity", "PendingClaim", "SyncState", "TrustListMeta", "RevocationLookup", "revocation_key",
    "StoreError", "SchemaTooNew", "RollbackRefused", "DeltaMismatch", "BadEntry", "BadTrustList",
    "EventRejected", "DuplicateEvent", "ChainBroken",
]


class Store:
    """All terminal stores over one SQLite connection.

        store = Store.open(tmp_path)          # creates <tmp_path>/terminal.db, migrates it
        store.outbox.append({...})
        store.close()                         # or use `with Store.open(...) as store:`
    """

    def __init__(self, conn: sqlite3.Connection, home: Path):
        self.conn = conn
        self.home = home
        self.path = home / "terminal.db"
        self.trust = TrustStore(conn)
        self.dcc_trust = TrustStore(conn, "dcc_trust")
        self.revocations = RevocationStore(conn)
        self.replay = ReplayCache(conn)
        self.outbox = Outbox(conn)
        self.sync_state = SyncStateStore(conn)
        self.entries = EntryCounts(conn)
        self.shared_pending = SharedPending(conn)

    # sqlite-utils is imported on first use only: it costs ~180 ms, which a process that
    # only scans and appends (or the crash test's writer) need not pay.
    @functools.cached_property
    def db(self) -> sqlite_utils.Database:
        """A sqlite-utils view of the connection, for introspection and ad-hoc reads."""
        return as_sqlite_utils(self.conn)

    @functools.cached_property
    def identity(self) -> IdentityStore:
        return IdentityStore(self.db)

    @functools.cached_property
    def staff(self) -> StaffStore:
        return StaffStore(self.state)

    @functools.cached_property
    def state(self) -> StateStore:
        return StateStore(self.db)

    @classmethod
    def open(cls, home: str | os.PathLike[str] | None = None, *, check_same_thread: bool = True) -> Store:
        """Open (creating and migrating if needed) `<home>/terminal.db`.

        `check_same_thread=False` lets other threads use this Store, but only if the
        caller serialises every call with its own lock (as terminal.service does): the
        stores open and commit transactions on the one connection."""
        path = resolve_home(home)
        return cls(connect(path, check_same_thread=check_same_thread), path)

    def record_scan(self, make_event: Callable[[bool, bool | None], Mapping[str, Any]],
                    claim: tuple[bytes, int, int] | None = None,
                    entry: tuple[str, str, int | None, int] | None = None,
                    pending: Callable[[bool, bool | None], Iterable[PendingClaim]] | None = None,
                    ) -> tuple[dict[str, Any], bool, bool | None]:
        """Claim a presentation nonce, count an entry and log the scan event in ONE write
        transaction: the replay and entry-limit decisions are the claims themselves, never a
        check made earlier and recorded later (spec v2 section 7).

        `claim` is `(cti, expires_at, now)` or None (nothing to claim: won is True). `entry` is
        `(holder_ref, period, limit, expires_at)` or None; it is counted only when the claim was
        won (counted: True counted, False the limit was used up, None not asked).
        `make_event(won, counted)` builds the event inside the transaction; `pending(won,
        counted)` names claims to write to the venue's shared store later (made while it was
        down), each stored with the event's id. All commit together or nothing does.
        Returns (stored event, won, counted).

        Raises what Outbox.append, ReplayCache and EntryCounts raise (nothing is stored)."""
        with transaction(self.conn):
            won = True if claim is None else self.replay.claim_in_transaction(*claim)
            counted = self.entries.count_in_transaction(*entry) if entry is not None and won else None
            ev = self.outbox.append_in_transaction(make_event(won, counted))
            for p in (pending(won, counted) if pending is not None else ()):
                self.shared_pending.add_in_transaction(replace(p, event_id=ev["id"]))
            return ev, won, counted

    @property
    def schema_version(self) -> int:
        return schema_version(self.conn)

    def close(self) -> None:
        """Close the connection (idempotent). A clean close checkpoints the WAL."""
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
