"""The one scan loop (scanner/loop.py): decode -> debounce -> scans, unreadable tracking, the
stop flag, the frame streams' end states, and the Dispatch step every input shares."""
from __future__ import annotations

import threading

import numpy as np

from scanner.debounce import Debouncer
from scanner.decoders import Decoded
from scanner.events import ScanEvent
from scanner.frames import Frame
from scanner.loop import (Dispatch, ScanLoop, UnreadableTracker, handheld_dispatch, polled_frames,
                          reader_frames)

CORNERS = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))


class ScriptDecoder:
    """Decodes frame i as the texts script[i] (frames carry their index)."""

    name = "script"

    def __init__(self, script):
        self.script = script

    def decode(self, gray):
        return [Decoded(t, t.encode(), CORNERS, "script") for t in self.script[int(gray[0, 0])]]


class Barcode:
    def __init__(self, valid):
        self.valid = valid
        self.format = "QR Code"


class FakeLocator:
    """zxing's read(return_errors=True): a located-but-unread QR symbol on every frame."""

    def __init__(self):
        self.calls = 0

    def read(self, gray, return_errors=False):
        self.calls += 1
        return [Barcode(False)]


def frames(n, fps=10.0):
    return [Frame(gray=np.full((4, 4), i, np.uint8), ts=i / fps, index=i) for i in range(n)]


def test_unreadable_tracker():
    t = UnreadableTracker(hold_s=1.0, away_s=0.5)
    assert [t.located(x / 10) for x in range(0, 12)].count(True) == 1      # once per episode
    again = [t.located(3.0 + x / 10) for x in range(12)]                 # back after 0.5 s away: new episode
    assert again.count(True) == 1
    t2 = UnreadableTracker(hold_s=1.0, away_s=0.5)
    t2.located(0.0)
    t2.decoded(0.5)                                                        # it was readable after all
    assert not any(t2.located(0.6 + x / 10) for x in range(10))


def test_camera_mode_debounces_and_reports_first_frame():
    script = [[], ["A"], ["A", "A"], ["A", "B"], [], ["B"]]
    firsts = []
    loop = ScanLoop(ScriptDecoder(script), Debouncer(hold_seconds=3.0), on_first_frame=firsts.append,
                    clock=iter(range(100, 200)).__next__)
    outs = list(loop.outcomes(frames(len(script))))
    assert [[e.text for e in o.scans] for o in outs] == [[], ["A"], [], ["B"], [], []]
    assert firsts == [100] and loop.frames_decoded == len(script)
    ev = outs[1].scans[0]
    assert (ev.source, ev.raw, ev.decoder, ev.ts) == ("camera", b"A", "script", 0.1)
    assert not any(o.unreadable for o in outs)


def test_camera_mode_without_debouncer_hands_on_each_frame_unique():
    loop = ScanLoop(ScriptDecoder([["A", "A"], ["A"]]))
    assert [[e.text for e in o.scans] for o in loop.outcomes(frames(2))] == [["A"], ["A"]]


def test_unreadable_from_the_locator_once_per_episode():
    loc = FakeLocator()
    loop = ScanLoop(ScriptDecoder([[]] * 30), Debouncer(), locator=loc)   # 3 s of a symbol nothing reads
    outs = list(loop.outcomes(frames(30)))
    assert [o.frame.index for o in outs if o.unreadable] == [13]   # located every other frame, 1.2 s hold
    assert loc.calls == 15


def test_a_decode_in_the_episode_suppresses_unreadable():
    loop = ScanLoop(ScriptDecoder([["A"]] + [[]] * 20), Debouncer(), locator=FakeLocator())
    assert not any(o.unreadable for o in loop.outcomes(frames(21)))


def test_each_frame_is_a_scan():
    script = [["A"], ["A"], [], ["B", "B"]]
    got = []
    loop = ScanLoop(ScriptDecoder(script), Debouncer(), locator=FakeLocator(), each_frame_is_a_scan=True)
    loop.run(frames(4), on_frame=lambda o: got.append(("frame", o.frame.index)),
             on_unreadable=lambda o: got.append(("unreadable", o.frame.index)),
             on_scan=lambda ev, o: got.append((ev.text, o.frame.index)))
    assert got == [("frame", 0), ("A", 0), ("frame", 1), ("A", 1), ("frame", 2), ("unreadable", 2),
                   ("frame", 3), ("B", 3)]


def test_stop_flag_ends_the_loop():
    stop = threading.Event()
    loop = ScanLoop(ScriptDecoder([[]] * 10), stop=stop)
    seen = []
    for out in loop.outcomes(frames(10)):
        seen.append(out.frame.index)
        if out.frame.index == 2:
            stop.set()
    assert seen == [0, 1, 2]


class FakeSource:
    def __init__(self, items, end="ended"):
        self.items = list(items)
        self.state = "live"
        self.end = end

    def read(self):
        if not self.items:
            self.state = self.end
            return None
        return self.items.pop(0)


def test_polled_frames_reports_the_end_state():
    ends = []
    src = FakeSource([None, *frames(2)], end="failed")   # None first: no frame yet, keep polling
    assert [f.index for f in polled_frames(src, threading.Event(), on_end=ends.append)] == [0, 1]
    assert ends == ["failed"]


class FakeReader:
    def __init__(self, items, error=None):
        self.items = list(items)
        self.running = True
        self.error = error
        self.state = "live"

    def get(self, timeout):
        if not self.items:
            self.running, self.state = False, "ended"
            return None
        return self.items.pop(0)


def test_reader_frames_reports_end_and_error():
    ends = []
    assert len(list(reader_frames(FakeReader(frames(3)), threading.Event(), on_end=ends.append))) == 3
    list(reader_frames(FakeReader([], error=OSError("unplugged")), threading.Event(), on_end=ends.append))
    stopped = threading.Event()
    stopped.set()
    assert list(reader_frames(FakeReader(frames(3)), stopped, on_end=ends.append)) == []
    assert ends == ["ended", "error:unplugged"]


def test_dispatch_is_the_shared_debounce_step():
    t = [0.0]
    got = []
    d = handheld_dispatch(got.append, repeat_s=1.0, clock=lambda: t[0])
    assert [e.text for e in d.offer_text("EZ1:A", "wedge")] == ["EZ1:A"]
    t[0] = 0.2
    assert d.offer_text("EZ1:A", "serial") == []                 # a double read
    assert [e.source for e in d.offer_text("EZ1:B", "serial")] == ["serial"]
    t[0] = 1.5
    assert [e.text for e in d.offer_text("EZ1:A", "wedge")] == ["EZ1:A"]   # a new scan of the same code
    assert [(e.text, e.source) for e in got] == [("EZ1:A", "wedge"), ("EZ1:B", "serial"), ("EZ1:A", "wedge")]
    plain = Dispatch()
    ev = ScanEvent("X", b"X", "camera", 0.0)
    assert plain.offer([ev, ev]) == [ev] and plain.offer([ev]) == [ev]
