"""Minting DSCs and HC1 codes for tests: real keys, real X.509 (cryptography's CertificateBuilder),
real COSE signatures (terminal.cose.sign1) and the real text codec (terminal.codec.encode_text).

Also a few DER surgery helpers to make certificates that `cryptography` refuses (negative
serial, broken extension, non-minimal length), as some real DSCs are.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from terminal import codec, cose, hc1

T0 = 1_700_000_000                    # 2023-11-14T22:13:20Z, a fixed "now" for minted worlds
DAY = 86_400
EKU = {"test": "1.3.6.1.4.1.1847.2021.1.1", "vaccination": "1.3.6.1.4.1.1847.2021.1.2",
       "recovery": "1.3.6.1.4.1.1847.2021.1.3"}
EKU0 = {k: v.replace("1.3.6.1.4.1.1847", "1.3.6.1.4.1.0.1847") for k, v in EKU.items()}
SERVER_AUTH = "1.3.6.1.5.5.7.3.1"

_KEYS: dict[str, object] = {}


def key(kind: str = "ec", slot: int = 0):
    """A cached private key per (kind, slot): RSA generation is slow, tests share them."""
    name = f"{kind}{slot}"
    if name not in _KEYS:
        if kind == "ec":
            _KEYS[name] = ec.generate_private_key(ec.SECP256R1())
        elif kind == "rsa":
            _KEYS[name] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif kind == "ed25519":
            _KEYS[name] = ed25519.Ed25519PrivateKey.generate()
        elif kind == "p384":
            _KEYS[name] = ec.generate_private_key(ec.SECP384R1())
        else:
            raise ValueError(kind)
    return _KEYS[name]


def _utc(t: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, dt.timezone.utc)


def make_dsc(priv, *, eku: Iterable[str] = (), nb: int = T0 - 365 * DAY, na: int = T0 + 365 * DAY,
             country: str = "XX", serial: int = 0x5EED) -> bytes:
    """A self-signed DSC (DER) carrying the given EKU OIDs (none: no EKU extension)."""
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, country),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"DSC {country} test")])
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(priv.public_key())
         .serial_number(serial).not_valid_before(_utc(nb)).not_valid_after(_utc(na))
         .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                      data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                      crl_sign=False, encipher_only=False, decipher_only=False), critical=True))
    oids = list(eku)
    if oids:
        b = b.add_extension(x509.ExtendedKeyUsage([x509.ObjectIdentifier(o) for o in oids]), critical=False)
    algo = None if isinstance(priv, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return b.sign(priv, algo).public_bytes(serialization.Encoding.DER)


def pem(der: bytes) -> bytes:
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)


def hcert(member: str = "v", *, fn: str = "Österreicher", gn: str = "Anna Maria", dob: str = "1970-01-31",
          ci: str = "URN:UVCI:01:XX:TEST0001#A") -> dict:
    entry = {
        "v": {"tg": "840539006", "vp": "1119349007", "mp": "EU/1/20/1528", "ma": "ORG-100030215",
              "dn": 2, "sd": 2, "dt": "2021-06-01", "co": "XX", "is": "Test Ministry", "ci": ci},
        "t": {"tg": "840539006", "tt": "LP6464-4", "sc": "2021-06-01T10:00:00Z", "tr": "260415000",
              "tc": "Test centre", "co": "XX", "is": "Test Ministry", "ci": ci},
        "r": {"tg": "840539006", "fr": "2021-05-01", "co": "XX", "is": "Test Ministry",
              "df": "2021-05-12", "du": "2021-10-28", "ci": ci},
    }[member]
    return {"ver": "1.3.0", "nam": {"fn": fn, "fnt": "OESTERREICHER", "gn": gn, "gnt": "ANNA<MARIA"},
            "dob": dob, member: [entry]}


def claims(member: str = "v", *, iat: int = T0 - DAY, exp: int = T0 + 30 * DAY, country: str = "XX",
           body: dict | None = None) -> dict:
    return {1: country, 4: exp, 6: iat, -260: {1: hcert(member) if body is None else body}}


def sign_hc1(priv, der: bytes | None, payload: dict | bytes, *, alg: int | None = None,
             kid: bytes | None = None, kid_protected: bool = True, unprotected_kid: bytes | None = None,
             compress: bool = True) -> str:
    """An HC1 text signed by `priv`; kid defaults to the DSC's (SHA-256(der)[:8])."""
    if kid is None and der is not None:
        kid = hc1.dsc_kid(der)
    data = payload if isinstance(payload, bytes) else cbor2.dumps(payload)
    raw = cose.sign1(data, priv, alg=alg, kid=kid, kid_protected=kid_protected)
    if unprotected_kid is not None:
        tag = cbor2.loads(raw)
        prot, unprot, pl, sig = tag.value
        unprot = dict(unprot)
        unprot[cose.H_KID] = unprotected_kid
        raw = cbor2.dumps(cbor2.CBORTag(18, [prot, unprot, pl, sig]))
    return codec.encode_text("HC1", raw, compress=compress)


def trust_of(*ders: bytes) -> hc1.DccTrust:
    return hc1.trust_from_certificates(ders)


# ---- DER surgery -------------------------------------------------------------------------------

def tlv(tag: int, content: bytes, *, long_form: bool = False) -> bytes:
    n = len(content)
    if n < 0x80 and not long_form:
        head = bytes([n])
    else:
        body = n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")
        head = bytes([0x80 | len(body)]) + body
    return bytes([tag]) + head + content


def split(der: bytes) -> list[tuple[int, bytes]]:
    """The children (tag, whole TLV bytes) of the SEQUENCE `der`."""
    _, _, s, e = hc1.der.tlv(der, 0, len(der))
    return [(t, der[hs:ve]) for t, hs, _vs, ve in hc1.der.children(der, s, e)]


def content(elem: bytes) -> bytes:
    _, _, s, e = hc1.der.tlv(elem, 0, len(elem))
    return elem[s:e]


def rebuild(der: bytes, tbs_children: list[bytes]) -> bytes:
    """The certificate with its TBSCertificate re-assembled from the given children (the
    outer signature no longer matches, which nothing here checks)."""
    outer = split(der)
    tbs = tlv(0x30, b"".join(tbs_children))
    return tlv(0x30, tbs + b"".join(e for _, e in outer[1:]))


def with_negative_serial(der: bytes) -> bytes:
    kids = [e for _, e in split(split(der)[0][1])]
    kids[1] = tlv(0x02, b"\xff\x7b")          # serial -133
    return rebuild(der, kids)


def with_broken_extension(der: bytes) -> bytes:
    """Adds a basicConstraints extension whose value is not DER (garbage in its OCTET STRING)."""
    kids = [e for _, e in split(split(der)[0][1])]
    assert kids[-1][0] == 0xA3
    exts = split(content(kids[-1]))
    bad = tlv(0x30, tlv(0x06, bytes.fromhex("551d13")) + tlv(0x04, b"\x30\x05\x01\x01"))
    kids[-1] = tlv(0xA3, tlv(0x30, b"".join(e for _, e in exts) + bad))
    return rebuild(der, kids)


def with_long_form_subject(der: bytes) -> bytes:
    """The subject Name's length in BER long form where DER demands the short form."""
    kids = [e for _, e in split(split(der)[0][1])]
    i = 5 if kids[0][0] == 0xA0 else 4
    kids[i] = tlv(0x30, content(kids[i]), long_form=True)
    return rebuild(der, kids)
