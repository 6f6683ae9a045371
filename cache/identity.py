"""Terminal identity (written at enrolment) and a small key-value `state` table.

    from cache import Store
    from cache.identity import Identity
    store = Store.open(home)
    store.identity.save_identity(Identity(
        terminal_id="T-0001", venue_id="V-42", platform_url="https://platform.example",
        token="...", venue_secret=os.urandom(32), root_key_pem=pem_bytes))
    ident = store.identity.load_identity()            # Identity or None (not enrolled)
    store.state.set_state("last_sync", {"at": 1764383400, "ok": True})
    store.state.get_state("last_sync")                # JSON value or the default

The token and the venue secret are secrets: the database file is 0600 (see cache.db) and
`repr(Identity)` leaves them out, so they do not end up in logs.

The state table is untyped key-value storage (values: anything `json.dumps` accepts). The
sync bookkeeping in it is read and written only through `cache.sync_state` (`Store.sync_state`,
a typed `SyncState`), so no other module shares key names by convention.

Raises: `ValueError` for a wrong field type (nothing stored), `TypeError` for a state
value that is not JSON-serialisable. Threads: use from the thread that opened the Store.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # sqlite-utils costs ~180 ms to import; only load it when identity/state are used
    import sqlite_utils


def _not_found() -> type[Exception]:
    from sqlite_utils.db import NotFoundError

    return NotFoundError


@dataclass(frozen=True)
class Identity:
    """Who this terminal is and how it reaches its platform."""

    terminal_id: str
    venue_id: str
    platform_url: str
    token: str = field(repr=False)           # Bearer token issued at enrolment
    venue_secret: bytes = field(repr=False)  # HMAC key for holder_ref
    root_key_pem: bytes                      # pinned trust-list signing key (SPKI PEM or DER)
    ca_bundle: str | None = None             # CA bundle path for the platform's TLS, None: system CAs
    enrolled_at: int | None = None           # Unix seconds

    def __post_init__(self) -> None:
        for name in ("terminal_id", "venue_id", "platform_url", "token"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ValueError(f"Identity.{name} must be a non-empty string")
        for name in ("venue_secret", "root_key_pem"):
            value = getattr(self, name)
            if not isinstance(value, (bytes, bytearray)) or not value:
                raise ValueError(f"Identity.{name} must be non-empty bytes")
            object.__setattr__(self, name, bytes(value))
        if self.ca_bundle is not None and not isinstance(self.ca_bundle, str):
            raise ValueError("Identity.ca_bundle must be a path string or None")
        if self.enrolled_at is not None and (isinstance(self.enrolled_at, bool) or not isinstance(self.enrolled_at, int)):
            raise ValueError("Identity.enrolled_at must be Unix seconds (int) or None")


_ID_FIELDS = ("terminal_id", "venue_id", "platform_url", "token", "venue_secret", "root_key_pem",
              "ca_bundle", "enrolled_at")


class IdentityStore:
    """The enrolled identity (at most one). Obtain it as `Store.identity`."""

    def __init__(self, db: "sqlite_utils.Database"):
        self._table = db["identity"]

    def save_identity(self, identity: Identity) -> None:
        """Store `identity`, replacing any previous one (re-enrolment)."""
        if not isinstance(identity, Identity):
            raise ValueError("save_identity needs an Identity")
        row = {"id": 1, **{name: getattr(identity, name) for name in _ID_FIELDS}}
        self._table.upsert(row, pk="id")

    def load_identity(self) -> Identity | None:
        """The stored identity, or None if this terminal is not enrolled."""
        try:
            row = self._table.get(1)
        except _not_found():
            return None
        return Identity(**{name: row[name] for name in _ID_FIELDS})

    def delete_identity(self) -> bool:
        """Forget the identity (un-enrol); return whether there was one."""
        try:
            self._table.delete(1)
        except _not_found():
            return False
        return True


class StateStore:
    """Small JSON values by key (sync bookkeeping). Obtain it as `Store.state`."""

    def __init__(self, db: "sqlite_utils.Database"):
        self._db = db
        self._table = db["state"]

    def get_state(self, key: str, default: Any = None) -> Any:
        """The value stored under `key`, or `default`."""
        row = self._db.conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_state(self, key: str, value: Any) -> None:
        """Store `value` (JSON-serialisable) under `key`, replacing the old value."""
        if not isinstance(key, str) or not key:
            raise ValueError("state key must be a non-empty string")
        self._table.upsert({"key": key, "value": json.dumps(value, ensure_ascii=False)}, pk="key")

    def delete_state(self, key: str) -> bool:
        """Remove `key`; return whether it was there."""
        try:
            self._table.delete(key)
        except _not_found():
            return False
        return True

    def all_state(self) -> dict[str, Any]:
        """Every key and value (for `venue-terminal status`)."""
        return {row["key"]: json.loads(row["value"]) for row in self._table.rows_where(order_by="key")}

