"""Exposure control for bright phone screens (issue 15, camera side).

A phone at full brightness in a dim gate is many times brighter than anything else in view.
The camera's auto-exposure meters the whole scene, so the screen is clipped to white and the
code on it is gone: no decoder can read what the sensor never recorded. The fix is at the
camera: a shorter exposure. `ExposureController` watches the scan loop's frames and, when a
large clipped region covers a located symbol (or a screen-like clipped rectangle is in view)
and nothing reads, asks the camera for half the exposure, then half again every few frames, down
to `min_scale`; once the code was read (and has gone, or `hold_after_read_s` passed), when the
bright thing has gone, or after `max_hold_s`, it gives the camera back its own auto-exposure. After an attempt that read nothing (a lamp or a window
in view, not a screen) it waits `cooldown_s` before trying again, so the picture does not pulse.

The camera is anything with `set_exposure_scale(scale | None)`: `scanner.frames.CameraSource`
(cv2 CAP_PROP_AUTO_EXPOSURE / CAP_PROP_EXPOSURE on a V4L2 camera, applied on the source's own
thread) or, in tests and the bench, a CameraSource playing `scanner.synth.SimulatedCamera`,
whose frames are rendered from the scene's light at the exposure set.

Pure apart from the camera call: the caller passes each frame's time.
"""
from __future__ import annotations

from typing import Any, Sequence

import cv2
import numpy as np

SATURATED = 250


class ExposureController:
    """Lowers the camera's exposure while a bright screen hides a code; restores it after.

    camera: has set_exposure_scale(scale) (scale of the exposure the camera had; None: its own
    auto-exposure again). symbol_fraction: the clipped share of a located symbol's box that counts
    as over-exposed; blob_fraction: a clipped, filled, roughly rectangular region this big a share
    of the frame counts too (a screen so blown out that no symbol is located on it); step: the
    factor per change; settle_frames: frames to wait after a change before judging it (the
    camera applies it a frame or two later); min_scale: the lowest scale; lost_s: restore when
    nothing bright or located was seen for this long; max_hold_s: restore this long after the
    first change at the latest, unless a code was read; hold_after_read_s: after a read the
exposure stays while the code is in view (the debounce sees one steady code), then is restored,
or at once when the code has gone; cooldown_s: no new attempt this long after a timeout or a
held read (twice lost_s after the bright thing went away).
    """

    def __init__(self, camera: Any, *, symbol_fraction: float = 0.25, blob_fraction: float = 0.01,
                 step: float = 0.5, settle_frames: int = 2, min_scale: float = 1 / 16, lost_s: float = 0.6,
                 max_hold_s: float = 3.0, hold_after_read_s: float = 1.5, cooldown_s: float = 8.0):
        self.camera = camera
        self.symbol_fraction = symbol_fraction
        self.blob_fraction = blob_fraction
        self.step = step
        self.settle_frames = settle_frames
        self.min_scale = min_scale
        self.lost_s = lost_s
        self.max_hold_s = max_hold_s
        self.cooldown_s = cooldown_s
        self.hold_after_read_s = hold_after_read_s
        self.scale = 1.0                # 1.0: the camera's own exposure
        self.events: list[tuple[float, str, float]] = []   # (time, "lower" | "restore:<why>", scale)
        self._started = self._seen = 0.0
        self._since_change = 0
        self._read_at: float | None = None
        self._cooldown_until = float("-inf")

    @property
    def active(self) -> bool:
        return self.scale != 1.0

    def over_exposed(self, gray: np.ndarray, located: Sequence | None) -> bool:
        """Whether a located symbol is largely clipped, or a screen-like clipped region is in view."""
        h, w = gray.shape[:2]
        for quad in located or ():
            pts = np.float32(quad).reshape(4, 2)
            x0, y0 = np.maximum(np.floor(pts.min(axis=0)).astype(int), 0)
            x1, y1 = np.ceil(pts.max(axis=0)).astype(int) + 1
            box = gray[y0:min(y1, h), x0:min(x1, w)]
            if box.size and cv2.countNonZero(cv2.inRange(box, SATURATED, 255)) >= self.symbol_fraction * box.size:
                return True
        small = cv2.resize(gray, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
        mask = cv2.inRange(small, SATURATED, 255)
        if cv2.countNonZero(mask) < self.blob_fraction * mask.size:
            return False
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for c in contours:
            area = cv2.contourArea(c)            # the outline's area: the code's modules are holes in it
            if area < self.blob_fraction * mask.size:
                continue
            (_, _), (rw, rh), _ = cv2.minAreaRect(c)
            # a screen: a filled, turned rectangle, not a streak
            if area >= 0.6 * rw * rh and max(rw, rh) <= 3 * min(rw, rh):
                return True
        return False

    def update(self, gray: np.ndarray, located: Sequence | None, decoded: bool, now: float) -> None:
        """One frame: `located` the symbols located but not read, `decoded` whether anything read."""
        if decoded:
            if self.active:
                self._seen = now
                if self._read_at is None:
                    self._read_at = now
                elif now - self._read_at > self.hold_after_read_s:
                    self._restore(now, "read", self.cooldown_s)
            return
        bright = self.over_exposed(gray, located)
        if not self.active:
            if bright and now >= self._cooldown_until:
                self._started = self._seen = now
                self._read_at = None
                self._change(now, self.step)
            return
        self._since_change += 1
        if bright or located:
            self._seen = now
        if now - self._seen > self.lost_s:
            self._restore(now, "gone" if self._read_at is None else "read", self.lost_s * 2)
        elif self._read_at is not None and now - self._read_at > self.hold_after_read_s:
            self._restore(now, "read", self.cooldown_s)
        elif now - self._started > self.max_hold_s:
            self._restore(now, "timeout", self.cooldown_s)
        elif (bright and self._read_at is None and self._since_change >= self.settle_frames
              and self.scale > self.min_scale):
            self._change(now, max(self.min_scale, self.scale * self.step))

    def _change(self, now: float, scale: float) -> None:
        self.scale = scale
        self._since_change = 0
        self.camera.set_exposure_scale(scale)
        self.events.append((now, "lower", scale))

    def _restore(self, now: float, why: str, cooldown_s: float) -> None:
        self.scale = 1.0
        self.camera.set_exposure_scale(None)
        self.events.append((now, f"restore:{why}", 1.0))
        self._cooldown_until = now + cooldown_s

    def close(self) -> None:
        """Give the camera its own exposure back (the loop is ending)."""
        if self.active:
            self.scale = 1.0
            self.camera.set_exposure_scale(None)


def exposure_controller_for(source: Any, **options) -> ExposureController | None:
    """An ExposureController for a frame source that can set its exposure (a CameraSource),
    else None (a video file or an image folder has no exposure to set)."""
    return ExposureController(source, **options) if callable(getattr(source, "set_exposure_scale", None)) else None
