"""Synthetic sequences (issue 15, camera side): a code held in the hand over a few frames, with
glare that moves as the hand does, and a phone screen too bright for auto-exposure."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from scanner import synth

SIZE = (640, 480)


def _symbol_mask(frame) -> np.ndarray:
    mask = np.zeros(frame.gray.shape, np.uint8)
    cv2.fillConvexPoly(mask, np.int32(np.round(frame.corners[0])), 1)
    return mask > 0


@pytest.fixture(scope="module")
def glare_seq():
    return synth.generate_sequence("moving_glare", 4, seed=3, size=SIZE)


def test_sequences_are_seeded_and_shaped(glare_seq):
    again = synth.generate_sequence("moving_glare", 4, seed=3, size=SIZE)
    assert np.array_equal(again.frame(3).bgr, glare_seq.frame(3).bgr)
    assert glare_seq.size == SIZE and len(glare_seq) == 4 and len(glare_seq.texts) == 1
    for f in glare_seq.frames():
        assert f.bgr.shape == (SIZE[1], SIZE[0], 3) and f.texts == glare_seq.texts
        assert f.category == "moving_glare"
    for neg in synth.NEGATIVE_SEQUENCES:
        assert synth.generate_sequence(neg, 1, seed=0, size=SIZE).texts == []
    with pytest.raises(ValueError):
        synth.generate_sequence("fog", 2)


def test_generate_sequences_spreads_a_severity_range():
    """The bench's hard sequence table (severity 0.7-1.0) asks for its severities this way."""
    seqs = list(synth.generate_sequences("glare_no_code", 3, 1, seed=1, size=(320, 240), severity=(0.7, 1.0)))
    assert [s.params["severity"] for s in seqs] == [0.75, 0.85, 0.95]
    drawn = [s.params["severity"] for s in synth.generate_sequences("glare_no_code", 3, 1, seed=1, size=(320, 240))]
    assert all(0.45 <= v <= 0.9 for v in drawn)


def test_the_glare_moves_over_the_symbol_from_frame_to_frame(glare_seq):
    frames = glare_seq.frames()
    clipped = [(f.gray >= 250) & _symbol_mask(f) for f in frames]
    assert all(c.sum() > 30 for c in clipped)                     # every frame has blown-out modules
    # the hand moved: the symbol's corners moved a little, the highlight moved a lot more
    shift = max(np.abs(frames[k].corners[0] - frames[0].corners[0]).max() for k in range(1, 4))
    assert 0.5 < shift < 60
    never = np.logical_and.reduce(clipped)                        # blown out in every frame
    assert never.sum() < 0.5 * min(c.sum() for c in clipped)      # most clipped pixels are seen in another frame


def test_bright_screen_is_over_exposed_and_exposure_is_physical():
    seq = synth.generate_sequence("bright_screen", 2, seed=0, size=SIZE)
    auto = seq.frame(0)
    assert auto.params["exposure"] == pytest.approx(seq.metered(0), abs=1e-4)
    mask = _symbol_mask(auto)
    assert (auto.gray[mask] >= 250).mean() > 0.6                  # the screen is blown out
    darker = seq.frame(0, exposure=seq.metered(0) / 8)
    assert (darker.gray[mask] >= 250).mean() < 0.05                # an eighth of the light: the modules show
    assert darker.gray[mask].std() > 1.4 * auto.gray[mask].std()
