"""HC1 verification on codes minted here: each stage's reason code, in the spec's order.

Real keys, real X.509 DSCs (with EKU OIDs), real COSE signatures and the real text codec;
verdicts come from terminal.verify.verify, the pipeline the app and CLI use.
"""
from __future__ import annotations

import json
import random

import cbor2
import pytest

from terminal import codec, cose, hc1
from vocab import reasons as R
from terminal.policy import VenuePolicy
from terminal.trust import RevocationList
from terminal.verify import TrustSnapshot, verify

from . import hc1kit as K
from .hc1kit import DAY, EKU, EKU0, T0

EC = K.key("ec")
DSC = K.make_dsc(EC)
TRUST = K.trust_of(DSC)


def run(text: str, trust=TRUST, now: int = T0, skew: int = 0, policy: VenuePolicy | None = None):
    snap = TrustSnapshot(trust_list=None, revocations=RevocationList(0, 0, 2**63), dcc=trust)
    return verify(text, snap, now, policy or VenuePolicy(skew_seconds=skew))


def good(member: str = "v", **kw) -> str:
    return K.sign_hc1(EC, DSC, K.claims(member, **kw))


# ---- valid codes and the summary ------------------------------------------------------------------

@pytest.mark.parametrize("member,kind", [("v", "vaccination"), ("t", "test"), ("r", "recovery")])
def test_valid_es256_code_and_its_summary(member, kind):
    v = run(good(member))
    assert v.valid and v.reason == R.OK and v.profile == "HC1" and v.outcome == R.Outcome.ADMIT
    c = v.credential
    assert (c.typ, c.name, c.idm, c.issuer, c.kid) == ("dcc", "Österreicher, Anna Maria",
                                                       "URN:UVCI:01:XX:TEST0001#A", "XX", hc1.dsc_kid(DSC).hex())
    assert (c.iat, c.exp) == (T0 - DAY, T0 + 30 * DAY)
    assert c.dcc["kind"] == kind and c.dcc["dob"] == "1970-01-31"
    assert c.dcc["name"] == {"fn": "Österreicher", "gn": "Anna Maria", "fnt": "OESTERREICHER", "gnt": "ANNA<MARIA"}
    assert c.dcc["entry"] == K.hcert(member)[member][0]
    json.dumps(v.to_dict(), ensure_ascii=False)


def test_valid_ps256_code_from_an_rsa_dsc():
    rsa_key = K.key("rsa")
    der = K.make_dsc(rsa_key, eku=[EKU["test"]])
    v = run(K.sign_hc1(rsa_key, der, K.claims("t")), trust=K.trust_of(der))
    assert v.valid, v


def test_uncompressed_body_and_untagged_cose_are_accepted():
    assert run(K.sign_hc1(EC, DSC, K.claims(), compress=False)).valid
    raw = cose.sign1(cbor2.dumps(K.claims()), EC, kid=hc1.dsc_kid(DSC), tagged=False)
    assert run(codec.encode_text("HC1", raw)).valid


def test_name_falls_back_to_the_standardised_form():
    body = K.hcert("v")
    body["nam"] = {"fnt": "DALTON<JOE", "gnt": "AVERELL"}
    v = run(K.sign_hc1(EC, DSC, K.claims(body=body)))
    assert v.valid and v.credential.name == "DALTON JOE, AVERELL"


def test_null_members_count_as_absent():
    body = K.hcert("r")
    body["v"] = None
    body["t"] = None
    v = run(K.sign_hc1(EC, DSC, K.claims(body=body)))
    assert v.valid and v.credential.dcc["kind"] == "recovery"


def test_cbor_specific_values_are_made_json_safe():
    body = K.hcert("t")
    body["t"][0]["sc"] = 1622541600                     # NumericDate instead of text
    body["t"][0]["xx"] = b"\x01\x02"
    body["t"][0]["tag"] = cbor2.CBORTag(1004, "2021-06-01")
    v = run(K.sign_hc1(EC, DSC, K.claims(body=body)))
    entry = v.credential.dcc["entry"]
    assert v.valid and entry["sc"] == 1622541600 and entry["xx"] == "0102"
    json.dumps(v.to_dict())


# ---- stage 3: algorithm ---------------------------------------------------------------------------

@pytest.mark.parametrize("alg", [-35, -36, 5, -257, "ES256", None])
def test_unsupported_algorithm(alg):
    raw = cose.sign1(cbor2.dumps(K.claims()), EC, kid=hc1.dsc_kid(DSC),
                     extra_protected={cose.H_ALG: alg} if alg is not None else None)
    if alg is None:                                    # no alg in the protected header at all
        tag = cbor2.loads(raw)
        prot = cbor2.loads(tag.value[0])
        del prot[cose.H_ALG]
        raw = cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps(prot), {cose.H_ALG: cose.ES256}, *tag.value[2:]]))
    assert run(codec.encode_text("HC1", raw)).reason == R.UNSUPPORTED_ALGORITHM


def test_algorithm_is_checked_before_the_issuer():
    raw = cose.sign1(cbor2.dumps(K.claims()), EC, kid=b"nobody!!", extra_protected={cose.H_ALG: -35})
    assert run(codec.encode_text("HC1", raw)).reason == R.UNSUPPORTED_ALGORITHM


# ---- stage 4: issuer (kid) ------------------------------------------------------------------------

def test_unknown_kid():
    assert run(K.sign_hc1(EC, DSC, K.claims(), kid=b"\x00" * 8)).reason == R.UNKNOWN_ISSUER


def test_no_dcc_trust_at_all():
    assert run(good(), trust=None).reason == R.UNKNOWN_ISSUER
    assert run(good(), trust=hc1.DccTrust()).reason == R.UNKNOWN_ISSUER


def test_kid_only_in_the_unprotected_header():
    assert run(K.sign_hc1(EC, DSC, K.claims(), kid_protected=False)).valid


def test_protected_kid_wins_over_the_unprotected_one():
    right, wrong = hc1.dsc_kid(DSC), b"\x11" * 8
    assert run(K.sign_hc1(EC, DSC, K.claims(), kid=right, unprotected_kid=wrong)).valid
    v = run(K.sign_hc1(EC, DSC, K.claims(), kid=wrong, unprotected_kid=right))
    assert v.reason == R.UNKNOWN_ISSUER


def test_no_kid_anywhere():
    raw = cose.sign1(cbor2.dumps(K.claims()), EC)
    assert run(codec.encode_text("HC1", raw)).reason == R.UNKNOWN_ISSUER


# ---- stage 5: signature ---------------------------------------------------------------------------

def _cose_parts(text: str):
    tag = cbor2.loads(codec.inflate_bounded(codec.b45decode(text[4:])))
    return list(tag.value)


def _reencode(parts) -> str:
    return codec.encode_text("HC1", cbor2.dumps(cbor2.CBORTag(18, parts)))


def test_tampered_signature():
    parts = _cose_parts(good())
    sig = bytearray(parts[3])
    sig[10] ^= 0x01
    parts[3] = bytes(sig)
    assert run(_reencode(parts)).reason == R.BAD_SIGNATURE


def test_tampered_payload():
    parts = _cose_parts(good())
    forged = K.claims(exp=T0 + 3650 * DAY)
    parts[2] = cbor2.dumps(forged)
    v = run(_reencode(parts))
    assert v.reason == R.BAD_SIGNATURE and v.credential is None


def test_signed_by_another_key_under_the_trusted_kid():
    other = K.key("ec", 1)
    assert run(K.sign_hc1(other, DSC, K.claims())).reason == R.BAD_SIGNATURE


def test_key_type_must_fit_the_algorithm():
    rsa_key = K.key("rsa")
    der = K.make_dsc(rsa_key)
    # ES256 header but the DSC holds an RSA key
    text = K.sign_hc1(EC, der, K.claims(), alg=cose.ES256)
    assert run(text, trust=K.trust_of(der)).reason == R.BAD_SIGNATURE


# ---- payload structure (after the signature) ------------------------------------------------------

def _payload_case(payload) -> str:
    return K.sign_hc1(EC, DSC, payload)


@pytest.mark.parametrize("mutate", [
    lambda c: c.pop(-260),
    lambda c: c.__setitem__(-260, {2: c[-260][1]}),
    lambda c: c.__setitem__(-260, ["not", "a", "map"]),
    lambda c: c.pop(4),
    lambda c: c.pop(6),
    lambda c: c.__setitem__(4, "2030-01-01"),
    lambda c: c.__setitem__(6, -5),
    lambda c: c.__setitem__(1, 276),
    lambda c: c[-260][1].__setitem__("t", K.hcert("t")["t"]),        # two of v/t/r
    lambda c: c[-260][1].pop("v"),                                    # none of them
    lambda c: c[-260][1].__setitem__("v", []),                        # empty array
    lambda c: c[-260][1].__setitem__("v", K.hcert("v")["v"] * 2),     # two entries
    lambda c: c[-260][1].__setitem__("v", {"ci": "x"}),               # not an array
    lambda c: c[-260][1].pop("nam"),
    lambda c: c[-260][1].__setitem__("dob", 19700131),
], ids=["no-hcert", "hcert-key-2", "hcert-array", "no-exp", "no-iat", "exp-text", "iat-negative", "iss-int",
        "two-kinds", "no-kind", "empty-entries", "two-entries", "entries-map", "no-nam", "dob-int"])
def test_payload_structure_faults_are_bad_encoding(mutate):
    c = K.claims()
    mutate(c)
    v = run(_payload_case(c))
    assert v.reason == R.BAD_ENCODING and not v.valid


def test_payload_that_is_not_a_map():
    assert run(_payload_case(cbor2.dumps([1, 2, 3]))).reason == R.BAD_ENCODING
    assert run(_payload_case(b"\xff\xfe")).reason == R.BAD_ENCODING


def test_float_and_tagged_numericdates_are_accepted():
    c = K.claims()
    c[4], c[6] = float(T0 + DAY) + 0.5, float(T0 - DAY)
    v = run(_payload_case(c))
    assert v.valid and v.credential.exp == T0 + DAY
    c[4], c[6] = cbor2.CBORTag(1, T0 + DAY), cbor2.CBORTag(1, T0 - DAY)
    v = run(_payload_case(c))
    assert v.valid and (v.credential.iat, v.credential.exp) == (T0 - DAY, T0 + DAY)


# ---- stage 6: key usage ---------------------------------------------------------------------------

KIND_OF = {"v": "vaccination", "t": "test", "r": "recovery"}


@pytest.mark.parametrize("oids", [EKU, EKU0], ids=["registered-arc", "dot-0-arc"])
@pytest.mark.parametrize("allowed", ["test", "vaccination", "recovery"])
@pytest.mark.parametrize("member", ["v", "t", "r"])
def test_eku_allows_only_its_type(oids, allowed, member):
    der = K.make_dsc(EC, eku=[oids[allowed]])
    v = run(K.sign_hc1(EC, der, K.claims(member)), trust=K.trust_of(der))
    if KIND_OF[member] == allowed:
        assert v.valid, v
    else:
        assert v.reason == R.WRONG_KEY_USAGE
        assert v.credential is not None and v.credential.dcc["kind"] == KIND_OF[member]


@pytest.mark.parametrize("eku", [[], [K.SERVER_AUTH]], ids=["no-eku-extension", "eku-without-dcc-oids"])
def test_dsc_without_dcc_oids_signs_every_type(eku):
    der = K.make_dsc(EC, eku=eku)
    for member in "vtr":
        assert run(K.sign_hc1(EC, der, K.claims(member)), trust=K.trust_of(der)).valid


def test_two_oids_allow_two_types():
    der = K.make_dsc(EC, eku=[EKU["test"], EKU0["recovery"]])
    t = K.trust_of(der)
    assert run(K.sign_hc1(EC, der, K.claims("t")), trust=t).valid
    assert run(K.sign_hc1(EC, der, K.claims("r")), trust=t).valid
    assert run(K.sign_hc1(EC, der, K.claims("v")), trust=t).reason == R.WRONG_KEY_USAGE


def test_key_usage_comes_before_the_times():
    der = K.make_dsc(EC, eku=[EKU["test"]])
    v = run(K.sign_hc1(EC, der, K.claims("v", exp=T0 - DAY, iat=T0 - 2 * DAY)), trust=K.trust_of(der))
    assert v.reason == R.WRONG_KEY_USAGE


# ---- the DSC's validity window --------------------------------------------------------------------

def test_dsc_expired_before_the_code_was_issued():
    der = K.make_dsc(EC, nb=T0 - 400 * DAY, na=T0 - 10 * DAY)
    v = run(K.sign_hc1(EC, der, K.claims(iat=T0 - DAY)), trust=K.trust_of(der))
    assert v.reason == R.ISSUER_KEY_EXPIRED


def test_dsc_not_yet_valid_now():
    der = K.make_dsc(EC, nb=T0 + 10 * DAY, na=T0 + 400 * DAY)
    v = run(K.sign_hc1(EC, der, K.claims(iat=T0 - DAY)), trust=K.trust_of(der))
    assert v.reason == R.ISSUER_KEY_EXPIRED


def test_dsc_expired_since_issue_still_verifies_its_codes():
    der = K.make_dsc(EC, nb=T0 - 400 * DAY, na=T0 - 10 * DAY)
    v = run(K.sign_hc1(EC, der, K.claims(iat=T0 - 20 * DAY, exp=T0 + 20 * DAY)), trust=K.trust_of(der))
    assert v.valid, v


def test_iat_before_the_dsc_but_dsc_in_force_now_is_accepted():
    # issuers that set iat to the event date (dgc BG 4): the signature cannot predate the DSC
    der = K.make_dsc(EC, nb=T0 - 10 * DAY, na=T0 + 400 * DAY)
    v = run(K.sign_hc1(EC, der, K.claims(iat=T0 - 90 * DAY, exp=T0 + 20 * DAY)), trust=K.trust_of(der))
    assert v.valid, v


# ---- stage 7: iat / exp ---------------------------------------------------------------------------

def test_expired_and_the_exact_expiry_second():
    text = good(exp=T0)
    assert run(text, now=T0).valid                       # a clock exactly at expiry is still valid
    v = run(text, now=T0 + 1)
    assert v.reason == R.EXPIRED and v.outcome == R.Outcome.REFUSE
    assert v.credential is not None and v.credential.idm      # the counter can still show whose it is


def test_expiry_skew():
    text = good(exp=T0)
    assert run(text, now=T0 + 300, skew=300).valid
    assert run(text, now=T0 + 301, skew=300).reason == R.EXPIRED


def test_not_yet_valid_and_skew():
    text = good(iat=T0 + 60)
    assert run(text, now=T0).reason == R.NOT_YET_VALID
    assert run(text, now=T0, skew=60).valid
    assert run(text, now=T0 + 60).valid                  # issued exactly now


def test_default_policy_skew_is_300():
    text = good(exp=T0)
    snap = TrustSnapshot(trust_list=None, revocations=RevocationList(0, 0, 2**63), dcc=TRUST)
    assert verify(text, snap, T0 + 300).valid
    assert verify(text, snap, T0 + 301).reason == R.EXPIRED


# ---- stages 1-2 -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text,reason", [
    ("HC1:", R.BAD_ENCODING),
    ("HC1:6BF", R.BAD_ENCODING),                         # a bare zlib header (0x789C), no stream
    ("HC1:ab", R.BAD_ENCODING),                          # lower case is outside base45
    ("HC1:A", R.BAD_ENCODING),                           # length 1 mod 3
    ("HC1:" + codec.b45encode(b"x\x9c\x00\x01"), R.BAD_ENCODING),    # broken zlib
    ("HC1:" + codec.b45encode(b"\xd2\x84"), R.BAD_ENCODING),         # truncated COSE
    ("HL1:6BFOXN", R.UNKNOWN_FORMAT),
    ("hc1:6BFOXN", R.UNKNOWN_FORMAT),
])
def test_bad_text(text, reason):
    v = run(text)
    assert v.reason == reason and not v.valid


def test_bad_base45_in_a_real_code():
    text = good()
    broken = text[:20] + "a" + text[21:]
    assert run(broken).reason == R.BAD_ENCODING


def test_hostile_mutations_never_raise_and_never_pass():
    """Seeded byte/character mutations of a valid code: always a verdict with a known reason,
    and never valid unless the mutation left the signed content intact."""
    rng = random.Random(6)
    base = good()
    raw = bytearray(codec.inflate_bounded(codec.b45decode(base[4:])))
    for n in range(300):
        if n % 2:
            chars = list(base)
            chars[rng.randrange(4, len(chars))] = rng.choice(codec.B45_ALPHABET + "a#")
            text = "".join(chars)
        else:
            mutated = bytearray(raw)
            mutated[rng.randrange(len(mutated))] ^= 1 << rng.randrange(8)
            text = codec.encode_text("HC1", bytes(mutated))
        v = run(text)
        assert v.reason in R.ALL_REASONS
        if v.valid:
            _, claims = hc1.decode_hc1(text)
            assert hc1.json_safe(claims.hcert) == hc1.json_safe(K.hcert("v")) and claims.exp == T0 + 30 * DAY


def test_policy_applies_to_dcc():
    strict = VenuePolicy(accept=("resident",), skew_seconds=0)
    v = run(good(), policy=strict)
    assert v.reason == R.POLICY_DENIED and v.policy_rule == "accept:dcc"
