"""The verifier's speed paths build exactly what the plain code builds (bench/bench_core.py).

- terminal.verdict.build_*: the frozen result types without the dataclass __init__;
- terminal.cose's cache of loaded cnf holder keys: a bad key is refused every time;
- terminal.cose._ecdsa_der: the DER signature encode_dss_signature would write;
- terminal.cose's memo of keys that fit ES256 / EdDSA: a key of the wrong kind is refused every time;
- terminal.cose._decode (one cbor2 decoder per thread, kept): what cbor2.loads gives, and nothing
  carried from one decode to the next;
- terminal.cose.parse_sign1's plain-form path: the same Sign1, or the same error, as the
  general path (strict walk, then cbor2) on every input;
- terminal.cbor_strict.decode_plain, loads_cbor's one-pass reader: the same value (types
  included), or the same error, as the general path (cbor2, write-back, strict walk) on the
  conformance vectors, a fresh world's codes and 34000 random, mutated and hostile inputs.
"""
from __future__ import annotations

import dataclasses
import inspect
import json
import random
import struct
from pathlib import Path

import cbor2
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from terminal import cbor_strict, codec, cose
from terminal.codec import CodecError
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


def _parse_outcome(parse, data: bytes, cwt_tag: bool):
    try:
        return parse(data, cwt_tag)
    except CodecError as exc:
        return ("error", exc.reason, exc.detail)


def _sign1_inputs():
    """COSE_Sign1 bytes of every shape the plain path looks at, and random damage to them."""
    from .world import World
    w = World(seed=9052)
    prot = cbor2.dumps({1: cose.ES256, 4: b"kid-0001"})
    payload, sig = cbor2.dumps({1: "iss", 7: b"\x01" * 16}), bytes(range(64))
    good = [w.ez1_cose(), w.ez1_cose(tagged=False), w.ez1_cose("EdDSA"), w.ez1_cose(kid_protected=False),
            codec.decode_text(w.ep1(holder_alg="ES256"))[1]]
    for p_, body in ((prot, payload), (b"", payload), (prot, b""), (prot, b"x" * 300), (prot, b"y" * 70000)):
        for tagged in (True, False):
            for unprot in ({}, {4: b"kid"}):
                good.append(cbor2.dumps(cbor2.CBORTag(18, [p_, unprot, body, sig]) if tagged else [p_, unprot, body, sig]))
    good.append(b"\xd2\x84" + b"\x58\x03" + prot[:3] + b"\xa0" + b"\x59\x00\x01x" + b"\x58\x40" + sig)  # long heads
    good.append(b"\xd2\x84\x5f\x41a\xff\xa0\x41x\x40")                              # indefinite bstr
    good.append(b"\xd8\x3d\xd2\x84\x40\xa0\x40\x40")                                # in a CWT tag
    good.append(b"\xd2\x84\x40\xa0\x40")                                               # three members
    good.append(b"\xd2\x85\x40\xa0\x40\x40\x40")                                     # five members
    good.append(b"\xd2\x84\x40\xa0\x40\x40\x00")                                     # trailing byte
    good.append(b"\xd2\x84\x41\xa0\xa0\x40\x40")                                     # protected not a map... of a map
    good.append(b"\xd2\x84\x41\x01\xa0\x40\x40")                                     # protected header an int
    good.append(b"\xd2\x84\x43\xa1\x01\x26\xa0\x40\x40")                           # {1: -7}
    good.append(b"\xd2\x84\x45\xa2\x01\x26\x01\x26\xa0\x40\x40")                 # {1: -7, 1: -7}
    yield from good
    rng = random.Random(9053)
    for _ in range(4000):
        data = bytearray(rng.choice(good))
        for _ in range(rng.choice((1, 1, 2, 3))):
            op = rng.randrange(4)
            if op == 0 and data:
                data[rng.randrange(len(data))] = rng.randrange(256)
            elif op == 1 and data:
                del data[rng.randrange(len(data)):]
            elif op == 2:
                data.insert(rng.randrange(len(data) + 1), rng.randrange(256))
            elif data:
                data[rng.randrange(min(8, len(data)))] = rng.choice((0x40, 0x57, 0x58, 0x59, 0x5a, 0x5f, 0x84, 0xa0,
                                                                      0xa1, 0xd2, 0xff))
        yield bytes(data)


def test_plain_sign1_path_gives_what_the_general_path_gives():
    plain = 0
    for data in _sign1_inputs():
        for cwt_tag in (False, True):
            fast = _parse_outcome(lambda d, c: cose.parse_sign1(d, cwt_tag=c), data, cwt_tag)
            assert fast == _parse_outcome(cose._parse_sign1_any, data, cwt_tag), data.hex()
        try:
            plain += cose._sign1_plain(data) is not None
        except CodecError:                 # a plain form whose protected header is bad
            plain += 1
    assert plain > 300          # the plain path was taken (437 of 4035 inputs), not only the fallback


def _loads_outcome(decode, data: bytes):
    try:
        return ("ok", repr(decode(data)))           # repr: NaN is not equal to itself
    except Exception as exc:  # noqa: BLE001 - the type and message are what is compared
        return ("error", type(exc).__name__, str(exc))


def test_kept_decoder_decodes_what_loads_decodes_and_keeps_nothing_between_codes():
    shareable = cbor2.dumps(cbor2.CBORTag(28, [1, 2]))              # marks [1, 2] as shared item 0
    shared_ref = cbor2.dumps(cbor2.CBORTag(29, 0))                   # refers to shared item 0
    namespace = bytes.fromhex("d9010082") + b"\x63abc" + bytes.fromhex("d81900")   # stringref namespace
    string_ref = bytes.fromhex("d81900")                             # string reference 0, no namespace
    cases = [shareable, shared_ref, namespace, string_ref, b"\xd8\x1c\x82\x01", b"\x82\x01\x02",
             cbor2.dumps({1: "iss", -65537: {"v": 1, "age": [18, 60]}}), b"", b"\xff", b"\x5f\x41a"]
    rng = random.Random(9054)
    for _ in range(3000):
        data = bytearray(rng.choice(cases))
        if data and rng.random() < 0.7:
            data[rng.randrange(len(data))] = rng.randrange(256)
        cases.append(bytes(data) + (rng.choice(cases) if rng.random() < 0.2 else b""))
    for data in cases:                           # in this order: each after another's leftovers
        assert _loads_outcome(cose._decode, data) == _loads_outcome(cbor2.loads, data), data.hex()
    for first in (shareable, namespace, b"\xd8\x1c\x82\x01"):
        for then in (shared_ref, string_ref):
            _loads_outcome(cose._decode, first)
            assert _loads_outcome(cose._decode, then)[0] == "error"


def test_key_fit_memo_refuses_a_key_of_the_wrong_kind_every_time():
    from cryptography.hazmat.primitives.asymmetric import ed25519
    p256, ed = ec.generate_private_key(ec.SECP256R1()), ed25519.Ed25519PrivateKey.generate()
    k1 = ec.generate_private_key(ec.SECP256K1())              # an EC key, but not P-256
    good = {cose.ES256: (p256, cose.parse_sign1(cose.sign1(b"p", p256, kid=b"k"))),
            cose.EDDSA: (ed, cose.parse_sign1(cose.sign1(b"p", ed, kid=b"k")))}
    for _ in range(3):
        for alg, (sk, msg) in good.items():
            cose.verify_signature(msg, sk.public_key(), alg)
            for wrong in (p256, ed, k1):
                if wrong is sk:
                    continue
                with pytest.raises(cose.SignatureInvalid):
                    cose.verify_signature(msg, wrong.public_key(), alg)
    keys = [ed25519.Ed25519PrivateKey.generate() for _ in range(600)]   # past the memo's 512
    for sk in keys + keys[:5]:
        msg = cose.parse_sign1(cose.sign1(b"q", sk, kid=b"k"))
        cose.verify_signature(msg, sk.public_key(), cose.EDDSA)
        with pytest.raises(cose.SignatureInvalid):
            cose.verify_signature(msg._replace(payload=b"r"), sk.public_key(), cose.EDDSA)


# ---- cbor_strict.decode_plain, the one-pass reader of payload maps ------------------------------

VECTORS = Path("/work/shared/spec/vectors")


def _payloads_of(cose_bytes: bytes, out: list[bytes], depth: int = 0) -> None:
    """The payload of a COSE_Sign1 (and of the credential an EP1 presentation holds)."""
    try:
        msg = cose._parse_sign1_any(cose_bytes, True)
    except CodecError:
        return
    out.append(msg.payload)
    try:
        inner = cbor2.loads(msg.payload)
    except Exception:  # noqa: BLE001 - a broken vector's payload
        return
    if depth == 0 and isinstance(inner, dict) and isinstance(inner.get(-65538), bytes):
        _payloads_of(inner[-65538], out, 1)


def _world_payloads() -> list[bytes]:
    """Payloads of the conformance vectors and trust files, and of codes a fresh world mints."""
    from .world import World, new_key
    out: list[bytes] = []
    texts: list[str] = []
    if (VECTORS / "cases.json").exists():
        texts += [c["code"] for c in json.loads((VECTORS / "cases.json").read_text())["cases"]]
        for name in ("trust-list.cose", "revocations.cose"):
            _payloads_of((VECTORS / name).read_bytes(), out)
    w = World(seed=7049)
    for alg in ("ES256", "EdDSA"):
        texts += [w.ez1(alg), w.ez1(alg, age=[18, 60], certs=[{"t": "id_card", "no": "37**34"}]),
                  w.ez1(alg, typ="enterprise", nbf=w.now - 5, holder=new_key("EdDSA")),
                  w.ez1(alg, certs=[{"t": "dl", "no": "1", "exp": 2 ** 40, "iss": "CN"}], extra={99: [True, None, -1]}),
                  w.ep1(alg, "ES256"), w.ep1(alg, "EdDSA")]
    for text in texts:
        try:
            _payloads_of(codec.decode_text(text)[1], out)
        except CodecError:
            pass
    for name in ("trust_list_bytes", "revocations_bytes"):
        _payloads_of(getattr(w, name)(), out)
    return out


def _head(rng: random.Random, major: int, arg: int) -> bytes:
    """A CBOR head, usually the shortest form, sometimes a longer one."""
    sizes = [n for n, top in ((0, 24), (1, 1 << 8), (2, 1 << 16), (4, 1 << 32), (8, 1 << 64)) if arg < top]
    n = sizes[0] if rng.random() < 0.85 else rng.choice(sizes)
    if n == 0:
        return bytes((major << 5 | arg,))
    return bytes((major << 5 | {1: 24, 2: 25, 4: 26, 8: 27}[n],)) + arg.to_bytes(n, "big")


def _random_cbor(rng: random.Random, depth: int = 0) -> bytes:
    """One item, mostly of the plain form, with every kind of departure from it now and then:
    long heads, indefinite lengths, tags (bignums, self-describe, shared and string references),
    floats, simple values, undefined, duplicate keys, keys of other types, invalid UTF-8, deep nesting."""
    r = rng.random()
    if depth < 40 and r < (0.3 if depth < 3 else 0.12 if depth < 8 else 0.03 if depth < 30 else 0.9):
        container = rng.random()
        n = rng.choice((0, 1, 2, 3, 5, 8, 30))
        indefinite = rng.random() < 0.04
        if container < 0.55:                                  # a map
            keys = []
            for _ in range(n):
                k = rng.random()
                if k < 0.45:
                    keys.append(_head(rng, 0, rng.choice((0, 1, 7, 23, 24, 255, 256, 65537))))
                elif k < 0.6:
                    keys.append(_head(rng, 1, rng.choice((0, 6, 65536, 65537, 2 ** 32))))
                elif k < 0.95:
                    s = rng.choice(("v", "typ", "name", "age", "a" * 30, "门")).encode()
                    keys.append(_head(rng, 3, len(s)) + s)
                else:
                    keys.append(_random_cbor(rng, 40))                 # any other item as a key
            if keys and rng.random() < 0.06:
                keys.append(rng.choice(keys))                          # a key twice
            body = b"".join(k + _random_cbor(rng, depth + 1) for k in keys)
            return (b"\xbf" + body + b"\xff") if indefinite else _head(rng, 5, len(keys)) + body
        items = [_random_cbor(rng, depth + 1) for _ in range(n)]
        if container < 0.62 and items:
            return cbor2.dumps(cbor2.CBORTag(rng.choice((0, 1, 2, 3, 24, 28, 29, 256, 258, 55799, 1000)), None))[:-1] + items[0]
        return (b"\x9f" + b"".join(items) + b"\xff") if indefinite else _head(rng, 4, n) + b"".join(items)
    r = rng.random()
    if r < 0.25:
        return _head(rng, 0, rng.choice((0, 1, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 64 - 1)))
    if r < 0.35:
        return _head(rng, 1, rng.choice((0, 23, 24, 65536, 2 ** 64 - 1)))
    if r < 0.6:
        s = rng.choice(("", "SD-RC", "张*三", "3701**********1234", "x" * 300)).encode()
        if rng.random() < 0.03:
            s = s[:1] + b"\xc3\x28"                              # invalid UTF-8
        if rng.random() < 0.04:
            return b"\x7f" + _head(rng, 3, len(s)) + s + b"\xff"
        return _head(rng, 3, len(s)) + s
    if r < 0.8:
        s = rng.randbytes(rng.choice((0, 8, 16, 23, 24, 64, 300)))
        if rng.random() < 0.04:
            return b"\x5f" + _head(rng, 2, len(s)) + s + b"\xff"
        return _head(rng, 2, len(s)) + s
    return rng.choice((b"\xf4", b"\xf5", b"\xf6", b"\xf7", b"\xf8\x10", b"\xf8\x20", b"\xe0", b"\xf9\x3c\x00",
                       b"\xfa\x3f\x80\x00\x00", b"\xfb" + struct.pack(">d", 1.5), b"\xfb" + struct.pack(">d", float("nan")),
                       b"\xc2\x41\x01", b"\xc3\x42\x01\x00", b"\xd8\x1c\x81\x01", b"\xd8\x1d\x00", b"\xff", b"\x1c",
                       b"\x3e", b"\x5c", b"\x7d", b"\x9e", b"\xbd", b"\xdc", b"\xfc"))


def _mutate(rng: random.Random, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 3))):
        op = rng.randrange(7)
        if op == 0 and data:                                            # a bit flipped
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif op == 1 and data:                                          # a byte replaced
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif op == 2 and data:                                          # truncated
            del data[rng.randrange(len(data)):]
        elif op == 3:                                                   # a byte inserted
            data.insert(rng.randrange(len(data) + 1), rng.randrange(256))
        elif op == 4 and data:                                          # a head byte replaced
            data[rng.randrange(len(data))] = rng.choice((0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x3a, 0x58, 0x5f, 0x78,
                                                         0x7f, 0x98, 0x9f, 0xb8, 0xbf, 0xc2, 0xd8, 0xf9, 0xfb, 0xff))
        elif op == 5:                                                   # bytes after the item
            data += rng.choice((b"\x00", b"\xff", b"\xa0", bytes(data[:3])))
        elif op == 6 and len(data) > 4:                                 # a stretch doubled (keys twice)
            i = rng.randrange(len(data))
            j = min(len(data), i + rng.randrange(1, 12))
            data[j:j] = data[i:j]
    return bytes(data)


def _plain_inputs():
    good = _world_payloads()
    yield from good
    rng = random.Random(8949)
    made = [_random_cbor(rng) for _ in range(12000)]
    yield from made
    for _ in range(14000):
        yield _mutate(rng, rng.choice(good))
    for _ in range(8000):
        yield _mutate(rng, rng.choice(made))
    yield from (b"", b"\xa0", b"\x80", b"\xa1\x01", b"\x81", b"\xa1\x01\x01\x00", b"\xa2\x01\x01\x01\x02",
                b"\xa2\x01\x01\x61\x31\x02", b"\xa1\xf5\x01", b"\xa1\x41\x01\x01", b"\xa1\xf9\x3c\x00\x01",
                b"\x81" * 32 + b"\x01", b"\x81" * 33 + b"\x01", b"\xa1\x01" * 40 + b"\x00",
                b"\x1b" + b"\xff" * 8, b"\x3b" + b"\xff" * 8, b"\x5b" + b"\xff" * 8, b"\x9b" + b"\xff" * 8 + b"\x00")


def _cbor_outcome(load, data: bytes):
    try:
        return ("ok", repr(load(data, "payload")))       # repr: the types too (True is not 1, list not tuple)
    except CodecError as exc:
        return ("error", exc.reason, exc.detail)


def test_plain_cbor_reader_gives_what_the_general_path_gives():
    n = plain = 0
    for data in _plain_inputs():
        n += 1
        expected = _cbor_outcome(cose._loads_general, data)
        assert _cbor_outcome(cose.loads_cbor, data) == expected, data.hex()
        if cbor_strict.decode_plain(data) is not cbor_strict.NOT_PLAIN:
            plain += 1
            assert expected[0] == "ok", data.hex()
            cbor_strict.check(data)                        # plain bytes are strict bytes
    assert n > 34000
    assert plain > 8000          # the one-pass reader was taken, not only the fallback


def test_plain_cbor_reader_reads_the_payloads_our_issuers_write():
    payloads = _world_payloads()
    assert len(payloads) > 40
    for p in payloads:
        if p[:1] == b"\xa6" or p[:1] == b"\xa3":       # the credential and presentation claim maps
            assert type(cbor_strict.decode_plain(p)) is dict, p.hex()
    assert cbor_strict.decode_plain(bytearray(b"\xa0")) is not cbor_strict.NOT_PLAIN  # indexable alike...
    assert cose.loads_cbor(bytearray(b"\xa1\x01\x41\x00"), "p") == {1: b"\x00"}     # ...but only bytes take it
