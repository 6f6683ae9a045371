"""Exceptions raised by the local stores.

Every store error derives from `StoreError`, so a caller that only wants to log and
carry on can catch that one class. Bad input additionally derives from `ValueError`.

    from cache.errors import RollbackRefused
    try:
        store.trust.save_trust_list(raw, parsed, etag)
    except RollbackRefused as exc:
        log.warning("ignored an older trust list: %s", exc)
"""
from __future__ import annotations


class StoreError(Exception):
    """Base class of every error raised by cache/."""


class SchemaTooNew(StoreError):
    """The database was written by a newer program version (its user_version is higher
    than the number of migrations this code knows). Never downgrade it silently."""


class RollbackRefused(StoreError):
    """A trust list or revocation list whose `seq` is older than the one held.

    Attributes: `held` (the seq in the database) and `offered` (the refused seq)."""

    def __init__(self, what: str, held: int, offered: int, rule: str = "lower than"):
        super().__init__(f"{what}: refusing seq {offered}, {rule} the held seq {held}")
        self.held = held
        self.offered = offered


class DeltaMismatch(StoreError):
    """A revocation delta whose `from` is not the seq held (or nothing is held yet).

    Attributes: `held` (int or None) and `from_seq`. The sync client should then ask
    for `since=<held or 0>` again, or for the full list."""

    def __init__(self, held: int | None, from_seq: int):
        super().__init__(f"revocation delta from seq {from_seq} does not apply: held seq is {held}")
        self.held = held
        self.from_seq = from_seq


class BadEntry(StoreError, ValueError):
    """A revocation key (or replay cti) that is not the expected bytes."""


class EventRejected(StoreError, ValueError):
    """A scan event that the outbox refuses to store: an unknown key (personal data must
    never reach the log), a missing required field, or a field of the wrong type/shape.
    The message names the field."""


class DuplicateEvent(StoreError):
    """An event whose `id` is already in the outbox."""


class BadTrustList(StoreError, ValueError):
    """A parsed trust list dict that lacks a required field or has a wrong type."""


class ChainBroken(StoreError):
    """The outbox hash chain does not verify where an operation needs it to (pruning
    refuses to delete the evidence of tampering). The message names the event."""
