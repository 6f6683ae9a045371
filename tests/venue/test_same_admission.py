"""The same admission at one terminal (issue 11 defect 2): a dynamic code held in view, or the
holder app's next presentation of the same credential, is the verdict already given: no new red,
no new event, no count. A static code is the same admission only while it stays in view (held),
so one printed card passed down a queue meets the entry limit. A different code is its own scan."""
from __future__ import annotations

from cache import Store
from scanner.debounce import Debouncer
from scanner.events import ScanEvent
from scanner.loop import Dispatch
from terminal.service import TerminalService
from vocab import reasons as R


def _logged(home):
    with Store.open(home) as st:
        return [e["reason"] for e in reversed(st.outbox.recent(100))]


def test_held_dynamic_code_stays_green_and_is_logged_once(gates, venue_platform):
    (home,) = gates(1)
    plat = venue_platform.platform
    clock = [float(__import__("time").time())]
    svc = TerminalService.from_home(home, policy="general", clock=lambda: clock[0])
    try:
        m = plat.mint("resident", dynamic=True)[0]
        first = svc.scan(m.text)
        assert first.reason == "ok"
        for step in range(1, 4):                        # the camera re-reads it every 3 s, 10 s long
            clock[0] += 3
            again = svc.scan(m.text, held=True)
            assert (again.reason, again.outcome.value) == ("ok", "admit")
            assert R.SAME_ADMISSION in again.warnings
        # the holder app refreshed: a new presentation of the same credential
        fresh = plat.present(m.cti, now=int(clock[0]))
        v = svc.scan(fresh)
        assert v.reason == "ok" and R.SAME_ADMISSION in v.warnings
        # a different person's code replaces the verdict at once
        other = plat.mint("resident", dynamic=True, now=int(clock[0]))[0].text
        v = svc.scan(other)
        assert v.reason == "ok" and R.SAME_ADMISSION not in v.warnings
        # the refreshed presentation was claimed: a copy of it elsewhere on this terminal's store is replayed
        b = TerminalService.from_home(home, policy="general", clock=lambda: clock[0])
        try:
            assert b.scan(fresh).reason == "replayed"
        finally:
            b.close()
    finally:
        svc.close()
    assert _logged(home) == ["ok", "ok", "replayed"]


def test_printed_card_held_is_one_verdict_shown_again_meets_the_limit(gates, venue_platform):
    (home,) = gates(1)
    svc = TerminalService.from_home(home, policy="park-senior")
    try:
        card = venue_platform.platform.mint("resident", senior=True, printed=True)[0].text
        assert svc.scan(card).reason == "ok"
        held = svc.scan(card, held=True)
        assert held.reason == "ok" and R.SAME_ADMISSION in held.warnings
        shown_again = svc.scan(card)                    # it left the view: the next person
        assert shown_again.reason == "entry_limit_reached"
        assert svc.scan(card, held=True).reason == "entry_limit_reached"   # held: the same red, not logged again
    finally:
        svc.close()
    assert _logged(home) == ["ok", "entry_limit_reached"]


def test_debouncer_marks_a_code_that_stayed_in_view_as_held():
    seen = []
    d = Dispatch(Debouncer(hold_seconds=3.0, away_seconds=0.5), seen.append)

    def ev(t):
        return ScanEvent(text="A", raw=b"A", source="camera", ts=t)
    for n in range(32):                                 # a frame every 0.1 s for 3.1 s
        d.offer([ev(n / 10)], n / 10)
    d.offer([ev(5.0)], 5.0)                             # gone for 1.9 s: back as a new scan
    assert [e.held for e in seen] == [False, True, False]
