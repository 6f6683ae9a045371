"""What the last sync round left behind, typed: `SyncState`, read and written as one record.

    from cache import Store
    store = Store.open(home)
    st = store.sync_state.load()                  # SyncState (all None before the first round)
    store.sync_state.save(SyncState(last_sync_at=1764383400.0, last_ok=True, ...))
    store.sync_state.clear()                      # forget it (re-enrolment)
    store.sync_state.skew_bound()                 # the terminal's clock-skew bound setting, or None
    store.sync_state.set_skew_bound(600.0)

The sync round (terminal.sync) saves a SyncState after each round; the app service
(terminal.service) and `venue-terminal status` read it. Nobody outside this module knows how
it is stored: one JSON object under the `state` table key "sync_state".

Migration: homes written before this record existed kept five loose state keys
(`last_sync`, `last_sync_ok`, `last_sync_error`, `last_sync_ok_at`, `clock_skew_s`).
The first `load()` that finds no record but any of those keys converts them into one record
and deletes them, in one transaction; later loads never look at them again.

Raises: `ValueError` from save() for a field of the wrong type (nothing stored).
Threads: use from the thread that opened the Store.
"""
from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import asdict, dataclass, fields

from .db import transaction

KEY = "sync_state"
SKEW_BOUND_KEY = "clock_skew_bound_s"
# the loose keys of homes written before the record existed, and the field each one fills
LEGACY_KEYS = {"last_sync": "last_sync_at", "last_sync_ok": "last_ok", "last_sync_error": "last_error",
               "last_sync_ok_at": "last_ok_at", "clock_skew_s": "clock_skew_s"}


@dataclass(frozen=True)
class SyncState:
    """The outcome of the last sync round (None: no round yet, or nothing measured)."""

    last_sync_at: float | None = None     # unix seconds when the last round finished (success or not)
    last_ok: bool | None = None           # whether that round succeeded
    last_error: str | None = None         # one line saying what went wrong in it, or None
    last_error_kind: str | None = None    # network / timeout / auth / refused / protocol / config
    last_ok_at: float | None = None       # unix seconds of the last fully successful round
    clock_skew_s: float | None = None     # last measured: the platform's Date minus our clock
    trust_seq: int | None = None          # trust list seq held after the last round
    revocation_seq: int | None = None     # revocation seq held after the last round
    last_upload_at: float | None = None   # unix seconds of the last round whose upload step completed

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if f.name == "last_ok":
                ok = isinstance(value, bool)
            elif f.name in ("last_error", "last_error_kind"):
                ok = isinstance(value, str)
            elif f.name in ("trust_seq", "revocation_seq"):
                ok = isinstance(value, int) and not isinstance(value, bool)
            else:
                ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
                if ok:
                    object.__setattr__(self, f.name, float(value))
            if not ok:
                raise ValueError(f"SyncState.{f.name}: bad value {value!r}")


def _from_json(data: object) -> SyncState:
    if not isinstance(data, dict):
        return SyncState()
    names = {f.name for f in fields(SyncState)}
    try:
        return SyncState(**{k: v for k, v in data.items() if k in names})
    except ValueError:
        return SyncState()   # a damaged record is no sync history, not a crash


def _legacy(name: str, value: object) -> object:
    """A legacy loose value converted to the field's type (they were stored as str/float/null)."""
    if value is None:
        return None
    if name == "last_ok":
        return str(value) not in ("0", "false", "False", "")
    if name == "last_error":
        return str(value) or None
    return float(value)  # type: ignore[arg-type]


class SyncStateStore:
    """The typed sync state (and the skew-bound setting) of one home. Obtain it as `Store.sync_state`."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def _get(self, key: str) -> tuple[bool, object]:
        row = self._conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return (False, None) if row is None else (True, json.loads(row[0]))

    def _put(self, key: str, value: object) -> None:
        self._conn.execute("INSERT INTO state(key, value) VALUES (?, ?) "
                           "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           (key, json.dumps(value, ensure_ascii=False)))

    def load(self) -> SyncState:
        """The last saved SyncState; SyncState() when there is none. Converts legacy keys once."""
        found, data = self._get(KEY)
        if found:
            return _from_json(data)
        if self._conn.execute(f"SELECT 1 FROM state WHERE key IN ({','.join('?' * len(LEGACY_KEYS))}) LIMIT 1",
                              tuple(LEGACY_KEYS)).fetchone() is None:
            # no legacy keys: none ever, or another connection converted them since the first read
            found, data = self._get(KEY)
            return _from_json(data) if found else SyncState()
        return self._migrate()

    def _migrate(self) -> SyncState:
        with transaction(self._conn):
            found, data = self._get(KEY)      # re-read under the write lock: another process may have done it
            if found:
                return _from_json(data)
            values: dict[str, object] = {}
            for old, name in LEGACY_KEYS.items():
                present, value = self._get(old)
                if present:
                    try:
                        values[name] = _legacy(name, value)
                    except (TypeError, ValueError):
                        pass
            try:
                state = SyncState(**values)   # type: ignore[arg-type]
            except ValueError:
                state = SyncState()
            self._put(KEY, asdict(state))
            self._conn.executemany("DELETE FROM state WHERE key = ?", [(k,) for k in LEGACY_KEYS])
        return state

    def save(self, state: SyncState) -> None:
        """Replace the saved SyncState with `state`."""
        if not isinstance(state, SyncState):
            raise ValueError("save needs a SyncState")
        with transaction(self._conn):
            self._put(KEY, asdict(state))

    def clear(self) -> None:
        """Forget the sync history (and any legacy keys); the skew-bound setting stays."""
        with transaction(self._conn):
            self._conn.executemany("DELETE FROM state WHERE key = ?", [(k,) for k in (KEY, *LEGACY_KEYS)])

    def skew_bound(self) -> float | None:
        """The terminal's clock-skew bound in seconds (`enroll --max-clock-skew`), or None."""
        found, value = self._get(SKEW_BOUND_KEY)
        try:
            return float(value) if found and value is not None else None  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None

    def set_skew_bound(self, seconds: float) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds) \
                or seconds <= 0:
            raise ValueError(f"clock-skew bound must be a positive number of seconds, not {seconds!r}")
        with transaction(self._conn):
            self._put(SKEW_BOUND_KEY, float(seconds))
