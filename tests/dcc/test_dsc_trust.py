"""DSC parsing (strict, and the tolerant fallback for certificates cryptography refuses),
certificate files, the JSON trust file format and load_dcc_trust."""
from __future__ import annotations

import base64
import json
import warnings

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from terminal import hc1, trust_files
from vocab import reasons as R
from terminal.config import ConfigError
from terminal.policy import VenuePolicy
from terminal.trust import RevocationList
from terminal.verify import TrustSnapshot, verify

from . import hc1kit as K
from .dgc import load_cases
from .hc1kit import EKU, T0

EC = K.key("ec")


def spki(key) -> bytes:
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def run(text: str, trust, now: int = T0):
    snap = TrustSnapshot(trust_list=None, revocations=RevocationList(0, 0, 2**63), dcc=trust)
    return verify(text, snap, now, VenuePolicy(skew_seconds=0))


def strictly_refused(der: bytes) -> bool:
    """Whether cryptography refuses the certificate (at load or on reading its parts)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            cert = x509.load_der_x509_certificate(der)
            cert.extensions, cert.subject, cert.public_key()
    except Exception:  # noqa: BLE001
        return True
    return False


# ---- strict and tolerant readers agree ------------------------------------------------------------

def _dgc_certificates() -> list[bytes]:
    cases, _ = load_cases()
    return sorted({c.certificate for c in cases if c.certificate})


@pytest.mark.parametrize("der", _dgc_certificates() + [K.make_dsc(EC, eku=[EKU["test"], K.EKU0["recovery"]]),
                                                        K.make_dsc(K.key("rsa")), K.make_dsc(K.key("ed25519"))],
                         ids=lambda d: hc1.dsc_kid(d).hex())
def test_tolerant_reader_agrees_with_cryptography(der):
    strict = hc1.der.parse_strict(der, "", hc1.dsc_kid(der))
    loose = hc1.der.parse_tolerant(der, "", hc1.dsc_kid(der))
    assert (loose.not_before, loose.not_after, loose.eku, loose.country) == \
           (strict.not_before, strict.not_after, strict.eku, strict.country)
    assert spki(loose.key) == spki(strict.key)
    assert loose.lenient and not strict.lenient


@pytest.mark.parametrize("surgery", [K.with_negative_serial, K.with_broken_extension, K.with_long_form_subject],
                         ids=["negative-serial", "broken-extension", "long-form-length"])
def test_dsc_that_cryptography_refuses_still_verifies(surgery):
    der = surgery(K.make_dsc(EC, eku=[EKU["vaccination"]]))
    assert strictly_refused(der), "premise: cryptography refuses this certificate"
    entry = hc1.parse_dsc(der)
    assert entry.lenient and entry.eku == {"vaccination"} and entry.country == "XX"
    trust = hc1.trust_from_certificates([der])
    assert run(K.sign_hc1(EC, der, K.claims("v")), trust).valid
    # and what it says is still enforced: its EKU, its validity window
    assert run(K.sign_hc1(EC, der, K.claims("t")), trust).reason == R.WRONG_KEY_USAGE
    assert run(K.sign_hc1(EC, der, K.claims("v", iat=T0 + 900 * 86400, exp=T0 + 901 * 86400)), trust,
               now=T0 + 900 * 86400).reason == R.ISSUER_KEY_EXPIRED


def test_refused_dsc_through_a_pem_file(tmp_path):
    der = K.with_negative_serial(K.make_dsc(EC))
    body = base64.encodebytes(der).decode()
    (tmp_path / "neg.pem").write_text(f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n")
    trust = trust_files.load_dcc_trust([str(tmp_path / "neg.pem")], [])
    assert run(K.sign_hc1(EC, der, K.claims()), trust).valid


def test_unreadable_eku_fails_closed():
    der = K.make_dsc(EC, eku=[EKU["test"]])
    kids = [e for _, e in K.split(K.split(der)[0][1])]
    exts = K.split(K.content(kids[-1]))
    rebuilt = []
    for _, e in exts:
        if bytes.fromhex("0603551d25") in e:             # the EKU extension: garbage inside
            e = K.tlv(0x30, K.tlv(0x06, bytes.fromhex("551d25")) + K.tlv(0x04, b"\x30\x09\x06"))
        rebuilt.append(e)
    kids[-1] = K.tlv(0xA3, K.tlv(0x30, b"".join(rebuilt)))
    bad = K.rebuild(der, kids)
    entry = hc1.parse_dsc(bad)
    assert entry.lenient and entry.eku == {hc1.EKU_UNREADABLE}
    for member in "vtr":
        assert run(K.sign_hc1(EC, bad, K.claims(member)), hc1.trust_from_certificates([bad])).reason \
            == R.WRONG_KEY_USAGE


@pytest.mark.parametrize("blob", [b"", b"\x30\x03\x02\x01", b"\x04\x02hi", b"\x30\x80\x00\x00",
                                  b"\x30\x05\x30\x03\x02\x01\x01"],
                         ids=["empty", "truncated", "not-a-sequence", "indefinite", "no-key"])
def test_garbage_is_not_a_dsc(blob):
    with pytest.raises(hc1.DscError):
        hc1.parse_dsc(blob)


def test_times_the_tolerant_reader_understands():
    assert hc1.der.der_time(0x17, b"210501000000Z") == 1619827200
    assert hc1.der.der_time(0x17, b"2105010000Z") == 1619827200                 # no seconds
    assert hc1.der.der_time(0x17, b"210501020000+0200") == 1619827200           # offset
    assert hc1.der.der_time(0x17, b"490101000000Z") == 2493072000              # 2049
    assert hc1.der.der_time(0x17, b"500101000000Z") == -631152000              # 1950
    assert hc1.der.der_time(0x18, b"20210501000000.123Z") == 1619827200
    assert hc1.der.der_time(0x18, b"20211301000000Z") is None                   # month 13
    assert hc1.der.der_time(0x17, b"garbage") is None


# ---- certificate files and trust files ------------------------------------------------------------

def test_certificates_from_pem_bundle_der_and_base64():
    a, b = K.make_dsc(EC), K.make_dsc(K.key("ec", 1))
    assert hc1.certificates_from_bytes(K.pem(a) + b"\n" + K.pem(b)) == [a, b]
    assert hc1.certificates_from_bytes(a) == [a]
    assert hc1.certificates_from_bytes(base64.b64encode(a) + b"\n") == [a]
    for junk in (b"hello", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"):
        with pytest.raises(hc1.DscError):
            hc1.certificates_from_bytes(junk)


def test_trust_json_format():
    a, b = K.make_dsc(EC, country="DE"), K.make_dsc(K.key("ec", 1))
    doc = [
        {"kid": base64.b64encode(hc1.dsc_kid(a)).decode(), "country": "DE", "certificate": base64.b64encode(a).decode()},
        {"country": "FR", "rawData": base64.b64encode(b).decode()},           # kid computed; gateway field name
        {"kid": "AAAAAAAAAAA=", "country": "IT", "certificate": "bm90IGEgY2VydA=="},
        "not an object",
    ]
    trust = hc1.parse_trust_json(json.dumps(doc))
    assert len(trust) == 2 and len(trust.skipped) == 2
    assert trust[hc1.dsc_kid(a)].country == "DE" and trust[hc1.dsc_kid(b)].country == "FR"
    assert hc1.parse_trust_json(json.dumps({"certificates": doc[:1]})).keys() == {hc1.dsc_kid(a)}


def test_trust_json_kid_is_used_as_given():
    # the gateway's kid is what codes carry; a code naming it verifies with that certificate
    kid = b"gatewayK"
    doc = [{"kid": base64.b64encode(kid).decode(), "country": "XX",
            "certificate": base64.b64encode(K.make_dsc(EC)).decode()}]
    trust = hc1.parse_trust_json(json.dumps(doc))
    assert run(K.sign_hc1(EC, None, K.claims(), kid=kid), trust).valid


@pytest.mark.parametrize("data", ["{", '{"a": 1}', "42", b"\xff\xfe"])
def test_trust_json_that_is_not_the_format(data):
    with pytest.raises(hc1.DscError):
        hc1.parse_trust_json(data)


def test_load_dcc_trust_reads_and_merges(tmp_path):
    a, b, c = K.make_dsc(EC), K.make_dsc(K.key("ec", 1)), K.make_dsc(K.key("rsa"))
    (tmp_path / "a.pem").write_bytes(K.pem(a) + K.pem(b))
    (tmp_path / "c.der").write_bytes(c)
    (tmp_path / "trust.json").write_text(json.dumps([{"certificate": base64.b64encode(c).decode(), "country": "CH"}]))
    trust = trust_files.load_dcc_trust([str(tmp_path / "a.pem"), str(tmp_path / "c.der")], [str(tmp_path / "trust.json")])
    assert set(trust) == {hc1.dsc_kid(x) for x in (a, b, c)}


def test_load_dcc_trust_errors_name_the_file(tmp_path):
    (tmp_path / "junk.pem").write_text("hello")
    (tmp_path / "bad.json").write_text("[1, 2]")
    (tmp_path / "notjson.json").write_text("{")
    cases = [([str(tmp_path / "missing.pem")], [], "missing.pem"),
             ([str(tmp_path / "junk.pem")], [], "junk.pem"),
             ([], [str(tmp_path / "bad.json")], "bad.json"),
             ([], [str(tmp_path / "notjson.json")], "notjson.json")]
    for certs, files, name in cases:
        with pytest.raises(ConfigError, match=name) as err:
            trust_files.load_dcc_trust(certs, files)
        assert "\n" not in str(err.value)
