"""Scan-event outbox: a durable, hash-chained log of every verdict, awaiting upload.

    from cache import Store
    outbox = Store.open(home).outbox
    event = outbox.append({"terminal": "T-0001", "venue": "V-42", "mode": "gate",
                           "profile": "EZ1", "typ": "resident", "valid": True, "reason": "ok",
                           "issuer": "a1b2c3d4", "holder_ref": "00112233445566778899aabbccddeeff",
                           "policy": "default"})       # returns after COMMIT (fsync'ed)
    batch = outbox.pending(100)                       # oldest first, full events
    outbox.mark_uploaded([e["id"] for e in batch], at=time.time())
    ok, problem = outbox.verify_chain()
    outbox.prune_uploaded(older_than=time.time() - 30 * 86400)

Event (spec section 6, version 2): the schema and its one validator are `vocab.events`, the
same code the platform runs on every upload. `id` (a UUID) and `ts` (RFC 3339 UTC, `Z`) are
filled in when absent. A scan event keeps the version-1 shape: `id`, `ts`, `terminal`,
`venue`, `mode`, `profile`, `typ`, `valid`, `reason`, `issuer`, `holder_ref`, `policy` are
always stored (null when absent), `kind`, `warnings` and `operator` when given; the other
kinds (`manual`, `dispute`, `session`, `alert`) store their own fields. Then `prev` and
`hash`, computed here.

Privacy: `append` rejects any key the spec does not list; `holder_ref` must look like an
HMAC (32 hex chars) and `issuer` like a kid (lowercase hex), so a raw `sub` or an ID number
cannot take their place; text fields are identifiers (1-64 of `[A-Za-z0-9_.:-]`), never free
text. Floats and nested values are refused (their JSON form differs between languages).

Chain: `prev` of the first event ever is 64 zeros (`GENESIS`); every other `prev` is the
`hash` of the event before it (by the autoincrement `seq`, i.e. append order).
`hash = sha256(canonical_json(event without "hash")).hexdigest()`, canonical_json being
RFC 8785 (JCS); for the ASCII events of version 1 it is the same bytes as the sorted, compact
`json.dumps` used before, so old chains still verify. Pruning keeps a checkpoint (seq and hash of the last pruned
event, number pruned) so the remaining chain still verifies from there. The chain shows
an edited or deleted event in the middle; removing the newest events is caught by
comparing with SQLite's autoincrement counter; an attacker who can rewrite the whole
database file can forge anything, which is why uploaded events are the real anchor.

Times given as arguments (`at`, `older_than`, `day_start`, `day_end`) are Unix seconds
(int or float) or RFC 3339 UTC strings.

Raises: `EventRejected` (bad event; nothing stored), `DuplicateEvent` (id already held),
`ChainBroken` (prune over a broken chain; nothing deleted).
Threads: use from the thread that opened the Store.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from vocab.events import (COMMON_REQUIRED, GENESIS, KIND_FIELDS, SCAN, EventInvalid, canonical_json,  # noqa: F401
                          check_event, event_hash, ms_to_ts, ts_to_ms)

from vocab.reasons import CANNOT_VERIFY

from .db import transaction
from .errors import ChainBroken, DuplicateEvent, EventRejected

# Stored form of a version-1 scan event: these keys always, null when absent.
FIELDS = ("id", "ts", "terminal", "venue", "mode", "profile", "typ", "valid", "reason",
          "issuer", "holder_ref", "policy")
_COLUMNS = "seq, id, ts_ms, valid, body, hash, uploaded_ms"


def rfc3339(unix_seconds: float) -> str:
    """Unix seconds as RFC 3339 UTC with millisecond precision, e.g. 2026-11-29T02:30:00.123Z."""
    return ms_to_ts(int(unix_seconds * 1000))


def to_ms(value: int | float | str) -> int:
    """Unix seconds (int/float) or an RFC 3339 UTC string, as Unix milliseconds."""
    if isinstance(value, bool):
        raise TypeError("a time must be Unix seconds or an RFC 3339 string, not bool")
    if isinstance(value, (int, float)):
        return int(round(value * 1000))
    if isinstance(value, str):
        return ts_to_ms(value)
    raise TypeError(f"a time must be Unix seconds or an RFC 3339 string, not {type(value).__name__}")


class OutboxCounts(NamedTuple):
    pending: int
    uploaded: int
    total: int


class DayCounts(NamedTuple):
    admitted: int  # scans with valid true
    refused: int   # red: valid false for a reason other than "could not check"
    total: int     # scans (staff events, paper checks and disputes are not scans)
    checked: int = 0   # amber: unreadable, internal_error, trust_list_expired (never a refusal)


class Checkpoint(NamedTuple):
    last_seq: int   # seq of the last pruned event (0: nothing pruned)
    last_hash: str  # its hash (GENESIS: nothing pruned)
    pruned: int     # events pruned so far


def _normalise(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event as stored: id and ts filled in, checked by the spec's one validator (vocab.events)."""
    if not isinstance(event, Mapping):
        raise EventRejected("an event must be a mapping")
    ev = dict(event)
    if ev.get("id") is None:
        ev["id"] = str(uuid.uuid4())
    if ev.get("ts") is None:
        ev["ts"] = rfc3339(time.time())
    try:
        kind = check_event(ev)
    except EventInvalid as exc:
        raise EventRejected(str(exc)) from None
    # A scan keeps the version-1 shape (every field, null when absent); what else is given is kept as given.
    base = FIELDS if kind == SCAN else COMMON_REQUIRED + KIND_FIELDS[kind]
    out = {k: ev.get(k) for k in base}
    out.update((k, v) for k, v in ev.items() if v is not None)
    return out


def _event(body: str, hash_: str) -> dict[str, Any]:
    ev = json.loads(body)
    ev["hash"] = hash_
    return ev


class Outbox:
    """The scan-event log. Obtain it as `Store.outbox`."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    # --------------------------------------------------------------- writing
    def append(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """Validate `event` (spec fields only, without prev/hash), chain it and commit it;
        return the stored event with `prev` and `hash`. Returns only after COMMIT, which
        with synchronous=FULL means the row survives a crash or power cut.

        Raises `EventRejected` (nothing stored), `DuplicateEvent`."""
        with transaction(self._conn):
            return self.append_in_transaction(event)

    def append_in_transaction(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """`append` for a caller that already holds this connection's write transaction
        (`cache.db.transaction`), so the event commits together with its other writes
        (Store.record_scan: the replay claim and its scan event)."""
        ev = _normalise(event)
        ts_ms = ts_to_ms(ev["ts"])
        ev["prev"] = self._last_hash()
        body = canonical_json(ev)
        digest = hashlib.sha256(body).hexdigest()
        try:
            self._conn.execute("INSERT INTO outbox (id, ts_ms, valid, body, hash) VALUES (?, ?, ?, ?, ?)",
                               (ev["id"], ts_ms, int(ev.get("valid") is True), body.decode("utf-8"), digest))
        except sqlite3.IntegrityError as exc:
            raise DuplicateEvent(f"event id {ev['id']} is already in the outbox") from exc
        ev["hash"] = digest
        return ev

    def mark_uploaded(self, ids: Iterable[str], at: int | float | str) -> int:
        """Mark events as accepted by the platform (accepted or duplicate); return how many
        changed. Unknown ids and already-uploaded events are left alone."""
        at_ms = to_ms(at)
        with transaction(self._conn):
            return self._conn.executemany(
                "UPDATE outbox SET uploaded_ms = ? WHERE id = ? AND uploaded_ms IS NULL",
                ((at_ms, str(i)) for i in ids)).rowcount

    def quarantine(self, rejected: Mapping[str, tuple[str, str | None]], at: int | float | str) -> int:
        """Move events the platform rejected ({id: (error code, detail)}) to the quarantine: kept
        with the platform's error, shown in status, never sent again (their outbox row counts as
        done, so it neither blocks later uploads nor pruning). Returns how many were moved."""
        at_ms = to_ms(at)
        n = 0
        with transaction(self._conn):
            for eid, (error, detail) in rejected.items():
                row = self._conn.execute("SELECT body, hash FROM outbox WHERE id = ? AND uploaded_ms IS NULL",
                                         (str(eid),)).fetchone()
                if row is None:
                    continue
                self._conn.execute("INSERT OR REPLACE INTO quarantine (id, error, detail, at_ms, body, hash) "
                                   "VALUES (?, ?, ?, ?, ?, ?)", (str(eid), str(error)[:64],
                                                                 None if detail is None else str(detail)[:300],
                                                                 at_ms, row[0], row[1]))
                self._conn.execute("UPDATE outbox SET uploaded_ms = ? WHERE id = ?", (at_ms, str(eid)))
                n += 1
        return n

    def quarantined(self) -> list[dict[str, Any]]:
        """The quarantined events, oldest first: {"id", "error", "detail", "at_ms", "event"}."""
        return [{"id": i, "error": e, "detail": d, "at_ms": a, "event": _event(b, h)}
                for i, e, d, a, b, h in self._conn.execute(
                    "SELECT id, error, detail, at_ms, body, hash FROM quarantine ORDER BY at_ms, id")]

    def quarantine_count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM quarantine").fetchone()[0]

    def quarantine_errors(self) -> dict[str, int]:
        """How many quarantined events carry each platform error code, most frequent first."""
        return dict(self._conn.execute(
            "SELECT error, count(*) AS n FROM quarantine GROUP BY error ORDER BY n DESC, error"))

    def last_quarantined(self) -> dict[str, Any] | None:
        """The newest quarantined event's {"id", "error", "detail", "at_ms"} (no body), or None."""
        row = self._conn.execute("SELECT id, error, detail, at_ms FROM quarantine "
                                 "ORDER BY at_ms DESC, id DESC LIMIT 1").fetchone()
        return dict(zip(("id", "error", "detail", "at_ms"), row)) if row else None

    def prune_uploaded(self, older_than: int | float | str) -> int:
        """Delete uploaded events with `ts` before `older_than`, but only the longest run of
        such events from the oldest one (a pending or newer event stops it), so what is left
        is still one unbroken chain; record a checkpoint. Returns how many were deleted.

        Raises `ChainBroken` (nothing deleted) if the events to delete do not verify:
        pruning must not erase the evidence of tampering."""
        cutoff = to_ms(older_than)
        with transaction(self._conn):
            stop = self._conn.execute(
                "SELECT min(seq) FROM outbox WHERE uploaded_ms IS NULL OR ts_ms >= ?", (cutoff,)).fetchone()[0]
            if stop is None:
                stop = (self._conn.execute("SELECT max(seq) FROM outbox").fetchone()[0] or 0) + 1
            cp = self.checkpoint()
            last: tuple[int, str] | None = None
            expected_prev, expected_seq = cp.last_hash, cp.last_seq + 1
            for row in self._conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE seq < ? ORDER BY seq", (stop,)):
                problem = _check_row(row, expected_prev, expected_seq)
                if problem:
                    raise ChainBroken(f"not pruning: {problem}")
                expected_prev, expected_seq = row[5], row[0] + 1
                last = (row[0], row[5])
            if last is None:
                return 0
            deleted = self._conn.execute("DELETE FROM outbox WHERE seq < ?", (stop,)).rowcount
            self._conn.execute(
                "INSERT OR REPLACE INTO outbox_checkpoint (id, last_seq, last_hash, pruned) VALUES (1, ?, ?, ?)",
                (last[0], last[1], cp.pruned + deleted))
            return deleted

    # --------------------------------------------------------------- reading
    def pending(self, limit: int = 100) -> list[dict[str, Any]]:
        """Up to `limit` events not yet uploaded, oldest first (upload them in this order)."""
        return [_event(body, h) for body, h in self._conn.execute(
            "SELECT body, hash FROM outbox WHERE uploaded_ms IS NULL ORDER BY seq LIMIT ?", (limit,))]

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        """The newest `limit` events held, newest first (the UI's list of today's scans)."""
        return [_event(body, h) for body, h in self._conn.execute(
            "SELECT body, hash FROM outbox ORDER BY seq DESC LIMIT ?", (limit,))]

    def get(self, event_id: str) -> dict[str, Any] | None:
        """The stored event with this id, or None."""
        row = self._conn.execute("SELECT body, hash FROM outbox WHERE id = ?", (event_id,)).fetchone()
        return _event(*row) if row else None

    def is_uploaded(self, event_id: str) -> bool | None:
        """True/False for a held event, None for an unknown (or pruned) id."""
        row = self._conn.execute("SELECT uploaded_ms IS NOT NULL FROM outbox WHERE id = ?", (event_id,)).fetchone()
        return bool(row[0]) if row else None

    def counts(self) -> OutboxCounts:
        """(pending, uploaded, total) over the events held (pruned ones excluded)."""
        total, uploaded = self._conn.execute("SELECT count(*), count(uploaded_ms) FROM outbox").fetchone()
        return OutboxCounts(pending=total - uploaded, uploaded=uploaded, total=total)

    def day_counts(self, day_start: int | float | str, day_end: int | float | str | None = None) -> DayCounts:
        """Scan events with day_start <= ts < day_end: admitted (valid true), refused (valid false
        for any reason but the spec's "could not check" ones, vocab.reasons.CANNOT_VERIFY) and
        checked (those: amber, never counted as a refusal). Staff events are not scans.

        `day_end` defaults to day_start + 24 h; pass it for local days of 23 or 25 hours."""
        start = to_ms(day_start)
        end = start + 86_400_000 if day_end is None else to_ms(day_end)
        amber = sorted(CANNOT_VERIFY)
        admitted, checked, total = self._conn.execute(
            "SELECT coalesce(sum(valid), 0), "
            f"coalesce(sum(valid = 0 AND json_extract(body, '$.reason') IN ({', '.join('?' * len(amber))})), 0), "
            "count(*) FROM outbox WHERE ts_ms >= ? AND ts_ms < ? "
            "AND coalesce(json_extract(body, '$.kind'), ?) = ?",
            (*amber, start, end, SCAN, SCAN)).fetchone()
        return DayCounts(admitted=admitted, refused=total - admitted - checked, total=total, checked=checked)

    def checkpoint(self) -> Checkpoint:
        """Where the held chain starts (Checkpoint(0, GENESIS, 0) if nothing was pruned)."""
        row = self._conn.execute("SELECT last_seq, last_hash, pruned FROM outbox_checkpoint WHERE id = 1").fetchone()
        return Checkpoint(*row) if row else Checkpoint(0, GENESIS, 0)

    def verify_chain(self) -> tuple[bool, str | None]:
        """Check every held event: its hash covers its content, its prev is the hash of the
        event before it (or the checkpoint), seqs have no gap, and no newest event was
        removed. Returns (True, None) or (False, "event seq N (id ...): what is wrong")."""
        cp = self.checkpoint()
        expected_prev, expected_seq = cp.last_hash, cp.last_seq + 1
        self._conn.execute("BEGIN")  # one snapshot, even while another connection appends
        try:
            for row in self._conn.execute(f"SELECT {_COLUMNS} FROM outbox ORDER BY seq"):
                problem = _check_row(row, expected_prev, expected_seq)
                if problem:
                    return False, problem
                expected_prev, expected_seq = row[5], row[0] + 1
            issued = self._conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()
        finally:
            self._conn.execute("COMMIT")
        if issued and issued[0] > expected_seq - 1:
            return False, (f"events after seq {expected_seq - 1} are missing: seq {issued[0]} was issued")
        return True, None

    def _last_hash(self) -> str:
        row = self._conn.execute("SELECT hash FROM outbox ORDER BY seq DESC LIMIT 1").fetchone()
        return row[0] if row else self.checkpoint().last_hash


def _check_row(row: tuple, expected_prev: str, expected_seq: int) -> str | None:
    seq, id_, ts_ms, valid, body, digest, _uploaded = row
    where = f"event seq {seq} (id {id_})"
    if not isinstance(body, str) or hashlib.sha256(body.encode("utf-8")).hexdigest() != digest:
        return f"{where}: hash does not match its content (the event was edited)"
    try:
        ev = json.loads(body)
    except ValueError:
        return f"{where}: content is not JSON"
    if not isinstance(ev, dict):
        return f"{where}: content is not an event"
    if ev.get("prev") != expected_prev:
        return (f"{where}: prev does not match the hash of the event before it "
                f"(an event before seq {seq} was deleted or edited)")
    if seq != expected_seq:
        return f"{where}: seq gap, expected seq {expected_seq} (events were deleted)"
    try:
        consistent = (ev.get("id") == id_ and ts_to_ms(ev.get("ts")) == ts_ms
                      and (ev.get("valid") is True) == bool(valid) and valid in (0, 1))
    except (TypeError, ValueError):
        consistent = False
    if not consistent:
        return f"{where}: indexed columns (id, ts, valid) disagree with the hashed content"
    return None
