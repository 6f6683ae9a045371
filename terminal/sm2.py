"""SM2 signatures with SM3 (GB/T 32918.2, curve sm2p256v1 of GB/T 32918.5; spec section 8).

The one interface the rest of the code uses for SM2:

    >>> available()                                   # False when no backend can be loaded
    >>> key = PublicKey(x, y, uid=DEFAULT_ID)         # x, y: 32 bytes each; ValueError if not on the curve
    >>> verify(key, message, signature)               # raw r||s (64 bytes) over e = SM3(Z_A || message)
    >>> priv = PrivateKey.generate(); priv.sign(message, uid=DEFAULT_ID)
    >>> parse_spki(der) / spki_der(key)               # id-ecPublicKey with the named curve 1.2.156.10197.1.301

Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A) depends only on the key and its
distinguishing ID, so a PublicKey carries its ID and computes Z_A once (`PublicKey.z`); each
verify then hashes Z_A || M with SM3 and hands the digest e to the backend.

Backend: the system libcrypto (OpenSSL 3.x, `libssl3` on every Debian architecture: amd64,
arm64, armhf...) through ctypes, the EVP_PKEY_verify/EVP_PKEY_sign calls on an SM2 key with e
as the input. No curve arithmetic is done here beyond the on-curve check of a public point
(y^2 = x^3 + ax + b mod p). The `cryptography` wheel has no SM2 curve; its SM3 is used when
hashlib lacks sm3. When libcrypto cannot be loaded or lacks SM2 (some distributions build
OpenSSL without it), `available()` is False and `unavailable_reason()` says why in one line;
verify() then raises Unavailable, which callers turn into unsupported_algorithm.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import secrets
import threading
from typing import Any

DEFAULT_ID = b"1234567812345678"

P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0
_CURVE_BYTES = b"".join(v.to_bytes(32, "big") for v in (A, B, GX, GY))

# DER: OID 1.2.840.10045.2.1 (id-ecPublicKey) and 1.2.156.10197.1.301 (sm2p256v1)
OID_EC_PUBLIC_KEY = bytes.fromhex("06072a8648ce3d0201")
OID_SM2_CURVE = bytes.fromhex("06082a811ccf5501822d")
_ALG_ID = b"\x30\x13" + OID_EC_PUBLIC_KEY + OID_SM2_CURVE
_SPKI_PREFIX = b"\x30\x59" + _ALG_ID + b"\x03\x42\x00\x04"          # then x || y


class Unavailable(Exception):
    """No SM2 backend on this machine (see unavailable_reason())."""


def _sm3_factory():
    try:
        hashlib.new("sm3")
        return lambda data=b"": hashlib.new("sm3", data)
    except ValueError:
        from cryptography.hazmat.primitives import hashes

        class _Sm3:
            __slots__ = ("_h",)

            def __init__(self, data: bytes = b""):
                self._h = hashes.Hash(hashes.SM3())
                if data:
                    self._h.update(data)

            def update(self, data: bytes) -> None:
                self._h.update(data)

            def digest(self) -> bytes:
                return self._h.finalize()

        return _Sm3


sm3 = _sm3_factory()


def z_a(x: bytes, y: bytes, uid: bytes = DEFAULT_ID) -> bytes:
    """Z_A of GB/T 32918.2 section 5.5 for the key (x, y) and the distinguishing ID `uid`."""
    if len(uid) * 8 > 0xFFFF:
        raise ValueError("SM2 ID longer than 8191 bytes")
    return sm3((len(uid) * 8).to_bytes(2, "big") + uid + _CURVE_BYTES + x + y).digest()


# ---- the backend: libcrypto (OpenSSL >= 3.0) through ctypes ------------------------------------

class _LibCrypto:
    def __init__(self) -> None:
        name = ctypes.util.find_library("crypto") or "libcrypto.so.3"
        lib = ctypes.CDLL(name)
        vp, cp, sz, i = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int
        lib.OpenSSL_version_num.restype = ctypes.c_ulong
        version = lib.OpenSSL_version_num()
        if version < 0x30000000:
            raise OSError(f"{name} is OpenSSL {version:#x}, SM2 needs 3.0 or later")
        for fname, res, args in (
                ("d2i_PUBKEY", vp, (vp, ctypes.POINTER(cp), ctypes.c_long)),
                ("d2i_AutoPrivateKey", vp, (vp, ctypes.POINTER(cp), ctypes.c_long)),
                ("EVP_PKEY_free", None, (vp,)),
                ("EVP_PKEY_is_a", i, (vp, cp)),
                ("EVP_PKEY_CTX_new", vp, (vp, vp)),
                ("EVP_PKEY_CTX_free", None, (vp,)),
                ("EVP_PKEY_verify_init", i, (vp,)),
                ("EVP_PKEY_verify", i, (vp, cp, sz, cp, sz)),
                ("EVP_PKEY_sign_init", i, (vp,)),
                ("EVP_PKEY_sign", i, (vp, cp, ctypes.POINTER(sz), cp, sz)),
                ("ERR_clear_error", None, ())):
            f = getattr(lib, fname)
            f.restype, f.argtypes = res, args
        self.lib = lib
        self.name = name

    def _d2i(self, fn, der: bytes) -> int:
        buf = ctypes.create_string_buffer(der, len(der))
        pp = ctypes.cast(buf, ctypes.c_char_p)
        pkey = fn(None, ctypes.byref(pp), len(der))
        if not pkey:
            self.lib.ERR_clear_error()
            raise ValueError("libcrypto refused the SM2 key")
        if self.lib.EVP_PKEY_is_a(pkey, b"SM2") != 1:
            self.lib.EVP_PKEY_free(pkey)
            raise Unavailable(f"{self.name} does not load sm2p256v1 keys as SM2 keys")
        return pkey

    def load_public(self, spki: bytes) -> int:
        return self._d2i(self.lib.d2i_PUBKEY, spki)

    def load_private(self, pkcs8: bytes) -> int:
        return self._d2i(self.lib.d2i_AutoPrivateKey, pkcs8)

    def free(self, pkey: int) -> None:
        self.lib.EVP_PKEY_free(pkey)

    def verify_digest(self, pkey: int, e: bytes, der_sig: bytes) -> bool:
        lib = self.lib
        ctx = lib.EVP_PKEY_CTX_new(pkey, None)
        if not ctx:
            lib.ERR_clear_error()
            raise MemoryError("EVP_PKEY_CTX_new")
        try:
            if lib.EVP_PKEY_verify_init(ctx) != 1:
                raise Unavailable("EVP_PKEY_verify_init failed for an SM2 key")
            ok = lib.EVP_PKEY_verify(ctx, der_sig, len(der_sig), e, len(e)) == 1
        finally:
            lib.EVP_PKEY_CTX_free(ctx)
        if not ok:
            lib.ERR_clear_error()
        return ok

    def sign_digest(self, pkey: int, e: bytes) -> bytes:
        lib = self.lib
        ctx = lib.EVP_PKEY_CTX_new(pkey, None)
        try:
            n = ctypes.c_size_t(0)
            if lib.EVP_PKEY_sign_init(ctx) != 1 or lib.EVP_PKEY_sign(ctx, None, ctypes.byref(n), e, len(e)) != 1:
                lib.ERR_clear_error()
                raise Unavailable("EVP_PKEY_sign_init failed for an SM2 key")
            out = ctypes.create_string_buffer(n.value)
            if lib.EVP_PKEY_sign(ctx, out, ctypes.byref(n), e, len(e)) != 1:
                lib.ERR_clear_error()
                raise ValueError("SM2 signing failed")
            return out.raw[:n.value]
        finally:
            lib.EVP_PKEY_CTX_free(ctx)


_backend: _LibCrypto | None = None
_backend_error = ""
_backend_lock = threading.Lock()
_probed = False


def _probe() -> None:
    """Load libcrypto and check that it verifies the GB/T 32918.5 Annex A example."""
    global _backend, _backend_error, _probed
    with _backend_lock:
        if _probed:
            return
        try:
            be = _LibCrypto()
            key = bytes.fromhex(_ANNEX_A_PUBLIC)
            pkey = be.load_public(_SPKI_PREFIX + key)
            try:
                e = sm3(z_a(key[:32], key[32:]) + b"message digest").digest()
                if not be.verify_digest(pkey, e, der_signature(bytes.fromhex(_ANNEX_A_SIG))):
                    raise Unavailable(f"{be.name} does not verify the GB/T 32918.5 SM2 example")
            finally:
                be.free(pkey)
            _backend = be
        except (OSError, AttributeError, Unavailable, ValueError) as exc:
            _backend_error = f"no SM2 backend: {exc} (needs OpenSSL 3 libcrypto with SM2, e.g. Debian libssl3)"
        _probed = True


_ANNEX_A_PUBLIC = ("09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
                   "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13")
_ANNEX_A_SIG = ("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
                "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA")


def available() -> bool:
    """True when SM2 signatures can be checked (and made) on this machine."""
    if not _probed:
        _probe()
    return _backend is not None


def unavailable_reason() -> str:
    """One line saying why available() is False ('' when it is True)."""
    return "" if available() else _backend_error


def backend_name() -> str:
    """Which backend checks SM2 here, e.g. 'libcrypto.so.3 (OpenSSL 3.0.19 ...)', or ''."""
    if not available():
        return ""
    lib = _backend.lib  # type: ignore[union-attr]
    lib.OpenSSL_version.restype = ctypes.c_char_p
    lib.OpenSSL_version.argtypes = (ctypes.c_int,)
    return f"{_backend.name} ({lib.OpenSSL_version(0).decode()})"  # type: ignore[union-attr]


def _be() -> _LibCrypto:
    if not _probed:
        _probe()
    if _backend is None:
        raise Unavailable(_backend_error)
    return _backend


# ---- keys --------------------------------------------------------------------------------------

def on_curve(x: int, y: int) -> bool:
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


class PublicKey:
    """An SM2 public key with the distinguishing ID it signs under (the pair fixes Z_A)."""

    __slots__ = ("x", "y", "uid", "_z", "_pkey", "__weakref__")

    def __init__(self, x: bytes, y: bytes, uid: bytes = DEFAULT_ID):
        if not (isinstance(x, bytes) and isinstance(y, bytes) and len(x) == 32 and len(y) == 32):
            raise ValueError("SM2 public key needs 32-byte x and y")
        if not on_curve(int.from_bytes(x, "big"), int.from_bytes(y, "big")):
            raise ValueError("SM2 public key is not a point on sm2p256v1")
        if not isinstance(uid, bytes) or len(uid) * 8 > 0xFFFF:
            raise ValueError("SM2 ID must be at most 8191 bytes")
        self.x, self.y, self.uid = x, y, uid
        self._z: bytes | None = None
        self._pkey: int | None = None

    @property
    def z(self) -> bytes:
        """Z_A for this key and ID, computed once."""
        z = self._z
        if z is None:
            z = self._z = z_a(self.x, self.y, self.uid)
        return z

    def with_id(self, uid: bytes) -> PublicKey:
        return self if uid == self.uid else PublicKey(self.x, self.y, uid)

    def _handle(self) -> int:
        if self._pkey is None:
            self._pkey = _be().load_public(spki_der(self))
        return self._pkey

    def __del__(self) -> None:
        pkey = getattr(self, "_pkey", None)          # absent when __init__ refused the point
        if pkey is not None and _backend is not None:
            _backend.free(pkey)
            self._pkey = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and (self.x, self.y, self.uid) == (other.x, other.y, other.uid)

    def __hash__(self) -> int:
        return hash((self.x, self.y, self.uid))

    def __repr__(self) -> str:
        return f"sm2.PublicKey({self.x[:4].hex()}..., uid={self.uid!r})"


def spki_der(key: PublicKey) -> bytes:
    """DER SubjectPublicKeyInfo (id-ecPublicKey, named curve sm2p256v1, uncompressed point)."""
    return _SPKI_PREFIX + key.x + key.y


def spki_pem(key: PublicKey) -> bytes:
    return _pem(spki_der(key), "PUBLIC KEY")


def is_sm2_spki(der: bytes) -> bool:
    """True when `der` looks like an SPKI naming the SM2 curve (then parse_spki decides)."""
    return isinstance(der, (bytes, bytearray)) and _ALG_ID in bytes(der[:32])


def parse_spki(der: bytes, uid: bytes = DEFAULT_ID) -> PublicKey:
    """The SM2 key of a DER SPKI; ValueError unless it is exactly an uncompressed sm2p256v1 point."""
    der = bytes(der)
    if len(der) != len(_SPKI_PREFIX) + 64 or not der.startswith(_SPKI_PREFIX):
        raise ValueError("not an uncompressed SM2 SubjectPublicKeyInfo")
    return PublicKey(der[-64:-32], der[-32:], uid)


def verify(key: PublicKey, message: bytes, signature: bytes) -> bool:
    """Check a raw r||s SM2 signature over `message` (e = SM3(Z_A || message)) under `key` and its ID.

    False for a wrong signature (any length other than 64 bytes, r or s outside [1, n-1]);
    raises Unavailable when no backend is loaded."""
    if type(signature) is not bytes or len(signature) != 64:
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (0 < r < N and 0 < s < N):
        return False
    pkey = key._handle()
    h = sm3(key.z)
    h.update(message)
    return _backend.verify_digest(pkey, h.digest(), der_signature(signature))  # type: ignore[union-attr]


# DER heads for r and s when neither starts with a zero byte (all but ~1/128 of signatures): by
# whether each needs a 0x00 before it (top bit set). Then the DER is heads and halves, 0.3 µs
# against 0.54 µs for stripping and measuring (tests/core/test_fastpaths.py compares both ways
# with encode_dss_signature).
_DER_HEADS = {(r_hi, s_hi): (bytes((0x30, 68 + r_hi + s_hi, 2, 32 + r_hi)) + b"\0" * r_hi,
                             bytes((2, 32 + s_hi)) + b"\0" * s_hi)
              for r_hi in (0, 1) for s_hi in (0, 1)}


def der_signature(sig: bytes) -> bytes:
    """DER SEQUENCE { r INTEGER, s INTEGER } of a raw 64-byte r || s."""
    r0, s0 = sig[0], sig[32]
    if r0 and s0:
        head_r, head_s = _DER_HEADS[r0 >> 7, s0 >> 7]
        return b"".join((head_r, sig[:32], head_s, sig[32:]))
    r, s = sig[:32].lstrip(b"\0"), sig[32:].lstrip(b"\0")
    if not r or r[0] & 0x80:
        r = b"\0" + r
    if not s or s[0] & 0x80:
        s = b"\0" + s
    return b"".join((b"\x30", bytes((len(r) + len(s) + 4, 2, len(r))), r, bytes((2, len(s))), s))


def _raw_signature(der: bytes) -> bytes:
    # SEQUENCE(len) INTEGER r INTEGER s, lengths < 128 for 256-bit values
    if der[0] != 0x30 or der[2] != 0x02:
        raise ValueError("unexpected SM2 signature encoding")
    lr = der[3]
    r = der[4:4 + lr]
    if der[4 + lr] != 0x02:
        raise ValueError("unexpected SM2 signature encoding")
    s = der[6 + lr:6 + lr + der[5 + lr]]
    return int.from_bytes(r, "big").to_bytes(32, "big") + int.from_bytes(s, "big").to_bytes(32, "big")


class PrivateKey:
    """An SM2 private key (issuer and holder side: keygen, signing, PKCS#8)."""

    __slots__ = ("d", "_public", "_pkey")

    def __init__(self, d: int):
        if not 1 <= d < N - 1:
            raise ValueError("SM2 private key out of range")
        self.d = d
        self._pkey = _be().load_private(_pkcs8(d, None))
        self._public: PublicKey | None = None

    @classmethod
    def generate(cls) -> PrivateKey:
        return cls(1 + secrets.randbelow(N - 2))

    @classmethod
    def from_scalar(cls, d: int) -> PrivateKey:
        return cls(d)

    def public_key(self, uid: bytes = DEFAULT_ID) -> PublicKey:
        if self._public is None:
            self._public = _public_of(self._pkey)
        return self._public.with_id(uid)

    def sign(self, message: bytes, uid: bytes = DEFAULT_ID) -> bytes:
        """Raw r || s over e = SM3(Z_A || message), Z_A with `uid`."""
        pub = self.public_key(uid)
        e = sm3(pub.z + message).digest()
        return _raw_signature(_be().sign_digest(self._pkey, e))

    def private_der(self) -> bytes:
        """PKCS#8 PrivateKeyInfo (id-ecPublicKey, sm2p256v1, ECPrivateKey with the public point)."""
        return _pkcs8(self.d, self.public_key())

    def private_pem(self) -> bytes:
        return _pem(self.private_der(), "PRIVATE KEY")

    def __del__(self) -> None:
        if getattr(self, "_pkey", None) is not None and _backend is not None:
            _backend.free(self._pkey)
            self._pkey = None

    def __repr__(self) -> str:
        return "sm2.PrivateKey(...)"


def _public_of(pkey: int) -> PublicKey:
    lib = _be().lib
    lib.i2d_PUBKEY.restype = ctypes.c_int
    lib.i2d_PUBKEY.argtypes = (ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p))
    n = lib.i2d_PUBKEY(pkey, None)
    buf = ctypes.create_string_buffer(n)
    p = ctypes.c_void_p(ctypes.addressof(buf))
    lib.i2d_PUBKEY(pkey, ctypes.byref(p))
    return parse_spki(buf.raw[:n])


def _der_len(n: int) -> bytes:
    return bytes((n,)) if n < 0x80 else bytes((0x81, n)) if n < 0x100 else b"\x82" + n.to_bytes(2, "big")


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes((tag,)) + _der_len(len(body)) + body


def _pkcs8(d: int, pub: PublicKey | None) -> bytes:
    ec_priv = b"\x02\x01\x01" + _tlv(0x04, d.to_bytes(32, "big"))
    if pub is not None:
        ec_priv += _tlv(0xA1, _tlv(0x03, b"\x00\x04" + pub.x + pub.y))
    return _tlv(0x30, b"\x02\x01\x00" + _ALG_ID + _tlv(0x04, _tlv(0x30, ec_priv)))


def is_sm2_private(der: bytes) -> bool:
    return der.startswith(b"\x30") and _ALG_ID in der[:40]


def load_private_der(der: bytes) -> PrivateKey:
    """The PrivateKey of a PKCS#8 DER written by private_der()."""
    marker = b"\x02\x01\x01\x04\x20"
    at = der.find(marker)
    if not is_sm2_private(der) or at < 0:
        raise ValueError("not an SM2 PKCS#8 private key")
    return PrivateKey(int.from_bytes(der[at + 5:at + 37], "big"))


def _pem(der: bytes, label: str) -> bytes:
    import base64
    b64 = base64.encodebytes(der).replace(b"\n", b"")
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    return b"\n".join([f"-----BEGIN {label}-----".encode(), *lines, f"-----END {label}-----".encode(), b""])


def pem_body(pem: bytes) -> bytes:
    """The DER inside a single-block PEM."""
    import base64
    lines = [ln.strip() for ln in pem.strip().splitlines()]
    body = [ln for ln in lines if ln and not ln.startswith(b"-----")]
    return base64.b64decode(b"".join(body), validate=True)


def public_pem_der(data: bytes) -> bytes | None:
    """The SPKI DER of a PEM or DER public key when it names the SM2 curve, else None."""
    try:
        der = pem_body(data) if b"-----BEGIN" in data else bytes(data)
    except ValueError:
        return None
    return der if is_sm2_spki(der) else None


def key_info(key: Any) -> str:
    return "SM2" if isinstance(key, (PublicKey, PrivateKey)) else type(key).__name__
