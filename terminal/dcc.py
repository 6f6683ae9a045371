"""EU Digital COVID Certificate (`HC1:`) verification: document-signer trust and the HC1 stages.

    >>> trust = trust_from_certificates([dsc_der])              # or parse_trust_json(...), load_dcc_trust(...)
    >>> summary = verify_hc1(outer, trust, now=1622570400, skew=300)   # raises terminal.verify.Fail(reason)

terminal.verify runs stages 1-2 (prefix, base45, bounded inflate, COSE parse) for every
profile and hands the parsed COSE_Sign1 here. The HC1 stages, each raising `Fail` with the
spec's reason code, in this order:

1. `alg` in the protected header is ES256 (-7) or PS256 (-37), or EdDSA (-8) which spec
   section 1 allows for every profile ..................................... unsupported_algorithm
2. DSC looked up by `kid` (protected header first; an unprotected kid is used only when the
   protected header has none) ................................................. unknown_issuer
3. the COSE signature under the DSC's key ...................................... bad_signature
4. payload: CWT claims 1 (issuer country, optional), 4 (exp), 6 (iat) and -260 `{1: hcert}`;
   the hcert holds exactly one of `v`/`t`/`r` (null members count as absent, as in the
   BG test data), a one-entry array, and `nam` .................................. bad_encoding
   (after the signature, so a code gets the same reason whether or not DCC trust is
   configured: terminal.verify answers unknown_issuer after the alg check when it is not)
5. the DSC's extended key usage covers the certificate type (no DCC OID = all types)
   ............................................................................ wrong_key_usage
6. the DSC's validity window: it must not have expired before the code was issued
   (iat <= notAfter) and must be in force now (notBefore <= now + skew) ...... issuer_key_expired
7. iat not in the future beyond the skew ....................................... not_yet_valid
   exp: now - skew <= exp (a clock exactly at expiry is still valid) ................. expired

Why the DSC window is checked this way: EU verifiers (hcert spec; hcert-kotlin) want the DSC
valid at signing time, i.e. notBefore <= iat <= notAfter. `iat` is declared by the issuer,
and some issuers set it to the event date rather than the signing date (the BG 4 recovery
case in the dgc test data is issued three months before its DSC's notBefore), so the lower
bound is taken at `now`: a signature cannot predate its certificate, so a DSC already in
force lets the code have been signed inside its window. A DSC not yet valid now (dgc
common/CO16) or one that expired before the code's iat (CO17) fails. A DSC that has expired
since the code was issued still verifies its codes: in the EU scheme a DSC signs only during
its private-key usage period but stays valid (and published) while what it signed is in use.

Trust: `DccTrust` maps kid (8 bytes) -> `DscEntry`. Certificates come from X.509 (PEM, DER,
or base64 DER text) or from a trust file. kid = SHA-256(DER certificate)[:8]. Real DSCs
include certificates that strict parsers refuse (negative serial numbers, bad string or
extension encodings); `parse_dsc` falls back to a small tolerant DER reader that takes only
what verification needs (SubjectPublicKeyInfo, validity, the EKU extension, subject country)
so such a certificate still verifies its codes (`DscEntry.lenient` tells). What the reader
cannot decode: an EKU extension allows no type (fail closed: wrong_key_usage); a validity
time is left open (the window check is skipped for that bound). The DSC's own signature is never checked
here: trust comes from whoever configured the certificate (the national backend / the EU
gateway checks the CSCA chain), not from the chain.

Trust file format (`--dcc-trust FILE`, EU gateway style), UTF-8 JSON:

    [{"kid": "<base64 8 bytes>", "country": "DE", "certificate": "<base64 DER X.509>"}, ...]

`kid` is optional (computed from the certificate when absent; when present it is used as
given, as the gateway's kid is what codes carry); `country` is optional; `rawData` is
accepted for `certificate` (the gateway's field name), and the list may be wrapped as
{"certificates": [...]}. An unusable entry is skipped and named in `DccTrust.skipped`, it
does not stop the others.

Everything here is pure (bytes, key objects and `now` in) except `load_dcc_trust`, which
reads the files named on the command line.
"""
from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import json
import math
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

import cbor2

from vocab import reasons as R
from vocab.spec import CLAIM_EXP, CLAIM_HCERT, CLAIM_IAT, CLAIM_ISS

from . import cose
from .verdict import CredentialSummary
from .verify import HC1_ALGS, Fail, _payload_map, stage_algorithm

# HC1_ALGS (terminal.verify, one list for the pipeline): ES256, PS256, and EdDSA, which spec
# section 1 allows for every profile; the EU scheme itself signs with ES256 or PS256 only.

KINDS = {"v": "vaccination", "t": "test", "r": "recovery"}
# DSC extended-key-usage OIDs (hcert spec): both the registered arc and the ".0." variant in use.
EKU_OIDS = {
    "1.3.6.1.4.1.1847.2021.1.1": "test", "1.3.6.1.4.1.0.1847.2021.1.1": "test",
    "1.3.6.1.4.1.1847.2021.1.2": "vaccination", "1.3.6.1.4.1.0.1847.2021.1.2": "vaccination",
    "1.3.6.1.4.1.1847.2021.1.3": "recovery", "1.3.6.1.4.1.0.1847.2021.1.3": "recovery",
}
EKU_UNREADABLE = "unreadable"      # an EKU extension the reader cannot decode: fail closed, no type allowed


class DscError(ValueError):
    """A certificate that cannot serve as a DSC (not X.509, or no usable public key)."""


# ---- trust ----------------------------------------------------------------------------------

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


class DccTrust(Mapping):
    """kid (bytes) -> DscEntry, plus `skipped`: one line per certificate that was left out."""

    __slots__ = ("_by_kid", "skipped")

    def __init__(self, entries: Iterable[DscEntry] = (), skipped: Iterable[str] = ()):
        self._by_kid: dict[bytes, DscEntry] = {}
        for e in entries:
            self._by_kid.setdefault(e.kid, e)       # first one wins, as files are given in order
        self.skipped: tuple[str, ...] = tuple(skipped)

    def __getitem__(self, kid: bytes) -> DscEntry:
        return self._by_kid[kid]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._by_kid)

    def __len__(self) -> int:
        return len(self._by_kid)

    def __repr__(self) -> str:
        return f"DccTrust({len(self)} DSCs, {len(self.skipped)} skipped)"

    def merged(self, other: "DccTrust") -> "DccTrust":
        return DccTrust([*self.values(), *other.values()], [*self.skipped, *other.skipped])


def dsc_kid(der: bytes) -> bytes:
    """The DCC kid of a certificate: the first 8 bytes of SHA-256 over its DER encoding."""
    return hashlib.sha256(der).digest()[:8]


def parse_dsc(der: bytes, *, country: str = "", kid: bytes | None = None) -> DscEntry:
    """A DscEntry from DER X.509; falls back to the tolerant reader when `cryptography` refuses it.

    Raises DscError when neither can find a usable public key.
    """
    if not isinstance(der, (bytes, bytearray)) or not der:
        raise DscError("empty certificate")
    der = bytes(der)
    kid = dsc_kid(der) if kid is None else kid
    try:
        return _parse_strict(der, country, kid)
    except Exception as strict_exc:  # noqa: BLE001 - any refusal by the strict parser means: try the tolerant one
        try:
            return _parse_tolerant(der, country, kid)
        except DscError as exc:
            raise DscError(f"{exc} (strict parser: {type(strict_exc).__name__}: {strict_exc})") from None


def _parse_strict(der: bytes, country: str, kid: bytes) -> DscEntry:
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


def _tlv(buf: bytes, pos: int, end: int) -> tuple[int, int, int, int]:
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


def _children(buf: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    out = []
    pos = start
    while pos < end:
        t = _tlv(buf, pos, end)
        out.append(t)
        pos = t[3]
        if len(out) > 4096:
            raise DscError("DER: too many elements")
    return out


def _oid_str(raw: bytes) -> str:
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


def _der_time(tag: int, raw: bytes) -> int | None:
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


def _parse_tolerant(der: bytes, country: str, kid: bytes) -> DscEntry:
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    tag, _, cs, ce = _tlv(der, 0, len(der))
    if tag != 0x30:
        raise DscError("not an X.509 certificate (no outer SEQUENCE)")
    parts = _children(der, cs, ce)
    if len(parts) < 1 or parts[0][0] != 0x30:
        raise DscError("not an X.509 certificate (no TBSCertificate)")
    tbs = _children(der, parts[0][2], parts[0][3])
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
        times = _children(der, validity[2], validity[3])
        if len(times) == 2:
            nb = _der_time(times[0][0], der[times[0][2]:times[0][3]])
            na = _der_time(times[1][0], der[times[1][2]:times[1][3]])
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
    seqs = _children(der, ext_wrapper[2], ext_wrapper[3])
    if len(seqs) != 1:
        raise DscError("extensions")
    for ext in _children(der, seqs[0][2], seqs[0][3]):
        fields = _children(der, ext[2], ext[3])
        if not fields or fields[0][0] != 0x06 or der[fields[0][2]:fields[0][3]] != _OID_EKU:
            continue
        value = fields[-1]
        if value[0] != 0x04:
            raise DscError("EKU value is not an OCTET STRING")
        _, _, s, e = _tlv(der, value[2], value[3])
        oids = _children(der, s, e)
        found = {_oid_str(der[o[2]:o[3]]) for o in oids if o[0] == 0x06}
        return {EKU_OIDS[o] for o in found if o in EKU_OIDS}
    return set()


def _tolerant_country(der: bytes, subject: tuple[int, int, int, int]) -> str:
    try:
        for rdn in _children(der, subject[2], subject[3]):
            for atv in _children(der, rdn[2], rdn[3]):
                f = _children(der, atv[2], atv[3])
                if len(f) == 2 and f[0][0] == 0x06 and der[f[0][2]:f[0][3]] == _OID_COUNTRY:
                    return der[f[1][2]:f[1][3]].decode("ascii", "replace")
    except DscError:
        pass
    return ""


# ---- reading certificates and trust files (pure: bytes in) ---------------------------------------

_PEM = re.compile(rb"-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----(.*?)-----END (?:X509 |TRUSTED )?CERTIFICATE-----",
                  re.S)


def certificates_from_bytes(data: bytes) -> list[bytes]:
    """DER certificates in a file's content: PEM blocks, a single DER, or base64 DER text.

    PEM is decoded here rather than by `cryptography`, so a certificate it would refuse
    still reaches the tolerant reader.
    """
    if b"-----BEGIN" in data:
        blocks = _PEM.findall(data)
        if not blocks:
            raise DscError("PEM file without a CERTIFICATE block")
        try:
            return [base64.b64decode(b"".join(b.split()), validate=True) for b in blocks]
        except binascii.Error:
            raise DscError("PEM block is not valid base64") from None
    if data[:1] == b"\x30":
        return [data]
    try:
        der = base64.b64decode(b"".join(data.split()), validate=True)
    except binascii.Error:
        raise DscError("neither PEM, DER nor base64 DER") from None
    if der[:1] != b"\x30":
        raise DscError("neither PEM, DER nor base64 DER")
    return [der]


def trust_from_certificates(ders: Iterable[bytes], country: str = "") -> DccTrust:
    """A DccTrust from DER certificates; raises DscError on the first unusable one."""
    return DccTrust(parse_dsc(d, country=country) for d in ders)


def parse_trust_json(data: bytes | str) -> DccTrust:
    """A DccTrust from the trust file format above. Raises DscError when the file as a whole
    is not that format; unusable entries are skipped and listed in `skipped`."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DscError(f"not JSON ({exc})") from None
    if isinstance(doc, Mapping) and isinstance(doc.get("certificates"), list):
        doc = doc["certificates"]
    if not isinstance(doc, list):
        raise DscError("expected a JSON list of {kid, country, certificate}")
    entries, skipped = [], []
    for n, item in enumerate(doc):
        try:
            if not isinstance(item, Mapping):
                raise DscError("not an object")
            raw = item.get("certificate", item.get("rawData"))
            if not isinstance(raw, str):
                raise DscError("no certificate")
            der = _b64(raw, "certificate")
            kid = _b64(item["kid"], "kid") if item.get("kid") is not None else None
            country = item.get("country") or ""
            if not isinstance(country, str):
                raise DscError("country is not a string")
            entries.append(parse_dsc(der, country=country, kid=kid))
        except DscError as exc:
            skipped.append(f"entry {n}: {exc}")
    return DccTrust(entries, skipped)


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise DscError(f"{what} is not a base64 string")
    s = "".join(value.split())
    try:
        if "-" in s or "_" in s:
            return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
        return base64.b64decode(s + "=" * (-len(s) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise DscError(f"{what} is not valid base64") from None


def load_dcc_trust(cert_paths: Sequence[str] = (), trust_file_paths: Sequence[str] = ()) -> DccTrust:
    """Read `--dcc-cert` files (PEM/DER/base64, each may hold several certificates) and
    `--dcc-trust` files. Raises terminal.config.ConfigError (one line naming the file) for a
    file that cannot be read or used as a whole; a trust file's unusable entries are skipped."""
    from pathlib import Path

    from .config import ConfigError

    def read(path: str, what: str) -> bytes:
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read {what} {path}: {exc.strerror or exc}") from None

    trust = DccTrust()
    for p in cert_paths:
        try:
            trust = trust.merged(trust_from_certificates(certificates_from_bytes(read(p, "DCC certificate"))))
        except DscError as exc:
            raise ConfigError(f"DCC certificate {p}: {exc}") from None
    for p in trust_file_paths:
        try:
            part = parse_trust_json(read(p, "DCC trust file"))
        except DscError as exc:
            raise ConfigError(f"DCC trust file {p}: {exc}") from None
        if not len(part) and part.skipped:
            raise ConfigError(f"DCC trust file {p}: no usable certificate ({part.skipped[0]})")
        trust = trust.merged(part)
    return trust


# ---- the HC1 payload ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Hc1Claims:
    country: str                      # claim 1, "" when absent
    iat: int
    exp: int
    hcert: Mapping                    # the DCC payload (ver, nam, dob, v|t|r)
    kind: str                         # vaccination | test | recovery
    member: str                       # v | t | r
    entry: Mapping                    # the one v/t/r entry


def _time_claim(v: Any, name: str) -> int:
    # CWT NumericDate: an integer; also a float, or a tag-1 epoch date (cbor2 gives a datetime),
    # which some issuers emit.
    if type(v) is int and v >= 0:
        return v
    if type(v) is float and math.isfinite(v) and v >= 0:
        return math.floor(v)
    if isinstance(v, datetime) and v.tzinfo is not None and v.timestamp() >= 0:
        return math.floor(v.timestamp())
    raise Fail(R.BAD_ENCODING, f"CWT {name} missing or not a NumericDate")


def _is_map(v: Any) -> bool:
    return type(v) is dict or isinstance(v, Mapping)      # the exact-type test first: cheap, and what cbor2 gives


def _is_list(v: Any) -> bool:
    return type(v) is list or (isinstance(v, Sequence) and not isinstance(v, (str, bytes, bytearray)))


def stage_payload(msg: cose.Sign1) -> Hc1Claims:
    p = _payload_map(msg, "HC1 payload")
    iss = p.get(CLAIM_ISS)
    if iss is not None and not isinstance(iss, str):
        raise Fail(R.BAD_ENCODING, "CWT iss is not text")
    exp = _time_claim(p.get(CLAIM_EXP), "exp")
    iat = _time_claim(p.get(CLAIM_IAT), "iat")
    wrapper = p.get(CLAIM_HCERT)
    if not _is_map(wrapper) or not _is_map(wrapper.get(1)):
        raise Fail(R.BAD_ENCODING, "claim -260 is not {1: hcert}")
    hcert = wrapper[1]
    members = [k for k in KINDS if hcert.get(k) is not None]
    if len(members) != 1:
        raise Fail(R.BAD_ENCODING, f"hcert holds {len(members)} of v/t/r, not exactly one")
    member = members[0]
    entries = hcert[member]
    if not _is_list(entries) or len(entries) != 1 or not _is_map(entries[0]):
        raise Fail(R.BAD_ENCODING, f"hcert.{member} is not an array of one entry")
    nam = hcert.get("nam")
    if not _is_map(nam) or not any(isinstance(nam.get(k), str) and nam.get(k)
                                               for k in ("fn", "gn", "fnt", "gnt")):
        raise Fail(R.BAD_ENCODING, "hcert.nam missing")
    dob = hcert.get("dob")
    if dob is not None and not isinstance(dob, str):
        raise Fail(R.BAD_ENCODING, "hcert.dob is not text")
    return Hc1Claims(country=iss or "", iat=iat, exp=exp, hcert=hcert, kind=KINDS[member], member=member,
                     entry=entries[0])


# ---- stages ------------------------------------------------------------------------------------

def stage_dsc(msg: cose.Sign1, trust: Mapping | None) -> DscEntry:
    if trust is None:
        raise Fail(R.UNKNOWN_ISSUER, "no DCC trust configured")
    kid = msg.kid
    dsc = trust.get(kid) if kid is not None else None
    if dsc is None:
        raise Fail(R.UNKNOWN_ISSUER, f"no DSC with kid {kid.hex() if kid else None}")
    return dsc


def stage_signature(msg: cose.Sign1, dsc: DscEntry, alg: int) -> None:
    try:
        cose.verify_signature(msg, dsc.key, alg)
    except cose.SignatureInvalid as exc:
        raise Fail(R.BAD_SIGNATURE, str(exc)) from None


def stage_key_usage(claims: Hc1Claims, dsc: DscEntry) -> None:
    if not dsc.allows(claims.kind):
        raise Fail(R.WRONG_KEY_USAGE, f"DSC may sign {'/'.join(sorted(dsc.eku))}, not {claims.kind}")


def stage_dsc_validity(claims: Hc1Claims, dsc: DscEntry, now: int, skew: int) -> None:
    if dsc.not_after is not None and claims.iat > dsc.not_after:
        raise Fail(R.ISSUER_KEY_EXPIRED, "issued after the DSC expired")
    if dsc.not_before is not None and now + skew < dsc.not_before:
        raise Fail(R.ISSUER_KEY_EXPIRED, "DSC not yet valid")


def stage_times(claims: Hc1Claims, now: int, skew: int) -> None:
    if claims.iat > now + skew:
        raise Fail(R.NOT_YET_VALID, f"iat {claims.iat - now:+d} s from now")
    if now - skew > claims.exp:
        raise Fail(R.EXPIRED)


# ---- summary -----------------------------------------------------------------------------------

def json_safe(v: Any, depth: int = 0) -> Any:
    """A JSON-serialisable copy of decoded CBOR (tags, bytes, dates made text)."""
    t = type(v)
    if t is str or t is int or t is bool or v is None:
        return v
    if t is dict:
        return {str(k): json_safe(x, depth + 1) for k, x in v.items()} if depth < 32 else "…"
    if depth > 32:
        return "…"
    if isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).hex()
    if isinstance(v, datetime):
        if v.tzinfo is not None:
            v = v.astimezone(timezone.utc)
            return v.replace(tzinfo=None).isoformat() + "Z"
        return v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Mapping):
        return {str(k): json_safe(x, depth + 1) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_safe(x, depth + 1) for x in v]
    if isinstance(v, cbor2.CBORTag):
        return {"tag": v.tag, "value": json_safe(v.value, depth + 1)}
    return str(v)


def holder_name(nam: Mapping) -> str:
    """"Family, Given" from nam.fn/gn, or the ICAO-standardised fnt/gnt when those are missing."""
    def part(k: str, kt: str) -> str:
        v = nam.get(k)
        if isinstance(v, str) and v.strip():
            return v.strip()
        v = nam.get(kt)
        return v.replace("<", " ").strip() if isinstance(v, str) else ""
    fam, given = part("fn", "fnt"), part("gn", "gnt")
    return ", ".join(x for x in (fam, given) if x)


def summarise(claims: Hc1Claims, dsc: DscEntry) -> CredentialSummary:
    nam = claims.hcert.get("nam", {})
    ci = claims.entry.get("ci")
    dcc = {
        "ver": json_safe(claims.hcert.get("ver")),
        "dob": claims.hcert.get("dob") or "",
        "name": {k: nam[k] for k in ("fn", "gn", "fnt", "gnt") if isinstance(nam.get(k), str)},
        "kind": claims.kind,
        "entry": json_safe(claims.entry),
    }
    return CredentialSummary(typ="dcc", name=holder_name(nam), idm=ci if isinstance(ci, str) else "",
                             issuer=claims.country or dsc.country, kid=dsc.kid.hex(), exp=claims.exp,
                             iat=claims.iat, dcc=dcc)


# ---- the pipeline ------------------------------------------------------------------------------

def verify_hc1(outer: cose.Sign1, trust: Mapping | None, now: int, skew: int, *,
               seen: Callable[[CredentialSummary], None] | None = None) -> CredentialSummary:
    """Verify a parsed HC1 COSE_Sign1; the summary on success, else `Fail(reason)`.

    `seen`, when given, receives the summary as soon as the signature has verified, so a
    verdict that fails a later check (expired, wrong key usage) can still show who it names.
    """
    alg = stage_algorithm(outer, HC1_ALGS)
    dsc = stage_dsc(outer, trust)
    stage_signature(outer, dsc, alg)
    claims = stage_payload(outer)
    summary = summarise(claims, dsc)
    if seen is not None:
        seen(summary)
    stage_key_usage(claims, dsc)
    stage_dsc_validity(claims, dsc, now, skew)
    stage_times(claims, now, skew)
    return summary


def decode_hc1(text: str) -> tuple[cose.Sign1, Hc1Claims]:
    """Stages 1-2 and the HC1 payload, no trust: for `decode` and tests. Raises Fail."""
    from .verify import stage_cose, stage_decode, stage_prefix

    prefix, body = stage_prefix(text)
    if prefix != "HC1":
        raise Fail(R.UNKNOWN_FORMAT, f"{prefix} is not HC1")
    msg = stage_cose(stage_decode(body))
    return msg, stage_payload(msg)
