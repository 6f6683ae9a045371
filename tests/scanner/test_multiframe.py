"""Multi-frame fusion (scanner/multiframe.py) and exposure control (scanner/exposure.py) on the
synthetic sequences: moving glare that no single frame reads, negatives, bounded memory, and a
bright phone screen on a simulated camera whose exposure is rendered physically."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from scanner import decoders as D
from scanner import synth
from scanner.debounce import Debouncer
from scanner.exposure import ExposureController, exposure_controller_for
from scanner.frames import CameraSource, Frame, iter_frames
from scanner.loop import ScanLoop
from scanner.multiframe import FrameFusion


@pytest.fixture(scope="module")
def cascade():
    return D.CascadeDecoder(budget_ms=None)     # every step, whatever the machine's load


def test_fusion_reads_moving_glare_that_no_single_frame_reads(cascade):
    seq = synth.generate_sequence("moving_glare", 4, seed=5, size=(960, 540), severity=0.9)
    frames = seq.frames()
    for f in frames:        # not one frame reads on its own, with the whole cascade and no budget
        assert not {d.text for d in cascade.decode(f.gray)} & set(seq.texts)
    loop = ScanLoop(cascade, Debouncer(), fusion=FrameFusion(budget_ms=None))
    scans = []
    for i, f in enumerate(frames):
        out = loop.step(Frame(f.gray, i / 15, i))
        scans += [(i, ev) for ev in out.scans]
    assert [ev.text for _, ev in scans] == seq.texts
    i, ev = scans[0]
    assert ev.decoder.startswith("fusion/")
    # the corners are where the code is in that frame
    assert np.abs(np.float32(ev.corners).mean(axis=0) - frames[i].corners[0].mean(axis=0)).max() < 15


@pytest.mark.parametrize("category", synth.NEGATIVE_SEQUENCES)
def test_no_false_reads_on_negative_sequences(category, cascade):
    fusion = FrameFusion(budget_ms=None)
    loop = ScanLoop(cascade, Debouncer(), fusion=fusion)
    located = 0
    for seed in range(2):
        seq = synth.generate_sequence(category, 5, seed=seed, size=(640, 480))
        for i, f in enumerate(seq.frames()):
            out = loop.step(Frame(f.gray, seed * 10 + i / 15, i))
            assert out.found == [] and out.scans == []
            located += bool(cascade.located)
    if category == "fake_symbol":
        assert located >= 5          # the fake symbol was located, so fusion did run on it


def test_the_ring_is_bounded():
    rng = np.random.default_rng(1)
    fusion = FrameFusion(depth=3, canvas_max=200, budget_ms=None)
    quad = [(300.0, 200.0), (340.0, 200.0), (340.0, 240.0), (300.0, 240.0)]
    for i in range(60):
        gray = rng.integers(0, 256, size=(480, 640), dtype=np.uint8)
        fusion.add(gray, [quad], i / 30)
        assert len(fusion) <= 3
        assert fusion.nbytes <= fusion.max_nbytes == 2 * 3 * 200 * 200
    big = [(0.0, 0.0), (600.0, 0.0), (600.0, 470.0), (0.0, 470.0)]
    fusion.add(rng.integers(0, 256, size=(480, 640), dtype=np.uint8), [big], 100.0)
    assert fusion.nbytes <= 2 * 200 * 200
    fusion.add(rng.integers(0, 256, size=(480, 640), dtype=np.uint8), [], 200.0)   # a long gap ends the ring
    assert len(fusion) == 0 and fusion.nbytes == 0
    with pytest.raises(ValueError):
        FrameFusion(depth=1)


def _camera(seq):
    cams = []

    def factory(spec):
        cams.append(synth.SimulatedCamera(seq))
        return cams[-1]

    t = itertools.count()
    return CameraSource(0, capture_factory=factory, clock=lambda: next(t) / 15), cams


def test_exposure_is_lowered_on_a_saturated_screen_and_restored(cascade):
    seq = synth.generate_sequence("bright_screen", 4, seed=0, size=(640, 480))
    src, cams = _camera(seq)
    auto = D.ZxingDecoder()
    assert not any(auto.decode(f.gray) for f in seq.frames())      # at auto-exposure nothing reads
    ctl = exposure_controller_for(src)
    loop = ScanLoop(cascade, Debouncer(), exposure=ctl)
    scans, outcomes = [], []
    for n, out in enumerate(loop.outcomes(iter_frames(src))):
        scans += out.scans
        if n == 5:
            assert cams[0].auto is False and src.exposure_scale < 1      # manual, shorter
        if n >= 45:
            break
    cam = cams[0]
    assert [ev.text for ev in scans] == seq.texts                   # read once
    kinds = [e[1] for e in ctl.events]
    assert kinds[0] == "lower" and "restore:read" in kinds
    assert min(cam.exposures) <= 0.5 * max(cam.exposures)           # the frames were rendered darker
    assert cam.auto is True and src.exposure_scale is None          # the camera's own exposure is back


class _Camera:
    def __init__(self):
        self.calls = []

    def set_exposure_scale(self, scale):
        self.calls.append(scale)


def test_exposure_gives_up_on_a_lamp_and_waits_before_trying_again():
    lamp = np.full((240, 320), 40, np.uint8)
    lamp[60:160, 100:200] = 255                 # a bright, filled rectangle with nothing on it
    cam = _Camera()
    ctl = ExposureController(cam, max_hold_s=1.0, cooldown_s=5.0)
    for i in range(90):                          # 6 s at 15 frames/s; the lamp stays bright
        ctl.update(lamp, [], False, i / 15)
    kinds = [e[1] for e in ctl.events]
    assert kinds[0] == "lower" and "restore:timeout" in kinds
    first_restore = next(t for t, k, _ in ctl.events if k == "restore:timeout")
    later = [t for t, k, _ in ctl.events if k == "lower" and t > first_restore]
    assert not later or later[0] >= first_restore + 5.0            # the cooldown held
    assert min(c for c in cam.calls if c is not None) == pytest.approx(1 / 16)
    dark = np.full((240, 320), 40, np.uint8)
    assert not ExposureController(_Camera()).over_exposed(dark, [])
    assert exposure_controller_for(object()) is None
