"""HC1 trust data from bytes: `DccTrust` (kid -> DscEntry) from X.509 certificates (PEM,
DER, or base64 DER text), from a trust file's content, or from the platform's signed DCC trust
list (`parse_dcc_trust_list`, spec section 6). Pure: the files named on the command line are
read at the edge (terminal.trust_files), the synced list is fetched by terminal.sync.

Trust file format (`--dcc-trust FILE`, EU gateway style), UTF-8 JSON:

    [{"kid": "<base64 8 bytes>", "country": "DE", "certificate": "<base64 DER X.509>"}, ...]

`kid` is optional (computed from the certificate when absent; when present it is used as
given, as the gateway's kid is what codes carry); `country` is optional; `rawData` is
accepted for `certificate` (the gateway's field name), and the list may be wrapped as
{"certificates": [...]}. An unusable entry is skipped and named in `DccTrust.skipped`, it
does not stop the others.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from vocab.spec import DCC_COUNTRY

from ..trust import Issued, TrustDataError, map_entries, trust_header
from .der import DscEntry, DscError, parse_dsc


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


# ---- the platform's DCC trust list (spec section 6, GET /v1/dcc-trust) -----------------------------

@dataclass(frozen=True)
class DccTrustList(Issued):
    """The verified payload of a DCC trust list: `{v, seq, iat, next, dscs: [{kid, country, cert}]}`,
    signed by the trust-list key (terminal.trust.verify_signed checks that; this only parses).
    seq, iat, next and stale() as every piece of signed trust data (terminal.trust.Issued)."""

    trust: DccTrust


def parse_dcc_trust_list(p: Mapping) -> DccTrustList:
    """A DccTrustList from a verified payload. Raises terminal.trust.TrustDataError for a list
    that is not of the spec's form (the terminal then keeps the one it holds); a certificate no
    reader can use is left out and named in `trust.skipped` (it does not stop the others)."""
    seq, iat, nxt = trust_header(p, "DCC trust list")
    entries, skipped = [], []
    for n, what, e in map_entries(p.get("dscs"), "DCC trust list: 'dscs'", "DCC trust list entry"):
        kid, country, cert = e.get("kid"), e.get("country"), e.get("cert")
        if not isinstance(kid, bytes) or not 1 <= len(kid) <= 64:
            raise TrustDataError(f"{what}: kid is not a byte string of 1-64 bytes")
        if not isinstance(country, str) or not DCC_COUNTRY.fullmatch(country):
            raise TrustDataError(f"{what}: country is not an ISO 3166-1 alpha-2 code")
        if not isinstance(cert, bytes) or not cert:
            raise TrustDataError(f"{what}: cert is not a DER certificate")
        try:
            entries.append(parse_dsc(cert, country=country, kid=kid))
        except DscError as exc:
            skipped.append(f"entry {n} ({country}, kid {kid.hex()}): {exc}")
    return DccTrustList(seq=seq, iat=iat, next=nxt, trust=DccTrust(entries, skipped))
