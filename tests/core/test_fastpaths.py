"""The verifier's speed paths build exactly what the plain code builds (bench/bench_core.py).

- terminal.verdict.build_*: the frozen result types without the dataclass __init__;
- terminal.cose's cache of loaded cnf holder keys: a bad key is refused every time;
- terminal.cose._ecdsa_der: the DER signature encode_dss_signature would write.
"""
from __future__ import annotations

import dataclasses
import inspect
import random

import cbor2
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from terminal import cose
from vocab.reasons import Outcome
from terminal.verdict import (CredentialSummary, LinkedCert, Verdict, build_linked_cert, build_summary,
                              build_verdict)

CERT = dict(t="id_card", no="3701**********1234", exp=1_900_000_000, iss="CN-37")
SUMMARY = dict(typ="resident", name="张*", idm="3701**********1234", age=(18, 60), certs=(LinkedCert(**CERT),),
               issuer="CN-37", kid="0a0b", exp=1_900_000_000, iat=1_800_000_000, nbf=None, cti="00ff",
               dcc={"dob": "1960-01-01"}, alg="SM2", authority="山东省大数据局")
VERDICT = dict(valid=True, reason="ok", profile="EP1", warnings=("trust_stale",),
               credential=CredentialSummary(**{**SUMMARY, "dcc": None}), detail="d", policy_rule="r",
               presentation_cti=b"\x01" * 8, holder_sub="sub-1", decided=Outcome.CHECK)
CASES = [(LinkedCert, build_linked_cert, CERT), (CredentialSummary, build_summary, SUMMARY),
         (CredentialSummary, build_summary, {**SUMMARY, "dcc": None}), (Verdict, build_verdict, VERDICT)]


@pytest.mark.parametrize("cls, build, values", CASES, ids=lambda x: getattr(x, "__name__", ""))
def test_builder_takes_every_field_in_order(cls, build, values):
    assert list(inspect.signature(build).parameters) == [f.name for f in dataclasses.fields(cls)]


@pytest.mark.parametrize("cls, build, values", CASES, ids=lambda x: getattr(x, "__name__", ""))
def test_builder_makes_the_same_object(cls, build, values):
    fast, plain = build(**values), cls(**values)
    assert type(fast) is cls
    assert fast == plain and plain == fast
    assert vars(fast) == vars(plain)
    assert repr(fast) == repr(plain)
    if values.get("dcc") is None:             # a summary holding a dcc dict is unhashable either way
        assert hash(fast) == hash(plain)
    if hasattr(cls, "to_dict"):
        assert fast.to_dict() == plain.to_dict()
    name = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(fast, name, None)
    changed = dataclasses.replace(fast, **{name: values[name]})
    assert changed == plain and changed is not fast


def test_verdict_builder_outcome():
    assert build_verdict(**VERDICT).outcome == Verdict(**VERDICT).outcome


def _p256_point() -> tuple[bytes, bytes]:
    pub = ec.generate_private_key(ec.SECP256R1()).public_key()
    raw = pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return raw[1:33], raw[33:]


def test_cnf_key_cache_returns_the_key_and_refuses_a_bad_point_every_time():
    x, y = _p256_point()
    k1, alg = cose.cose_key_to_public({1: 2, -1: 1, -2: x, -3: y})
    k2, _ = cose.cose_key_to_public({1: 2, -1: 1, -2: bytes(x), -3: bytes(y)})
    assert alg == cose.ES256 and k1 is k2
    off_curve = bytes(y[:-1]) + bytes([y[-1] ^ 1])
    for _ in range(3):
        with pytest.raises(ValueError):
            cose.cose_key_to_public({1: 2, -1: 1, -2: x, -3: off_curve})
    for _ in range(2):
        with pytest.raises(ValueError):
            cose.cose_key_to_public({1: 1, -1: 6, -2: b"\x01" * 31})


def _raw_sigs():
    rng = random.Random(6979)
    yield bytes(64)
    yield b"\xff" * 64
    yield b"\x00" * 31 + b"\x80" + b"\x00" * 31 + b"\x01"
    for _ in range(3000):
        sig = bytearray(rng.randbytes(64))
        for half in (0, 32):                 # leading zero bytes, then maybe a top bit set
            zeros = rng.choice([0, 0, 0, 1, 2, 5, 31, 32])
            sig[half:half + zeros] = bytes(zeros)
            if rng.random() < 0.3 and zeros < 32:
                sig[half + zeros] |= 0x80
        yield bytes(sig)


def test_ecdsa_der_equals_encode_dss_signature():
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    for sig in _raw_sigs():
        assert cose._ecdsa_der(sig) == encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                                            int.from_bytes(sig[32:], "big")), sig.hex()


def test_eddsa_check_agrees_with_cryptography_and_refuses_more_only_on_malformed_input():
    """EdDSA goes through libsodium: on honest signatures and on every single-bit change of the
    signature or message it gives exactly cryptography's answer."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ed25519

    rng = random.Random(2026)
    for n in range(60):
        sk = ed25519.Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))
        payload = rng.randbytes(rng.randrange(0, 400))
        msg = cose.parse_sign1(cose.sign1(payload, sk, kid=b"k"))
        pub = sk.public_key()
        cose.verify_signature(msg, pub, cose.EDDSA)            # honest: both accept
        bit = rng.randrange(64 * 8) if n % 2 else rng.randrange(max(1, len(payload)) * 8)
        if n % 2:
            sig = bytearray(msg.signature)
            sig[bit // 8] ^= 1 << (bit % 8)
            bad = msg._replace(signature=bytes(sig))
        else:
            data = bytearray(payload or b"\0")
            data[bit // 8] ^= 1 << (bit % 8)
            bad = msg._replace(payload=bytes(data))
        try:
            pub.verify(bad.signature, bad.to_be_signed())
            expected = True
        except InvalidSignature:
            expected = False
        try:
            cose.verify_signature(bad, pub, cose.EDDSA)
            got = True
        except cose.SignatureInvalid:
            got = False
        assert expected is False and got is False


def test_eddsa_small_order_public_key_is_refused():
    """The identity point as a public key, with R = identity and S = 0: OpenSSL (cryptography 50)
    accepts this signature for any message; libsodium refuses it."""
    from cryptography.hazmat.primitives.asymmetric import ed25519
    identity = bytes([1]) + bytes(31)
    pub = ed25519.Ed25519PublicKey.from_public_bytes(identity)
    sig = identity + bytes(32)                 # R = identity, S = 0
    prot = cbor2.dumps({1: cose.EDDSA})
    msg = cose.Sign1(prot, {1: cose.EDDSA}, {}, b"anything", sig, True)
    with pytest.raises(cose.SignatureInvalid):
        cose.verify_signature(msg, pub, cose.EDDSA)
