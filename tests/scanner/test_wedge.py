"""Keyboard-wedge burst detection from timed key events."""
from __future__ import annotations

import numpy as np

from scanner.wedge import WedgeDetector

CODE = "EZ1:NCFOXN%TSMAHN-H1YOMXIHREGIFU RBA2L:I 6$.C*T"


def scanner_burst(text, t0, rng, gap=(2.0, 12.0)):
    """Key events as a wedge scanner sends them: a key every few ms, Shift around capitals
    on some models, Enter at the end."""
    events, t = [], t0
    for ch in text:
        if ch.isalpha() and ch.isupper() and rng.random() < 0.5:
            events.append(("Shift", t))
        events.append((ch, t))
        t += float(rng.uniform(*gap))
    events.append(("Enter", t))
    return events, t


def human(text, t0, rng, gap=(60.0, 250.0)):
    events, t = [], t0
    for ch in text:
        events.append((ch, t))
        t += float(rng.uniform(*gap))
    events.append(("Enter", t))
    return events, t


def test_fast_burst_is_a_scan():
    rng = np.random.default_rng(1)
    events, _ = scanner_burst(CODE, 1000.0, rng)
    assert WedgeDetector().feed_all(events) == [CODE]


def test_human_typing_is_ignored():
    rng = np.random.default_rng(2)
    det = WedgeDetector()
    for trial in range(20):
        events, _ = human("ticket 12345 ok", 1000.0 + trial * 10000, rng)
        assert det.feed_all(events) == []
    # even a fast typist's rolled digraphs (two keys 20 ms apart) never make a burst
    events = []
    t = 0.0
    for i, ch in enumerate("the quick brown fox"):
        events.append((ch, t))
        t += 20.0 if i % 2 == 0 else 110.0
    events.append(("Enter", t))
    assert det.feed_all(events) == []


def test_typing_then_a_scan_gives_only_the_scan():
    rng = np.random.default_rng(3)
    typed, t = human("abc", 0.0, rng)
    typed = typed[:-1]  # no Enter: the person stops and scans
    burst, _ = scanner_burst(CODE, t + 500, rng)
    det = WedgeDetector()
    assert det.feed_all(typed + burst) == [CODE]


def test_two_scans_in_a_row():
    rng = np.random.default_rng(4)
    a, t = scanner_burst(CODE, 0.0, rng)
    b, _ = scanner_burst(CODE[::-1], t + 300.0, rng)
    assert WedgeDetector().feed_all(a + b) == [CODE, CODE[::-1]]


def test_slow_enter_or_a_pause_inside_drops_the_burst():
    det = WedgeDetector()
    events = [(c, i * 5.0) for i, c in enumerate(CODE)]
    assert det.feed_all(events + [("Enter", len(CODE) * 5.0 + 300)]) == []
    # a pause in the middle: only the fast tail would remain, and it is still a burst
    head = [(c, i * 5.0) for i, c in enumerate("XXXX")]
    tail = [(c, 500 + i * 5.0) for i, c in enumerate(CODE)]
    assert det.feed_all(head + tail + [("Enter", 500 + len(CODE) * 5.0)]) == [CODE]


def test_edit_keys_and_short_bursts():
    det = WedgeDetector(min_length=8)
    events = [(c, i * 5.0) for i, c in enumerate("EZ1:AB")] + [("Enter", 30.0)]
    assert det.feed_all(events) == []  # too short for a code
    events = [(c, i * 5.0) for i, c in enumerate("EZ1:ABCDEFG")] + [("BackSpace", 60.0)] + \
        [(c, 65 + i * 5.0) for i, c in enumerate("HIJ")] + [("Enter", 90.0)]
    assert det.feed_all(events) == []  # a person edited
    assert det.pending == ""


def test_late_first_key_and_jitter_are_tolerated():
    det = WedgeDetector()
    events = [(CODE[0], 0.0), (CODE[1], 70.0)]  # first event processed late
    t = 70.0
    for i, c in enumerate(CODE[2:]):
        t += 35.0 if i % 7 == 0 else 3.0  # USB / event-loop jitter
        events.append((c, t))
    events.append(("Enter", t + 4))
    assert det.feed_all(events) == [CODE]


def test_feed_event_gives_a_scan_event():
    det = WedgeDetector()
    ev = None
    for i, c in enumerate(CODE):
        assert det.feed_event(c, 1000.0 + i * 4) is None
    ev = det.feed_event("Return", 1000.0 + len(CODE) * 4)
    assert ev.text == CODE and ev.raw == CODE.encode() and ev.source == "wedge"
    assert ev.ts == (1000.0 + len(CODE) * 4) / 1000.0
