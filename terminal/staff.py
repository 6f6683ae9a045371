"""The venue's staff at this terminal: staff codes with a PIN each, kept hashed in the home.

    roster = StaffRoster(store.staff, PinGuard(store.home))
    roster.add("gate-07", "739164")       # StaffError: a code outside the spec's OPERATOR pattern, a bad PIN
    roster.codes()                        # ["gate-07"]
    roster.guard.check(STAFF, "739164", roster.hash_for("gate-07"))   # PinCheck (terminal/pins.py)
    roster.remove("gate-07")

A staff code is the venue's opaque code for a person (spec section 6 `operator`: 1-32 of
`[A-Za-z0-9_-]`), never a name or an ID number; it goes into every event while its holder is
signed in (TerminalService.sign_in). The PINs are hashed like the admin PIN (terminal/pins.py:
scrypt under the home's pepper) and kept in the home database (cache.staff);
the admin PIN only opens Settings, a staff PIN only signs its holder in. An unknown code
answers as slowly as a wrong PIN and counts in the same lockout, so codes cannot be probed.

Threads: the caller's (the service calls it under its lock, hashing outside it).
"""
from __future__ import annotations

import time
from typing import Any, Protocol

from vocab.spec import OPERATOR

from .pins import PinGuard, PinRefused, is_stored_form

MAX_STAFF = 1000


class StaffError(ValueError):
    """A staff code or PIN that cannot be used (one line, no PIN in it)."""


class _Staff(Protocol):       # terminal.ports.StaffPort
    def load(self) -> dict[str, dict[str, Any]]: ...
    def save(self, staff: dict[str, dict[str, Any]]) -> None: ...


def check_code(code: str) -> str:
    if not isinstance(code, str) or not OPERATOR.fullmatch(code):
        raise StaffError("a staff code is 1 to 32 of A-Z a-z 0-9 _ - (the venue's code, never a name)")
    return code


class StaffRoster:
    """Staff codes and their PIN hashes in a staff store (cache.Store.staff)."""

    def __init__(self, store: _Staff, guard: PinGuard):
        self._store = store
        self.guard = guard

    def _all(self) -> dict[str, dict]:
        return {c: e for c, e in self._store.load().items() if OPERATOR.fullmatch(c)
                and isinstance(e.get("pin"), str) and e["pin"] and is_stored_form(e["pin"])}

    def _put(self, staff: dict[str, dict]) -> None:
        self._store.save(staff)

    def codes(self) -> list[str]:
        return sorted(self._all())

    def hash_for(self, code: str) -> str | None:
        e = self._all().get(code)
        return e["pin"] if e else None

    def hash_pin(self, code: str, pin: str) -> str:
        """The stored form of `pin` for `code` (checks both; ~0.35 s: call it outside any lock)."""
        check_code(code)
        try:
            return self.guard.hash_new(pin)
        except PinRefused as exc:
            raise StaffError(str(exc)) from None

    def add(self, code: str, pin: str, *, now: float | None = None) -> bool:
        """Add a staff code with its PIN, or give an existing one a new PIN; True if it was new."""
        return self.put(code, self.hash_pin(code, pin), now=now)

    def put(self, code: str, stored: str, *, now: float | None = None) -> bool:
        """Store a hash made by hash_pin; True if the code was new."""
        check_code(code)
        if not is_stored_form(stored) or not stored:
            raise StaffError("not a PIN hash")
        h = stored
        staff = self._all()
        new = code not in staff
        if new and len(staff) >= MAX_STAFF:
            raise StaffError(f"at most {MAX_STAFF} staff codes per terminal")
        staff[code] = {"pin": h, "set_at": int(time.time() if now is None else now)}
        self._put(staff)
        return new

    def remove(self, code: str) -> bool:
        staff = self._all()
        if staff.pop(code, None) is None:
            return False
        self._put(staff)
        return True
