"""How long a code held still in front of the camera is ignored before it is read again (the
camera loop's debounce hold, ui/app.py scan_hold_s): a second past the mode's own verdict hold,
at least 3 s. The kiosk's is kiosk_verdict_seconds, not the gate's verdict_seconds."""
from __future__ import annotations

import pytest

from terminal.settings import Settings
from ui.app import scan_hold_s, verdict_hold_s

GATE_S, KIOSK_S = "verdict_seconds=0.2", "kiosk_verdict_seconds=6"


def test_the_hold_is_the_modes_own():
    s = Settings().with_(verdict_seconds=5.0, kiosk_verdict_seconds=9.0)
    assert [verdict_hold_s(s.with_(mode=m)) for m in ("gate", "kiosk", "counter")] == [5.0, 9.0, 5.0]
    assert [scan_hold_s(s.with_(mode=m)) for m in ("gate", "kiosk", "counter")] == [6.0, 10.0, 6.0]
    assert scan_hold_s(s.with_(mode="kiosk", kiosk_verdict_seconds=1.0)) == 3.0       # never below 3 s


def in_view(debouncer, until: int) -> list[float]:
    """One code in every frame (10 a second) from 0 to `until` s: when it is read."""
    return [i / 10 for i in range(10 * until + 1) if debouncer.feed(["EZ1:CODE"], now=i / 10)]


def _video(tmp_path, cases, seconds: float) -> str:
    import numpy as np
    from scanner import synth
    rng = np.random.default_rng(3)
    code = synth.make_frame("clean", rng, size=(640, 480), payloads=[cases["resident_es256_ok"]["code"]]).gray
    empty = synth.make_frame("empty", rng, size=(640, 480)).gray
    return f"video:{synth.write_video(tmp_path / 'cam.avi', [empty] * 3 + [code] * int(30 * seconds) + [empty] * 3, fps=30)}"


def test_the_running_camera_follows_the_mode_and_its_hold_time(qtbot, make_app, tmp_path, cases):
    """The app's own debouncer, fed by hand with a code kept in view for 8 s: at the kiosk
    (kiosk_verdict_seconds 6, the gate's 0.2) it is read at 0 and 7 s, not every 3 s; after
    Settings switch to the gate, at 0, 3 and 6 s; a new kiosk hold reaches the running camera."""
    rt = make_app("kiosk", _video(tmp_path, cases, 1.0), loop_media=True, overrides=(GATE_S, KIOSK_S))
    qtbot.waitUntil(lambda: rt.capture.loop is not None, timeout=10000)
    running = lambda: rt.capture.loop.dispatch.debouncer.hold_seconds      # noqa: E731
    assert in_view(rt._debouncer(), 8) == [0.0, 7.0] and running() == 7.0
    rt.apply_settings(rt.settings.with_(mode="gate"))
    assert in_view(rt._debouncer(), 8) == [0.0, 3.0, 6.0] and running() == 3.0
    rt.apply_settings(rt.settings.with_(mode="kiosk", kiosk_verdict_seconds=10.0))
    assert running() == 11.0 and in_view(rt._debouncer(), 12) == [0.0, 11.0]


@pytest.mark.parametrize("mode, reads", [("kiosk", 1), ("gate", 2)])
def test_a_code_left_in_front_of_the_camera(qtbot, make_app, tmp_path, cases, mode, reads):
    """A real video with the code in view for 4 s (played at its own rate, never faster): the
    kiosk (hold 6 s) reads it once, the gate (0.2 s, so 3 s) reads it again (the same presentation)."""
    rt = make_app(mode, _video(tmp_path, cases, 4.0), start=False, overrides=(GATE_S, KIOSK_S))
    seen = []
    rt.verify.verdict.connect(lambda v, t_in, source, text: seen.append(v.reason))
    rt.start()
    qtbot.waitUntil(lambda: rt.window.camera_state == "ended", timeout=30000)
    qtbot.waitUntil(lambda: len(seen) >= reads, timeout=5000)
    assert len(seen) == reads, seen
