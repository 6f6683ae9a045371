"""Trust list store: the signed trust list exactly as received plus its parsed issuers.

    from cache import Store
    store = Store.open(home)
    store.trust.save_trust_list(raw_cose, parsed_payload, etag='"abc"')
    held = store.trust.load_trust_list()          # None before the first sync
    if held:
        raw, meta = held                          # bytes, TrustListMeta
        row = meta.issuer(kid)                    # IssuerRow or None

This store does NOT verify signatures: the terminal core verifies `raw` against the
pinned platform key and parses it before calling `save_trust_list`. Keeping `raw` lets the
core re-verify on every start instead of trusting the parsed rows blindly.

`parsed` is the decoded payload (spec section 4): a mapping with `seq` (required),
`next`, `iat`, `v` and `issuers`, each issuer a mapping with `kid` (bytes), `iss` (str),
`alg` (int), `spki` (bytes), `nbf`/`exp` (int, optional), `typ` (sequence of str) and
`status` (str). cbor2's frozendict/tuple are accepted.

Raises: `RollbackRefused` for a seq lower than the held one (an equal seq replaces the
held list: the same list fetched again); `BadTrustList` for a malformed `parsed`.
Threads: use from the thread that opened the Store.
"""
from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .db import transaction
from .errors import BadTrustList, RollbackRefused


@dataclass(frozen=True)
class IssuerRow:
    """One issuer of the trust list, as stored."""

    kid: bytes
    iss: str
    alg: int
    spki: bytes
    nbf: int | None
    exp: int | None
    typ: tuple[str, ...]
    status: str


@dataclass(frozen=True)
class TrustListMeta:
    """Everything held about the trust list except the raw bytes."""

    seq: int
    next: int | None
    iat: int | None
    etag: str | None
    received_at: int
    issuers: tuple[IssuerRow, ...]

    def issuer(self, kid: bytes) -> IssuerRow | None:
        """The first issuer with this kid, or None."""
        for row in self.issuers:
            if row.kid == kid:
                return row
        return None


def _int(value: object, field: str, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadTrustList(f"trust list field {field!r} must be an integer, got {type(value).__name__}")
    return value


def _issuer(item: object, index: int) -> IssuerRow:
    if not isinstance(item, Mapping):
        raise BadTrustList(f"issuers[{index}] is not a map")
    where = f"issuers[{index}]"
    kid, spki = item.get("kid"), item.get("spki")
    if not isinstance(kid, (bytes, bytearray)) or not kid:
        raise BadTrustList(f"{where}.kid must be non-empty bytes")
    if not isinstance(spki, (bytes, bytearray)) or not spki:
        raise BadTrustList(f"{where}.spki must be non-empty bytes")
    iss, status = item.get("iss"), item.get("status")
    if not isinstance(iss, str):
        raise BadTrustList(f"{where}.iss must be a string")
    if not isinstance(status, str):
        raise BadTrustList(f"{where}.status must be a string")
    typ = item.get("typ", ())
    if isinstance(typ, (str, bytes)) or not isinstance(typ, Sequence) or not all(isinstance(t, str) for t in typ):
        raise BadTrustList(f"{where}.typ must be an array of strings")
    return IssuerRow(kid=bytes(kid), iss=iss, alg=_int(item.get("alg"), f"{where}.alg"),  # type: ignore[arg-type]
                     spki=bytes(spki), nbf=_int(item.get("nbf"), f"{where}.nbf", True),
                     exp=_int(item.get("exp"), f"{where}.exp", True), typ=tuple(typ), status=status)


class TrustStore:
    """The held trust list (at most one). Obtain it as `Store.trust`."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def held_seq(self) -> int | None:
        """The seq of the held list, or None."""
        row = self._conn.execute("SELECT seq FROM trust_list WHERE id = 1").fetchone()
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
        issuers_in = parsed.get("issuers", ())
        if isinstance(issuers_in, (str, bytes)) or not isinstance(issuers_in, Sequence):
            raise BadTrustList("trust list 'issuers' must be an array")
        issuers = tuple(_issuer(item, i) for i, item in enumerate(issuers_in))
        meta = TrustListMeta(seq=seq, next=_int(parsed.get("next"), "next", True),
                             iat=_int(parsed.get("iat"), "iat", True), etag=etag,
                             received_at=int(time.time()) if received_at is None else int(received_at),
                             issuers=issuers)
        with transaction(self._conn):
            held = self.held_seq()
            if held is not None and seq < held:
                raise RollbackRefused("trust list", held, seq)
            self._conn.execute("DELETE FROM trust_list")
            self._conn.execute("DELETE FROM trust_issuers")
            self._conn.execute(
                "INSERT INTO trust_list (id, raw, seq, next, iat, etag, received_at) VALUES (1, ?, ?, ?, ?, ?, ?)",
                (bytes(raw), meta.seq, meta.next, meta.iat, etag, meta.received_at))
            self._conn.executemany(
                "INSERT INTO trust_issuers (pos, kid, iss, alg, spki, nbf, exp, typ, status)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(pos, r.kid, r.iss, r.alg, r.spki, r.nbf, r.exp, json.dumps(list(r.typ)), r.status)
                 for pos, r in enumerate(issuers)])
        return meta

    def load_trust_list(self) -> tuple[bytes, TrustListMeta] | None:
        """`(raw, meta)` for the held list, or None if none was ever saved."""
        # One read transaction so raw and issuers come from the same snapshot even if
        # another connection replaces the list meanwhile.
        self._conn.execute("BEGIN")
        try:
            row = self._conn.execute(
                "SELECT raw, seq, next, iat, etag, received_at FROM trust_list WHERE id = 1").fetchone()
            if row is None:
                return None
            issuers = tuple(
                IssuerRow(kid=kid, iss=iss, alg=alg, spki=spki, nbf=nbf, exp=exp,
                          typ=tuple(json.loads(typ)), status=status)
                for kid, iss, alg, spki, nbf, exp, typ, status in self._conn.execute(
                    "SELECT kid, iss, alg, spki, nbf, exp, typ, status FROM trust_issuers ORDER BY pos"))
        finally:
            self._conn.execute("COMMIT")
        raw, seq, nxt, iat, etag, received_at = row
        return bytes(raw), TrustListMeta(seq=seq, next=nxt, iat=iat, etag=etag,
                                         received_at=received_at, issuers=issuers)

    def clear(self) -> None:
        """Forget the held trust list (re-enrolment with another platform)."""
        with transaction(self._conn):
            self._conn.execute("DELETE FROM trust_list")
            self._conn.execute("DELETE FROM trust_issuers")
