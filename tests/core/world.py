"""A small trust world built from scratch for core tests and benchmarks.

Own root key, own issuer keys (ES256 and EdDSA), a trust list and a revocation list signed
with the root key and parsed back through terminal.trust (so the snapshot is exactly what a
terminal would hold), and helpers to mint EZ1 credentials and EP1 presentations with
terminal.cose.sign1.

    >>> w = World(seed=1, now=1_800_000_000)
    >>> code = w.ez1(alg="ES256", age=[18, 60])
    >>> verify(code, w.snapshot(), w.now).reason
    'ok'

Deterministic: keys, kids, cti and sub come from random.Random(seed) and ECDSA signs per
RFC 6979, so the same seed mints the same bytes (bench/fuzz_core.py replays findings by seed).
"""
from __future__ import annotations

import hashlib
import random
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import base45
import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from terminal import codec, cose, sm2, trust
from terminal.codec import MAX_COSE_BYTES
from terminal.verify import TrustSnapshot
from vocab.spec import CLAIM_EZC, CLAIM_VC

DAY = 86400


def spki(key: Any) -> bytes:
    if isinstance(key, sm2.PrivateKey):
        return sm2.spki_der(key.public_key())
    return key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_DETERMINISTIC_ECDSA = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)


def new_key(alg: str, rng: random.Random | None = None) -> Any:
    """A fresh private key; from `rng` when given (the same seed gives the same key)."""
    if alg == "ES256":
        if rng is None:
            return ec.generate_private_key(ec.SECP256R1())
        return ec.derive_private_key(1 + rng.randrange(_P256_ORDER - 1), ec.SECP256R1())
    if alg == "EdDSA":
        if rng is None:
            return ed25519.Ed25519PrivateKey.generate()
        return ed25519.Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))
    if alg == "SM2":
        if rng is None:
            return sm2.PrivateKey.generate()
        return sm2.PrivateKey(1 + rng.randrange(sm2.N - 2))
    raise ValueError(alg)


def sign1(payload: bytes, key: Any, *, alg: int | None = None, kid: bytes | None = None,
          kid_protected: bool = True, tagged: bool = True) -> bytes:
    """terminal.cose.sign1 with deterministic ECDSA (RFC 6979), so a seeded World mints the same
    bytes on every run (fuzz findings replay); Ed25519 is deterministic anyway."""
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return cose.sign1(payload, key, alg=alg, kid=kid, kid_protected=kid_protected, tagged=tagged)
    prot: dict = {cose.H_ALG: cose.ES256 if alg is None else alg}
    unprot: dict = {}
    if kid is not None:
        (prot if kid_protected else unprot)[cose.H_KID] = kid
    prot_b = cbor2.dumps(prot)
    r, s = decode_dss_signature(key.sign(cbor2.dumps(["Signature1", prot_b, b"", payload]), _DETERMINISTIC_ECDSA))
    body = [prot_b, unprot, payload, r.to_bytes(32, "big") + s.to_bytes(32, "big")]
    return cbor2.dumps(cbor2.CBORTag(cose.COSE_SIGN1_TAG, body) if tagged else body)


class World:
    """Root key, two active issuer keys (ES256 `RC-ES`, EdDSA `RC-ED`), one revoked key; with
    `with_sm2`, an SM2 issuer key `SM2` too (from its own random stream: the other keys and
    bytes stay those of the same seed without it)."""

    def __init__(self, seed: int = 0, now: int = 1_800_000_000, *, trust_next: int | None = None,
                 revoked_ctis: tuple[bytes, ...] = (), with_sm2: bool = False):
        self.rng = random.Random(seed)
        self.now = now
        self.root = new_key("ES256", self.rng)
        self.issuers: dict[str, dict] = {}
        for name, alg, iss, status in (("ES256", "ES256", "SD-RC", "active"),
                                       ("EdDSA", "EdDSA", "SD-RC", "active"),
                                       ("enterprise", "ES256", "SD-EC", "active"),
                                       ("revoked", "ES256", "SD-RC", "revoked")):
            self.issuers[name] = {"key": new_key(alg, self.rng), "kid": self.rng.randbytes(8), "iss": iss,
                                  "alg": cose.ES256 if alg == "ES256" else cose.EDDSA, "status": status,
                                  "typ": ["enterprise"] if name == "enterprise" else ["resident"]}
        if with_sm2:
            srng = random.Random(f"sm2-{seed}")
            self.issuers["SM2"] = {"key": new_key("SM2", srng), "kid": srng.randbytes(8), "iss": "SD-RC",
                                   "alg": cose.SM2, "status": "active", "typ": ["resident"]}
        self.trust_next = now + 7 * DAY if trust_next is None else trust_next
        self.revoked_ctis = list(revoked_ctis)

    # ---- trust data -----------------------------------------------------------------------

    def trust_list_bytes(self) -> bytes:
        entries = [{"kid": i["kid"], "iss": i["iss"], "alg": i["alg"], "spki": spki(i["key"]),
                    "nbf": self.now - 365 * DAY, "exp": self.now + 365 * DAY, "typ": i["typ"],
                    "status": i["status"]} for i in self.issuers.values()]
        payload = {"v": 1, "seq": 1, "iat": self.now - DAY, "next": self.trust_next, "issuers": entries}
        return sign1(cbor2.dumps(payload), self.root)

    def revocations_bytes(self) -> bytes:
        entries = sorted(revocation_key("SD-RC", c) for c in self.revoked_ctis)
        payload = {"v": 1, "seq": 1, "iat": self.now - DAY, "next": self.trust_next, "entries": entries}
        return sign1(cbor2.dumps(payload), self.root)

    def root_pem(self) -> bytes:
        return self.root.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)

    def snapshot(self) -> TrustSnapshot:
        root = trust.load_root_key(self.root_pem())
        tl = trust.parse_trust_list(trust.verify_signed(self.trust_list_bytes(), root))
        rl = trust.parse_revocations(trust.verify_signed(self.revocations_bytes(), root))
        return TrustSnapshot(trust_list=tl, revocations=rl, revocations_next=rl.next)

    def write(self, out: Path) -> dict[str, Path]:
        """Write root.pem, trust-list.cose and revocations.cose into `out` (for the CLI)."""
        out.mkdir(parents=True, exist_ok=True)
        files = {"root": out / "root.pem", "trust": out / "trust-list.cose", "revocations": out / "revocations.cose"}
        files["root"].write_bytes(self.root_pem())
        files["trust"].write_bytes(self.trust_list_bytes())
        files["revocations"].write_bytes(self.revocations_bytes())
        return files

    # ---- credentials ----------------------------------------------------------------------

    def claims(self, *, typ: str = "resident", iss: str | None = None, age: list[int] | None = None,
               certs: list[dict] | None = None, exp: int | None = None, iat: int | None = None,
               nbf: int | None = None, cti: bytes | None = None, holder: Any = None,
               extra: dict | None = None) -> dict:
        ezc: dict = {"v": 1, "typ": typ, "name": "张*三" if typ == "resident" else "济南某某有限公司",
                     "idm": "3701**********1234" if typ == "resident" else "91370100MA3C000000"}
        if age is not None:
            ezc["age"] = age
        if certs is not None:
            ezc["certs"] = certs
        p: dict = {1: iss or ("SD-EC" if typ == "enterprise" else "SD-RC"),
                   2: "sub-" + self.rng.randbytes(6).hex(),
                   4: self.now + 30 * DAY if exp is None else exp,
                   6: self.now - DAY if iat is None else iat,
                   7: cti if cti is not None else self.rng.randbytes(16),
                   CLAIM_EZC: ezc}
        if nbf is not None:
            p[5] = nbf
        if holder is not None:
            p[8] = {1: cose.public_to_cose_key(holder.public_key())}
        if extra:
            p.update(extra)
        return p

    def ez1_cose(self, issuer: str = "ES256", *, tagged: bool = True, kid_protected: bool = True,
                 **claims: Any) -> bytes:
        i = self.issuers[issuer]
        return sign1(cbor2.dumps(self.claims(**claims)), i["key"], kid=i["kid"],
                     kid_protected=kid_protected, tagged=tagged)

    def ez1(self, issuer: str = "ES256", *, compress: bool = True, **kw: Any) -> str:
        return codec.encode_text("EZ1", self.ez1_cose(issuer, **kw), compress=compress)

    def ep1_cose(self, credential: bytes, holder: Any, *, iat: int | None = None, cti: bytes | None = None,
                 tagged: bool = True) -> bytes:
        payload = {6: self.now if iat is None else iat, 7: cti if cti is not None else self.rng.randbytes(16),
                   CLAIM_VC: credential}
        return sign1(cbor2.dumps(payload), holder, tagged=tagged)

    def ep1(self, issuer: str = "ES256", holder_alg: str = "EdDSA", *, holder: Any = None,
            iat: int | None = None, cti: bytes | None = None, **claims: Any) -> str:
        holder = holder or new_key(holder_alg, self.rng)
        cred = self.ez1_cose(issuer, holder=holder, **claims)
        return codec.encode_text("EP1", self.ep1_cose(cred, holder, iat=iat, cti=cti))


def revocation_key(iss: str, cti: bytes) -> bytes:
    """The spec's formula written out independently of terminal.trust, to cross-check it."""
    return hashlib.sha256(iss.encode() + b"\x00" + cti).digest()[:16]


def signed_parts(text: object) -> tuple[str, bytes, bytes, bytes, dict] | None:
    """(prefix, protected, payload, signature, unprotected) of a code, read independently of
    terminal.codec (the `base45` package, zlib, cbor2), or None when the text holds no decodable
    COSE_Sign1. A mutated code may be valid only if the first four (the signed parts) are unchanged."""
    if not isinstance(text, str):
        return None
    text = text.strip("\r\n\t\x00")
    prefix, sep, body = text.partition(":")
    if not sep or prefix not in ("EZ1", "EP1", "HC1"):
        return None
    try:
        raw = base45.b45decode(body)
    except (ValueError, UnicodeError):
        return None
    if not raw:
        return None
    if raw[0] not in (0xD2, 0x84):
        d = zlib.decompressobj()
        try:
            raw = d.decompress(raw, MAX_COSE_BYTES + 1)
        except zlib.error:
            return None
        if not d.eof or d.unused_data or len(raw) > MAX_COSE_BYTES:
            return None
    try:
        obj = cbor2.loads(raw)
    except Exception:  # noqa: BLE001 - any failure means "not COSE"
        return None
    if isinstance(obj, cbor2.CBORTag):
        if obj.tag != 18:
            return None
        obj = obj.value
    if not isinstance(obj, Sequence) or isinstance(obj, (str, bytes)) or len(obj) != 4:
        return None
    prot, unprot, payload, sig = obj
    if not (isinstance(prot, bytes) and isinstance(unprot, Mapping) and isinstance(payload, bytes)
            and isinstance(sig, bytes)):
        return None
    return prefix, prot, payload, sig, dict(unprot)
