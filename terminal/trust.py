"""Signed trust data (spec section 4): the trust list of issuer keys and the revocation list.

Both arrive as raw COSE_Sign1 bytes signed by the platform's trust-list key, which the
terminal pins. `verify_signed` checks that signature; `parse_trust_list` and
`parse_revocations` check the structure. Any fault raises `TrustDataError` with a one-line
message; the caller keeps its last good data.

    >>> root = load_root_key(pem_bytes)
    >>> tl = parse_trust_list(verify_signed(raw, root))
    >>> tl.issuers[kid].iss

Pure: bytes in, frozen objects out.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.hazmat.primitives import serialization

from . import cose, sm2
from .codec import CodecError


class TrustDataError(Exception):
    """Trust or revocation data that must not be used (bad signature, wrong structure...)."""


class RevocationLookup(Protocol):
    """Anything that can answer whether a 16-byte revocation key is listed."""

    def is_revoked(self, key: bytes) -> bool: ...


@dataclass(frozen=True, slots=True)
class Issuer:
    kid: bytes
    iss: str
    alg: int
    key: Any                      # a cryptography public key object, or an sm2.PublicKey bound to `uid`; loaded once
    spki: bytes
    nbf: int
    exp: int
    typ: frozenset[str]
    status: str
    uid: bytes | None = None      # SM2 only: the signer's distinguishing ID (None: 1234567812345678)
    name: str | None = None       # the authority's display name, e.g. 山东省公安厅

    def to_row(self) -> dict:
        row = {"kid": self.kid.hex(), "iss": self.iss, "alg": self.alg, "nbf": self.nbf, "exp": self.exp,
               "typ": sorted(self.typ), "status": self.status}
        if self.name is not None:
            row["name"] = self.name
        if self.uid is not None:
            row["uid"] = self.uid.hex()
        return row


@dataclass(frozen=True)
class Issued:
    """What every piece of signed trust data carries: its sequence number, when it was issued and
    when the next one is due (after which it is stale)."""

    seq: int
    iat: int
    next: int

    def stale(self, now: int) -> bool:
        return now > self.next


@dataclass(frozen=True)
class TrustList(Issued):
    issuers: Mapping[bytes, Issuer]


@dataclass(frozen=True)
class RevocationList(Issued):
    """A full revocation list held in memory (a delta is applied by the store)."""

    entries: frozenset[bytes] = field(default_factory=frozenset)

    def is_revoked(self, key: bytes) -> bool:
        return key in self.entries


@dataclass(frozen=True)
class RevocationDelta:
    from_seq: int
    seq: int
    iat: int
    next: int
    add: tuple[bytes, ...]
    remove: tuple[bytes, ...]


def load_public_spki(der: bytes, uid: bytes | None = None) -> Any:
    """A public key from DER SPKI: an sm2.PublicKey (with `uid`) for the SM2 curve, else a
    cryptography key. ValueError when it is neither."""
    if sm2.is_sm2_spki(der):
        return sm2.parse_spki(der, sm2.DEFAULT_ID if uid is None else uid)
    try:
        return serialization.load_der_public_key(der)
    except Exception as exc:  # noqa: BLE001 - ValueError, TypeError, UnsupportedAlgorithm (unknown curves)
        raise ValueError(f"not a usable DER public key ({type(exc).__name__})") from None


def load_root_key(data: bytes) -> Any:
    """The pinned platform key from PEM or DER SubjectPublicKeyInfo (P-256, Ed25519 or SM2)."""
    sm2_der = sm2.public_pem_der(data)
    if sm2_der is not None:
        try:
            return sm2.parse_spki(sm2_der)
        except ValueError as exc:
            raise TrustDataError(f"root key: {exc}") from None
    try:
        if b"-----BEGIN" in data:
            key = serialization.load_pem_public_key(data)
        else:
            key = serialization.load_der_public_key(data)
    except Exception:  # noqa: BLE001 - ValueError, TypeError, UnsupportedAlgorithm (unknown curves)
        raise TrustDataError("root key is not a PEM/DER public key") from None
    if not (cose.key_fits_alg(key, cose.ES256) or cose.key_fits_alg(key, cose.EDDSA)):
        raise TrustDataError("root key must be P-256, Ed25519 or SM2")
    return key


def verify_signed(raw: bytes, root_key: Any) -> Mapping:
    """Verify a trust-data COSE_Sign1 under the pinned key; return its payload map."""
    try:
        msg = cose.parse_sign1(raw)
    except CodecError as exc:
        raise TrustDataError(f"not a COSE_Sign1 document ({exc.detail})") from None
    alg = msg.alg
    if alg not in (cose.ES256, cose.EDDSA, cose.SM2) or not cose.key_fits_alg(root_key, alg):
        raise TrustDataError(f"signature algorithm {alg!r} does not fit the pinned root key")
    try:
        cose.verify_signature(msg, root_key, alg)
    except cose.SignatureInvalid:
        raise TrustDataError("signature does not verify under the pinned root key") from None
    except cose.AlgorithmUnavailable as exc:
        raise TrustDataError(f"cannot check the SM2 signature of the trust data: {exc}") from None
    try:
        payload = cose.loads_cbor(msg.payload, "payload")
    except CodecError:
        raise TrustDataError("payload is not CBOR") from None
    if not isinstance(payload, Mapping):
        raise TrustDataError("payload is not a map")
    return payload


def _uint(m: Mapping, k: str, what: str) -> int:
    v = m.get(k)
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise TrustDataError(f"{what}: '{k}' missing or not an unsigned integer")
    return v


def trust_header(p: Mapping, what: str) -> tuple[int, int, int]:
    """(seq, iat, next) of a trust-data payload of version 1 (trust list, revocations, DCC trust list)."""
    if p.get("v") != 1:
        raise TrustDataError(f"{what}: unsupported version {p.get('v')!r}")
    return _uint(p, "seq", what), _uint(p, "iat", what), _uint(p, "next", what)


def parse_trust_list(p: Mapping) -> TrustList:
    seq, iat, nxt = trust_header(p, "trust list")
    issuers: dict[bytes, Issuer] = {}
    for _n, what, e in map_entries(p.get("issuers"), "trust list: 'issuers'", "trust list issuer"):
        kid, iss, alg, spki, typ = e.get("kid"), e.get("iss"), e.get("alg"), e.get("spki"), e.get("typ")
        status = e.get("status", "active")
        if not isinstance(kid, bytes) or not kid:
            raise TrustDataError(f"{what}: bad kid")
        if not isinstance(iss, str) or not isinstance(alg, int) or not isinstance(spki, bytes):
            raise TrustDataError(f"{what}: bad iss/alg/spki")
        if not isinstance(typ, Sequence) or isinstance(typ, (str, bytes)) or not all(isinstance(t, str) for t in typ):
            raise TrustDataError(f"{what}: bad typ")
        if status not in ("active", "revoked"):
            raise TrustDataError(f"{what}: bad status {status!r}")
        uid, name = e.get("uid"), e.get("name")
        if uid is not None and (not isinstance(uid, bytes) or len(uid) * 8 > 0xFFFF):
            raise TrustDataError(f"{what}: uid is not a byte string of at most 8191 bytes")
        if name is not None and not isinstance(name, str):
            raise TrustDataError(f"{what}: name is not text")
        try:
            key = load_public_spki(spki, uid)
        except ValueError as exc:
            raise TrustDataError(f"{what}: spki: {exc}") from None
        issuers[kid] = Issuer(kid=kid, iss=iss, alg=alg, key=key, spki=spki,
                              nbf=_uint(e, "nbf", what) if "nbf" in e else 0,
                              exp=_uint(e, "exp", what) if "exp" in e else 2**63,
                              typ=frozenset(typ), status=status, uid=uid, name=name)
    return TrustList(seq=seq, iat=iat, next=nxt, issuers=issuers)


def array_field(v: Any, what: str) -> Sequence:
    """`v` if it is a CBOR/JSON array (not a string), else TrustDataError '<what> is not an array'."""
    if not isinstance(v, Sequence) or isinstance(v, (str, bytes)):
        raise TrustDataError(f"{what} is not an array")
    return v


def map_entries(v: Any, what: str, item: str) -> Iterator[tuple[int, str, Mapping]]:
    """(n, "<item> #n", entry) for each entry of the array `v`; TrustDataError if `v` is not an
    array or an entry is not a map."""
    for n, e in enumerate(array_field(v, what)):
        where = f"{item} #{n}"
        if not isinstance(e, Mapping):
            raise TrustDataError(f"{where}: not a map")
        yield n, where, e


def _keys(v: Any, what: str) -> tuple[bytes, ...]:
    for k in array_field(v, what):
        if not isinstance(k, bytes) or len(k) != 16:
            raise TrustDataError(f"{what}: entry is not a 16-byte string")
    return tuple(v)


def parse_revocations(p: Mapping) -> RevocationList | RevocationDelta:
    seq, iat, nxt = trust_header(p, "revocation list")
    if "entries" in p:
        return RevocationList(seq=seq, iat=iat, next=nxt, entries=frozenset(_keys(p["entries"], "entries")))
    if "from" in p:
        return RevocationDelta(from_seq=_uint(p, "from", "revocation delta"), seq=seq, iat=iat, next=nxt,
                               add=_keys(p.get("add", []), "add"), remove=_keys(p.get("remove", []), "remove"))
    raise TrustDataError("revocation list: neither 'entries' nor 'from'")
