"""The platform's EU DCC trust list (spec v2 section 6, `GET /v1/dcc-trust`): the document signer
certificates (DSCs) the operator accepts, each with its country, published as a COSE_Sign1
signed by the trust-list key:

    {v: 1, seq, iat, next, dscs: [{kid (bstr), country (tstr, ISO 3166-1 alpha-2), cert (bstr, DER)}]}

    add_dsc(plat, pem_or_der, "DE")      # -> [{"kid", "country", ...}]; publishes a new seq
    remove_dsc(plat, kid_hex)            # publishes a new seq
    current(plat, now)                   # the newest signed document (published on first use)

Self-contained: two tables of its own (`dcc_dscs`, `dcc_documents`, created on first use) and
the Platform's transaction, validity and root-key signing; nothing else of platform.py changes.
`seq` only grows, so a terminal can refuse a rollback; a document past half its validity is
re-issued by `current(..., refresh=True)` as the server's auto-refresh does for the trust list.
"""
from __future__ import annotations

import base64
import binascii
import re
import sqlite3
import time
from typing import Any

from vocab.spec import DCC_COUNTRY, dcc_kid

from .platform import Document, Platform, PlatformError

_TABLES = (
    """CREATE TABLE IF NOT EXISTS dcc_dscs (
        kid BLOB PRIMARY KEY, country TEXT NOT NULL, cert BLOB NOT NULL, subject TEXT NOT NULL,
        not_after INTEGER, added INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS dcc_documents (
        seq INTEGER PRIMARY KEY, iat INTEGER NOT NULL, next INTEGER NOT NULL, cose BLOB NOT NULL)""",
)
_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)
MAX_CERT = 16 << 10          # a DSC is 1-2 KB; the whole list must stay under the terminal's 1 MiB


def _now(now: int | None) -> int:
    return int(time.time()) if now is None else int(now)


def _ensure(c: sqlite3.Connection) -> None:
    for stmt in _TABLES:
        c.execute(stmt)


def certificates(data: bytes) -> list[bytes]:
    """DER certificates from PEM (one or more blocks), DER, or base64 DER text; PlatformError else."""
    if b"-----BEGIN" in data:
        blocks = _PEM.findall(data)
        if not blocks:
            raise PlatformError("PEM file without a CERTIFICATE block")
        try:
            ders = [base64.b64decode(b"".join(b.split()), validate=True) for b in blocks]
        except binascii.Error:
            raise PlatformError("PEM block is not valid base64") from None
    elif data[:1] == b"\x30":
        ders = [data]
    else:
        try:
            ders = [base64.b64decode(b"".join(data.split()), validate=True)]
        except binascii.Error:
            raise PlatformError("neither PEM, DER nor base64 DER") from None
    for der in ders:
        if der[:1] != b"\x30" or len(der) > MAX_CERT:
            raise PlatformError("not a DER X.509 certificate (or over 16 KiB)")
    return ders


def _describe(der: bytes) -> tuple[str, int | None]:
    """(subject, notAfter) for the operator's listing; PlatformError for a certificate with no
    usable public key. Real DSCs that strict parsers refuse (negative serials) still load here."""
    import warnings

    from cryptography import x509
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cert = x509.load_der_x509_certificate(der)
            cert.public_key()
            return cert.subject.rfc4514_string()[:200], int(cert.not_valid_after_utc.timestamp())
    except Exception as exc:  # noqa: BLE001 - ValueError, UnsupportedAlgorithm...: one line for the operator
        raise PlatformError(f"certificate not usable as a DSC: {type(exc).__name__}: {str(exc)[:120]}") from None


def add_dsc(plat: Platform, data: bytes, country: str, *, now: int | None = None) -> list[dict]:
    """Add the certificate(s) in `data` (PEM/DER/base64) for `country` and publish a new list.
    Adding a DSC that is already there with the same country changes nothing and publishes nothing."""
    if not isinstance(country, str) or not DCC_COUNTRY.fullmatch(country):
        raise PlatformError(f"--country must be an ISO 3166-1 alpha-2 code in capitals (e.g. DE), not {country!r:.20}")
    ders = certificates(data)
    described = [(der, *_describe(der)) for der in ders]
    now = _now(now)
    rows, changed = [], False
    with plat._tx() as c:
        _ensure(c)
        for der, subject, not_after in described:
            kid = dcc_kid(der)
            held = c.execute("SELECT country FROM dcc_dscs WHERE kid = ?", (kid,)).fetchone()
            if held is None or held[0] != country:
                c.execute("INSERT OR REPLACE INTO dcc_dscs VALUES (?, ?, ?, ?, ?, ?)",
                          (kid, country, der, subject, not_after, now))
                changed = True
            rows.append({"kid": base64.b64encode(kid).decode(), "kid_hex": kid.hex(), "country": country,
                         "subject": subject, "not_after": not_after})
        if changed:
            _publish(plat, c, now)
    return rows


def remove_dsc(plat: Platform, kid: str, *, now: int | None = None) -> None:
    """Withdraw a DSC (kid as hex or base64) and publish a new list."""
    raw = _kid_bytes(kid)
    with plat._tx() as c:
        _ensure(c)
        if c.execute("DELETE FROM dcc_dscs WHERE kid = ?", (raw,)).rowcount != 1:
            raise PlatformError(f"no DSC with kid {kid}")
        _publish(plat, c, _now(now))


def dscs(plat: Platform) -> list[dict]:
    with plat._tx() as c:
        _ensure(c)
        rows = c.execute("SELECT kid, country, subject, not_after, added FROM dcc_dscs ORDER BY country, added, kid")
        return [{"kid": base64.b64encode(r[0]).decode(), "kid_hex": r[0].hex(), "country": r[1], "subject": r[2],
                 "not_after": r[3], "added": r[4]} for r in rows]


def current(plat: Platform, now: int | None = None, *, refresh: bool = False) -> Document:
    """The newest DCC trust list; the first one is published on first use (empty until the
    operator adds DSCs). `refresh`: re-issue it when past half its validity."""
    now = _now(now)
    with plat._tx() as c:
        _ensure(c)
        row = c.execute("SELECT seq, iat, next, cose FROM dcc_documents ORDER BY seq DESC LIMIT 1").fetchone()
        if row is None or (refresh and now > row[1] + (row[2] - row[1]) // 2):
            return _publish(plat, c, now)
        return Document("dcc", *row)


def refresh(plat: Platform, now: int | None = None) -> Document:
    """Re-issue the DCC trust list with a new seq, iat and next."""
    with plat._tx() as c:
        _ensure(c)
        return _publish(plat, c, _now(now))


def _publish(plat: Platform, c: sqlite3.Connection, now: int) -> Document:
    seq = (c.execute("SELECT MAX(seq) FROM dcc_documents").fetchone()[0] or 0) + 1
    validity = plat._validity(c)
    entries = [{"kid": r[0], "country": r[1], "cert": r[2]}
               for r in c.execute("SELECT kid, country, cert FROM dcc_dscs ORDER BY country, added, kid")]
    payload: dict[str, Any] = {"v": 1, "seq": seq, "iat": now, "next": now + validity, "dscs": entries}
    doc = Document("dcc", seq, now, now + validity, plat.sign_trust_data(payload))
    c.execute("INSERT INTO dcc_documents VALUES (?, ?, ?, ?)", (doc.seq, doc.iat, doc.next, doc.cose))
    return doc


def _kid_bytes(kid: str) -> bytes:
    text = (kid or "").strip()
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        try:
            raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise PlatformError("the kid is neither hex nor base64") from None
    if not 1 <= len(raw) <= 64:
        raise PlatformError("the kid must be 1-64 bytes")
    return raw
