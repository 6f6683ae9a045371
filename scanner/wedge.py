"""Keyboard-wedge (USB HID) scanner detection: a pure state machine over timed key events.

A wedge scanner "types" the code as a burst of key presses a few milliseconds apart and ends
it with Enter; a person types tens to hundreds of milliseconds apart. The UI feeds every key
press here (once, at the window) with the event's timestamp in milliseconds; `feed` returns
the scanned text when an Enter closes a fast burst, else None.

    >>> det = WedgeDetector()
    >>> [det.feed(c, 1000 + 4 * i) for i, c in enumerate("EZ1:ABCDEF")][-1] is None
    True
    >>> det.feed("Enter", 1044)
    'EZ1:ABCDEF'

Keys: a one-character string is typed text; names are keys: "Enter"/"Return" (and "\\r",
"\\n") end a scan; modifiers ("Shift", "Control", "Alt", "Meta", "CapsLock", ...) are ignored
(scanners press Shift for capitals); any other named key (Backspace, Tab, arrows...) means a
person is editing, and drops the burst.

Tuning: `max_gap_ms` is the longest pause allowed between two keys of a scan (scanners send
a key every 1-20 ms; USB polling and a busy event loop add jitter, hence 40 ms). `min_length`
keeps a person's quick "ok<Enter>" from counting. `first_gap_ms` allows the first key's
event to be late (the first event of a burst can take ~50 ms to process in Qt).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .events import WEDGE, ScanEvent

ENTER_KEYS = frozenset({"Enter", "Return", "\r", "\n", "KP_Enter"})
MODIFIER_KEYS = frozenset({"Shift", "Control", "Ctrl", "Alt", "AltGr", "Meta", "Super", "CapsLock", "NumLock",
                           "Shift_L", "Shift_R", "Control_L", "Control_R", "Alt_L", "Alt_R"})


@dataclass
class WedgeDetector:
    max_gap_ms: float = 40.0
    min_length: int = 8
    first_gap_ms: float = 80.0
    max_length: int = 16384
    _chars: list[str] = field(default_factory=list, repr=False)
    _last_ms: float | None = field(default=None, repr=False)

    def reset(self) -> None:
        self._chars.clear()
        self._last_ms = None

    @property
    def pending(self) -> str:
        """The fast burst typed so far (not yet ended by Enter)."""
        return "".join(self._chars)

    def feed(self, key: str, ts_ms: float) -> str | None:
        """One key press at `ts_ms` (milliseconds, monotonic). Returns a scan or None."""
        if key in MODIFIER_KEYS:
            return None
        gap = None if self._last_ms is None else ts_ms - self._last_ms
        if gap is not None and gap < 0:
            gap = 0.0  # out-of-order timestamps from different event sources: treat as together
        if key in ENTER_KEYS:
            text = "".join(self._chars)
            fast = gap is not None and gap <= self.max_gap_ms
            self.reset()
            if fast and len(text) >= self.min_length:
                return text
            return None
        if len(key) != 1:
            self.reset()  # a person editing (Backspace, arrows, Tab...)
            return None
        allowed = self.first_gap_ms if len(self._chars) == 1 else self.max_gap_ms
        if gap is None or gap > allowed:
            self._chars = [key]  # too slow: this key starts a new possible burst
        else:
            self._chars.append(key)
            if len(self._chars) > self.max_length:
                self.reset()
        self._last_ms = ts_ms
        return None

    def feed_event(self, key: str, ts_ms: float) -> ScanEvent | None:
        """`feed`, returning a ScanEvent (source "wedge", ts in seconds) for a scan."""
        text = self.feed(key, ts_ms)
        if text is None:
            return None
        return ScanEvent(text=text, raw=text.encode("utf-8"), source=WEDGE, ts=ts_ms / 1000.0)

    def feed_all(self, events) -> list[str]:
        """Feed (key, ts_ms) pairs; return every scan they complete."""
        out = []
        for key, ts in events:
            scan = self.feed(key, ts)
            if scan is not None:
                out.append(scan)
        return out
