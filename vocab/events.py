"""The scan-log event (credential-format.md section 6, version 2): its fields per kind, its one
validator, its canonical form and its hash chain. Used by the terminal's outbox and by the
platform alike, so the two can never disagree on what an event is.

    check_event(ev)                  # a new event before the outbox adds prev/hash; raises EventInvalid
    check_event(ev, chained=True)    # a stored or uploaded event with prev and hash
    event_hash(ev_without_hash)      # sha256 hex of the JCS (RFC 8785) form

An event without `kind` is a version-1 scan event and stays valid (old logs still upload).
Only the spec's fields are accepted: no names, no ID numbers, no raw `sub`, no free text.
"""
from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import rfc8785

from . import reasons
from .spec import IDENT, MODES, OPERATOR, PREFIXES

GENESIS = "0" * 64

SCAN, MANUAL, DISPUTE, SESSION, ALERT = "scan", "manual", "dispute", "session", "alert"
EVENT_KINDS = (SCAN, MANUAL, DISPUTE, SESSION, ALERT)
DISPUTE_CODES = ("holder_disputes_refusal", "holder_disputes_data", "wrong_admission", "suspected_misuse")
SESSION_ACTIONS = ("sign_in", "sign_out")
DOUBLE_USE = "double_use"         # section 7: a claim made while the shared store was down collided
# not_walked (issue 16): a gate opened for an admission (a scan, or staff by hand) and its pass sensor saw
# nobody walk through in time; `ref` is the event that opened it. NOT in credential-format.md section 6
# yet (its alert codes list double_use only): a platform that checks strictly quarantines it as `schema`.
NOT_WALKED = "not_walked"
ALERT_CODES = (DOUBLE_USE, NOT_WALKED)

COMMON_FIELDS = ("id", "kind", "ts", "terminal", "venue", "mode", "operator")
COMMON_REQUIRED = ("id", "ts", "terminal", "venue", "mode")
CHAIN_FIELDS = ("prev", "hash")
# The further fields of each kind, and which of them must be present and non-null.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    SCAN: ("profile", "typ", "valid", "reason", "warnings", "issuer", "holder_ref", "policy"),
    MANUAL: ("cert", "valid"),
    DISPUTE: ("ref", "code"),
    SESSION: ("action",),
    ALERT: ("code", "ref"),
}
KIND_REQUIRED: dict[str, tuple[str, ...]] = {
    SCAN: ("valid", "reason"), MANUAL: ("cert", "valid"), DISPUTE: ("ref", "code"), SESSION: ("action",),
    ALERT: ("code",),
}
ALL_FIELDS = frozenset(COMMON_FIELDS + CHAIN_FIELDS + tuple(f for fs in KIND_FIELDS.values() for f in fs))

TS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z")
HASH = re.compile(r"[0-9a-f]{64}")
HOLDER_REF = re.compile(r"[0-9a-f]{32}")
KID_HEX = re.compile(r"(?:[0-9a-f]{2}){1,32}")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class EventInvalid(ValueError):
    """An event does not follow the spec's schema; the message names the field."""


def canonical_json(obj: Any) -> bytes:
    """RFC 8785 (JCS) canonical form: the bytes event hashes cover."""
    return rfc8785.dumps(obj)


def event_hash(event_without_hash: Mapping[str, Any]) -> str:
    """sha256 hex of the canonical JSON of an event that includes `prev` but not `hash`."""
    return hashlib.sha256(canonical_json(dict(event_without_hash))).hexdigest()


def ts_to_ms(ts: str) -> int:
    """An event `ts` as Unix milliseconds; ValueError unless it is RFC 3339 UTC `Z`, <= 6 digits, a real time."""
    if not isinstance(ts, str) or not TS.fullmatch(ts):
        raise ValueError(f"not an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SS[.ffffff]Z): {ts!r}")
    # Integer arithmetic: float timestamps would round .123 to 122 ms on some values.
    return (datetime.fromisoformat(ts) - _EPOCH) // timedelta(milliseconds=1)


def ms_to_ts(unix_ms: int) -> str:
    """Unix milliseconds as an event `ts` with millisecond precision, e.g. 2026-11-29T02:30:00.123Z."""
    dt = _EPOCH + timedelta(milliseconds=int(unix_ms))
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def event_kind(ev: Mapping[str, Any]) -> str:
    """The event's kind; version-1 events carry none and are scans."""
    return ev.get("kind") or SCAN


def _ident(ev: Mapping[str, Any], key: str) -> None:
    v = ev.get(key)
    if v is not None and (not isinstance(v, str) or not IDENT.fullmatch(v)):
        raise EventInvalid(f"event field {key!r} must be an identifier (1-64 of A-Z a-z 0-9 _ . : -), got {v!r:.80}")


def _one_of(ev: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> None:
    v = ev.get(key)
    if v is not None and v not in allowed:
        raise EventInvalid(f"event field {key!r} must be one of {', '.join(allowed)}, got {v!r:.80}")


def _uuid(ev: Mapping[str, Any], key: str) -> None:
    v = ev.get(key)
    if v is None:
        return
    try:
        ok = isinstance(v, str) and str(uuid.UUID(v)) == v
    except ValueError:
        ok = False
    if not ok:
        raise EventInvalid(f"event field {key!r} must be a lower-case hyphenated UUID, got {v!r:.80}")


def check_event(ev: Any, *, chained: bool = False) -> str:
    """Check one event against the schema of its kind; return the kind or raise EventInvalid.

    `chained=False`: a new event, before the outbox adds `prev` and `hash` (it must not carry
    them). `chained=True`: a stored or uploaded event, which must carry both.
    Absent and null optional fields are the same.
    """
    if not isinstance(ev, Mapping):
        raise EventInvalid("an event must be a JSON object")
    kind = ev.get("kind", SCAN)
    if kind not in EVENT_KINDS:
        raise EventInvalid(f"event field 'kind' must be one of {', '.join(EVENT_KINDS)}, got {kind!r:.80}")
    allowed = set(COMMON_FIELDS) | set(KIND_FIELDS[kind]) | set(CHAIN_FIELDS)
    unknown = sorted(str(k)[:40] for k in ev if k not in allowed)
    if unknown:
        raise EventInvalid(f"unknown field(s) for a {kind} event: {', '.join(unknown)}")
    chain_present = [k for k in CHAIN_FIELDS if ev.get(k) is not None]
    if chained and len(chain_present) != 2:
        raise EventInvalid("event fields 'prev' and 'hash' are required")
    if not chained and chain_present:
        raise EventInvalid(f"event field(s) {', '.join(chain_present)} are computed by the outbox; do not pass them")
    for key in COMMON_REQUIRED + KIND_REQUIRED[kind]:
        if ev.get(key) is None:
            raise EventInvalid(f"event field {key!r} is required")
    for key, v in ev.items():
        want = bool if key == "valid" else list if key == "warnings" else str
        if v is not None and not (isinstance(v, want) and (want is bool or not isinstance(v, bool))):
            what = {bool: "true or false", list: "a list", str: "a string"}[want]
            raise EventInvalid(f"event field {key!r} must be {what} or null, got {type(v).__name__}")
    _uuid(ev, "id")
    try:
        ts_to_ms(ev["ts"])
    except ValueError:
        raise EventInvalid(f"event field 'ts' must be a real RFC 3339 UTC time with Z and at most 6 "
                           f"fractional digits, got {ev['ts']!r:.80}") from None
    for key in ("terminal", "venue"):
        _ident(ev, key)
    _one_of(ev, "mode", MODES)
    op = ev.get("operator")
    if op is not None and not OPERATOR.fullmatch(op):
        raise EventInvalid("event field 'operator' must be 1-32 of A-Z a-z 0-9 _ -")
    for key in CHAIN_FIELDS:
        v = ev.get(key)
        if v is not None and not HASH.fullmatch(v):
            raise EventInvalid(f"event field {key!r} must be 64 lower-case hex digits")
    if kind == SCAN:
        _one_of(ev, "profile", PREFIXES)
        for key in ("typ", "policy"):
            _ident(ev, key)
        reason = ev["reason"]
        if reason not in reasons.ALL_REASONS and not IDENT.fullmatch(reason):
            raise EventInvalid(f"event field 'reason' must be a reason code, got {reason!r:.80}")
        w = ev.get("warnings")
        if w is not None and (len(w) > len(reasons.WARNINGS) * 2
                              or not all(isinstance(x, str) and IDENT.fullmatch(x) for x in w)):
            raise EventInvalid("event field 'warnings' must be a short list of warning codes")
        if ev.get("issuer") is not None and not KID_HEX.fullmatch(ev["issuer"]):
            raise EventInvalid(f"event field 'issuer' must be a kid in lower-case hex, got {ev['issuer']!r:.80}")
        if ev.get("holder_ref") is not None and not HOLDER_REF.fullmatch(ev["holder_ref"]):
            raise EventInvalid("event field 'holder_ref' must be 32 lower-case hex digits (16 bytes of HMAC)")
    elif kind == MANUAL:
        _ident(ev, "cert")
    elif kind == DISPUTE:
        _uuid(ev, "ref")
        _one_of(ev, "code", DISPUTE_CODES)
    elif kind == SESSION:
        _one_of(ev, "action", SESSION_ACTIONS)
    elif kind == ALERT:
        _one_of(ev, "code", ALERT_CODES)
        _uuid(ev, "ref")
    return kind
