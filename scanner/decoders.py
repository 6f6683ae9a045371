"""QR decoders behind one interface: `decode(gray) -> list[Decoded]`.

- `ZxingDecoder`: zxing-cpp (fast; the workhorse).
- `ZbarDecoder`: ZBar through pyzbar's ctypes wrapper (needs Debian's libzbar0). Configured
  to return the symbol's raw bytes (ZBar would otherwise guess Shift-JIS for UTF-8 text).
- `OpenCvDecoder`: OpenCV's QRCodeDetector (kept for measurement; see bench/bench_scanner.py).
- `CascadeDecoder`: zxing-cpp first, then rescue steps only where they can pay off.
  Its steps and their order come from bench/bench_scanner.py (numbers in the module docs
  of `CascadeDecoder`).

Thread safety: a decoder instance keeps native state (the ZBar scanner, OpenCV detector):
use one instance per thread.

A decoder whose native library is missing raises `DecoderUnavailable` (with the reason and
the fix) when made; `available_decoders()` lists the ones that work, and the cascade skips
a missing one.
"""
from __future__ import annotations

import importlib
import math
import os
import time
from dataclasses import dataclass
from typing import Callable, Protocol, runtime_checkable

import cv2
import numpy as np

from .frames import read_image, to_gray

Point = tuple[float, float]


@dataclass(frozen=True)
class Decoded:
    """One code read from a frame.

    text: the code's text; raw: its bytes as stored in the symbol; corners: 4 (x, y) points
    (top-left, top-right, bottom-right, bottom-left of the symbol as oriented), in frame pixels;
    decoder: which decoder (and cascade step, after a slash) read it, e.g. "zxing", "cascade/zbar-crop".
    """

    text: str
    raw: bytes
    corners: tuple[Point, Point, Point, Point]
    decoder: str

    def to_json(self) -> dict:
        return {"text": self.text, "decoder": self.decoder,
                "corners": [[round(x, 1), round(y, 1)] for x, y in self.corners]}


@runtime_checkable
class Decoder(Protocol):
    name: str

    def decode(self, gray: np.ndarray) -> list[Decoded]:
        """Every QR code in a grayscale uint8 frame (H x W)."""


class DecoderUnavailable(RuntimeError):
    """A decoder's native library or Python package is missing; the message says how to fix it."""


def _bytes_to_text(raw: bytes) -> str:
    # QR byte mode without ECI is ISO-8859-1 by the 2005 standard; in practice UTF-8.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _as_gray(img: np.ndarray) -> np.ndarray:
    if img.ndim == 2 and img.dtype == np.uint8 and img.flags.c_contiguous:
        return img
    return to_gray(img)


def _offset(corners, dx: float, dy: float, scale: float = 1.0):
    return tuple((float(x / scale + dx), float(y / scale + dy)) for x, y in corners)


# ---------------------------------------------------------------------------------------------
# zxing-cpp


class ZxingDecoder:
    """zxing-cpp, QR only. `binarizer`: "local" (default), "global", "fixed"; other keyword
    arguments go to `zxingcpp.read_barcodes` (try_rotate, try_downscale, try_invert, is_pure)."""

    name = "zxing"

    def __init__(self, binarizer: str = "local", **options):
        try:
            import zxingcpp
        except ImportError as exc:  # pragma: no cover - it is a hard dependency
            raise DecoderUnavailable(f"zxing-cpp is not installed ({exc}); pip install zxing-cpp") from exc
        self._zx = zxingcpp
        self._binarizer = {
            "local": zxingcpp.Binarizer.LocalAverage,
            "global": zxingcpp.Binarizer.GlobalHistogram,
            "fixed": zxingcpp.Binarizer.FixedThreshold,
        }[binarizer]
        self._options = options
        # zxing-cpp 3's QRCode is the family (Model 1 and 2, Micro QR, rMQR): searching for all
        # of them keeps their failed detections (a lone finder pattern is a Micro QR candidate),
        # which is how the cascade and fusion locate a symbol glare has half erased; but only a
        # QR Code Model 2 is ever *read* (`accepted`).
        self._formats = zxingcpp.BarcodeFormat.QRCode
        fmt = zxingcpp.BarcodeFormat
        self._model2 = {int(fmt.QRCode)} | ({int(fmt.QRCodeModel2)} if hasattr(fmt, "QRCodeModel2") else set())

    def read(self, gray: np.ndarray, *, return_errors: bool = False, **overrides):
        """The raw zxing-cpp barcodes (valid ones, plus failed ones if return_errors)."""
        opts = dict(self._options, **overrides)
        opts.setdefault("binarizer", self._binarizer)
        return self._zx.read_barcodes(gray, formats=self._formats, return_errors=return_errors, **opts)

    def accepted(self, barcode) -> bool:
        """Whether a barcode from `read` is a code to report: valid and a QR Code Model 2.

        Never a Micro QR: it has one finder pattern and M1 only detects errors, so the floorless
        "bin" threshold's noise read one (text "4") off a real symbol's finder pattern under
        moving glare (bench sequences at severity 0.7-1.0). No issuer prints Micro QR, rMQR or
        Model 1. A valid one of those is treated as a located, unread symbol instead."""
        return barcode.valid and int(barcode.format) in self._model2

    @staticmethod
    def corners_of(barcode) -> tuple[Point, Point, Point, Point]:
        p = barcode.position
        return tuple((float(q.x), float(q.y)) for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left))

    def to_decoded(self, barcode, name: str | None = None, dx=0.0, dy=0.0, scale=1.0) -> Decoded:
        raw = bytes(barcode.bytes)
        text = barcode.text
        if barcode.symbology_identifier == "]Q1":
            # No ECI: zxing-cpp reads byte segments as ISO-8859-1 (the standard's default);
            # phones and issuers write UTF-8 without ECI, so prefer UTF-8 when it is valid.
            text = _bytes_to_text(raw)
        return Decoded(text=text, raw=raw, corners=_offset(self.corners_of(barcode), dx, dy, scale),
                       decoder=name or self.name)

    def decode(self, gray: np.ndarray) -> list[Decoded]:
        gray = _as_gray(gray)
        return [self.to_decoded(b) for b in self.read(gray) if self.accepted(b)]


# ---------------------------------------------------------------------------------------------
# ZBar

_ZBAR_HELP = ("ZBar's shared library is missing (pyzbar: {exc}); install Debian's libzbar0: "
              "apt-get install libzbar0 (the zxing decoder still works)")


class ZbarDecoder:
    """ZBar (QR only) with raw-bytes output. Raises DecoderUnavailable without libzbar0."""

    name = "zbar"

    def __init__(self):
        try:
            zw = importlib.import_module("pyzbar.wrapper")
        except ImportError as exc:
            raise DecoderUnavailable(_ZBAR_HELP.format(exc=exc)) from exc
        self._w = zw
        scanner = zw.zbar_image_scanner_create()
        if not scanner:
            raise DecoderUnavailable("ZBar could not create an image scanner")
        self._scanner = scanner
        qr = zw.ZBarSymbol.QRCODE
        zw.zbar_image_scanner_set_config(scanner, 0, zw.ZBarConfig.CFG_ENABLE, 0)  # all symbologies off
        zw.zbar_image_scanner_set_config(scanner, qr, zw.ZBarConfig.CFG_ENABLE, 1)
        self._binary = self._set_binary(zw, scanner)

    @staticmethod
    def _set_binary(zw, scanner) -> bool:
        """Ask ZBar for the symbol's bytes instead of its charset guess (ZBAR_CFG_BINARY).
        The enum value moved between ZBar versions, so parse it from the config string."""
        from ctypes import byref, c_int

        sym, cfg, val = c_int(), c_int(), c_int()
        if zw.zbar_parse_config(b"qrcode.binary=1", byref(sym), byref(cfg), byref(val)) != 0:
            return False
        return zw.zbar_image_scanner_set_config(scanner, sym.value, cfg.value, val.value) == 0

    def __del__(self):
        scanner = getattr(self, "_scanner", None)
        if scanner:
            try:
                self._w.zbar_image_scanner_destroy(scanner)
            except Exception:  # interpreter shutdown
                pass

    def decode(self, gray: np.ndarray, name: str | None = None) -> list[Decoded]:
        from ctypes import c_void_p, cast, string_at

        zw = self._w
        gray = _as_gray(gray)
        h, w = gray.shape
        image = zw.zbar_image_create()
        try:
            zw.zbar_image_set_format(image, 0x59455247)  # fourcc 'GREY'
            zw.zbar_image_set_size(image, w, h)
            data = gray.tobytes()
            zw.zbar_image_set_data(image, cast(data, c_void_p), len(data), None)
            if zw.zbar_scan_image(self._scanner, image) < 0:
                return []
            out = []
            symbol = zw.zbar_image_first_symbol(image)
            while symbol:
                raw = string_at(zw.zbar_symbol_get_data(symbol), zw.zbar_symbol_get_data_length(symbol))
                n = zw.zbar_symbol_get_loc_size(symbol)
                pts = [(float(zw.zbar_symbol_get_loc_x(symbol, i)), float(zw.zbar_symbol_get_loc_y(symbol, i)))
                       for i in range(n)]
                out.append(Decoded(text=_bytes_to_text(raw), raw=raw, corners=_quad(pts), decoder=name or self.name))
                symbol = zw.zbar_symbol_next(symbol)
            return out
        finally:
            zw.zbar_image_destroy(image)


def _quad(pts) -> tuple[Point, Point, Point, Point]:
    """Four corners from a decoder's point list (ZBar gives 4 for QR: TL, BL, BR, TR)."""
    if len(pts) == 4:
        tl, bl, br, tr = pts
        return (tl, tr, br, bl)
    if not pts:
        return ((0.0, 0.0),) * 4
    arr = np.float32(pts)
    box = cv2.boxPoints(cv2.minAreaRect(arr))
    return tuple((float(x), float(y)) for x, y in box)


# ---------------------------------------------------------------------------------------------
# OpenCV


class OpenCvDecoder:
    """OpenCV's QRCodeDetector (multi-code)."""

    name = "opencv"

    def __init__(self, aruco: bool = False):
        self._det = cv2.QRCodeDetectorAruco() if aruco else cv2.QRCodeDetector()

    def decode(self, gray: np.ndarray, name: str | None = None) -> list[Decoded]:
        gray = _as_gray(gray)
        try:
            ok, texts, points, _ = self._det.detectAndDecodeMulti(gray)
        except cv2.error:
            return []
        if not ok or points is None:
            return []
        out = []
        for text, quad in zip(texts, points):
            if not text:
                continue
            out.append(Decoded(text=text, raw=text.encode("utf-8"),
                               corners=tuple((float(x), float(y)) for x, y in quad[:4]),
                               decoder=name or self.name))
        return out


# ---------------------------------------------------------------------------------------------
# the cascade


def _crop_box(corners, shape, margin: float):
    """Axis-aligned crop around a quad, grown by `margin` times its size, clipped to the frame."""
    pts = np.float32(corners)
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    size = max(x1 - x0, y1 - y0, 8.0)
    m = size * margin
    h, w = shape
    return (int(max(0, math.floor(x0 - m))), int(max(0, math.floor(y0 - m))),
            int(min(w, math.ceil(x1 + m))), int(min(h, math.ceil(y1 + m))))


def _overlap(a, b) -> float:
    """Intersection over the smaller box's area, for (x0, y0, x1, y1) boxes."""
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / small if small > 0 else 0.0


def _sharpen(img: np.ndarray, sigma: float, amount: float) -> np.ndarray:
    blurred = cv2.GaussianBlur(img, (0, 0), sigma)
    return cv2.addWeighted(img, 1 + amount, blurred, -amount, 0)


BIN_WINDOW = 17   # px: the "bin" threshold's window, 3-6 modules at the sizes the live path sees


def binarize_local(img: np.ndarray, window: int = BIN_WINDOW) -> np.ndarray:
    """Black (0) where a pixel is darker than the mean of its `window` x `window` neighbourhood
    (less 2 levels), else white (255).

    zxing-cpp's own local binarizer leaves a block white when its contrast is below a fixed
    floor (24 levels): that is right on a clean frame and wrong where glare, a highlight's
    halo or a screen seen at an angle has squeezed the modules into a few levels. This one has
    no floor, so those modules survive; the price is noise in flat areas, which the QR finder
    and Reed-Solomon reject (0 false reads in the bench)."""
    return cv2.adaptiveThreshold(img, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, window | 1, 2)


def apply_variant(img: np.ndarray, tokens, ref_scale: float = 1.0) -> tuple[np.ndarray, float]:
    """Image transforms named by step tokens: "up" (2x cubic), "half" (0.5x area), "sharp"
    (unsharp mask), "sharp2" (stronger), "eq" (CLAHE), "inv" (invert), "bin" (binarize_local:
    a local mean threshold without a contrast floor; zxing then reads the bits as they are).
    Returns (image, scale).

    `ref_scale` is the frame's height / 480: the unsharp mask's radius follows it, since the
    same scene at 720 lines shows 1.5x more pixels per module than at 480."""
    scale = 1.0
    for tok in tokens:
        if tok == "up":
            scale *= 2.0
            img = cv2.resize(img, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
        elif tok == "half":
            scale *= 0.5
            img = cv2.resize(img, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        elif tok == "sharp":
            img = _sharpen(img, 1.5 * scale * ref_scale, 1.5)
        elif tok == "sharp2":
            img = _sharpen(img, 2.5 * scale * ref_scale, 2.0)
        elif tok == "eq":
            img = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(img)
        elif tok == "inv":
            img = 255 - img
        elif tok == "bin":
            img = binarize_local(img)
        elif tok == "global":
            pass  # a binarizer choice, handled by the zxing step
        else:
            raise ValueError(f"unknown step token {tok!r}")
    return img, scale


STILL_FULL_PIXELS = 12_500_000   # still images up to this many pixels are decoded at full resolution


def least_saturated_channel(bgr: np.ndarray, clipped: int = 250, min_fraction: float = 0.001) -> np.ndarray | None:
    """The colour channel (B, G or R, contiguous) with the fewest clipped pixels, when some
    channel of the image is clipped on at least `min_fraction` of its pixels; else None
    (nothing saturated: the grey image already says everything the channels do)."""
    counts = [int(cv2.countNonZero(cv2.inRange(bgr[:, :, c], clipped, 255))) for c in range(3)]
    if max(counts) < min_fraction * bgr.shape[0] * bgr.shape[1]:
        return None
    return np.ascontiguousarray(bgr[:, :, int(np.argmin(counts))])


class CascadeDecoder:
    """zxing-cpp first; extra steps only on frames where they can pay off.

    1. zxing-cpp (local-average binarizer) on the whole frame with `return_errors=True`:
       it returns the codes it read and also the symbols it located but could not decode.
    2. *Crop steps* run on a crop around each located-but-unread symbol (at most `max_crops`),
       in order, stopping at the first that reads it. They cost well under a millisecond
       on most crops, since a crop is small.
    3. *Frame steps* run on the whole frame only when nothing at all was read in it (no code,
       or one zxing could not even locate: heavy blur, low contrast, small modules), in order,
       stopping at the first that reads something.
    4. A time budget (`budget_ms`, default 25 ms per frame) keeps a frame from holding up the
       next one: the cascade learns each step's cost (ms per pixel, moving average) and skips
       the remaining steps when the next one would not fit. Time is the decoding thread's CPU
       time (`clock`, default time.thread_time), so what the cascade does with a frame does
       not depend on other processes' load. `budget_ms=None` runs every step.

    A step is "<decoder>[-<token>...]": decoder zxing | zbar | opencv; tokens from
    `apply_variant` plus "global" (zxing's global-histogram binarizer). The default steps
    and their order come from bench/bench_scanner.py --explore (numbers in README / report):
    each kept step rescues codes the earlier ones miss at a cost the frame budget allows.
    A step whose decoder is unavailable (zbar without libzbar0) is skipped; `missing` says why.

        >>> dec = CascadeDecoder()
        >>> [d.text for d in dec.decode(gray)]          # doctest: +SKIP
    """

    name = "cascade"

    def __init__(self, crop_steps: tuple[str, ...] | None = None, frame_steps: tuple[str, ...] | None = None,
                 max_crops: int = 3, budget_ms: float | None = 25.0,
                 clock: Callable[[], float] = time.thread_time):
        self._zx = ZxingDecoder()
        self.budget_ms = budget_ms
        self._clock = clock
        self.max_crops = max_crops
        self._ms_per_px: dict[str, float] = {}  # learned cost of each step, ms per pixel (EMA)
        self.crop_steps = tuple(DEFAULT_CROP_STEPS if crop_steps is None else crop_steps)
        self.frame_steps = tuple(DEFAULT_FRAME_STEPS if frame_steps is None else frame_steps)
        self.missing: dict[str, str] = {}
        self._zbar = None
        self._cv = None
        kinds = {s.split("-")[0] for s in self.crop_steps + self.frame_steps}
        for s in self.crop_steps + self.frame_steps:
            apply_variant(np.zeros((4, 4), np.uint8), s.split("-")[1:])  # validate names early
            if s.split("-")[0] not in ("zxing", "zbar", "opencv"):
                raise ValueError(f"unknown cascade step {s!r}")
        if "zbar" in kinds:
            try:
                self._zbar = ZbarDecoder()
            except DecoderUnavailable as exc:
                self.missing["zbar"] = str(exc)
        if "opencv" in kinds:
            self._cv = OpenCvDecoder()
        self.stats: dict[str, int] = {}  # rescues per step, for the bench and diagnostics
        # the corners of the symbols the last decode() located but nothing could read (what
        # scanner.multiframe fuses over consecutive frames)
        self.located: list[tuple[Point, Point, Point, Point]] = []

    def _fits(self, step: str, pixels: int, t0: float, budget_ms: float | None) -> bool:
        """Whether `step` on `pixels` is expected to finish within the frame budget."""
        if budget_ms is None:
            return True
        elapsed = (self._clock() - t0) * 1000.0
        predicted = self._ms_per_px.get(step, 0.0) * pixels
        if elapsed + predicted <= budget_ms:
            return True
        self.stats["skipped"] = self.stats.get("skipped", 0) + 1
        return False

    def _timed_step(self, key: str, step: str, img, **kw) -> list[Decoded]:
        t = self._clock()
        got = self.run_step(step, img, **kw)
        ms = (self._clock() - t) * 1000.0
        rate = ms / max(1, img.size)
        old = self._ms_per_px.get(key)
        self._ms_per_px[key] = rate if old is None else 0.8 * old + 0.2 * rate
        return got

    def decode(self, gray: np.ndarray) -> list[Decoded]:
        """Every code in one camera frame, within the per-frame budget."""
        return self._decode(_as_gray(gray), self.budget_ms)

    def decode_still(self, img: np.ndarray) -> list[Decoded]:
        """Every code in a still image (a photo up to 12 MP and beyond, grey or BGR): the whole
        cascade with no time budget, over a pyramid, then on the least saturated colour channel.

        1. The full-resolution frame, zxing-cpp alone: its own downscaling finds big symbols.
        2. The cascade, coarse to fine: levels halving from the full size down to a long side
           of about 1000-2000 px, coarsest first. The rescue steps work in pixels (the
           unsharp radius, the local threshold's window), so a 20 px module is met at the
           level where it is 3-6 px; the coarse levels are also the cheap ones. The first
           level that reads anything ends the search (its codes are every code it saw).
        3. A colour photo with clipped pixels: the same on the channel with the fewest clipped
           pixels. A highlight of a warm lamp saturates red and green before blue; the blue
           channel then still shows the modules under it.
        """
        shrink = 1.0
        if img.shape[0] * img.shape[1] > STILL_FULL_PIXELS:
            # bigger than 12 MP: decoded at 12 MP (a 36 MP picture has no module a 12 MP one lacks)
            shrink = math.sqrt(STILL_FULL_PIXELS / (img.shape[0] * img.shape[1]))
            img = cv2.resize(img, (max(1, int(img.shape[1] * shrink)), max(1, int(img.shape[0] * shrink))),
                             interpolation=cv2.INTER_AREA)
        colour = img if img.ndim == 3 and img.shape[2] == 3 and img.dtype == np.uint8 else None
        gray = _as_gray(img)
        found = self._decode_pyramid(gray)
        if not found and colour is not None:
            chan = least_saturated_channel(colour)
            if chan is not None:
                found = [Decoded(d.text, d.raw, d.corners, d.decoder + "+channel") for d in self._decode_pyramid(chan)]
        if shrink != 1.0:
            found = [Decoded(d.text, d.raw, _offset(d.corners, 0, 0, shrink), d.decoder) for d in found]
        return found

    def _decode_pyramid(self, gray: np.ndarray) -> list[Decoded]:
        found = [self._zx.to_decoded(b, "cascade/zxing") for b in self._zx.read(gray) if self._zx.accepted(b)]
        if found:
            return found
        levels = [(gray, 1.0)]
        while max(levels[-1][0].shape) > 2000:
            g, sc = levels[-1]
            levels.append((cv2.resize(g, (g.shape[1] // 2, g.shape[0] // 2), interpolation=cv2.INTER_AREA), sc * 2))
        for g, sc in reversed(levels):
            found = self._decode(g, None)
            if found:
                return [Decoded(d.text, d.raw, _offset(d.corners, 0, 0, 1 / sc), d.decoder) for d in found]
        return []

    def _decode(self, gray: np.ndarray, budget_ms: float | None) -> list[Decoded]:
        t0 = self._clock()
        found: list[Decoded] = []
        failed = []
        for b in self._zx.read(gray, return_errors=True):
            if self._zx.accepted(b):
                found.append(self._zx.to_decoded(b, "cascade/zxing"))
            else:
                failed.append(b)
        texts = {d.text for d in found}
        ref_scale = max(1.0, gray.shape[0] / 480.0)
        boxes = [_crop_box(d.corners, gray.shape, 0.0) for d in found]
        tried = 0
        unread = []
        for b in failed:
            if tried >= self.max_crops:
                break
            corners = self._zx.corners_of(b)
            box = _crop_box(corners, gray.shape, 0.0)
            if any(_overlap(box, k) > 0.5 for k in boxes):
                continue  # a symbol already read, or already tried (zxing reports some twice)
            boxes.append(box)
            tried += 1
            unread.append((corners, box))
            x0, y0, x1, y1 = _crop_box(corners, gray.shape, 0.15)
            crop = gray[y0:y1, x0:x1]
            if crop.size == 0:
                continue
            for step in self.crop_steps:
                key = "crop:" + step
                if not self._fits(key, crop.size, t0, budget_ms):
                    break
                got = [d for d in self._timed_step(key, step, crop, dx=x0, dy=y0, label=f"cascade/{key}",
                                                   ref_scale=ref_scale) if d.text not in texts]
                if got:
                    self.stats[key] = self.stats.get(key, 0) + 1
                    found.extend(got)
                    texts.update(d.text for d in got)
                    break
        if not found:
            for step in self.frame_steps:
                key = "frame:" + step
                if not self._fits(key, gray.size, t0, budget_ms):
                    break
                got = self._timed_step(key, step, gray, label=f"cascade/{key}", ref_scale=ref_scale)
                if got:
                    self.stats[key] = self.stats.get(key, 0) + 1
                    found.extend(got)
                    break
        read = [_crop_box(d.corners, gray.shape, 0.0) for d in found]
        self.located = [c for c, box in unread if not any(_overlap(box, k) > 0.5 for k in read)]
        return found

    def run_step(self, step: str, img: np.ndarray, dx: float = 0.0, dy: float = 0.0,
                 label: str | None = None, ref_scale: float = 1.0) -> list[Decoded]:
        """One step on an image (a crop at (dx, dy) in the frame, or the frame)."""
        kind, *tokens = step.split("-")
        img, scale = apply_variant(img, tokens, ref_scale)
        label = label or step
        if kind == "zxing":
            zb = self._zx._zx.Binarizer
            extra = {}
            if "bin" in tokens:
                # already black and white: zxing takes the bits as they are (0 = dark); an
                # inverted (dark-mode) code is read by the plain steps, so no inverted pass
                binarizer, extra = zb.BoolCast, {"try_invert": False}
            else:
                binarizer = zb.GlobalHistogram if "global" in tokens else self._zx._binarizer
            return [self._zx.to_decoded(b, label, dx, dy, scale) for b in self._zx.read(img, binarizer=binarizer, **extra)
                    if self._zx.accepted(b)]
        dec = self._zbar if kind == "zbar" else self._cv
        if dec is None:
            return []
        return [Decoded(d.text, d.raw, _offset(d.corners, dx, dy, scale), label) for d in dec.decode(img)]


# Chosen by `python -m bench.bench_scanner --explore --count 16` (seed 2026, CPU ms on one core):
# 15 categories at 640x480; the same plus the 6 photo categories at 1280x720. Each list is the
# union of the greedy picks (most new rescues per ms first) at both sizes, in order of cost;
# a step that rescued nothing the others did not, or read anything wrong, is out.
#
# Crop steps, on symbols zxing located but could not read (43 at 640x480, 112 at 1280x720):
#   zxing-half-bin   +2 / +7,  0.1 / 0.2 ms   local threshold without a contrast floor on a half-
#                                             size crop: glare, highlight halos, low contrast
#   zxing-sharp      +10 / +12, 0.5 / 0.9 ms  unsharp mask (radius follows the frame height)
#   zxing-bin        +0 / +1,  0.4 / 0.6 ms   the same threshold at full size (small modules)
#   zxing-sharp-bin  +1 / +0,  0.5 / 0.9 ms   both: blur and low contrast together
#   zbar-eq          +1 / +0,  2.4 / 3.9 ms   ZBar's own binariser after CLAHE
#   Out: zxing-eq and zxing-up (kept before; +0 once the "bin" steps are in), zxing-global,
#   zbar / zbar-up / zbar-sharp (covered), opencv (0-2, 7-24 ms).
# Frame steps, on frames where zxing read nothing (44 / 89 frames, incl. the empty ones):
#   zxing-half-bin        +5 / +9, 0.3 / 0.8 ms   first: cheapest, and the biggest single winner
#   zxing-half-sharp      +6 / +9, 0.5 / 1.3 ms   defocus, motion blur
#   zxing-global          +0 / +2, 0.4 / 0.9 ms   zxing's global-histogram binariser: steep views
#   zxing-half-sharp-bin  +0 / +2, 0.6 / 1.3 ms
#   zxing-sharp-bin       +0 / +4, 1.8 / 4.7 ms   full-size: small modules under glare or blur
#   zxing-sharp           +8 / +0, 1.9 / 5.4 ms   full-size sharpen: small modules, strong blur
#   zbar-half             +0 / +3, 2.2 / 6.2 ms   ZBar rescues rotated / edge / motion frames
#   zxing-eq              +1 / +1, 2.8 / 7.8 ms   CLAHE
#   zxing-sharp2          +1 / +0, 2.4 / 7.4 ms
#   Out: zxing-half / zxing-half-eq (kept before; +0 now), zxing-eq-bin / zxing-bin (covered),
#   zbar on the full frame (24 ms at 1280x720), opencv (11-35 ms).
# With the 25 ms budget an empty 1280x720 frame usually stops before zxing-eq.
# zxing-cpp's other options: try_invert and try_rotate are on in every step (dark mode,
# rotation); try_downscale is on (it is how big symbols are found); is_pure rescued nothing on
# rectified crops; try_denoise (a morphological closing of the binarised image) is not in the
# Python binding (3.1.1); the same done by hand before a BoolCast read rescued fewer than "bin".
DEFAULT_CROP_STEPS: tuple[str, ...] = ("zxing-half-bin", "zxing-sharp", "zxing-bin", "zxing-sharp-bin", "zbar-eq")
DEFAULT_FRAME_STEPS: tuple[str, ...] = ("zxing-half-bin", "zxing-half-sharp", "zxing-global", "zxing-half-sharp-bin",
                                        "zxing-sharp-bin", "zxing-sharp", "zbar-half", "zxing-eq", "zxing-sharp2")


# ---------------------------------------------------------------------------------------------
# registry and helpers

_FACTORIES = {
    "zxing": ZxingDecoder,
    "zbar": ZbarDecoder,
    "opencv": OpenCvDecoder,
    "cascade": CascadeDecoder,
}


def make_decoder(name: str) -> Decoder:
    """A decoder by name: "zxing", "zbar", "opencv" or "cascade". Raises DecoderUnavailable
    (for zbar without libzbar0) or ValueError (unknown name)."""
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise ValueError(f"unknown decoder {name!r}; known: {', '.join(_FACTORIES)}") from None
    return factory()


def available_decoders() -> dict[str, str | None]:
    """Every decoder name mapped to None if it works here, else the reason it does not."""
    out: dict[str, str | None] = {}
    for name in _FACTORIES:
        try:
            make_decoder(name)
            out[name] = None
        except DecoderUnavailable as exc:
            out[name] = str(exc)
    return out


_default_cascade: CascadeDecoder | None = None


def decode_image_file(path: str | os.PathLike, decoder: Decoder | None = None) -> list[Decoded]:
    """Every QR code in an image file, read with the cascade's still-image path
    (`CascadeDecoder.decode_still`) by default. The file is read by
    `scanner.frames.read_image` (PNG/JPEG/..., colour or gray, 16-bit, alpha, non-ASCII paths
    fine; at most MAX_PIXELS, checked from the header before decoding); raises FileNotFoundError,
    or scanner.frames.ImageRejected (a ValueError) with a one-line reason."""
    global _default_cascade
    if decoder is None:
        if _default_cascade is None:
            _default_cascade = CascadeDecoder()
        decoder = _default_cascade
    still = getattr(decoder, "decode_still", None)
    img = read_image(path, colour=still is not None)
    gray = _as_gray(img)
    # a still image gets the cascade's full treatment (no frame budget, pyramid, colour channel)
    found = still(img) if still is not None else decoder.decode(gray)
    if not found and min(gray.shape) < 200:
        # a tiny generated image (1 px per module): give the finder room to work
        found = decoder.decode(cv2.resize(gray, None, fx=4, fy=4, interpolation=cv2.INTER_NEAREST))
        found = [Decoded(d.text, d.raw, _offset(d.corners, 0, 0, 4.0), d.decoder) for d in found]
    return found
