"""The two ports of the terminal's outer ring, as typing.Protocols: the local store the app
service and the sync round use (`StorePort`, implemented by cache.Store) and the platform the
sync round talks to (`Remote`, implemented by terminal.transport.HttpRemote over HTTP, and by
an in-memory fake in tests/sync/test_round.py).

    from terminal.ports import StorePort, Remote
    def status(store: StorePort) -> SyncState: return store.sync_state.load()

Each protocol lists exactly what terminal.service and terminal.sync call, nothing more; a new
use of the store means a new line here first. The errors a Remote raises (`SyncError` and
its subclasses) are part of its contract and live here too; terminal.sync re-exports them.

Threads: protocols only; nothing here runs.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from cache import Identity, SyncState, TrustListMeta
    from cache.outbox import DayCounts, OutboxCounts
    from cache.revocations import RevocationMeta


# ----------------------------------------------------------------------------- the store

class TrustPort(Protocol):
    def load_trust_list(self) -> tuple[bytes, TrustListMeta] | None: ...
    def held_seq(self) -> int | None: ...
    def save_trust_list(self, raw: bytes, parsed: Mapping, etag: str | None, *, received_at: int) -> Any: ...


class RevocationPort(Protocol):
    def contains(self, key: bytes) -> bool: ...
    def is_revoked(self, key: bytes) -> bool: ...          # what the core's TrustSnapshot asks
    def meta(self) -> RevocationMeta | None: ...
    def seq(self) -> int | None: ...
    def count(self) -> int: ...
    def apply_full(self, seq: int, next: int | None, iat: int | None, entries: Iterable[bytes], *,
                   now: int) -> Any: ...
    def apply_delta(self, from_seq: int, seq: int, next: int | None, iat: int | None,
                    add: Iterable[bytes], remove: Iterable[bytes], *, now: int) -> Any: ...


class ReplayPort(Protocol):
    def seen(self, cti: bytes, now: int) -> bool: ...


class OutboxPort(Protocol):
    def pending(self, limit: int = 100) -> list[dict[str, Any]]: ...
    def mark_uploaded(self, ids: Iterable[str], at: int | float | str) -> int: ...
    def prune_uploaded(self, older_than: int | float | str) -> int: ...
    def counts(self) -> OutboxCounts: ...
    def day_counts(self, day_start: int | float | str) -> DayCounts: ...
    def recent(self, limit: int = 50) -> list[dict[str, Any]]: ...
    def quarantine(self, rejected: Mapping[str, tuple[str, str | None]], at: int | float | str) -> int: ...
    def quarantine_count(self) -> int: ...
    def quarantine_errors(self) -> dict[str, int]: ...
    def last_quarantined(self) -> dict[str, Any] | None: ...


class IdentityPort(Protocol):
    def load_identity(self) -> Identity | None: ...
    def save_identity(self, identity: Identity) -> None: ...


class SyncStatePort(Protocol):
    """The typed sync bookkeeping (cache.sync_state): no string keys outside cache/."""

    def load(self) -> SyncState: ...
    def save(self, state: SyncState) -> None: ...
    def skew_bound(self) -> float | None: ...


class StaffPort(Protocol):
    """The staff codes and their PIN hashes (cache.staff); terminal/staff.py owns the rules."""

    def load(self) -> dict[str, dict[str, Any]]: ...
    def save(self, staff: dict[str, dict[str, Any]]) -> None: ...


@runtime_checkable
class StorePort(Protocol):
    """What terminal.service and terminal.sync use of a cache.Store."""

    home: Path
    trust: TrustPort
    dcc_trust: TrustPort                  # the DCC trust list (GET /v1/dcc-trust), kept like the trust list
    revocations: RevocationPort
    replay: ReplayPort
    outbox: OutboxPort
    identity: IdentityPort
    sync_state: SyncStatePort
    staff: StaffPort

    def record_scan(self, make_event: Callable[[bool, bool | None], Mapping[str, Any]],
                    claim: tuple[bytes, int, int] | None = None,
                    entry: tuple[str, str, int | None, int] | None = None,
                    pending: Callable[[bool, bool | None], Any] | None = None,
                    ) -> tuple[dict[str, Any], bool, bool | None]: ...
    def close(self) -> None: ...


# ----------------------------------------------------------------------------- the platform

class SyncError(Exception):
    """Base class of every sync failure."""


class SyncNetworkError(SyncError):
    """The platform could not be reached or answered 5xx, after the retries. Try later."""


class SyncTooLarge(SyncError):
    """The platform answered 413 to an upload: the caller halves the batch."""


class SyncNotPublished(SyncError):
    """The platform publishes no such document (404, e.g. a platform without a DCC trust list):
    nothing to fetch, not a failure of the round."""


class SyncTimeout(SyncNetworkError):
    """No answer within the timeout, after the retries. Try later."""


class SyncAuthError(SyncError):
    """401/403: the platform no longer accepts this terminal's token. Re-enrol."""


class SyncRefused(SyncError):
    """Trust data that must not be used; nothing was saved and the last good data stays."""


class SyncProtocolError(SyncError):
    """An answer outside the spec (unexpected status, malformed JSON)."""


class SyncConfigError(SyncError):
    """The terminal is not enrolled, or its stored identity is unusable."""


@dataclass(frozen=True)
class Signed:
    """A signed document as the platform sent it: the body and its declared content type
    (verifying both is the round's job, not the transport's)."""

    body: bytes
    content_type: str                 # lower case, no parameters; "" if missing
    etag: str | None = None


@dataclass(frozen=True)
class UploadAnswer:
    """The platform's answer to one batch of scan events (spec section 6): ids as sent back."""

    accepted: Sequence[Any]
    duplicates: Sequence[Any]
    rejected: Sequence[Any] = ()          # [{"id", "error", ...}]: malformed, wrong terminal, conflict


@runtime_checkable
class Remote(Protocol):
    """The platform API of spec section 6, one call per endpoint.

    Each call raises SyncTimeout / SyncNetworkError (unreachable, after any retries),
    SyncAuthError (401/403), SyncProtocolError (an answer the spec does not allow) or
    SyncConfigError (the identity's address is unusable). `clock_skew_s` is the last
    measured platform clock minus ours (None: not measured since `configure`/reset)."""

    clock_skew_s: float | None

    def configure(self, identity: Identity) -> None:
        """Use this identity's platform URL, token and CA bundle from now on."""
        ...

    def fetch_trust_list(self, etag: str | None) -> Signed | None:
        """GET /v1/trust-list (If-None-Match: etag); None means 304 Not Modified."""
        ...

    def fetch_revocations(self, since: int) -> Signed:
        """GET /v1/revocations?since=N (0: the full list)."""
        ...

    def upload_events(self, terminal: str, events: list[dict[str, Any]]) -> UploadAnswer:
        """POST /v1/scan-events with one batch."""
        ...

    def close(self) -> None: ...

    # Optional (a Remote without it syncs no DCC trust; terminal.transport.HttpRemote has it):
    #   fetch_dcc_trust(etag: str | None) -> Signed | None
    #       GET /v1/dcc-trust (If-None-Match: etag); None means 304; SyncNotPublished for 404.
