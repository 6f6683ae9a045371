"""Key material for the reference platform: generation, PEM files (mode 0600), kids.

    >>> key = generate("p256")
    >>> write_private_pem(path, key)          # created 0600, never world-readable
    >>> kid_of(key.public_key())              # first 8 bytes of SHA-256 over the SPKI DER

`derive(seed, label, kind)` makes the same key from the same seed, for conformance worlds.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from terminal import cose, sm2

KINDS = ("ed25519", "p256", "sm2")
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def generate(kind: str) -> Any:
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if kind == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "sm2":
        return sm2.PrivateKey.generate()
    raise ValueError(f"unknown key kind {kind!r} (use {', '.join(KINDS)})")


def derive(seed: bytes, label: str, kind: str) -> Any:
    """A deterministic key from `seed` and `label` (for reproducible worlds, never production)."""
    material = hashlib.sha256(b"venue-issuer/derive\x00" + seed + b"\x00" + label.encode()).digest()
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.from_private_bytes(material)
    if kind == "p256":
        return ec.derive_private_key(int.from_bytes(material, "big") % (_P256_ORDER - 1) + 1, ec.SECP256R1())
    if kind == "sm2":
        return sm2.PrivateKey(int.from_bytes(material, "big") % (sm2.N - 2) + 1)
    raise ValueError(f"unknown key kind {kind!r}")


def kind_of(key: Any) -> str:
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return "ed25519"
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return "p256"
    if isinstance(key, (sm2.PrivateKey, sm2.PublicKey)):
        return "sm2"
    raise ValueError("unsupported key type")


def alg_of(key: Any) -> int:
    """The COSE algorithm a key signs with: EdDSA for Ed25519, ES256 for P-256, SM2 for SM2."""
    return {"ed25519": cose.EDDSA, "p256": cose.ES256, "sm2": cose.SM2}[kind_of(key)]


def public_of(key: Any) -> Any:
    return key.public_key() if hasattr(key, "public_key") else key


def spki_der(key: Any) -> bytes:
    if isinstance(key, (sm2.PrivateKey, sm2.PublicKey)):
        return sm2.spki_der(public_of(key))
    return public_of(key).public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_pem(key: Any) -> bytes:
    if isinstance(key, (sm2.PrivateKey, sm2.PublicKey)):
        return sm2.spki_pem(public_of(key))
    return public_of(key).public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def kid_of(key: Any) -> bytes:
    """The trust-list kid: the first 8 bytes of SHA-256 over the key's SPKI DER."""
    return hashlib.sha256(spki_der(key)).digest()[:8]


def private_pem(key: Any) -> bytes:
    if isinstance(key, sm2.PrivateKey):
        return key.private_pem()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def write_private_pem(path: Path, key: Any) -> None:
    """Write a private key readable by its owner only (0600 from the first byte on disk)."""
    write_secret(path, private_pem(key))


def write_secret(path: Path, data: bytes) -> None:
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)          # O_CREAT's mode does not apply to an existing file
        os.write(fd, data)
    finally:
        os.close(fd)


def read_private_pem(path: Path) -> Any:
    data = Path(path).read_bytes()
    if b"-----BEGIN PRIVATE KEY-----" in data:
        der = sm2.pem_body(data)
        if sm2.is_sm2_private(der):
            return sm2.load_private_der(der)
    return serialization.load_pem_private_key(data, password=None)
