"""The venue's staff codes at this terminal and their PIN hashes (terminal/staff.py decides
what a code and a PIN may be; this module only keeps them).

    store.staff.save({"gate-07": {"pin": "scrypt$17$8$1$...", "set_at": 1764383400}})
    store.staff.load()          # {code: {"pin": hash, "set_at": unix seconds}}

Kept in the state table under one key (no migration: it is a small map). Hashes only, never
a PIN. Threads: use from the thread that opened the Store.
"""
from __future__ import annotations

from typing import Any

_KEY = "staff_roster"


class StaffStore:
    """Obtain it as `Store.staff`."""

    def __init__(self, state: Any):
        self._state = state

    def load(self) -> dict[str, dict[str, Any]]:
        doc = self._state.get_state(_KEY, {})
        staff = doc.get("staff") if isinstance(doc, dict) else None
        return {str(c): dict(e) for c, e in staff.items() if isinstance(e, dict)} if isinstance(staff, dict) else {}

    def save(self, staff: dict[str, dict[str, Any]]) -> None:
        self._state.set_state(_KEY, {"v": 1, "staff": staff})
