"""Multi-frame fusion: read a symbol from consecutive frames when no single frame reads it.

A code held in the hand under a lamp shows a specular highlight that slides across it as the
hand moves: each frame loses a different part of the symbol to saturation, so none decodes,
yet every module is visible in some frame. `FrameFusion` keeps the last few views of a symbol
the decoder *located* but could not read (bounded: `depth` views of at most `canvas_max`^2
pixels each), aligns them and combines them so the moving glare is gone, and decodes that.

    >>> fusion = FrameFusion()
    >>> found = decoder.decode(frame.gray)                       # doctest: +SKIP
    >>> if not found:
    ...     found = fusion.add(frame.gray, decoder.located, frame.ts)

Steps, for each frame with a located-but-unread symbol:
1. The track's box: a square around the located quad (zxing's quad of a symbol it could not
   read is sometimes one finder pattern, so the box reaches `reach` times its side, at most
   `canvas_max` pixels), fixed for the track; the symbol is cropped from it in every frame. A
   symbol located outside the box, or a gap in time, starts a new ring.
2. Align: each view is registered to the previous one by phase correlation of high-passed
   half-size copies with the clipped pixels zeroed (the card drifts a few pixels per frame; the
   glare must not pull the registration). A view that does not correlate starts a new ring.
3. Combine: each view's levels are normalised on its unsaturated pixels, then per pixel the
   minimum over the views (glare only ever adds light, so the darkest view of a pixel is the
   one without the highlight) and, from three views on, the mean of the unclipped samples.
4. Decode the combined view with zxing-cpp (its own binariser, then the cascade's floorless
   local threshold), and map the corners back into the current frame.

Only what the decoder returns is accepted: zxing-cpp's Reed-Solomon check decides, exactly as
for a single frame, so fusion cannot invent a code (0 false reads on the negative sequences of
the bench: a QR-like symbol with real finder patterns under moving glare, and a card without a
symbol). A time budget (`budget_ms` of the decoding thread's CPU time per frame) bounds the work.
"""
from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Sequence

import cv2
import numpy as np

from .decoders import CascadeDecoder, Decoded, Point

SATURATED = 245          # grey level from which a pixel counts as clipped (JPEG rings below 255)


@dataclass
class _View:
    canvas: np.ndarray          # uint8: the track's box in this frame, aligned to the ring's first view
    to_frame: np.ndarray        # 3x3: canvas (aligned) coordinates -> frame pixels
    ts: float
    norm: np.ndarray | None = None   # the canvas with its levels normalised (see _normalise)


def _side(quad: np.ndarray) -> float:
    return float(np.mean([np.linalg.norm(quad[i] - quad[(i + 1) % 4]) for i in range(4)]))


class FrameFusion:
    """The last `depth` views of one located-but-unread symbol, fused and decoded.

    depth: views kept (3-5 is right: at 30 frames/s that is 0.1-0.17 s of hand movement);
    canvas_max: the side of a view in pixels at most, so memory is at most
    2 * depth * canvas_max^2 bytes (`nbytes`, `max_nbytes`: each view and its normalised copy); reach: how far the view reaches around
    the located quad, in multiples of its side (zxing's quad of a symbol it could not read is
    sometimes just one finder pattern: the symbol can lie on any side of it); max_gap_s: a view
    older than this before the next one ends the ring; budget_ms: CPU ms per frame; steps: the
    cascade steps tried on a fused view, in order.
    """

    name = "fusion"

    def __init__(self, depth: int = 4, canvas_max: int = 560, reach: float = 6.0, max_gap_s: float = 0.4,
                 budget_ms: float | None = 6.0, steps: Sequence[str] = ("zxing", "zxing-bin"),
                 clock: Callable[[], float] = time.thread_time):
        if depth < 2:
            raise ValueError("fusion needs at least 2 views")
        self.depth = depth
        self.canvas_max = canvas_max
        self.reach = reach
        self.max_gap_s = max_gap_s
        self.budget_ms = budget_ms
        self.steps = tuple(steps)
        self._clock = clock
        self._reader = CascadeDecoder(crop_steps=(), frame_steps=(), budget_ms=None)
        self._ring: deque[_View] = deque(maxlen=depth)
        self._box: tuple[int, int, int, int] | None = None
        self.stats: dict[str, int] = {}
        self._cost: dict[str, float] = {}    # CPU ms of each step on a fused view (moving average)

    # -- state -----------------------------------------------------------------------------

    def reset(self) -> None:
        self._ring.clear()
        self._box = None

    def __len__(self) -> int:
        return len(self._ring)

    @property
    def nbytes(self) -> int:
        """The memory the ring holds (the views)."""
        return sum(v.canvas.nbytes + (0 if v.norm is None else v.norm.nbytes) for v in self._ring)

    @property
    def max_nbytes(self) -> int:
        return 2 * self.depth * self.canvas_max * self.canvas_max

    def _count(self, key: str) -> None:
        self.stats[key] = self.stats.get(key, 0) + 1

    # -- the work ----------------------------------------------------------------------------

    def add(self, gray: np.ndarray, located: Sequence, ts: float) -> list[Decoded]:
        """Add this frame's view of the located symbol (`located`: quads of 4 (x, y) corners of
        symbols found but not read in `gray`) and try the fused views. Returns what the fused
        image decodes to (corners in this frame), or []. A frame without `located` adds nothing;
        after `max_gap_s` without one the ring ends."""
        t0 = self._clock()
        if self._ring and ts - self._ring[-1].ts > self.max_gap_s:
            self.reset()
        if not located:
            return []
        quads = [np.float32(q).reshape(4, 2) for q in located]
        if self._box is not None and not any(self._inside(q.mean(axis=0)) for q in quads):
            self._count("new_symbol")
            self.reset()
        if self._box is None:
            self._box = self._box_for(max(quads, key=_side), gray.shape)
        x0, y0, x1, y1 = self._box
        view = _View(np.ascontiguousarray(gray[y0:y1, x0:x1]),
                     np.array([[1.0, 0, x0], [0, 1.0, y0], [0, 0, 1.0]]), ts)
        if self._ring and not self._align(view, self._ring[-1]):
            self._count("unaligned")
            self._ring.clear()          # a new ring from this view, in the same box
        view.norm = self._normalise(view.canvas)
        self._ring.append(view)
        if len(self._ring) < 2:
            return []
        for method in ("min", "mean") if len(self._ring) >= 3 else ("min",):
            fused = self._combine(method)
            for step in self.steps:
                if self.budget_ms is not None and \
                        (self._clock() - t0) * 1000.0 + self._cost.get(step, 0.0) > self.budget_ms:
                    self._count("over_budget")
                    return []
                t = self._clock()
                got = self._read(fused, step, method)
                ms = (self._clock() - t) * 1000.0
                self._cost[step] = ms if step not in self._cost else 0.7 * self._cost[step] + 0.3 * ms
                if got:
                    self._count(f"read:{method}/{step}")
                    self.reset()
                    return got
        return []

    def _box_for(self, quad: np.ndarray, shape) -> tuple[int, int, int, int]:
        """The track's box in frame pixels: around the located quad by `reach` times its side,
        at most canvas_max across, inside the frame."""
        h, w = shape[:2]
        half = int(min(self.canvas_max // 2, max(32.0, self.reach * _side(quad))))
        cx, cy = (int(round(v)) for v in quad.mean(axis=0))
        x0, y0 = max(0, min(cx - half, w - 2 * half)), max(0, min(cy - half, h - 2 * half))
        return (x0, y0, min(w, x0 + 2 * half), min(h, y0 + 2 * half))

    def _inside(self, pt) -> bool:
        """Whether a located symbol at `pt` is still the tracked one: inside the box (less a 10 % rim)."""
        x0, y0, x1, y1 = self._box
        mx, my = 0.1 * (x1 - x0), 0.1 * (y1 - y0)
        return x0 + mx <= pt[0] <= x1 - mx and y0 + my <= pt[1] <= y1 - my

    @staticmethod
    def _texture(img: np.ndarray) -> np.ndarray:
        """What the alignment compares: the view at half size, high-passed (the modules' edges,
        not the light falling on them), with clipped pixels and their rim zeroed (glare moves
        over the card, so it must not pull the registration along)."""
        small = cv2.resize(img, (img.shape[1] // 2, img.shape[0] // 2), interpolation=cv2.INTER_AREA)
        f = small.astype(np.float32)
        hp = f - cv2.GaussianBlur(f, (0, 0), 3.0)
        clipped = cv2.dilate((small >= SATURATED).astype(np.uint8), np.ones((5, 5), np.uint8))
        hp[clipped > 0] = 0.0
        return hp

    def _align(self, view: _View, ref: _View) -> bool:
        """Register `view` onto `ref` by phase correlation of their textures (a translation: the
        card drifts by a few pixels between frames); updates view.canvas and view.to_frame.
        False when they do not correlate (not the same symbol any more)."""
        h, w = ref.canvas.shape
        a, b = self._texture(ref.canvas), self._texture(view.canvas)
        if not hasattr(self, "_window") or self._window.shape != a.shape:
            self._window = cv2.createHanningWindow((a.shape[1], a.shape[0]), cv2.CV_32F)
        (dx, dy), response = cv2.phaseCorrelate(a, b, self._window)
        dx, dy = 2.0 * dx, 2.0 * dy
        if response < 0.05 or max(abs(dx), abs(dy)) > 0.25 * min(w, h):
            return False
        M = np.float32([[1, 0, -dx], [0, 1, -dy]])
        view.canvas = cv2.warpAffine(view.canvas, M, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        # aligned canvas point x is the view's canvas point x + (dx, dy)
        view.to_frame = view.to_frame @ np.array([[1.0, 0, dx], [0, 1.0, dy], [0, 0, 1.0]])
        return True

    @staticmethod
    def _normalise(c: np.ndarray) -> np.ndarray:
        """A view with its levels stretched on its unsaturated pixels (2nd and 98th percentiles
        to 0 and 200, from a histogram), so views at different auto-exposures compare; clipped
        pixels stay the brightest (255)."""
        hist = cv2.calcHist([c], [0], None, [SATURATED], [0, SATURATED]).ravel()
        total = hist.sum()
        if total < 100:
            return c
        cdf = np.cumsum(hist) / total
        lo, hi = float(np.searchsorted(cdf, 0.02)), float(np.searchsorted(cdf, 0.98))
        gain = 200.0 / max(hi - lo, 8.0)
        lut = np.clip((np.arange(256, dtype=np.float32) - lo) * gain, 0, 254).astype(np.uint8)
        lut[SATURATED:] = 255
        return cv2.LUT(c, lut)

    def _combine(self, method: str) -> np.ndarray:
        """The views fused: "min" per pixel (glare only adds light), or "mean" of the samples
        that are not clipped (the minimum where every view is clipped)."""
        views = [v.norm for v in self._ring]
        low = views[0]
        for v in views[1:]:
            low = cv2.min(low, v)
        if method == "min":
            return low
        acc = np.zeros(low.shape, np.uint16)
        n = np.zeros(low.shape, np.uint8)
        for v in views:
            ok = v < 255
            acc += np.where(ok, v, 0).astype(np.uint16)
            n += ok
        return np.where(n > 0, acc // np.maximum(n, 1), low).astype(np.uint8)

    def _read(self, fused: np.ndarray, step: str, method: str) -> list[Decoded]:
        to_frame = self._ring[-1].to_frame
        out = []
        for d in self._reader.run_step(step, fused, label=f"fusion/{method}/{step}"):
            q = np.float32(d.corners)
            pts = cv2.perspectiveTransform(q.reshape(1, 4, 2).astype(np.float64), to_frame).reshape(4, 2)
            corners: tuple[Point, Point, Point, Point] = tuple((float(x), float(y)) for x, y in pts)
            out.append(Decoded(d.text, d.raw, corners, d.decoder))
        return out
