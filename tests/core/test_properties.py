"""Property tests of the verification core (hypothesis, bounded example counts).

Every input gets a Verdict with a reason from vocab.reasons.ALL_REASONS and no exception.
A mutated valid code is never valid unless what the signatures cover is unchanged; the
oracle for "what is signed" decodes the mutated text independently of terminal.codec (the
`base45` package, zlib, cbor2) and compares the prefix, the protected header bytes, the
payload bytes and the signature. Unsigned parts (CBOR tag 18 or none, zlib or not, the
unprotected header when kid is protected) may change and the code stays valid.
"""
from __future__ import annotations

import zlib

import base45
import cbor2
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from terminal import codec
from vocab import reasons as R
from terminal.verify import verify

from .world import World, signed_parts

WORLD = World(seed=5, with_sm2=True)
SNAP = WORLD.snapshot()
NOW = WORLD.now
VALID = {
    "ez1-es256": WORLD.ez1("ES256", age=[18, 60], certs=[{"t": "senior", "no": "SD-1"}]),
    "ez1-eddsa": WORLD.ez1("EdDSA"),
    "ez1-untagged-kid-unprotected": WORLD.ez1("ES256", tagged=False, kid_protected=False),
    "ez1-uncompressed": WORLD.ez1("EdDSA", compress=False),
    "ep1-eddsa-holder": WORLD.ep1("ES256", "EdDSA"),
    "ep1-es256-holder": WORLD.ep1("EdDSA", "ES256"),
    "ez1-sm2": WORLD.ez1("SM2", age=[18, 60]),                  # issue 13: SM2 codes in every property
    "ep1-sm2-holder-sm2-issuer": WORLD.ep1("SM2", "SM2"),
    "ep1-sm2-holder-es256-issuer": WORLD.ep1("ES256", "SM2"),
}
COSE = {k: codec.decode_text(v)[1] for k, v in VALID.items()}
B45_ALPHABET = codec.B45_ALPHABET

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def check(text: str):
    v = verify(text, SNAP, NOW)
    assert v.reason in R.ALL_REASONS, v.reason
    assert v.valid == (v.reason == R.OK)
    return v


ORIGINAL = {k: signed_parts(v) for k, v in VALID.items()}


def assert_valid_only_if_signed_bytes_kept(name: str, mutated: str):
    v = check(mutated)
    if v.valid:
        parts = signed_parts(mutated)
        assert parts is not None, "a valid verdict for text no verifier could decode"
        assert parts[:4] == ORIGINAL[name][:4], "a valid verdict although signed bytes changed"
    return v


def test_the_valid_pool_is_valid():
    for name, code in VALID.items():
        assert check(code).valid, name
        assert ORIGINAL[name] is not None


# ---- arbitrary input ---------------------------------------------------------------------------

@SETTINGS
@given(st.text(max_size=600))
def test_random_text(text):
    assert not check(text).valid


@SETTINGS
@given(st.sampled_from(["EZ1", "EP1", "HC1"]), st.binary(max_size=2000), st.sampled_from(["", "\n", "\r\n"]))
def test_random_bytes_behind_each_prefix(prefix, data, tail):
    v = check(f"{prefix}:{codec.b45encode(data)}{tail}")
    assert not v.valid
    assert v.profile == prefix


@SETTINGS
@given(st.sampled_from(["EZ1", "EP1", "HC1"]), st.text(alphabet=B45_ALPHABET + "abc\x00é漢", max_size=900))
def test_random_alphabet_text_behind_each_prefix(prefix, body):
    assert not check(f"{prefix}:{body}").valid


@SETTINGS
@given(st.sampled_from(["EZ1", "EP1", "HC1"]), st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | st.binary(max_size=40)
    | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=5) | st.dictionaries(st.integers(-70000, 70000) | st.text(max_size=5),
                                                              kids, max_size=5),
    max_leaves=30), st.booleans(), st.booleans())
def test_random_cbor_in_cose_shape(prefix, value, tagged, compress):
    """CBOR that looks like COSE_Sign1 from far away: every member position holds anything."""
    body = [cbor2.dumps({1: -7}), {}, cbor2.dumps(value), b"\x00" * 64]
    obj = cbor2.CBORTag(18, body) if tagged else body
    assert not check(codec.encode_text(prefix, cbor2.dumps(obj), compress=compress)).valid


# ---- mutations of valid codes -------------------------------------------------------------------

@SETTINGS
@given(st.sampled_from(sorted(VALID)), st.data())
def test_bit_flips_in_cose_bytes(name, data):
    cose_bytes = bytearray(COSE[name])
    flips = data.draw(st.lists(st.integers(0, len(cose_bytes) * 8 - 1), min_size=1, max_size=4, unique=True))
    for bit in flips:
        cose_bytes[bit // 8] ^= 1 << (bit % 8)
    compress = data.draw(st.booleans())
    assert_valid_only_if_signed_bytes_kept(name, codec.encode_text(VALID[name][:3], bytes(cose_bytes), compress))


@SETTINGS
@given(st.sampled_from(sorted(VALID)), st.data())
def test_truncated_and_extended_cose_bytes(name, data):
    cose_bytes = COSE[name]
    cut = data.draw(st.integers(0, len(cose_bytes)))
    tail = data.draw(st.binary(max_size=64))
    mutated = cose_bytes[:cut] + tail
    assume(mutated != cose_bytes)
    v = assert_valid_only_if_signed_bytes_kept(name, codec.encode_text(VALID[name][:3], mutated,
                                                                        data.draw(st.booleans())))
    if cut < len(cose_bytes):
        assert not v.valid


@SETTINGS
@given(st.sampled_from(sorted(VALID)), st.data())
def test_text_truncation_extension_and_substitution(name, data):
    text = VALID[name]
    op = data.draw(st.sampled_from(["truncate", "extend", "substitute", "insert", "delete"]))
    i = data.draw(st.integers(0, len(text) - 1))
    ch = data.draw(st.sampled_from(B45_ALPHABET + "a\n\t\x00"))
    if op == "truncate":
        mutated = text[:i]
    elif op == "extend":
        mutated = text + data.draw(st.text(alphabet=B45_ALPHABET, min_size=1, max_size=30))
    elif op == "substitute":
        mutated = text[:i] + ch + text[i + 1:]
    elif op == "insert":
        mutated = text[:i] + ch + text[i:]
    else:
        mutated = text[:i] + text[i + 1:]
    assume(mutated != text)
    assert_valid_only_if_signed_bytes_kept(name, mutated)


@SETTINGS
@given(st.sampled_from(sorted(VALID)), st.booleans(), st.booleans(),
       st.dictionaries(st.integers(-70000, 70000).filter(lambda k: k != 4) | st.text(max_size=4),
                       st.integers() | st.binary(max_size=8) | st.text(max_size=8), max_size=4))
def test_unsigned_parts_may_change(name, tagged, compress, extra_unprotected):
    """Re-wrapping the same signed bytes (tag or not, zlib or not, other unprotected labels)
    keeps a code valid: these parts are not covered by the signature."""
    prefix, prot, payload, sig, unprot = ORIGINAL[name]
    body = [prot, {**extra_unprotected, **unprot}, payload, sig]
    cose_bytes = cbor2.dumps(cbor2.CBORTag(18, body) if tagged else body)
    v = check(codec.encode_text(prefix, cose_bytes, compress))
    assert (v.valid, v.reason) == (True, R.OK)


@SETTINGS
@given(st.sampled_from(sorted(k for k in VALID if k.startswith("ep1"))), st.sampled_from(sorted(COSE)))
def test_splicing_a_credential_into_another_presentation(pres_name, cred_name):
    """An EP1 whose vc is swapped for another credential keeps the holder's signature over the
    old vc: never valid (unless it is the same credential)."""
    prefix, prot, payload, sig, unprot = ORIGINAL[pres_name]
    p = cbor2.loads(payload)
    p = {**p, -65538: COSE[cred_name]}
    mutated = codec.encode_text("EP1", cbor2.dumps(cbor2.CBORTag(18, [prot, unprot, cbor2.dumps(p), sig])))
    assert_valid_only_if_signed_bytes_kept(pres_name, mutated)


# ---- decompression bombs and size limits ----------------------------------------------------------

@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.integers(min_value=codec.MAX_COSE_BYTES + 1, max_value=16 * 1024 * 1024), st.binary(min_size=1, max_size=4))
def test_decompression_bomb_never_inflates_past_limit(size, unit):
    bomb = zlib.compress((unit * (size // len(unit) + 1))[:size], 9)
    with pytest.raises(codec.CodecError) as e:
        codec.inflate_bounded(bomb)
    assert e.value.reason == R.TOO_LARGE
    v = check("EZ1:" + codec.b45encode(bomb))
    assert v.reason == R.TOO_LARGE


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(min_value=1, max_value=4096), st.integers(min_value=-3, max_value=3), st.binary(min_size=1, max_size=3))
def test_inflate_bounded_limit_is_exact(limit, delta, unit):
    n = max(1, limit + delta)
    data = (unit * n)[:n]
    if data[0] in (0xD2, 0x84):
        data = b"\x00" + data[1:]
    try:
        out = codec.inflate_bounded(zlib.compress(data), limit)
    except codec.CodecError as e:
        assert e.reason == R.TOO_LARGE and n > limit
    else:
        assert out == data and len(out) <= limit


def test_uncompressed_body_over_limit_is_too_large():
    big = b"\xd2" + bytes(codec.MAX_COSE_BYTES)
    assert check("EZ1:" + codec.b45encode(big)).reason == R.TOO_LARGE


# ---- base45: the fast decoder against the reference package -----------------------------------------

def _reference(body: str):
    try:
        return base45.b45decode(body)
    except ValueError:
        return "invalid"


def _ours(body: str):
    try:
        return codec.b45decode(body)
    except codec.CodecError as e:
        assert e.reason == R.BAD_ENCODING
        return "invalid"


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.binary(min_size=1, max_size=3000))
def test_base45_equals_reference_on_valid_input(data):
    text = base45.b45encode(data).decode()
    assert codec.b45decode(text) == base45.b45decode(text) == data


@settings(max_examples=600, deadline=None, derandomize=True)
@given(st.text(alphabet=B45_ALPHABET + "abz\x00\x7f~é", min_size=1, max_size=60)
       | st.text(alphabet="*:Z", min_size=1, max_size=12))
def test_base45_rejects_what_the_reference_rejects(text):
    # The reference strips a trailing newline; the alphabet here has none. The empty string
    # is the one difference: valid base45 for b"", but never a code, so ours rejects it.
    assert _ours(text) == _reference(text)


def test_base45_empty_is_rejected():
    assert _ours("") == "invalid" and _reference("") == b""


# ---- the hand-built Sig_structure ------------------------------------------------------------------

@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.binary(max_size=300) | st.integers(0, 70000).map(bytes), st.binary(max_size=300)
       | st.sampled_from([23, 24, 255, 256, 65535, 65536]).map(bytes))
def test_sig_structure_equals_cbor2(protected, payload):
    from terminal.cose import Sign1
    msg = Sign1(protected, {}, {}, payload, b"", True)
    assert msg.to_be_signed() == cbor2.dumps(["Signature1", protected, b"", payload])


def test_parsed_protected_headers_are_read_only():
    from terminal.cose import parse_sign1
    first = parse_sign1(COSE["ez1-es256"]).protected
    with pytest.raises(TypeError):
        first[1] = -8                      # a cached header must not be changeable by one caller
    assert parse_sign1(COSE["ez1-es256"]).protected.get(1) == -7
