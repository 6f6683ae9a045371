"""The verification stages every profile shares (spec section 5): the text-to-COSE stages,
the payload map, the algorithm check, the signature check, the kid lookup and the time
checks. terminal.verify (EZ1/EP1) and terminal.hc1.stages (HC1) build their pipelines from
these; each stage returns the next stage's input or raises `Fail(reason)`. Pure.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vocab import reasons as R

from . import codec, cose
from .codec import CodecError

EZ1_ALGS = (cose.ES256, cose.EDDSA, cose.SM2)
# HC1: ES256, PS256, and EdDSA, which spec section 1 allows for every profile; the EU scheme
# itself signs with ES256 or PS256 only. HC1 never uses SM2 (section 1).
HC1_ALGS = (cose.ES256, cose.EDDSA, cose.PS256)


class Fail(Exception):
    """A stage failed with a spec reason code."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


# ---- type checks on decoded CBOR ---------------------------------------------------------------

def is_uint(v: Any) -> bool:
    return type(v) is int and v >= 0


def is_array(v: Any) -> bool:
    # `type(v) is list` first: what cbor2 returns, and much cheaper than the ABC check.
    return type(v) is list or (isinstance(v, Sequence) and not isinstance(v, (str, bytes, bytearray)))


def is_map(v: Any) -> bool:
    return type(v) is dict or isinstance(v, Mapping)


def payload_map(msg: cose.Sign1, what: str) -> Mapping:
    """The COSE payload decoded as a CBOR map (`what` names it in the failure detail)."""
    try:
        p = cose.loads_cbor(msg.payload, what)
    except CodecError as exc:
        raise Fail(exc.reason, exc.detail) from None
    if type(p) is not dict and not is_map(p):
        raise Fail(R.BAD_ENCODING, f"{what} is not a map")
    return p


# ---- stages 1-2: text to COSE ----------------------------------------------------------------

# Each stage calls its codec step itself (no shared wrapper: one Python call less per stage on
# every scan); a CodecError becomes the stage's Fail with the same reason and detail.

def stage_prefix(text: str) -> tuple[str, str]:
    try:
        return codec.split_prefix(text)
    except CodecError as exc:
        raise Fail(exc.reason, exc.detail) from None


def stage_decode(body: str) -> bytes:
    try:
        return codec.inflate_bounded(codec.b45decode(body))
    except CodecError as exc:
        raise Fail(exc.reason, exc.detail) from None


def stage_cose(data: bytes, *, cwt_tag: bool = False) -> cose.Sign1:
    """The COSE_Sign1; `cwt_tag` (HC1 only) also accepts it inside a CWT tag 61."""
    try:
        return cose.parse_sign1(data, cwt_tag=cwt_tag)
    except CodecError as exc:
        raise Fail(exc.reason, exc.detail) from None


# ---- the signer --------------------------------------------------------------------------------

def stage_algorithm(msg: cose.Sign1, allowed: tuple[int, ...] = EZ1_ALGS) -> int:
    alg = msg.alg
    if type(alg) is not int or alg not in allowed:
        raise Fail(R.UNSUPPORTED_ALGORITHM, f"alg {alg!r}")
    if alg == cose.SM2:
        check_available(alg)
    return alg


def check_available(alg: int) -> None:
    """unsupported_algorithm for an algorithm this machine has no backend for (SM2 without one)."""
    if not cose.alg_available(alg):
        from . import sm2
        raise Fail(R.UNSUPPORTED_ALGORITHM, sm2.unavailable_reason())


def lookup_kid(msg: cose.Sign1, signers: Mapping, what: str = "kid") -> Any:
    """The signer `signers[kid]` for the message's kid, else unknown_issuer ("<what> <kid hex>")."""
    kid = msg.kid
    signer = signers.get(kid) if kid is not None else None
    if signer is None:
        raise Fail(R.UNKNOWN_ISSUER, f"{what} {kid.hex() if kid else None}")
    return signer


def check_signature(msg: cose.Sign1, key: Any, alg: int, reason: str = R.BAD_SIGNATURE) -> None:
    """The COSE signature under `key`; a bad one fails with `reason`."""
    try:
        cose.verify_signature(msg, key, alg)
    except cose.SignatureInvalid as exc:
        raise Fail(reason, str(exc)) from None
    except cose.AlgorithmUnavailable as exc:
        raise Fail(R.UNSUPPORTED_ALGORITHM, str(exc)) from None


# ---- time claims -------------------------------------------------------------------------------

def check_not_before(start: int, now: int, skew: int, detail: str = "") -> None:
    """not_yet_valid when `start` (nbf, or HC1's iat) is later than now + skew."""
    if now + skew < start:
        raise Fail(R.NOT_YET_VALID, detail)


def check_expiry(exp: int, now: int, skew: int) -> None:
    """expired when now - skew is past `exp` (a clock exactly at expiry is still valid)."""
    if now - skew > exp:
        raise Fail(R.EXPIRED)
