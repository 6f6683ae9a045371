"""Debounce: turn "codes seen in this frame" into scans. Pure: the caller passes the time.

Rules:
- A code that stays in view is one scan, not one per frame. "In view" tolerates the frames a
  decoder misses: a code is only out of view after `away_seconds` without a sighting.
- After a scan the same code is ignored for `hold_seconds` while it stays in view; if it is
  still (or again) in view after that, it scans again (a re-check of a code left in front
  of the camera). `hold_seconds=math.inf` never repeats.
- A code that leaves the view and comes back is a new scan at once, even within the hold.
- A repeat of a code that never left the view is marked held (`held(text)` is True until it
  leaves): the terminal treats it as the same presentation, not a new person showing it.
- Different codes are separate scans, however quickly they follow each other, and several
  codes in one frame are several scans (in the order given).

    >>> d = Debouncer(hold_seconds=3.0)
    >>> d.feed(["A"], now=0.0), d.feed(["A"], now=0.1), d.feed(["A", "B"], now=0.2)
    (['A'], [], ['B'])
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class _Seen:
    last_seen: float
    last_scan: float
    held: bool = False        # the last scan was a repeat of a code that stayed in view


class Debouncer:
    def __init__(self, hold_seconds: float = 3.0, away_seconds: float = 0.5):
        if hold_seconds < 0 or away_seconds < 0:
            raise ValueError("hold_seconds and away_seconds must be >= 0")
        self.hold_seconds = hold_seconds
        self.away_seconds = away_seconds
        self._codes: dict[str, _Seen] = {}

    def feed(self, texts_in_frame: list[str], now: float) -> list[str]:
        """The codes in one frame (seen at `now`, seconds) -> the ones that are new scans."""
        new: list[str] = []
        for text in dict.fromkeys(texts_in_frame):  # unique, order kept
            seen = self._codes.get(text)
            if seen is None or now - seen.last_seen >= self.away_seconds:
                # first sighting, or back after leaving the view
                self._codes[text] = _Seen(last_seen=now, last_scan=now)
                new.append(text)
            elif now - seen.last_scan >= self.hold_seconds:
                seen.last_seen = seen.last_scan = now
                seen.held = True
                new.append(text)
            else:
                seen.last_seen = now
        self._forget(now)
        return new

    def held(self, text: str) -> bool:
        """True when the last scan of `text` was a repeat while it stayed in view."""
        seen = self._codes.get(text)
        return seen is not None and seen.held

    def in_view(self, now: float) -> list[str]:
        """Codes currently counted as in view."""
        return [t for t, s in self._codes.items() if now - s.last_seen < self.away_seconds]

    def reset(self, text: str | None = None) -> None:
        """Forget one code (or all): its next sighting is a new scan."""
        if text is None:
            self._codes.clear()
        else:
            self._codes.pop(text, None)

    def _forget(self, now: float) -> None:
        # Codes out of view are new scans when they come back, so their state can go; this
        # keeps memory flat at a busy gate.
        if len(self._codes) > 64:
            for t in [t for t, s in self._codes.items() if now - s.last_seen >= self.away_seconds]:
                del self._codes[t]
