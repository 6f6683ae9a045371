"""Reading document signer certificates (DSCs) for HC1: DER X.509 in, `DscEntry` out. Pure.

kid = SHA-256(DER certificate)[:8] (`dsc_kid`). Real DSCs include certificates that strict
parsers refuse (negative serial numbers, bad string or extension encodings); `parse_dsc`
falls back to a small tolerant DER reader (`parse_tolerant`, built on `tlv`/`children`)
that takes only what verification needs (SubjectPublicKeyInfo, validity, the EKU extension,
subject country) so such a certificate still verifies its codes (`DscEntry.lenient` tells).
What the reader cannot decode: an EKU extension allows no type (fail closed:
wrong_key_usage); a validity time is left open (the window check is skipped for that bound).
The DSC's own signature is never checked here: trust comes from whoever configured the
certificate (the national backend / the EU gateway checks the CSCA chain), not from the chain.
"""
from __future__ import annotations

import calendar
import re
import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vocab.spec import dcc_kid

# DSC extended-key-usage OIDs (hcert spec): both the registered arc and the ".0." variant in use.
EKU_OIDS = {
    "1.3.6.1.4.1.1847.2021.1.1": "test", "1.3.6.1.4.1.0.1847.2021.1.1": "test",
    "1.3.6.1.4.1.1847.2021.1.2": "vaccination", "1.3.6.1.4.1.0.1847.2021.1.2": "vaccination",
    "1.3.6.1.4.1.1847.2021.1.3": "recovery", "1.3.6.1.4.1.0.1847.2021.1.3": "recovery",
}
EKU_UNREADABLE = "unreadable"      # an EKU extension the reader cannot decode: fail closed, no type allowed


class DscError(ValueError):
    """A certificate that cannot serve as a DSC (not X.509, or no usable public key)."""


@dataclass(frozen=True, slots=True)
class DscEntry:
    """One document signer certificate, reduced to what verification needs."""

    kid: bytes
    country: str
    key: Any                              # a cryptography public key object
    not_before: int | None                # Unix seconds; None when the tolerant reader could not read it
    not_after: int | None
    eku: frozenset[str] = frozenset()     # subset of test/vaccination/recovery; empty = every type
    lenient: bool = False                 # read by the tolerant DER reader (the strict parser refused it)

    def allows(self, kind: str) -> bool:
        return not self.eku or kind in self.eku


def dsc_kid(der: bytes) -> bytes:
    """The DCC kid of a certificate: the first 8 bytes of SHA-256 over its DER encoding."""
    return dcc_kid(der)


def parse_dsc(der: bytes, *, country: str = "", kid: bytes | None = None) -> DscEntry:
    """A DscEntry from DER X.509; falls back to the tolerant reader when `cryptography` refuses it.

    Raises DscError when neither can find a usable public key.
    """
    if not isinstance(der, (bytes, bytearray)) or not der:
        raise DscError("empty certificate")
    der = bytes(der)
    kid = dsc_kid(der) if kid is None else kid
    try:
        return parse_strict(der, country, kid)
    except Exception as strict_exc:  # noqa: BLE001 - any refusal by the strict parser means: try the tolerant one
        try:
            return parse_tolerant(der, country, kid)
        except DscError as exc:
            raise DscError(f"{exc} (strict parser: {type(strict_exc).__name__}: {strict_exc})") from None


def parse_strict(der: bytes, country: str, kid: bytes) -> DscEntry:
    from cryptography import x509
    from cryptography.utils import CryptographyDeprecationWarning
    from cryptography.x509.oid import ExtensionOID, NameOID

    with warnings.catch_warnings():
        # e.g. a negative serial number: a warning today, an error in later releases. Either
        # way the tolerant reader takes over, so behaviour does not change with the version.
        warnings.simplefilter("error", CryptographyDeprecationWarning)
        cert = x509.load_der_x509_certificate(der)
        key = cert.public_key()
        nb = int(cert.not_valid_before_utc.timestamp())
        na = int(cert.not_valid_after_utc.timestamp())
        eku: set[str] = set()
        try:
            ext = cert.extensions.get_extension_for_oid(ExtensionOID.EXTENDED_KEY_USAGE)
        except x509.ExtensionNotFound:
            pass
        else:
            eku = {EKU_OIDS[o.dotted_string] for o in ext.value if o.dotted_string in EKU_OIDS}
        if not country:
            attrs = cert.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)
            country = str(attrs[0].value) if attrs else ""
    return DscEntry(kid=kid, country=country, key=key, not_before=nb, not_after=na, eku=frozenset(eku))


# ---- tolerant DER reader -----------------------------------------------------------------------
# Reads only the TLV structure it walks: no string validation, no serial interpretation, BER
# long-form lengths accepted. Every bound is checked; any structural fault raises DscError.

_OID_EKU = bytes.fromhex("551d25")          # 2.5.29.37
_OID_COUNTRY = bytes.fromhex("550406")      # 2.5.4.6


def tlv(buf: bytes, pos: int, end: int) -> tuple[int, int, int, int]:
    """(tag, header start, value start, value end) of the element at `pos`."""
    if pos + 2 > end:
        raise DscError("DER: truncated element")
    start = pos
    tag = buf[pos]
    pos += 1
    if tag & 0x1F == 0x1F:                  # high tag number form: skip its continuation bytes
        while pos < end and buf[pos] & 0x80:
            pos += 1
        pos += 1
    if pos >= end:
        raise DscError("DER: truncated element")
    first = buf[pos]
    pos += 1
    if first < 0x80:
        length = first
    elif first == 0x80 or first > 0x84:
        raise DscError("DER: indefinite or oversized length")
    else:
        n = first & 0x7F
        if pos + n > end:
            raise DscError("DER: truncated length")
        length = int.from_bytes(buf[pos:pos + n], "big")
        pos += n
    if pos + length > end:
        raise DscError("DER: element runs past its container")
    return tag, start, pos, pos + length


def children(buf: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    out = []
    pos = start
    while pos < end:
        t = tlv(buf, pos, end)
        out.append(t)
        pos = t[3]
        if len(out) > 4096:
            raise DscError("DER: too many elements")
    return out


def oid_str(raw: bytes) -> str:
    if not raw:
        raise DscError("DER: empty OID")
    parts: list[int] = []
    v = 0
    for b in raw:
        v = (v << 7) | (b & 0x7F)
        if not b & 0x80:
            parts.append(v)
            v = 0
    first = parts[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(p) for p in head + parts[1:])


_TIME_TAIL = r"(\d\d)(\d\d)(\d\d)(\d\d)?(\d\d)?(?:[.,]\d+)?(Z|[+-]\d{4})?$"
_TIMES = {0x17: re.compile(r"(\d\d)" + _TIME_TAIL), 0x18: re.compile(r"(\d{4})" + _TIME_TAIL)}


def der_time(tag: int, raw: bytes) -> int | None:
    """UTCTime (0x17) / GeneralizedTime (0x18) to Unix seconds; None if unreadable."""
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    pattern = _TIMES.get(tag)
    m = pattern.match(text) if pattern else None
    if not m:
        return None
    year = int(m.group(1))
    if tag == 0x17:
        year += 1900 if year >= 50 else 2000
    try:
        secs = calendar.timegm((year, int(m.group(2)), int(m.group(3)), int(m.group(4)),
                                int(m.group(5) or 0), int(m.group(6) or 0), 0, 0, 0))
        datetime(year, int(m.group(2)), int(m.group(3)))       # rejects month 13, day 32
    except ValueError:
        return None
    zone = m.group(7)
    if zone and zone != "Z":
        offset = int(zone[1:3]) * 3600 + int(zone[3:5]) * 60
        secs -= offset if zone[0] == "+" else -offset
    return secs


def parse_tolerant(der: bytes, country: str, kid: bytes) -> DscEntry:
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    tag, _, cs, ce = tlv(der, 0, len(der))
    if tag != 0x30:
        raise DscError("not an X.509 certificate (no outer SEQUENCE)")
    parts = children(der, cs, ce)
    if len(parts) < 1 or parts[0][0] != 0x30:
        raise DscError("not an X.509 certificate (no TBSCertificate)")
    tbs = children(der, parts[0][2], parts[0][3])
    i = 1 if tbs and tbs[0][0] == 0xA0 else 0        # optional [0] version
    if len(tbs) < i + 6:
        raise DscError("TBSCertificate too short")
    _serial, _sigalg, _issuer, validity, subject, spki = tbs[i:i + 6]
    if spki[0] != 0x30:
        raise DscError("no SubjectPublicKeyInfo")
    try:
        key = load_der_public_key(der[spki[1]:spki[3]])
    except Exception as exc:  # noqa: BLE001 - unsupported or broken key: this certificate is unusable
        raise DscError(f"unusable public key ({type(exc).__name__})") from None
    nb = na = None
    if validity[0] == 0x30:
        times = children(der, validity[2], validity[3])
        if len(times) == 2:
            nb = der_time(times[0][0], der[times[0][2]:times[0][3]])
            na = der_time(times[1][0], der[times[1][2]:times[1][3]])
    eku: set[str] = set()
    for t in tbs[i + 6:]:
        if t[0] != 0xA3:
            continue
        try:
            eku = _tolerant_eku(der, t)
        except DscError:
            eku = {EKU_UNREADABLE}
    if not country:
        country = _tolerant_country(der, subject)
    return DscEntry(kid=kid, country=country, key=key, not_before=nb, not_after=na,
                    eku=frozenset(eku), lenient=True)


def _tolerant_eku(der: bytes, ext_wrapper: tuple[int, int, int, int]) -> set[str]:
    seqs = children(der, ext_wrapper[2], ext_wrapper[3])
    if len(seqs) != 1:
        raise DscError("extensions")
    for ext in children(der, seqs[0][2], seqs[0][3]):
        fields = children(der, ext[2], ext[3])
        if not fields or fields[0][0] != 0x06 or der[fields[0][2]:fields[0][3]] != _OID_EKU:
            continue
        value = fields[-1]
        if value[0] != 0x04:
            raise DscError("EKU value is not an OCTET STRING")
        _, _, s, e = tlv(der, value[2], value[3])
        oids = children(der, s, e)
        found = {oid_str(der[o[2]:o[3]]) for o in oids if o[0] == 0x06}
        return {EKU_OIDS[o] for o in found if o in EKU_OIDS}
    return set()


def _tolerant_country(der: bytes, subject: tuple[int, int, int, int]) -> str:
    try:
        for rdn in children(der, subject[2], subject[3]):
            for atv in children(der, rdn[2], rdn[3]):
                f = children(der, atv[2], atv[3])
                if len(f) == 2 and f[0][0] == 0x06 and der[f[0][2]:f[0][3]] == _OID_COUNTRY:
                    return der[f[1][2]:f[1][3]].decode("ascii", "replace")
    except DscError:
        pass
    return ""
