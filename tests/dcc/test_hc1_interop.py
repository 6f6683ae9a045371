"""HC1 trust and interoperability (issue 10, spec v2 section 1), on codes minted here with real
keys, real X.509 DSCs and real signatures, through terminal.verify.verify:

- the DSC's country must equal the issuer claim when that is a two-letter country code, else
  issuer_not_authorised; an authority's name there shows the DSC's country;
- PS256 DSCs need RSA >= 2048 bits and e = 65537, else bad_signature;
- a COSE_Sign1 inside a CWT tag (61) verifies for HC1 (compressed or not), never for EZ1/EP1;
- ES256 under a P-384 / P-521 DSC verifies for HC1 (as EU verifiers check it); EZ1 stays P-256 only.
"""
from __future__ import annotations

import dataclasses

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from terminal import codec, cose, hc1
from terminal.policy import VenuePolicy
from terminal.trust import RevocationList
from terminal.verify import TrustSnapshot, verify
from vocab import reasons as R

from . import hc1kit as K
from .hc1kit import DAY, EKU, T0

EC = K.key("ec")


def run(text: str, trust, now: int = T0):
    snap = TrustSnapshot(trust_list=None, revocations=RevocationList(0, 0, 2**63), dcc=trust)
    return verify(text, snap, now, VenuePolicy(skew_seconds=0))


# ---- the DSC's country and the issuer claim ---------------------------------------------------------

DE = K.make_dsc(EC, country="DE")


def test_a_dsc_of_one_country_cannot_sign_for_another():
    v = run(K.sign_hc1(EC, DE, K.claims(country="FR")), K.trust_of(DE))
    assert not v.valid and v.reason == R.ISSUER_NOT_AUTHORISED and v.outcome == R.Outcome.REFUSE
    assert "FR" in v.detail and "DE" in v.detail


def test_the_same_country_verifies_and_is_shown():
    for claim in ("DE", "de"):
        v = run(K.sign_hc1(EC, DE, K.claims(country=claim)), K.trust_of(DE))
        assert v.valid, v
        assert v.credential.issuer == "DE" and v.credential.authority == ""


def test_an_authority_name_in_the_claim_shows_the_dsc_country():
    v = run(K.sign_hc1(EC, DE, K.claims(country="Robert Koch-Institut")), K.trust_of(DE))
    assert v.valid, v
    assert v.credential.issuer == "DE" and v.credential.authority == "Robert Koch-Institut"


def test_no_issuer_claim_shows_the_dsc_country():
    payload = K.claims()
    del payload[1]
    v = run(K.sign_hc1(EC, DE, payload), K.trust_of(DE))
    assert v.valid and v.credential.issuer == "DE"


def test_the_trust_entry_country_decides_over_the_certificate_subject():
    # The trust data (a --dcc-trust file, the platform's DCC trust list) says which country a DSC
    # is for; the certificate's own subject C is used only when the trust data names none.
    trust = hc1.DccTrust([hc1.parse_dsc(DE, country="AT")])
    assert run(K.sign_hc1(EC, DE, K.claims(country="AT")), trust).valid
    assert run(K.sign_hc1(EC, DE, K.claims(country="DE")), trust).reason == R.ISSUER_NOT_AUTHORISED


def test_a_dsc_without_a_country_cannot_sign_a_country_claim():
    bare = hc1.DccTrust([dataclasses.replace(hc1.parse_dsc(DE), country="")])   # no country known
    assert run(K.sign_hc1(EC, DE, K.claims(country="DE")), bare).reason == R.ISSUER_NOT_AUTHORISED


def test_country_comes_after_key_usage_and_the_dsc_window_before_the_code_times():
    test_only = K.make_dsc(EC, country="DE", eku=[EKU["test"]])
    v = run(K.sign_hc1(EC, test_only, K.claims("v", country="FR")), K.trust_of(test_only))
    assert v.reason == R.WRONG_KEY_USAGE
    expired_code = K.claims(country="FR", iat=T0 - 10 * DAY, exp=T0 - DAY)
    assert run(K.sign_hc1(EC, DE, expired_code), K.trust_of(DE)).reason == R.ISSUER_NOT_AUTHORISED


# ---- RSA DSCs ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("bits,e,valid", [(1024, 65537, False), (2048, 3, False), (2048, 65537, True)])
def test_ps256_dsc_needs_2048_bits_and_e_65537(bits, e, valid):
    priv = K.key("rsa") if (bits, e) == (2048, 65537) else rsa.generate_private_key(public_exponent=e, key_size=bits)
    der = K.make_dsc(priv, country="CH")
    v = run(K.sign_hc1(priv, der, K.claims("t", country="CH")), K.trust_of(der))
    assert v.valid is valid, v
    if not valid:
        assert v.reason == R.BAD_SIGNATURE and str(bits) in v.detail and f"e = {e}" in v.detail


# ---- CWT tag 61 -------------------------------------------------------------------------------------

def _cose(payload: dict, *, tagged: bool = True) -> bytes:
    return cose.sign1(cbor2.dumps(payload), EC, kid=hc1.dsc_kid(DE), tagged=tagged)


@pytest.mark.parametrize("tagged", [True, False])
@pytest.mark.parametrize("compress", [True, False])
def test_cose_inside_a_cwt_tag_verifies_for_hc1(tagged, compress):
    raw = cbor2.dumps(cbor2.CBORTag(61, cbor2.loads(_cose(K.claims(country="DE"), tagged=tagged))))
    assert raw[:2] == b"\xd8\x3d"
    v = run(codec.encode_text("HC1", raw, compress=compress), K.trust_of(DE))
    assert v.valid, v


def test_a_cwt_tag_around_something_else_is_bad_encoding():
    for inner in (cbor2.CBORTag(61, cbor2.loads(_cose(K.claims(country="DE")))), {"not": "cose"},
                  cbor2.CBORTag(17, [b"", {}, b"", b""])):
        raw = cbor2.dumps(cbor2.CBORTag(61, inner))
        assert run(codec.encode_text("HC1", raw), K.trust_of(DE)).reason == R.BAD_ENCODING


def test_our_own_profiles_refuse_the_cwt_tag():
    raw = cbor2.dumps(cbor2.CBORTag(61, cbor2.loads(_cose({1: "SD-RC"}))))
    for prefix in ("EZ1", "EP1"):
        for compress in (True, False):
            v = run(codec.encode_text(prefix, raw, compress=compress), K.trust_of(DE))
            assert v.reason == R.BAD_ENCODING, (prefix, v)


# ---- ES256 under a P-384 (or P-521) DSC --------------------------------------------------------------

def _sign_other_curve(priv, der: bytes, payload: dict, *, size: int) -> str:
    prot = cbor2.dumps({1: cose.ES256, 4: hc1.dsc_kid(der)})
    body = cbor2.dumps(payload)
    tbs = cbor2.dumps(["Signature1", prot, b"", body])
    r, s = decode_dss_signature(priv.sign(tbs, ec.ECDSA(hashes.SHA256())))
    sig = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    return codec.encode_text("HC1", cbor2.dumps(cbor2.CBORTag(18, [prot, {}, body, sig])))


@pytest.mark.parametrize("curve,size", [(ec.SECP384R1, 48), (ec.SECP521R1, 66)])
def test_es256_from_a_p384_or_p521_dsc(curve, size):
    priv = K.key("p384") if curve is ec.SECP384R1 else ec.generate_private_key(curve())
    der = K.make_dsc(priv, country="IE")
    text = _sign_other_curve(priv, der, K.claims(country="IE"), size=size)
    v = run(text, K.trust_of(der))
    assert v.valid and v.credential.alg == "ES256", v
    # a changed payload, or another key on the same curve, does not verify
    other = ec.generate_private_key(curve())
    forged = _sign_other_curve(other, der, K.claims(country="IE"), size=size)
    assert run(forged, K.trust_of(der)).reason == R.BAD_SIGNATURE


def test_a_p384_signature_of_the_wrong_length_is_bad_signature():
    priv = K.key("p384")
    der = K.make_dsc(priv, country="IE")
    text = _sign_other_curve(priv, der, K.claims(country="IE"), size=48)
    raw = cbor2.loads(codec.decode_text(text)[1])
    prot, unprot, body, sig = raw.value
    short = codec.encode_text("HC1", cbor2.dumps(cbor2.CBORTag(18, [prot, unprot, body, sig[:64]])))
    v = run(short, K.trust_of(der))
    assert v.reason == R.BAD_SIGNATURE and "96-byte" in v.detail


def test_ez1_keeps_es256_on_p256_only():
    priv = K.key("p384")
    msg = cose.parse_sign1(cose.sign1(b"\xa0", K.key("ec"), alg=cose.ES256))
    with pytest.raises(cose.SignatureInvalid):
        cose.verify_signature(msg, priv.public_key(), cose.ES256)
