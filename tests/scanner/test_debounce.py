"""Debouncer rules, with the time passed in."""
from __future__ import annotations

import math

import pytest

from scanner.debounce import Debouncer


def run(d: Debouncer, frames, fps: float = 10.0, t0: float = 100.0):
    """Feed one list of texts per frame at `fps`; return (frame number, scan) pairs."""
    out = []
    for i, texts in enumerate(frames):
        for s in d.feed(texts, t0 + i / fps):
            out.append((i, s))
    return out


def test_same_code_on_consecutive_frames_is_one_scan():
    assert run(Debouncer(), [["A"]] * 20) == [(0, "A")]


def test_missed_frames_do_not_make_a_new_scan():
    # the decoder misses the code on a few frames (under away_seconds): still one scan
    frames = [["A"], [], ["A"], [], [], ["A"], ["A"], [], [], [], ["A"]]
    assert run(Debouncer(away_seconds=0.5), frames) == [(0, "A")]


def test_leaving_and_coming_back_is_a_new_scan_even_within_hold():
    frames = [["A"]] * 3 + [[]] * 6 + [["A"]] * 3  # 0.6 s away, back after 0.9 s < hold 3 s
    assert run(Debouncer(hold_seconds=3.0, away_seconds=0.5), frames) == [(0, "A"), (9, "A")]


def test_code_kept_in_view_repeats_after_hold():
    frames = [["A"]] * 65  # 6.4 s in view at 10 fps
    assert run(Debouncer(hold_seconds=3.0), frames) == [(0, "A"), (30, "A"), (60, "A")]
    assert run(Debouncer(hold_seconds=math.inf), frames) == [(0, "A")]


def test_different_codes_in_quick_succession_are_separate_scans():
    frames = [["A"], ["B"], ["C"], ["A", "B", "C"], ["D", "E"]]
    assert run(Debouncer(), frames) == [(0, "A"), (1, "B"), (2, "C"), (4, "D"), (4, "E")]


def test_duplicates_within_a_frame_count_once_and_order_is_kept():
    d = Debouncer()
    assert d.feed(["B", "A", "B"], 1.0) == ["B", "A"]
    assert d.in_view(1.1) == ["B", "A"]
    assert d.in_view(2.0) == []


def test_reset_makes_the_next_sighting_new():
    d = Debouncer()
    assert d.feed(["A"], 0.0) == ["A"]
    assert d.feed(["A"], 0.1) == []
    d.reset("A")
    assert d.feed(["A"], 0.2) == ["A"]
    d.reset()
    assert d.feed(["A"], 0.3) == ["A"]


def test_many_codes_stay_correct_after_old_ones_are_forgotten():
    d = Debouncer(away_seconds=0.5)
    for i in range(200):
        assert d.feed([f"C{i}"], i * 1.0) == [f"C{i}"]
    assert len(d._codes) <= 65
    assert d.feed(["C199"], 199.1) == []  # still in view: not forgotten


def test_bad_settings():
    with pytest.raises(ValueError):
        Debouncer(hold_seconds=-1)
