"""The physically modelled photo categories (issue 15) and the cascade's still-image path."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from scanner import decoders as D
from scanner import synth

SIZE = (960, 540)
EASY = 3


@pytest.fixture(scope="module")
def easy_frames():
    return {c: synth.generate(c, EASY, seed=15, size=SIZE, easy=True) for c in synth.PHOTO_CATEGORIES}


@pytest.fixture(scope="module")
def cascade():
    return D.CascadeDecoder(budget_ms=None)   # every step, whatever the machine's load


def test_photo_frames_are_seeded_colour_and_located(easy_frames):
    again = synth.generate("bright_spots", 1, seed=15, size=SIZE, easy=True)[0]
    first = easy_frames["bright_spots"][0]
    assert np.array_equal(again.bgr, first.bgr) and again.texts == first.texts
    for cat, frames in easy_frames.items():
        for f in frames:
            assert f.bgr.shape == (SIZE[1], SIZE[0], 3) and f.gray.shape == (SIZE[1], SIZE[0])
            assert f.params["severity"] <= 0.3 and f.category == cat
            (quad,) = f.corners
            assert (quad >= 0).all() and (quad[:, 0] < SIZE[0]).all() and (quad[:, 1] < SIZE[1]).all(), cat
            # not a flat grey picture: the colour channels differ somewhere (paper tint, stains, scene)
            assert np.abs(f.bgr[:, :, 0].astype(int) - f.bgr[:, :, 2]).mean() > 1.0, cat
    # categories stay separate: each names what it modelled
    assert "damage" in easy_frames["damaged"][0].params
    assert "spots" in easy_frames["bright_spots"][0].params
    assert "defocus_px" in easy_frames["steep_perspective"][0].params
    assert "motion_px" in easy_frames["hand_motion"][0].params
    assert all(f.params["tilt"] >= 45 for f in easy_frames["steep_perspective"])
    assert {f.params["surface"] for f in easy_frames["curved"]} <= {"plane", "convex", "concave"}
    with pytest.raises(ValueError):
        synth.generate("fog", 1)


def test_highlights_saturate_the_sensor():
    frames = synth.generate("bright_spots", 2, seed=3, size=SIZE)
    for f in frames:
        quad = f.corners[0]
        mask = np.zeros(f.gray.shape, np.uint8)
        cv2.fillConvexPoly(mask, np.int32(np.round(quad)), 1)
        clipped = (f.bgr.max(axis=2) >= 254) & (mask > 0)
        assert clipped.sum() > 50          # some of the symbol is blown out


@pytest.mark.parametrize("cat", synth.PHOTO_CATEGORIES)
def test_cascade_reads_each_categorys_easy_examples(cat, easy_frames, cascade):
    live_read = still_read = 0
    for f in easy_frames[cat]:
        live = {d.text for d in cascade.decode(f.gray)}
        still = cascade.decode_still(f.bgr)
        assert live <= set(f.texts) and {d.text for d in still} <= set(f.texts), "false read"
        live_read += len(live)
        still_read += len(still)
        for d in still:
            # located where the code is: the reported corners lie on the drawn symbol
            centre = np.float32(d.corners).mean(axis=0)
            assert np.linalg.norm(centre - f.corners[0].mean(axis=0)) < 0.1 * np.ptp(f.corners[0][:, 0]) + 5
    assert still_read >= EASY - 1 and live_read >= EASY - 1, (cat, live_read, still_read)


def test_negatives_give_no_reads(cascade):
    frames = synth.generate("empty", 4, seed=15, size=SIZE)
    rng = np.random.default_rng(15)
    noise = rng.integers(0, 256, size=(SIZE[1], SIZE[0]), dtype=np.uint8)
    checker = np.kron((np.indices((27, 48)).sum(axis=0) % 2) * 255, np.ones((20, 20))).astype(np.uint8)
    for gray in [f.gray for f in frames] + [noise, checker, np.full_like(noise, 255)]:
        assert cascade.decode(gray) == []
        assert cascade.decode_still(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)) == []
        assert cascade.decode_still(gray) == []


def test_least_saturated_channel():
    img = np.full((100, 100, 3), 120, np.uint8)
    assert D.least_saturated_channel(img) is None          # nothing clipped: grey says it all
    img[20:60, 20:60, 2] = 255                             # a warm highlight: red clipped,
    img[20:60, 20:60, 1] = 255                             # green too, blue not
    chan = D.least_saturated_channel(img)
    assert chan is not None and chan.flags.c_contiguous and np.array_equal(chan, img[:, :, 0])


def test_binarize_local_keeps_low_contrast_modules():
    img = synth.qr_image("EZ1:" + "ABC123" * 20, scale=4)
    washed = (200 + img.astype(np.float32) * 12 / 255).astype(np.uint8)   # modules 12 levels apart
    assert D.ZxingDecoder().decode(washed) == []      # below zxing's local contrast floor
    b = D.binarize_local(washed)
    assert set(np.unique(b)) <= {0, 255}
    (d,) = D.CascadeDecoder(crop_steps=(), frame_steps=("zxing-bin",), budget_ms=None).decode(washed)
    assert d.text == "EZ1:" + "ABC123" * 20


def test_still_over_12_mp_is_decoded_and_located_in_original_pixels(tmp_path):
    f = synth.generate("damaged", 1, seed=15, size=SIZE, easy=True)[0]
    big = cv2.resize(f.bgr, None, fx=5, fy=5, interpolation=cv2.INTER_CUBIC)     # 4800x2700, 13 MP
    path = tmp_path / "photo.jpg"
    path.write_bytes(cv2.imencode(".jpg", big, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes())
    (d,) = D.decode_image_file(path)
    assert d.text == f.texts[0]
    centre = np.float32(d.corners).mean(axis=0)
    assert np.linalg.norm(centre - 5 * f.corners[0].mean(axis=0)) < 40
