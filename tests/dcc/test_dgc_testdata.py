"""EU dgc-testdata acceptance (issue 6): every case agrees with each EXPECTED* flag it carries.

Parametrised over a glob of shared/testdata/dgc, so held-out countries and negative cases
are checked the same way. A flag that is true must pass its step; a flag that is false must
fail at that step (and the code must then not get a valid verdict); a missing flag is not
tested. Verification runs as of the case's VALIDATIONCLOCK with skew 0, trusting only the
case's own DSC (TESTCTX.CERTIFICATE); a clock exactly at `exp` is still valid.

Steps, each run through the product's own code:
  PICTUREDECODE  the 2DCODE PNG through scanner.decoders -> exactly PREFIX
  UNPREFIX       terminal.codec.split_prefix(PREFIX) -> ("HC1", BASE45)
  B45DECODE      terminal.codec.b45decode(BASE45) -> COMPRESSED
  COMPRESSION    terminal.codec.inflate_bounded(COMPRESSED) -> COSE
  DECODE         terminal.hc1.decode_hc1(PREFIX): COSE and HC1 payload parse, and match JSON
  VERIFY         alg, DSC by kid, signature (terminal.hc1 stages)
  KEYUSAGE       the DSC's EKU covers the certificate type
  EXPIRATIONCHECK  the DSC window and iat/exp at the clock
and the whole pipeline (terminal.verify.verify) on PREFIX and on the picture's text.
"""
from __future__ import annotations

import pytest

from terminal import codec, hc1, stages
from vocab import reasons as R
from terminal.codec import CodecError
from terminal.policy import VenuePolicy
from terminal.trust import RevocationList
from terminal.verify import Fail, TrustSnapshot, stage_cose, stage_decode, stage_prefix, verify

from .dgc import DGC_DIR, DgcCase, decode_picture_texts, load_cases, matches_json

CASES, UNREADABLE = load_cases()
POLICY = VenuePolicy(skew_seconds=0)

# Reasons a code can get after its signature has verified: a code whose VERIFY flag is false
# must fail with something else (at or before the signature step).
AFTER_VERIFY = {R.OK, R.WRONG_KEY_USAGE, R.ISSUER_KEY_EXPIRED, R.NOT_YET_VALID, R.EXPIRED, R.POLICY_DENIED}
TIME_REASONS = {R.ISSUER_KEY_EXPIRED, R.NOT_YET_VALID, R.EXPIRED}
# Flags whose false value means the code as scanned must not be accepted.
TEXT_FLAGS = ("EXPECTEDUNPREFIX", "EXPECTEDB45DECODE", "EXPECTEDDECODE", "EXPECTEDVERIFY",
              "EXPECTEDKEYUSAGE", "EXPECTEDEXPIRATIONCHECK")


def with_flag(flag: str):
    return pytest.mark.parametrize(
        "case,expected", [pytest.param(c, c.flags[flag], id=c.id) for c in CASES if flag in c.flags])


def verdict_for(case: DgcCase, text: str | None = None, now: int | None = None):
    snap = TrustSnapshot(trust_list=None, revocations=RevocationList(0, 0, 2**63), dcc=case.trust)
    clock = case.clock if now is None else now
    return verify(case.prefix if text is None else text, snap, clock if clock is not None else 0, POLICY)


def signature_step(case: DgcCase):
    """Stages 1-2 and the HC1 alg, DSC and signature stages; returns (msg, dsc) or raises Fail."""
    prefix, body = stage_prefix(case.prefix)
    assert prefix == "HC1"
    msg = stage_cose(stage_decode(body), cwt_tag=True)
    alg = stages.stage_algorithm(msg, stages.HC1_ALGS)
    dsc = hc1.stage_dsc(msg, case.trust)
    hc1.stage_signature(msg, dsc, alg)
    return msg, dsc


def need_prefix(case: DgcCase) -> str:
    if case.prefix is None:
        pytest.fail(f"{case.id}: no PREFIX field, nothing to verify")
    return case.prefix


def test_the_data_is_there():
    assert DGC_DIR.is_dir(), f"dgc test data not found at {DGC_DIR} (set DGC_TESTDATA)"
    assert CASES, "no */2DCode/raw/*.json case files"
    assert not UNREADABLE, f"case files that are not JSON objects: {UNREADABLE}"


@with_flag("EXPECTEDPICTUREDECODE")
def test_picture_decode(case, expected, tmp_path):
    png = case.picture
    texts = decode_picture_texts(png, tmp_path) if png else []
    if expected:
        assert texts == [need_prefix(case)]
        # and the picture's text gets the same verdict as PREFIX
        a, b = verdict_for(case, texts[0]), verdict_for(case)
        assert (a.valid, a.reason) == (b.valid, b.reason)
    else:
        assert case.prefix is None or case.prefix not in texts


@with_flag("EXPECTEDUNPREFIX")
def test_unprefix(case, expected):
    text = need_prefix(case)
    b45 = case.doc.get("BASE45")
    try:
        prefix, body = codec.split_prefix(text)
        ok = prefix == "HC1" and (b45 is None or body == b45)
    except CodecError:
        ok = False
    assert ok is expected
    if not expected:
        assert not verdict_for(case).valid


@with_flag("EXPECTEDB45DECODE")
def test_base45(case, expected):
    b45 = case.doc.get("BASE45")
    if not isinstance(b45, str):
        b45 = need_prefix(case).partition(":")[2]
    compressed = case.field_hex("COMPRESSED")
    try:
        raw = codec.b45decode(b45)
        ok = compressed is None or raw == compressed
    except CodecError as exc:
        assert exc.reason == R.BAD_ENCODING
        ok = False
    assert ok is expected
    if not expected:
        assert not verdict_for(case).valid


@with_flag("EXPECTEDCOMPRESSION")
def test_compression(case, expected):
    compressed = case.field_hex("COMPRESSED")
    if compressed is None:
        compressed = codec.b45decode(need_prefix(case).partition(":")[2])
    cose_bytes = case.field_hex("COSE")
    if expected:
        out = codec.inflate_bounded(compressed)
        assert cose_bytes is None or out == cose_bytes
        return
    if compressed[:1] in (b"\xd2", b"\x84"):
        # An uncompressed COSE body: spec section 1 says a decoder MUST accept it (as EU
        # verifiers do), so here "fails to inflate" means "is passed through unchanged".
        assert codec.inflate_bounded(compressed) == compressed
        return
    with pytest.raises(CodecError):
        codec.inflate_bounded(compressed)
    assert verdict_for(case).reason in (R.BAD_ENCODING, R.TOO_LARGE)


@with_flag("EXPECTEDDECODE")
def test_decode(case, expected):
    want = case.doc.get("JSON")
    try:
        _msg, claims = hc1.decode_hc1(need_prefix(case))
    except Fail as exc:
        assert not expected, f"{exc.reason}: {exc.detail}"
        v = verdict_for(case)
        assert not v.valid and v.reason in (R.UNKNOWN_FORMAT, R.BAD_ENCODING, R.TOO_LARGE)
        return
    ok = want is None or matches_json(hc1.json_safe(claims.hcert), want)
    assert ok is expected


@with_flag("EXPECTEDVERIFY")
def test_verify(case, expected):
    need_prefix(case)
    if expected:
        msg, dsc = signature_step(case)
        assert msg.kid == dsc.kid == hc1.dsc_kid(case.certificate)
    else:
        with pytest.raises(Fail):
            msg, _ = signature_step(case)
            hc1.stage_payload(msg)          # a payload that is not a DCC CWT fails here
        v = verdict_for(case)
        assert not v.valid and v.reason not in AFTER_VERIFY, v


@with_flag("EXPECTEDKEYUSAGE")
def test_key_usage(case, expected):
    need_prefix(case)
    if expected:
        msg, dsc = signature_step(case)
        hc1.stage_key_usage(hc1.stage_payload(msg), dsc)
    else:
        v = verdict_for(case)
        assert not v.valid
        if case.flags.get("EXPECTEDVERIFY") is not False:
            assert v.reason == R.WRONG_KEY_USAGE, v


@with_flag("EXPECTEDEXPIRATIONCHECK")
def test_expiration(case, expected):
    need_prefix(case)
    clock = case.clock
    if clock is None:
        pytest.fail(f"{case.id}: EXPECTEDEXPIRATIONCHECK without a readable VALIDATIONCLOCK")
    if expected:
        msg, dsc = signature_step(case)
        claims = hc1.stage_payload(msg)
        hc1.stage_dsc_validity(claims, dsc, clock, 0)
        hc1.stage_times(claims, clock, 0)
    else:
        v = verdict_for(case)
        assert not v.valid
        if all(case.flags.get(f) is not False for f in TEXT_FLAGS if f != "EXPECTEDEXPIRATIONCHECK"):
            assert v.reason in TIME_REASONS, v


def _expect_valid(case: DgcCase) -> bool | None:
    """True: every step is stated to pass; False: a step of the text is stated to fail;
    None: the file does not say enough (e.g. no expiration flag, so the clock may be arbitrary)."""
    f = case.flags
    if any(f.get(k) is False for k in TEXT_FLAGS):
        return False
    if f.get("EXPECTEDVERIFY") and f.get("EXPECTEDEXPIRATIONCHECK"):
        return True
    return None


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES if c.prefix])
def test_whole_pipeline(case, tmp_path):
    v = verdict_for(case)
    assert v.reason in R.ALL_REASONS and v.profile == ("HC1" if case.prefix.startswith("HC1:") else v.profile)
    v.to_dict()                                       # JSON-safe, whatever the input
    expect = _expect_valid(case)
    if expect is None:
        return
    assert v.valid is expect, v
    if expect:
        c = v.credential
        assert c.typ == "dcc" and c.kid == hc1.dsc_kid(case.certificate).hex()
        _msg, claims = hc1.decode_hc1(case.prefix)
        assert c.idm == claims.entry.get("ci") and c.dcc["kind"] == claims.kind and c.name
        assert c.exp == claims.exp and c.iat == claims.iat
        if case.picture and case.flags.get("EXPECTEDPICTUREDECODE") is not False:
            texts = decode_picture_texts(case.picture, tmp_path)
            assert texts and verdict_for(case, texts[0]).valid
