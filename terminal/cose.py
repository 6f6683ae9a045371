"""COSE_Sign1 (RFC 9052) parsing, signing and signature checks for ES256, EdDSA, SM2 and PS256.

    >>> msg = parse_sign1(cose_bytes)          # CodecError(bad_encoding) on any structural fault
    >>> verify_signature(msg, public_key, msg.alg)   # raises SignatureInvalid

Pure: bytes and key objects in, no I/O.
"""
from __future__ import annotations

import functools
import io
import threading
from collections.abc import Mapping, Sequence
from hashlib import sha256 as _sha256
from types import MappingProxyType
from typing import Any, NamedTuple

import cbor2
import nacl.bindings as _sodium
import nacl.exceptions as _sodium_errors
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature

from vocab import reasons

from . import cbor_strict
from . import sm2 as _sm2
from .codec import CodecError

ES256 = -7
EDDSA = -8
PS256 = -37
SM2 = -65601           # private-use value fixed by credential-format.md section 8 (SM2 with SM3)
CRV_SM2 = -65602       # COSE_Key crv for sm2p256v1 (section 8)
ALG_NAMES = {ES256: "ES256", EDDSA: "EdDSA", PS256: "PS256", SM2: "SM2"}

H_ALG = 1
H_KID = 4
COSE_SIGN1_TAG = 18
CWT_TAG = 61           # RFC 8392 section 6: some HC1 issuers wrap their COSE_Sign1 in it

_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())
# The ES256 check hashes the Sig_structure with hashlib and passes the digest as Prehashed: the
# same SHA-256 and the same ECDSA check, ~1.5 µs less per signature than letting cryptography
# set up its own digest context for every verify.
_ECDSA_PREHASHED = ec.ECDSA(Prehashed(hashes.SHA256()))
_SHA256 = hashes.SHA256()
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


# CBOR array(4) then text "Signature1": the fixed start of every Sig_structure.
_SIG1_PREFIX = b"\x84\x6aSignature1"


def _bstr_head(n: int) -> bytes:
    """CBOR head of a byte string of length n (major type 2, shortest form)."""
    if n < 24:
        return bytes((0x40 | n,))
    if n < 0x100:
        return bytes((0x58, n))
    if n < 0x10000:
        return b"\x59" + n.to_bytes(2, "big")
    if n < 0x100000000:
        return b"\x5a" + n.to_bytes(4, "big")
    return b"\x5b" + n.to_bytes(8, "big")


_BSTR_HEADS = tuple(_bstr_head(n) for n in range(256))    # the heads of short byte strings, by length


class SignatureInvalid(Exception):
    """The signature does not verify under the given key and algorithm."""


class AlgorithmUnavailable(Exception):
    """The algorithm is known but this machine cannot check it (no SM2 backend)."""


# NamedTuple rather than a frozen dataclass: as immutable, and built ~0.6 µs faster per parse.
class Sign1(NamedTuple):
    protected_bstr: bytes
    protected: Mapping
    unprotected: Mapping
    payload: bytes
    signature: bytes
    tagged: bool

    @property
    def alg(self) -> Any:
        return self.protected.get(H_ALG)

    @property
    def kid(self) -> bytes | None:
        """kid from the protected header, else the unprotected one (spec section 1)."""
        kid = self.protected.get(H_KID)
        if kid is None:
            kid = self.unprotected.get(H_KID)
        return kid if isinstance(kid, bytes) else None

    def to_be_signed(self) -> bytes:
        """Sig_structure `["Signature1", protected, h'', payload]` in CBOR, as cbor2.dumps would
        write it; built from a fixed prefix and two byte-string heads (cbor2.dumps cost 4-7 µs)."""
        prot, payload = self.protected_bstr, self.payload
        n = len(payload)
        return b"".join((_SIG1_PREFIX, _BSTR_HEADS[len(prot)] if len(prot) < 256 else _bstr_head(len(prot)), prot,
                         b"\x40", _BSTR_HEADS[n] if n < 256 else _bstr_head(n), payload))


def loads_cbor(data: bytes, what: str, walk_first: bool = False) -> Any:
    """Decode exactly one strict CBOR item (spec section 1 v2); every fault on hostile input is bad_encoding.

    cbor2 alone reads the first item and ignores trailing bytes, keeps the last of two equal keys
    and treats 1, 1.0 and True as one key. Fast path: the decoded value written back by cbor2 is
    the input itself (so nothing trailed and no key was lost) and every map key is an int or a
    str. Otherwise (another encoder's form, or a fault) the raw bytes go through cbor_strict.

    walk_first: run cbor_strict on the raw bytes first and skip the write-back. Cheaper for
    structures made mostly of byte strings (the COSE_Sign1 array, whose payload and signature
    the walker skips in one step: 1.5 µs against 4 µs for writing the whole array back); the
    write-back is cheaper for claim maps, which the walker visits key by key.

    Without walk_first, bytes in the plain form (cbor_strict.decode_plain: definite lengths, no
    tags or floats, int/text keys once each, nothing after) are decoded in one pass instead, to
    the same value; anything else takes the path above (_loads_general), which decides it.
    """
    if not walk_first and type(data) is bytes:
        obj = cbor_strict.decode_plain(data)
        if obj is not cbor_strict.NOT_PLAIN:
            return obj
    return _loads_general(data, what, walk_first)


def _loads_general(data: bytes, what: str, walk_first: bool = False) -> Any:
    """loads_cbor for any encoding: cbor2, then the write-back or the strict walk."""
    if walk_first:
        _strict(data, what)
    try:
        obj = _decode(data)
    except Exception as exc:  # noqa: BLE001 - cbor2 raises many types (ValueError, RecursionError, OverflowError...)
        raise CodecError(reasons.BAD_ENCODING, f"{what}: {type(exc).__name__}") from None
    if walk_first:
        return obj
    try:
        same = _write_back(obj) == data
    except Exception:  # noqa: BLE001 - e.g. a value cbor2 decodes but cannot write back
        same = False
    if not same or not _keys_ok(obj, 0):
        _strict(data, what)
    return obj


def _strict(data: bytes, what: str) -> None:
    try:
        cbor_strict.check(data)
    except cbor_strict.StrictCborError as exc:
        raise CodecError(reasons.BAD_ENCODING, f"{what}: {exc}") from None


_local = threading.local()


def _decode(data: bytes) -> Any:
    """cbor2.loads(data), through one decoder per thread kept between calls (0.8 µs less for a
    credential payload: building a CBORDecoder is a fifth of a loads call). decode_from_bytes
    reads `data` alone, and the decoder's shared-reference and string-reference tables start
    empty on every decode, so one code can never refer to another's items
    (tests/core/test_fastpaths.py)."""
    try:
        dec = _local.decoder
    except AttributeError:
        dec = _local.decoder = cbor2.CBORDecoder(io.BytesIO(b""))
    return dec.decode_from_bytes(data)


def _write_back(obj: Any) -> bytes:
    """cbor2.dumps(obj), through one encoder per thread kept between calls: the same bytes in
    under half the time (building a CBOREncoder and its buffer is most of a dumps call)."""
    try:
        fp, enc = _local.encoder
    except AttributeError:
        fp = io.BytesIO()
        enc = cbor2.CBOREncoder(fp)
        _local.encoder = fp, enc
    fp.seek(0)
    fp.truncate()
    try:
        enc.encode(obj)
    except Exception:
        del _local.encoder                   # a failed encode may leave the encoder mid-item
        raise
    return fp.getvalue()


_NESTED = frozenset((dict, list, cbor2.CBORTag))


def _keys_ok(obj: Any, depth: int) -> bool:
    """Every map key, at any depth, is an int (not a bool) or a str."""
    if type(obj) is dict:
        for k, v in obj.items():
            tk = type(k)
            if tk is not int and tk is not str:
                return False
            if type(v) in _NESTED and not _keys_ok(v, depth + 1):
                return False
    elif type(obj) is list:
        for v in obj:
            if type(v) in _NESTED and not _keys_ok(v, depth + 1):
                return False
    elif type(obj) is cbor2.CBORTag:
        return _keys_ok(obj.value, depth + 1)
    return depth < cbor_strict.MAX_DEPTH


def _bstr_span(data: bytes, pos: int) -> tuple[int, int]:
    """(start, end) of the definite-length byte string whose head is at data[pos] (length
    below 2^16: a COSE body is at most 16 KiB); (-1, -1) for anything else or a truncated one."""
    ib = data[pos]
    if 0x40 <= ib <= 0x57:
        start = pos + 1
        end = start + ib - 0x40
    elif ib == 0x58:
        start = pos + 2
        end = start + data[pos + 1]
    elif ib == 0x59:
        start = pos + 3
        end = start + (data[pos + 1] << 8 | data[pos + 2])
    else:
        return -1, -1
    return (start, end) if end <= len(data) else (-1, -1)


def _sign1_plain(data: bytes) -> Sign1 | None:
    """The COSE_Sign1 when `data` is exactly the form every signer here writes: optional tag 18,
    array(4), a byte string, an empty map, two byte strings, nothing after. Such bytes are one
    strict CBOR item with no map key (cbor_strict.check accepts them) and decode to these four
    members, so the walk and cbor2 are skipped (3.1 µs of a 4.5 µs parse). Any other form, or a
    fault, returns None and takes the general path, which gives the same result or the same error."""
    try:
        pos = 2 if data[0] == 0xD2 else 1
        if data[pos - 1] != 0x84:
            return None
        p0, p1 = _bstr_span(data, pos)
        if p1 < 0 or data[p1] != 0xA0:
            return None
        b0, b1 = _bstr_span(data, p1 + 1)
        if b1 < 0:
            return None
        s0, s1 = _bstr_span(data, b1)
        if s1 != len(data):
            return None
    except IndexError:
        return None
    prot_b = data[p0:p1]
    return Sign1(prot_b, _protected_header(prot_b) if prot_b else _EMPTY_MAP, {}, data[b0:b1], data[s0:s1],
                 pos == 2)


def parse_sign1(data: bytes, *, cwt_tag: bool = False) -> Sign1:
    """The COSE_Sign1 in `data` (tag 18 or untagged). With `cwt_tag` (HC1 only, as EU DCC
    verifiers do) a CWT tag 61 around it is accepted too; our own profiles stay strict."""
    msg = _sign1_plain(data)
    return msg if msg is not None else _parse_sign1_any(data, cwt_tag)


def _parse_sign1_any(data: bytes, cwt_tag: bool) -> Sign1:
    """parse_sign1 for any encoding of the COSE_Sign1: strict walk, then cbor2."""
    obj = loads_cbor(data, "COSE", walk_first=True)
    tagged = False
    if cwt_tag and isinstance(obj, cbor2.CBORTag) and obj.tag == CWT_TAG:
        obj = obj.value
    if isinstance(obj, cbor2.CBORTag):
        if obj.tag != COSE_SIGN1_TAG:
            raise CodecError(reasons.BAD_ENCODING, f"CBOR tag {obj.tag} is not COSE_Sign1")
        obj, tagged = obj.value, True
    # `type(x) is list/dict` first: what cbor2 returns, and much cheaper than an ABC check.
    if not (type(obj) is list or (isinstance(obj, Sequence) and not isinstance(obj, (str, bytes)))) \
            or len(obj) != 4:
        raise CodecError(reasons.BAD_ENCODING, "not a COSE_Sign1 array")
    prot_b, unprot, payload, sig = obj
    if not isinstance(prot_b, bytes) or not (type(unprot) is dict or isinstance(unprot, Mapping)) \
            or not isinstance(payload, bytes) or not isinstance(sig, bytes):
        raise CodecError(reasons.BAD_ENCODING, "COSE_Sign1 member of the wrong type")
    return Sign1(prot_b, _protected_header(prot_b) if prot_b else _EMPTY_MAP, unprot, payload, sig, tagged)


# Issuers and holder apps send the same few protected headers ({alg, kid}) again and again:
# keep their parsed form (read-only) instead of decoding them on every scan. Bounded: hostile
# input can only make it start over.
_PROTECTED_CACHE: dict[bytes, Mapping] = {}
_PROTECTED_CACHE_MAX = 512
_EMPTY_MAP: Mapping = MappingProxyType({})


def _protected_header(prot_b: bytes) -> Mapping:
    prot = _PROTECTED_CACHE.get(prot_b)
    if prot is not None:
        return prot
    prot = loads_cbor(prot_b, "protected header", walk_first=True)
    if type(prot) is not dict and not isinstance(prot, Mapping):
        raise CodecError(reasons.BAD_ENCODING, "protected header is not a map")
    prot = MappingProxyType(prot)
    if len(prot_b) <= 128:
        if len(_PROTECTED_CACHE) >= _PROTECTED_CACHE_MAX:
            _PROTECTED_CACHE.clear()
        _PROTECTED_CACHE[prot_b] = prot
    return prot


# The DER ECDSA-Sig-Value of a raw 64-byte r || s, byte for byte what encode_dss_signature writes
# (tests/core/test_fastpaths.py), in half its time; SM2 uses the same encoding, defined there once.
_ecdsa_der = _sm2.der_signature


# Keys already found to fit ES256 / EdDSA (with the Ed25519 key's raw bytes), by id(). The same
# few issuer keys and holder keys come back scan after scan, and the ABC isinstance checks cost
# 0.28 µs each, public_bytes_raw 0.37 µs. Each entry holds the key object itself, so its id
# cannot be reused while it is kept, and a hit is checked with `is`; at most 512, then start over.
_P256_KEYS: dict[int, Any] = {}
_ED25519_RAW: dict[int, tuple[Any, bytes]] = {}


def _remember(cache: dict, key: Any, value: Any, fits: bool) -> bool:
    if fits:
        if len(cache) >= 512:
            cache.clear()
        cache[id(key)] = value
    return fits


def _is_p256(key: Any) -> bool:
    return isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)


def verify_signature(msg: Sign1, key: Any, alg: int) -> None:
    """Check `msg`'s signature with `key` under `alg`; raise SignatureInvalid if it fails.

    The key's type must fit the algorithm (an Ed25519 key never checks an ES256 signature, a
    P-256 key never an SM2 one). SM2 uses the key's own distinguishing ID (sm2.PublicKey.uid).
    Raises AlgorithmUnavailable for SM2 when no SM2 backend is loaded.
    """
    tbs = msg.to_be_signed()
    sig = msg.signature
    try:
        if alg == ES256:
            if (_P256_KEYS.get(id(key)) is not key and not _remember(_P256_KEYS, key, key, _is_p256(key))) \
                    or len(sig) != 64:
                raise SignatureInvalid("ES256 needs a P-256 key and a 64-byte signature")
            key.verify(_ecdsa_der(sig), _sha256(tbs).digest(), _ECDSA_PREHASHED)
        elif alg == EDDSA:
            raw = _ED25519_RAW.get(id(key))
            if raw is None or raw[0] is not key:
                raw = (key, key.public_bytes_raw()) if isinstance(key, ed25519.Ed25519PublicKey) else None
                _remember(_ED25519_RAW, key, raw, raw is not None)
            if raw is None or len(sig) != 64:
                raise SignatureInvalid("EdDSA needs an Ed25519 key and a 64-byte signature")
            # libsodium checks Ed25519 in about 60 % of OpenSSL's time here, and rejects more
            # malformed inputs (small-order keys, non-canonical encodings), never fewer.
            try:
                _sodium.crypto_sign_open(sig + tbs, raw[1])
            except _sodium_errors.CryptoError:
                raise SignatureInvalid("signature does not verify") from None
        elif alg == SM2:
            if type(key) is not _sm2.PublicKey or len(sig) != 64:
                raise SignatureInvalid("SM2 needs an SM2 key and a 64-byte signature")
            try:
                ok = _sm2.verify(key, tbs, sig)
            except _sm2.Unavailable as exc:
                raise AlgorithmUnavailable(str(exc)) from None
            if not ok:
                raise SignatureInvalid("signature does not verify")
        elif alg == PS256:
            if not isinstance(key, rsa.RSAPublicKey):
                raise SignatureInvalid("PS256 needs an RSA key")
            key.verify(sig, tbs, _PSS, _SHA256)
        else:
            raise SignatureInvalid(f"algorithm {alg!r} not supported")
    except InvalidSignature:
        raise SignatureInvalid("signature does not verify") from None


def key_fits_alg(key: Any, alg: int) -> bool:
    if alg == ES256:
        return _is_p256(key)
    if alg == EDDSA:
        return isinstance(key, ed25519.Ed25519PublicKey)
    if alg == PS256:
        return isinstance(key, rsa.RSAPublicKey)
    if alg == SM2:
        return type(key) is _sm2.PublicKey
    return False


def alg_available(alg: int) -> bool:
    """False only for an algorithm this machine has no backend for (SM2 without libcrypto SM2)."""
    return alg != SM2 or _sm2.available()


# ---- COSE_Key (RFC 9052 section 7) for `cnf` -------------------------------------------

def cose_key_to_public(ck: Any) -> tuple[Any, int]:
    """(public key, the alg it can verify) from a COSE_Key map; ValueError if unusable.

    Accepts OKP/Ed25519 (kty 1, crv 6, x), EC2/P-256 (kty 2, crv 1, x, y) and EC2/SM2
    (kty 2, crv -65602, x, y; the default distinguishing ID, section 8).
    """
    if not isinstance(ck, Mapping):
        raise ValueError("COSE_Key is not a map")
    kty, crv, x = ck.get(1), ck.get(-1), ck.get(-2)
    if kty == 1 and crv == 6 and isinstance(x, bytes) and len(x) == 32:
        return _ed25519_key(bytes(x)), EDDSA
    if kty == 2 and crv == 1:
        y = ck.get(-3)
        if isinstance(x, bytes) and isinstance(y, bytes) and len(x) == 32 and len(y) == 32:
            return _p256_key(b"\x04" + x + y), ES256
    if kty == 2 and crv == CRV_SM2:
        y = ck.get(-3)
        if isinstance(x, bytes) and isinstance(y, bytes) and len(x) == 32 and len(y) == 32:
            return _sm2_key(bytes(x), bytes(y)), SM2
    raise ValueError("unsupported COSE_Key (need OKP Ed25519, EC2 P-256 or EC2 SM2)")


# A holder presents the same cnf key again and again (every EP1 it shows): keep the loaded
# key objects of recent holders. Loading a P-256 point (with its on-curve check) costs ~7 µs,
# ~13 µs inside the pipeline. Bounded LRU; a failed load (ValueError) is not cached.
@functools.lru_cache(maxsize=256)
def _p256_key(point: bytes) -> ec.EllipticCurvePublicKey:
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)


# SM2 holder keys: the cached object also keeps its Z_A (default ID) and its libcrypto handle.
@functools.lru_cache(maxsize=256)
def _sm2_key(x: bytes, y: bytes) -> _sm2.PublicKey:
    return _sm2.PublicKey(x, y)


@functools.lru_cache(maxsize=256)
def _ed25519_key(x: bytes) -> ed25519.Ed25519PublicKey:
    return ed25519.Ed25519PublicKey.from_public_bytes(x)


def public_to_cose_key(key: Any) -> dict:
    if isinstance(key, ed25519.Ed25519PublicKey):
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
        return {1: 1, -1: 6, -2: key.public_bytes(Encoding.Raw, PublicFormat.Raw)}
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        nums = key.public_numbers()
        return {1: 2, -1: 1, -2: nums.x.to_bytes(32, "big"), -3: nums.y.to_bytes(32, "big")}
    if isinstance(key, _sm2.PrivateKey):
        key = key.public_key()
    if isinstance(key, _sm2.PublicKey):
        return {1: 2, -1: CRV_SM2, -2: key.x, -3: key.y}
    raise ValueError("only Ed25519, P-256 and SM2 keys have a COSE_Key form here")


# ---- signing (issuer, tests) ---------------------------------------------------------------

_PRIVATE_KEY_ALGS = ((ed25519.Ed25519PrivateKey, EDDSA), (ec.EllipticCurvePrivateKey, ES256),
                     (rsa.RSAPrivateKey, PS256), (_sm2.PrivateKey, SM2))


def alg_for_private(key: Any) -> int:
    for kind, alg in _PRIVATE_KEY_ALGS:
        if isinstance(key, kind):
            return alg
    raise ValueError("unsupported private key type")


def sign1(payload: bytes, key: Any, *, alg: int | None = None, kid: bytes | None = None,
          kid_protected: bool = True, tagged: bool = True, extra_protected: dict | None = None,
          sm2_id: bytes = _sm2.DEFAULT_ID) -> bytes:
    """Make a COSE_Sign1; `alg` defaults to the key's natural algorithm (`sm2_id`: an SM2 signer's ID)."""
    alg = alg_for_private(key) if alg is None else alg
    prot: dict = {H_ALG: alg}
    unprot: dict = {}
    if kid is not None:
        (prot if kid_protected else unprot)[H_KID] = kid
    if extra_protected:
        prot.update(extra_protected)
    prot_b = cbor2.dumps(prot)
    tbs = cbor2.dumps(["Signature1", prot_b, b"", payload])
    sig = raw_sign(key, alg, tbs, sm2_id=sm2_id)
    body = [prot_b, unprot, payload, sig]
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, body) if tagged else body)


def raw_sign(key: Any, alg: int, tbs: bytes, *, sm2_id: bytes = _sm2.DEFAULT_ID) -> bytes:
    if isinstance(key, _sm2.PrivateKey):
        return key.sign(tbs, sm2_id)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(tbs)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(tbs, _ECDSA_SHA256))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(tbs, _PSS, _SHA256)
    raise ValueError("unsupported private key type")
