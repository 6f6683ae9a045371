"""Strict CBOR for signed content (spec section 1 v2; issue 10): exactly one item, integer or text
labels only, each label once. Each case below verified before (cbor2 reads the first item, keeps
the last of two equal keys, and takes 1.0 and true for label 1)."""
from __future__ import annotations

import cbor2
import pytest

from terminal import cbor_strict, codec, cose, trust
from terminal.verify import verify
from vocab import reasons as R

from .world import World, sign1

W = World(seed=11)
SNAP = W.snapshot()


def _cose_items(cose_bytes: bytes) -> list:
    obj = cbor2.loads(cose_bytes)
    return obj.value if isinstance(obj, cbor2.CBORTag) else obj


def _rebuild(prot_b: bytes, unprot_raw: bytes, payload: bytes, sig: bytes) -> bytes:
    """A tagged COSE_Sign1 whose unprotected header is the raw CBOR `unprot_raw` (unsigned bytes)."""
    return b"\xd2\x84" + cbor2.dumps(prot_b) + unprot_raw + cbor2.dumps(payload) + cbor2.dumps(sig)


def test_the_unaltered_code_verifies():
    prot_b, _, payload, sig = _cose_items(W.ez1_cose())
    v = verify(codec.encode_text("EZ1", _rebuild(prot_b, b"\xa0", payload, sig)), SNAP, W.now)
    assert (v.valid, v.reason) == (True, R.OK)


@pytest.mark.parametrize("name, unprot_raw", [
    ("label twice", bytes.fromhex("a2") + cbor2.dumps(4) + cbor2.dumps(b"a") + cbor2.dumps(4) + cbor2.dumps(b"b")),
    ("label 1.0", bytes.fromhex("a1f93c00") + cbor2.dumps(b"x")),
    ("label true", bytes.fromhex("a1f5") + cbor2.dumps(b"x")),
    ("label a byte string", bytes.fromhex("a141") + b"\x04" + cbor2.dumps(b"x")),
    ("label twice, one non-shortest", bytes.fromhex("a2 21 01 3801 02")),
])
def test_unsigned_header_tricks_are_bad_encoding(name, unprot_raw):
    prot_b, _, payload, sig = _cose_items(W.ez1_cose())
    v = verify(codec.encode_text("EZ1", _rebuild(prot_b, unprot_raw, payload, sig)), SNAP, W.now)
    assert (v.valid, v.reason) == (False, R.BAD_ENCODING), name


@pytest.mark.parametrize("tail", [b"\x00", b"\xa0", cbor2.dumps("EZ1:more")])
def test_bytes_after_the_cose_item_are_bad_encoding(tail):
    v = verify(codec.encode_text("EZ1", W.ez1_cose() + tail), SNAP, W.now)
    assert (v.valid, v.reason) == (False, R.BAD_ENCODING)


def test_signed_payload_with_a_doubled_claim_is_bad_encoding():
    """Signed by the real issuer but ambiguous: which exp counts depends on the decoder."""
    i = W.issuers["ES256"]
    claims = W.claims()
    good = cbor2.dumps(claims)
    assert good[0] == 0xA0 + len(claims)
    doubled = bytes((good[0] + 1,)) + good[1:] + cbor2.dumps(4) + cbor2.dumps(W.now + 3650 * 86400)
    for payload, want in ((good, R.OK), (doubled, R.BAD_ENCODING), (good + b"\x00", R.BAD_ENCODING)):
        v = verify(codec.encode_text("EZ1", sign1(payload, i["key"], kid=i["kid"])), SNAP, W.now)
        assert v.reason == want


def test_trust_list_with_trailing_bytes_is_refused():
    root = trust.load_root_key(W.root_pem())
    trust.parse_trust_list(trust.verify_signed(W.trust_list_bytes(), root))
    with pytest.raises(trust.TrustDataError):
        trust.parse_trust_list(trust.verify_signed(W.trust_list_bytes() + b"\x00", root))


@pytest.mark.parametrize("hexdata", ["9f0102ff", "bf616101ff", "5f42010243030405ff", "7f61616162ff", "c11a5f000000",
                                     "a2016161616201", "fb3ff8000000000000"])
def test_well_formed_items_of_other_encoders_pass(hexdata):
    data = bytes.fromhex(hexdata)
    cbor2.loads(data)
    cbor_strict.check(data)
    assert cose.loads_cbor(data, "x") == cbor2.loads(data)


@pytest.mark.parametrize("hexdata", ["", "ff", "a201", "1c", "a1a001", "bf01ff", "9a7fffffff", "81" * 40 + "01",
                                     "a2616101616102", "a16180ff01"])
def test_malformed_or_ambiguous_items_are_refused(hexdata):
    with pytest.raises(cbor_strict.StrictCborError):
        cbor_strict.check(bytes.fromhex(hexdata))
