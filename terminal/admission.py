"""The same admission seen again at this terminal (issue 11 defect 2, spec section 3 re-scans).

A phone held still in front of the camera is read again every few seconds, and the holder app
shows a new presentation of the same credential every few seconds. Neither is a new person: while
the admission is fresh, the terminal shows the verdict it gave (with the `same_admission`
warning) and logs nothing, counts nothing. What counts as the same admission:

- the same EP1 presentation (its text, or its presentation id) within the presentation's
  freshness window from its admission;
- a new EP1 presentation of the credential admitted here (same credential id) within that window;
- any code while it stayed in view (`held`: the camera never lost it), whatever its verdict was:
  so one printed code shown again by the next person in the queue is a new scan (and meets the
  entry limit), while the same card held still is one verdict.

A different code replaces the verdict at once: nothing here delays it. Pure: the caller passes
the time; memory is bounded (MAX_REMEMBERED admissions, the oldest forgotten first).
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace

from vocab import reasons as R
from vocab.spec import EP1

from .policy import VenuePolicy
from .verdict import Verdict

MAX_REMEMBERED = 256


@dataclass(frozen=True)
class _Seen:
    verdict: Verdict
    until: float | None   # Unix seconds: a valid EP1 is the same admission until then; None: only while held


class RecentAdmissions:
    def __init__(self) -> None:
        self._by_key: OrderedDict[str, _Seen] = OrderedDict()

    @staticmethod
    def window(policy: VenuePolicy) -> int:
        """How long an EP1 admission stays the same admission: the presentation's freshness
        window (it could not pass the freshness check after that anyway)."""
        return policy.presentation_max_age + policy.presentation_max_future

    def before_verify(self, text: str, now: float, held: bool) -> Verdict | None:
        """The verdict to show again for this exact text, or None to verify it. A code that
        stayed in view gets its last verdict again whatever it was (one person, one verdict);
        a valid EP1 presentation shown again within its window is the same admission."""
        seen = self._by_key.get("t:" + text)
        if seen is None:
            return None
        if held or (seen.until is not None and now <= seen.until):
            return self._same(seen.verdict)
        return None

    def after_verify(self, v: Verdict, now: float) -> Verdict | None:
        """For a valid new presentation: the verdict of its credential if admitted here within
        the window (the holder app shows a new presentation every few seconds)."""
        if not (v.valid and v.profile == EP1 and v.credential is not None):
            return None
        seen = self._by_key.get("c:" + v.credential.cti)
        if seen is None or seen.until is None or now > seen.until:
            return None
        return self._same(seen.verdict)

    def remember(self, text: str, v: Verdict, now: float, policy: VenuePolicy) -> None:
        """Remember the verdict that was logged for this text."""
        fresh = v.valid and v.profile == EP1
        seen = _Seen(v, now + self.window(policy) if fresh else None)
        self._put("t:" + text, seen)
        if fresh and v.credential is not None:
            self._put("c:" + v.credential.cti, seen)

    def forget(self) -> None:
        self._by_key.clear()

    def not_walked(self, v: Verdict) -> None:
        """The gate opened for `v` and nobody walked through: the holder app's next presentation
        of that credential is a new admission (it opens the gate again), while the same
        presentation still held in view stays the same admission (it does not)."""
        if v.credential is not None:
            seen = self._by_key.get("c:" + v.credential.cti)
            if seen is not None and seen.verdict is v:
                del self._by_key["c:" + v.credential.cti]

    def _put(self, key: str, seen: _Seen) -> None:
        self._by_key[key] = seen
        self._by_key.move_to_end(key)
        while len(self._by_key) > MAX_REMEMBERED:
            self._by_key.popitem(last=False)

    @staticmethod
    def _same(v: Verdict) -> Verdict:
        """The remembered verdict; an admission carries same_admission (its outcome unchanged)."""
        if not v.valid or R.SAME_ADMISSION in v.warnings:
            return v
        return replace(v, warnings=v.warnings + (R.SAME_ADMISSION,), decided=v.outcome)
