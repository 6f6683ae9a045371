"""Enrolment: the rules for storing this terminal's identity (spec v2 section 6). The CLI only
parses arguments, reads files and prints (terminal/commands/enroll.py).

    req = EnrolmentRequest(platform_url=url, root_key_pem=pem, code="one-time code")
    ident = enrol(store, req, now=time.time(), exchange=transport.exchange_code)

With a one-time code (`venue-issuer terminal add --venue V` prints it) the terminal makes its
id, exchanges code and id for a token bound to that id (`POST /v1/enrol`), and learns its venue.
A version 1 platform token (`token=`) is still accepted, with the venue given.
Re-enrolment (`force`, e.g. after "unauthorised: re-enrol") keeps the terminal id and, at the
same venue, the venue secret, so holder_ref values stay comparable. Changing the id is refused
while events are waiting for upload (the platform takes them only under that id). Trust data
signed by another platform's key does not outlive a switch of platform. Raises EnrolmentError
(one line) for anything the caller must fix; nothing is stored then.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

from vocab.spec import VENUE_SECRET_LEN, is_ident

from .trust import TrustDataError, load_root_key


class EnrolmentError(Exception):
    """An enrolment that cannot be done; the message is one line for the operator."""


@dataclass(frozen=True)
class EnrolmentRequest:
    platform_url: str
    root_key_pem: bytes
    code: str | None = None               # a one-time enrolment code (version 2)
    token: str | None = None              # a version 1 platform token
    venue: str | None = None              # required with a token; with a code it must match if given
    terminal_id: str | None = None
    ca_bundle: str | None = None
    force: bool = False
    venue_secret: tuple[str, bytes] | None = None   # (venue, secret) from the venue's first terminal (section 7)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_platform_url(url: str) -> str:
    """The platform URL normalised (trimmed, no trailing "/"), or ValueError: https:// with a host,
    or http:// to a loopback address only (development, tests: spec section 6); no query,
    fragment, credentials or spaces."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = None, False
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname or not port_ok \
            or parts.query or parts.fragment or parts.username or parts.password \
            or any(c.isspace() for c in url) or len(url) > 2048:
        raise ValueError(f"platform URL must be https:// with a host, not {url[:120]!r}")
    if parts.scheme.lower() == "http" and not is_loopback(parts.hostname):
        raise ValueError(f"plain http:// is allowed only to a loopback address; use https:// for {parts.hostname}")
    return url.rstrip("/")


def same_origin(a: str, b: str) -> bool:
    """Two platform URLs name the same host (scheme, host and port): the token may go to both."""
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme.lower(), (pa.hostname or "").lower(), pa.port) == (pb.scheme.lower(), (pb.hostname or "").lower(), pb.port)


def check_request(req: EnrolmentRequest) -> EnrolmentRequest:
    """Validate everything before anything is sent or stored."""
    try:
        url = check_platform_url(req.platform_url)
    except ValueError as exc:
        raise EnrolmentError(f"platform: {exc}") from None
    if (req.code is None) == (req.token is None):
        raise EnrolmentError("give either a one-time enrolment code or (version 1) a platform token")
    if req.code is not None and not (8 <= len(req.code.strip()) <= 128 and req.code.strip().isprintable()):
        raise EnrolmentError("the enrolment code is 8 to 128 printable characters")
    if req.token is not None:
        if not req.token.strip() or len(req.token) > 512:
            raise EnrolmentError("the token must not be empty")
        if req.venue is None:
            raise EnrolmentError("a platform token needs the venue id (a one-time code carries it)")
    for what, value in (("venue", req.venue), ("terminal id", req.terminal_id)):
        if value is not None and not is_ident(value):    # it goes into every scan event (spec section 6)
            raise EnrolmentError(f"{what} must be an identifier (1-64 of A-Z a-z 0-9 _ . : -), not {value!r:.80}")
    if req.code is not None and req.terminal_id is not None:
        try:
            if str(uuid.UUID(req.terminal_id)) != req.terminal_id:
                raise ValueError
        except ValueError:
            raise EnrolmentError("with an enrolment code the terminal id is a lower-case UUID") from None
    try:
        load_root_key(req.root_key_pem)
    except TrustDataError as exc:
        raise EnrolmentError(f"root key: {exc}") from None
    return EnrolmentRequest(**{**req.__dict__, "platform_url": url,
                               "code": req.code.strip() if req.code else None,
                               "token": req.token.strip() if req.token else None})


Exchange = Callable[[str, str, str, "str | None"], dict]   # (url, code, terminal id, ca bundle) -> answer


def enrol(store: Any, req: EnrolmentRequest, *, now: float, exchange: Exchange | None = None):
    """Check `req`, exchange a code if given (through `exchange`, the transport's POST /v1/enrol),
    and store the identity in `store` (cache.Store). Returns the stored cache.Identity."""
    from cache import Identity
    req = check_request(req)
    old = store.identity.load_identity()
    if old is not None and not req.force:
        raise EnrolmentError(f"{store.home} is already enrolled as terminal {old.terminal_id} of venue "
                             f"{old.venue_id} (use --force to replace)")
    terminal_id = req.terminal_id or (old.terminal_id if old else str(uuid.uuid4()))
    if old is not None and terminal_id != old.terminal_id:
        waiting = store.outbox.counts().pending
        if waiting:
            raise EnrolmentError(f"{waiting} scan events of terminal {old.terminal_id} are not uploaded yet: "
                                 f"run venue-terminal sync first (the platform takes them only under that id)")
    venue, token = req.venue, req.token
    if req.code is not None:
        if exchange is None:
            raise EnrolmentError("no transport to exchange the enrolment code")
        if old is not None and old.terminal_id == terminal_id and req.terminal_id is None:
            terminal_id = old.terminal_id        # a new code for the same terminal: the platform decides
        answer = exchange(req.platform_url, req.code, terminal_id, req.ca_bundle)
        if not isinstance(answer, dict) or answer.get("terminal") != terminal_id \
                or not is_ident(answer.get("venue")) or not isinstance(answer.get("token"), str) \
                or not 16 <= len(answer["token"]) <= 512:
            raise EnrolmentError("the platform's enrolment answer does not have the spec's shape")
        if venue is not None and answer["venue"] != venue:
            raise EnrolmentError(f"the code is for venue {answer['venue']}, not {venue}")
        venue, token = answer["venue"], answer["token"]
    same_venue = old is not None and old.venue_id == venue
    secret = None
    if req.venue_secret is not None:
        secret_venue, secret = req.venue_secret
        if len(secret) != VENUE_SECRET_LEN:
            raise EnrolmentError(f"a venue secret is {VENUE_SECRET_LEN} bytes")
        if secret_venue != venue:
            raise EnrolmentError(f"the venue secret file is venue {secret_venue}'s, not {venue}'s")
    ident = Identity(terminal_id=terminal_id, venue_id=venue, platform_url=req.platform_url, token=token,
                     venue_secret=secret or (old.venue_secret if same_venue else os.urandom(VENUE_SECRET_LEN)),
                     root_key_pem=req.root_key_pem, ca_bundle=req.ca_bundle, enrolled_at=int(now))
    if old is not None and (not same_origin(old.platform_url, ident.platform_url)
                            or old.root_key_pem != req.root_key_pem):
        # Trust data signed by another platform's key must not outlive the switch.
        store.trust.clear()
        store.revocations.clear()
    store.identity.save_identity(ident)
    store.sync_state.clear()              # the last sync's outcome was another enrolment's
    return ident


# ---------------------------------------------------------------- the venue secret (spec section 7)
# All terminals of a venue share one secret (holder_ref's key), made on the first terminal and
# copied to the others in a file only the venue's staff handle; it never goes to the platform.
SECRET_FILE_VERSION = 1
SECRET_FILE_MAX = 4096


def venue_secret_file(venue: str, secret: bytes) -> bytes:
    """The export file's content: one JSON object {v, venue, secret (hex)}."""
    import json
    return (json.dumps({"v": SECRET_FILE_VERSION, "venue": venue, "secret": secret.hex()}) + "\n").encode()


def parse_venue_secret_file(data: bytes, venue: str | None) -> tuple[str, bytes]:
    """(venue, secret) from an export file; EnrolmentError when it is not one, or is another
    venue's (`venue` given: the venue this terminal is, or is being, enrolled at)."""
    import json
    try:
        doc = json.loads(data[:SECRET_FILE_MAX].decode("utf-8")) if len(data) <= SECRET_FILE_MAX else None
    except (UnicodeDecodeError, ValueError):
        doc = None
    if not isinstance(doc, dict) or doc.get("v") != SECRET_FILE_VERSION or not is_ident(doc.get("venue")) \
            or not isinstance(doc.get("secret"), str) or len(doc["secret"]) != 2 * VENUE_SECRET_LEN:
        raise EnrolmentError("not a venue secret file (venue-terminal venue-secret export writes one)")
    try:
        secret = bytes.fromhex(doc["secret"])
    except ValueError:
        raise EnrolmentError("not a venue secret file (its secret is not hex)") from None
    if venue is not None and doc["venue"] != venue:
        raise EnrolmentError(f"the venue secret file is venue {doc['venue']}'s, not {venue}'s")
    return doc["venue"], secret
