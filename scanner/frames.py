"""Frame sources: a camera, a video file, a folder of images (or one image), behind one interface.

Every source yields `Frame`s: a grayscale uint8 image, a monotonic timestamp in seconds and
a running index. `read()` returns a Frame, or None when there is no frame right now (a
camera reconnecting) or any more (`state == "ended"`). `state` is one of
"opening", "live", "reconnecting", "ended", "failed".

Threads: a source is used from one thread. `LatestFrameReader` runs a source on its own
thread and keeps only the newest frame, so a slow decoder never falls behind the camera.

    >>> src = open_source("video:assets/demo.avi")          # doctest: +SKIP
    >>> with LatestFrameReader(src) as reader:              # doctest: +SKIP
    ...     frame = reader.get(timeout=1.0)
"""
from __future__ import annotations

import logging
import os
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol, runtime_checkable

import cv2
import numpy as np

log = logging.getLogger(__name__)

OPENING, LIVE, RECONNECTING, ENDED, FAILED = "opening", "live", "reconnecting", "ended", "failed"
STATES = (OPENING, LIVE, RECONNECTING, ENDED, FAILED)
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm"}
VIDEO_SUFFIXES = {".avi", ".mp4", ".mkv", ".mov", ".webm", ".mjpg", ".mjpeg"}


@dataclass(frozen=True)
class Frame:
    """One grayscale frame: `gray` (H x W uint8), `ts` (monotonic seconds), `index` (0, 1, ...)."""

    gray: np.ndarray
    ts: float
    index: int


@runtime_checkable
class FrameSource(Protocol):
    state: str

    def open(self) -> None: ...

    def read(self) -> Frame | None: ...

    def close(self) -> None: ...


def _composite_over_white(img: np.ndarray) -> np.ndarray:
    """BGRA (or grey+alpha), 8- or 16-bit -> gray uint8 composited over white, in integer
    arithmetic a strip of rows at a time (the temporaries stay about _STRIP_PIXELS big)."""
    h, w = img.shape[:2]
    top = np.uint64(65535 if img.dtype == np.uint16 else 255)
    out = np.empty((h, w), np.uint8)
    rows = max(1, _STRIP_PIXELS // max(w, 1))
    for y in range(0, h, rows):
        s = img[y:y + rows]
        g = cv2.cvtColor(s, cv2.COLOR_BGRA2GRAY) if s.shape[2] == 4 else s[:, :, 0]
        a = s[:, :, -1].astype(np.uint64)
        v = g.astype(np.uint64) * a + top * (top - a)          # 0 .. top*top
        out[y:y + rows] = (v * np.uint64(255) + top * top // np.uint64(2)) // (top * top)
    return out


def to_gray(img: np.ndarray) -> np.ndarray:
    """BGR / BGRA / gray+alpha / gray image, 8- or 16-bit -> contiguous gray uint8. Alpha is
    composited over white; 16-bit is scaled to 8-bit (x/257); no float copy of the frame."""
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.ndim == 3:
        if img.shape[2] in (2, 4) and img.dtype in (np.uint8, np.uint16):
            return _composite_over_white(img)
        if img.shape[2] == 4:
            img = cv2.cvtColor(img, cv2.COLOR_BGRA2GRAY)
        elif img.shape[2] == 3:
            img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        else:
            img = img[:, :, 0]
    if img.dtype == np.uint16:
        img = cv2.convertScaleAbs(img, alpha=1 / 257)
    elif img.dtype != np.uint8:
        img = cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX, dtype=cv2.CV_8U)
    return np.ascontiguousarray(img)


# ---------------------------------------------------------------------------------------------
# the one bounded image reader

MAX_PIXELS = 40_000_000          # a 12 MP (or 24 MP) photo is fine; a 20000x20000 bomb is not
MAX_REDUCED_PIXELS = 4 * MAX_PIXELS   # a JPEG up to this is decoded at half size by libjpeg itself
MAX_DECODE_BYTES = 200 << 20     # the decoder's output buffer for an image kept with its alpha
MAX_IMAGE_FILE = 64 << 20        # bytes read from an image file
_STRIP_PIXELS = 1 << 20          # alpha is composited this many pixels at a time


class ImageRejected(ValueError):
    """An image file that will not be decoded: not an image, truncated, corrupt, an unsupported
    format or too large. `reason` is one line; str() is "FILE: reason" when the path is known."""

    def __init__(self, reason: str, path: str | os.PathLike | None = None):
        self.reason = reason
        self.path = None if path is None else str(path)
        super().__init__(reason if path is None else f"{path}: {reason}")


@dataclass(frozen=True)
class ImageInfo:
    """What an image file's header says, read before any pixel is decoded."""

    format: str          # "png", "jpeg", "bmp", "webp", "tiff", "gif", "pnm"
    width: int
    height: int
    channels: int        # samples per pixel as stored (palette: 3)
    sample_bytes: int    # 1, 2 (16-bit) or 4
    alpha: bool          # has an alpha channel (or PNG tRNS) that decides what is visible


def _u16(b, i, big):
    return int.from_bytes(b[i:i + 2], "big" if big else "little")


def _u32(b, i, big):
    return int.from_bytes(b[i:i + 4], "big" if big else "little")


def _png_info(d: bytes) -> ImageInfo:
    if len(d) < 33 or d[12:16] != b"IHDR" or _u32(d, 8, True) != 13:
        raise ImageRejected("truncated or corrupt PNG header")
    w, h, depth, ctype = _u32(d, 16, True), _u32(d, 20, True), d[24], d[25]
    allowed = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
    if depth not in allowed.get(ctype, ()):
        raise ImageRejected(f"corrupt PNG header (colour type {ctype}, bit depth {depth})")
    alpha = ctype in (4, 6)
    i = 33
    while not alpha and i + 8 <= len(d):      # a tRNS chunk before the first IDAT makes alpha too
        n, kind = _u32(d, i, True), d[i + 4:i + 8]
        if kind in (b"IDAT", b"IEND"):
            break
        alpha = kind == b"tRNS"
        i += 12 + n
    return ImageInfo("png", w, h, {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}[ctype], 2 if depth == 16 else 1, alpha)


_JPEG_SOF = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_info(d: bytes) -> ImageInfo:
    i = 2
    while i + 4 <= len(d):
        if d[i] != 0xFF:
            raise ImageRejected("corrupt JPEG (no marker where one belongs)")
        marker = d[i + 1]
        if marker == 0xFF:                    # fill byte
            i += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        if marker in (0xD9, 0xDA):
            break
        if marker in _JPEG_SOF:
            if i + 10 > len(d):
                break
            precision, h, w, comps = d[i + 4], _u16(d, i + 5, True), _u16(d, i + 7, True), d[i + 9]
            return ImageInfo("jpeg", w, h, comps, 2 if precision > 8 else 1, False)
        i += 2 + _u16(d, i + 2, True)
    raise ImageRejected("truncated or corrupt JPEG (no frame header)")


def _bmp_info(d: bytes) -> ImageInfo:
    if len(d) < 26:
        raise ImageRejected("truncated BMP header")
    dib, offset = _u32(d, 14, False), _u32(d, 10, False)
    if dib == 12:
        w, h, bpp, comp = _u16(d, 18, False), _u16(d, 20, False), _u16(d, 24, False), 0
    elif dib >= 40 and len(d) >= 34:
        w, h = int.from_bytes(d[18:22], "little", signed=True), int.from_bytes(d[22:26], "little", signed=True)
        bpp, comp = _u16(d, 28, False), _u32(d, 30, False)
    else:
        raise ImageRejected("corrupt BMP header")
    h = abs(h)
    if w <= 0 or bpp not in (1, 4, 8, 16, 24, 32):
        raise ImageRejected(f"corrupt BMP header ({w}x{h}, {bpp} bits)")
    if comp in (0, 3) and w * h <= MAX_PIXELS:   # uncompressed: the header's size must be in the file
        need = offset + ((w * bpp + 31) // 32) * 4 * h
        if need > len(d):
            raise ImageRejected(f"truncated BMP: the header says {w}x{h}, which needs {need} bytes; "
                                f"the file has {len(d)}")
    return ImageInfo("bmp", w, h, 3 if bpp > 8 else 1, 1, False)


def _webp_info(d: bytes) -> ImageInfo:
    kind = d[12:16]
    if kind == b"VP8 " and len(d) >= 30 and d[23:26] == b"\x9d\x01\x2a":
        return ImageInfo("webp", _u16(d, 26, False) & 0x3FFF, _u16(d, 28, False) & 0x3FFF, 3, 1, False)
    if kind == b"VP8L" and len(d) >= 25 and d[20] == 0x2F:
        bits = _u32(d, 21, False)
        return ImageInfo("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, 4, 1, bool(bits >> 28 & 1))
    if kind == b"VP8X" and len(d) >= 30:
        w = int.from_bytes(d[24:27], "little") + 1
        h = int.from_bytes(d[27:30], "little") + 1
        return ImageInfo("webp", w, h, 4, 1, bool(d[20] & 0x10))
    raise ImageRejected("truncated or unsupported WebP")


def _tiff_info(d: bytes) -> ImageInfo:
    big = d[:2] == b"MM"
    ifd = _u32(d, 4, big)
    if ifd + 2 > len(d):
        raise ImageRejected("truncated TIFF")
    n = _u16(d, ifd, big)
    if ifd + 2 + 12 * n > len(d):
        raise ImageRejected("truncated TIFF")
    tags: dict[int, int] = {}
    for k in range(n):
        e = ifd + 2 + 12 * k
        tag, typ, count = _u16(d, e, big), _u16(d, e + 2, big), _u32(d, e + 4, big)
        if typ == 3:        # SHORT: the first value, inline if count <= 2, else at the offset
            at = e + 8 if count <= 2 else _u32(d, e + 8, big)
            tags[tag] = _u16(d, at, big) if at + 2 <= len(d) else 0
        elif typ == 4:
            at = e + 8 if count <= 1 else _u32(d, e + 8, big)
            tags[tag] = _u32(d, at, big) if at + 4 <= len(d) else 0
        else:
            tags[tag] = -1
    w, h = tags.get(256, 0), tags.get(257, 0)
    spp, bits = max(tags.get(277, 1), 1), max(tags.get(258, 1), 1)
    return ImageInfo("tiff", w, h, spp, (bits + 7) // 8, 338 in tags)


def _gif_info(d: bytes) -> ImageInfo:
    if len(d) < 13:
        raise ImageRejected("truncated GIF header")
    return ImageInfo("gif", _u16(d, 6, False), _u16(d, 8, False), 4, 1, True)


def _pnm_info(d: bytes) -> ImageInfo:
    fields: list[int] = []
    i, want = 2, (2 if d[1:2] in (b"1", b"4") else 3)
    while len(fields) < want and i < min(len(d), 4096):
        c = d[i:i + 1]
        if c == b"#":
            j = d.find(b"\n", i)
            i = len(d) if j < 0 else j + 1
        elif c.isspace():
            i += 1
        else:
            j = i
            while j < len(d) and d[j:j + 1].isdigit():
                j += 1
            if j == i or j - i > 9:
                raise ImageRejected("corrupt PNM header")
            fields.append(int(d[i:j]))
            i = j
    if len(fields) < want:
        raise ImageRejected("truncated PNM header")
    maxval = fields[2] if want == 3 else 1
    return ImageInfo("pnm", fields[0], fields[1], 3 if d[1:2] in (b"3", b"6") else 1,
                     2 if maxval > 255 else 1, False)


def image_info(data: bytes) -> ImageInfo:
    """The format and dimensions an image file's header declares. Raises ImageRejected for a file
    that is not one of PNG, JPEG, BMP, WebP, TIFF, GIF, PBM/PGM/PPM, or whose header is broken."""
    if not data:
        raise ImageRejected("empty file")
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        info = _png_info(data)
    elif data[:3] == b"\xff\xd8\xff":
        info = _jpeg_info(data)
    elif data[:2] == b"BM":
        info = _bmp_info(data)
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        info = _webp_info(data)
    elif data[:4] in (b"II*\x00", b"MM\x00*") and len(data) >= 8:
        info = _tiff_info(data)
    elif data[:6] in (b"GIF87a", b"GIF89a"):
        info = _gif_info(data)
    elif data[:1] == b"P" and data[1:2] in b"123456" and len(data) > 2 and data[2:3].isspace():
        info = _pnm_info(data)
    else:
        raise ImageRejected("not an image file (not PNG, JPEG, BMP, WebP, TIFF, GIF or PNM)")
    if info.width <= 0 or info.height <= 0:
        raise ImageRejected(f"corrupt {info.format.upper()} header ({info.width}x{info.height})")
    return info


def _read_bounded(path: str | os.PathLike) -> bytes:
    """The bytes of a regular file of at most MAX_IMAGE_FILE bytes (a FIFO or device is refused
    without blocking). Raises FileNotFoundError or ImageRejected."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise FileNotFoundError(f"no such file: {path}") from None
    except OSError as exc:
        raise ImageRejected(f"cannot open: {exc.strerror or exc}", path) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ImageRejected("not a regular file", path)
        if st.st_size > MAX_IMAGE_FILE:
            raise ImageRejected(f"file too large ({st.st_size >> 20} MB; limit {MAX_IMAGE_FILE >> 20} MB)", path)
        chunks, got = [], 0
        while got <= MAX_IMAGE_FILE:
            b = os.read(fd, min(1 << 20, MAX_IMAGE_FILE + 1 - got))
            if not b:
                break
            chunks.append(b)
            got += len(b)
        if got > MAX_IMAGE_FILE:
            raise ImageRejected(f"file too large (limit {MAX_IMAGE_FILE >> 20} MB)", path)
        return b"".join(chunks)
    except OSError as exc:
        raise ImageRejected(f"cannot read: {exc.strerror or exc}", path) from None
    finally:
        os.close(fd)


def _mp(pixels: int) -> str:
    return f"{pixels / 1e6:.0f} MP" if pixels >= 10_000_000 else f"{pixels / 1e6:.1f} MP"


def decode_image(data: bytes, path: str | os.PathLike | None = None, colour: bool = False) -> np.ndarray:
    """Image file bytes as a gray uint8 frame, bounded: the header's dimensions are checked
    before any pixel is decoded (at most MAX_PIXELS; a JPEG up to MAX_REDUCED_PIXELS is decoded at
    half size), colour is turned grey by the decoder itself (IMREAD_GRAYSCALE), 16-bit becomes
    8-bit, and an image with alpha is composited over white (a transparent background is paper).
    `colour=True`: a colour image without alpha stays BGR uint8 (H x W x 3), for decoders that
    read one colour channel (the still-image path); everything else is grey as above.
    Raises ImageRejected with a one-line reason for anything else."""
    info = image_info(data) if path is None else _info_for(data, path)
    pixels = info.width * info.height
    what = f"{info.width}x{info.height} ({_mp(pixels)})"
    if pixels > MAX_PIXELS:
        if info.format == "jpeg" and pixels <= MAX_REDUCED_PIXELS:
            flags = cv2.IMREAD_REDUCED_COLOR_2 if colour and info.channels >= 3 else cv2.IMREAD_REDUCED_GRAYSCALE_2
        else:
            raise ImageRejected(f"image too large: {what}, limit {MAX_PIXELS // 1_000_000} MP", path)
    elif info.alpha:
        need = pixels * 4 * info.sample_bytes        # OpenCV gives grey+alpha and palette+tRNS as BGRA
        if need > MAX_DECODE_BYTES:
            raise ImageRejected(f"image too large: {what} {8 * info.sample_bytes}-bit with alpha needs "
                                f"{need >> 20} MB to decode, limit {MAX_DECODE_BYTES >> 20} MB", path)
        flags = cv2.IMREAD_UNCHANGED
    else:
        flags = cv2.IMREAD_COLOR if colour and info.channels >= 3 else cv2.IMREAD_GRAYSCALE
    try:
        img = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    except cv2.error as exc:
        msg = str(exc).strip().splitlines()[-1] if str(exc).strip() else "decoder error"
        raise ImageRejected(f"cannot decode {info.format.upper()}: {msg[:160]}", path) from None
    except MemoryError:
        raise ImageRejected(f"cannot decode {info.format.upper()} {what}: out of memory", path) from None
    if img is None or img.size == 0:
        raise ImageRejected(f"cannot decode {info.format.upper()} {what} (truncated or corrupt)", path)
    if img.shape[0] * img.shape[1] > MAX_PIXELS:     # a decoder that disagrees with the header
        raise ImageRejected(f"image too large: decoded {img.shape[1]}x{img.shape[0]}", path)
    if colour and img.ndim == 3 and img.shape[2] == 3 and img.dtype == np.uint8:
        return np.ascontiguousarray(img)
    return to_gray(img)


def _info_for(data: bytes, path) -> ImageInfo:
    try:
        return image_info(data)
    except ImageRejected as exc:
        raise ImageRejected(exc.reason, path) from None


def read_image(path: str | os.PathLike, colour: bool = False) -> np.ndarray:
    """An image file (PNG, JPEG, BMP, WebP, TIFF, GIF, PNM; colour, gray, 16-bit or with alpha) as
    gray uint8, bounded as `decode_image` says. Paths with non-ASCII characters work. Raises
    FileNotFoundError, or ImageRejected (a ValueError) with a one-line reason."""
    return decode_image(_read_bounded(path), path, colour)


class _StateMixin:
    state: str = OPENING
    on_state: Callable[[str], Any] | None = None

    def _set_state(self, state: str) -> None:
        if state != self.state:
            log.info("%s: %s -> %s", self, self.state, state)
            self.state = state
            if self.on_state is not None:
                self.on_state(state)


# ---------------------------------------------------------------------------------------------
# camera


def default_capture_factory(spec: int | str) -> cv2.VideoCapture:
    """cv2.VideoCapture for a camera index or device path (V4L2 on Linux when available)."""
    api = cv2.CAP_V4L2 if hasattr(cv2, "CAP_V4L2") and os.name == "posix" and (
        isinstance(spec, int) or str(spec).startswith("/dev/")) else cv2.CAP_ANY
    return cv2.VideoCapture(spec, api)


class CameraSource(_StateMixin):
    """An OpenCV camera that reconnects by itself.

    After `max_failures` failed reads in a row (an unplugged camera returns nothing) or a failed
    open, the source is "reconnecting": every `read()` then waits for the next attempt (backoff
    from `retry_delay` doubling up to `max_retry_delay`) and tries to reopen the device; when
    that works it is "live" again and frames carry on with the next index. After
    `max_reconnects` failed attempts in a row (None: never give up) it is "failed".

    `capture_factory(spec)` makes the capture object (default: cv2.VideoCapture); anything with
    isOpened() / read() / set() / release() works, which is how tests feed it a sequence of
    real video files. `clock` and `sleep` are injectable too.
    """

    def __init__(self, index_or_path: int | str = 0, width: int | None = None, height: int | None = None,
                 fps: float | None = None, *, fourcc: str | None = None,
                 capture_factory: Callable[[int | str], Any] = default_capture_factory,
                 max_failures: int = 5, retry_delay: float = 0.25, max_retry_delay: float = 4.0,
                 max_reconnects: int | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Any] = time.sleep, on_state: Callable[[str], Any] | None = None):
        if isinstance(index_or_path, str) and index_or_path.isdigit():
            index_or_path = int(index_or_path)
        self.spec = index_or_path
        self.width, self.height, self.fps, self.fourcc = width, height, fps, fourcc
        self._factory = capture_factory
        self.max_failures = max_failures
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self.max_reconnects = max_reconnects
        self._clock, self._sleep = clock, sleep
        self.on_state = on_state
        self.state = OPENING
        self._cap = None
        self._failures = 0
        self._attempts = 0
        self._next_attempt = 0.0
        self._delay = retry_delay
        self._index = 0
        self.reconnects = 0  # successful reopenings after the first open
        self._exposure_lock = threading.Lock()
        self._exposure_request: tuple[float | None] | None = None   # (scale,) to apply on the next read
        self._exposure_saved: tuple[float, float] | None = None     # (auto mode, exposure) before we changed them
        self.exposure_scale: float | None = None                     # what is applied (None: the camera's own)

    def __repr__(self) -> str:
        return f"CameraSource({self.spec!r})"

    # V4L2's exposure controls as OpenCV passes them: CAP_PROP_AUTO_EXPOSURE 1 is manual
    # (V4L2_EXPOSURE_MANUAL; 3 is aperture priority, the usual auto), CAP_PROP_EXPOSURE is the
    # exposure time in 100 us units. DEFAULT_EXPOSURE is assumed when the camera does not say.
    MANUAL_EXPOSURE = 1.0
    DEFAULT_EXPOSURE = 333.0     # 1/30 s

    def set_exposure_scale(self, scale: float | None) -> None:
        """Ask for `scale` times the exposure the camera had (manual exposure), or None: the
        camera's own (auto-)exposure as it was. Safe from any thread: applied by the thread that
        reads, before its next frame (OpenCV captures are not thread-safe)."""
        with self._exposure_lock:
            self._exposure_request = (scale,)

    def _apply_exposure(self) -> None:
        with self._exposure_lock:
            req, self._exposure_request = self._exposure_request, None
        if req is None or self._cap is None:
            return
        (scale,) = req
        cap = self._cap
        try:
            if scale is None:
                if self._exposure_saved is not None:
                    auto, value = self._exposure_saved
                    if value > 0:
                        cap.set(cv2.CAP_PROP_EXPOSURE, value)
                    cap.set(cv2.CAP_PROP_AUTO_EXPOSURE, auto)
                self._exposure_saved = None
                self.exposure_scale = None
                log.info("%s: exposure back to the camera's own", self)
                return
            if self._exposure_saved is None:
                self._exposure_saved = (float(cap.get(cv2.CAP_PROP_AUTO_EXPOSURE)), float(cap.get(cv2.CAP_PROP_EXPOSURE)))
            base = self._exposure_saved[1] if self._exposure_saved[1] > 0 else self.DEFAULT_EXPOSURE
            cap.set(cv2.CAP_PROP_AUTO_EXPOSURE, self.MANUAL_EXPOSURE)
            cap.set(cv2.CAP_PROP_EXPOSURE, max(1.0, base * scale))
            self.exposure_scale = scale
            log.info("%s: exposure %.3g x (%.0f)", self, scale, base * scale)
        except Exception as exc:  # a camera without these controls: it keeps its own exposure
            log.warning("%s: cannot set the exposure: %s", self, exc)

    def _try_open(self) -> bool:
        try:
            cap = self._factory(self.spec)
        except Exception as exc:  # a backend error is a failed attempt, not a crash
            log.warning("%s: open failed: %s", self, exc)
            cap = None
        if cap is None or not cap.isOpened():
            if cap is not None:
                cap.release()
            return False
        if self.fourcc:
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*self.fourcc))
        if self.width:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        if self.height:
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        if self.fps:
            cap.set(cv2.CAP_PROP_FPS, self.fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # fewer stale frames queued in the driver
        self._cap = cap
        return True

    def open(self) -> None:
        self._set_state(OPENING)
        self._failures = 0
        if self._try_open():
            self._attempts = 0
            self._delay = self.retry_delay
            self._set_state(LIVE)
        else:
            self._schedule_retry()

    def _schedule_retry(self) -> None:
        self._attempts += 1
        if self.max_reconnects is not None and self._attempts > self.max_reconnects:
            self._set_state(FAILED)
            return
        self._next_attempt = self._clock() + self._delay
        self._delay = min(self._delay * 2, self.max_retry_delay)
        self._set_state(RECONNECTING)

    def _drop_capture(self) -> None:
        if self._cap is not None:
            try:
                self._cap.release()
            except Exception:  # pragma: no cover - releasing a dead device
                pass
            self._cap = None

    def read(self) -> Frame | None:
        if self.state in (ENDED, FAILED):
            return None
        if self.state == OPENING and self._cap is None:
            self.open()
        if self.state == RECONNECTING:
            wait = self._next_attempt - self._clock()
            if wait > 0:
                self._sleep(min(wait, 0.1))
                return None
            if self._try_open():
                self._failures = 0
                self._attempts = 0
                self._delay = self.retry_delay
                self.reconnects += 1
                self._set_state(LIVE)
                if self.exposure_scale is not None:      # a new device handle: set it again
                    self._exposure_saved = None
                    with self._exposure_lock:
                        if self._exposure_request is None:
                            self._exposure_request = (self.exposure_scale,)
            else:
                self._schedule_retry()
                return None
        if self._exposure_request is not None:
            self._apply_exposure()
        ok, img = False, None
        try:
            ok, img = self._cap.read()
        except Exception as exc:
            log.warning("%s: read failed: %s", self, exc)
        if not ok or img is None:
            self._failures += 1
            if self._failures >= self.max_failures:
                log.warning("%s: %d failed reads, reconnecting", self, self._failures)
                self._drop_capture()
                self._delay = self.retry_delay
                self._attempts = 0
                self._schedule_retry()
            return None
        self._failures = 0
        frame = Frame(to_gray(img), self._clock(), self._index)
        self._index += 1
        return frame

    def close(self) -> None:
        self._drop_capture()
        self._set_state(ENDED)


# ---------------------------------------------------------------------------------------------
# video file


class VideoFileSource(_StateMixin):
    """A video file (anything OpenCV's FFmpeg backend plays, e.g. MJPG .avi).

    loop: start again at the end instead of ending. realtime: pace frames at the file's frame
    rate (a simulated camera); otherwise frames come as fast as they decode and `ts` is the
    open time plus the frame's position in the file (1/fps apart), so tests are repeatable.
    """

    def __init__(self, path: str | os.PathLike, loop: bool = False, realtime: bool = False, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], Any] = time.sleep,
                 on_state: Callable[[str], Any] | None = None):
        self.path = Path(path)
        self.loop, self.realtime = loop, realtime
        self._clock, self._sleep = clock, sleep
        self.on_state = on_state
        self.state = OPENING
        self._cap = None
        self._index = 0
        self._t0 = 0.0
        self.fps = 0.0

    def __repr__(self) -> str:
        return f"VideoFileSource({str(self.path)!r})"

    def open(self) -> None:
        self._set_state(OPENING)
        if not self.path.is_file():
            self._set_state(FAILED)
            raise FileNotFoundError(f"no such video file: {self.path}")
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            self._set_state(FAILED)
            raise ValueError(f"cannot play video file: {self.path}")
        self._cap = cap
        fps = cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and fps > 0 and fps < 1000 else 15.0
        self._t0 = self._clock()
        self._set_state(LIVE)

    def read(self) -> Frame | None:
        if self.state == OPENING and self._cap is None:
            self.open()
        if self.state != LIVE:
            return None
        ok, img = self._cap.read()
        if not ok and self.loop and self._index > 0:
            self._cap.release()
            self._cap = cv2.VideoCapture(str(self.path))
            ok, img = self._cap.read()
        if not ok or img is None:
            self._cap.release()
            self._cap = None
            self._set_state(ENDED)
            return None
        due = self._t0 + self._index / self.fps
        if self.realtime:
            wait = due - self._clock()
            if wait > 0:
                self._sleep(wait)
            ts = self._clock()
        else:
            ts = due
        frame = Frame(to_gray(img), ts, self._index)
        self._index += 1
        return frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None
        self._set_state(ENDED)


# ---------------------------------------------------------------------------------------------
# images


class ImageFolderSource(_StateMixin):
    """The images in a folder (sorted by name), or one image file, as frames.

    loop: start again after the last image (one image looped is a still camera).
    fps: pace frames in real time at this rate; None gives them as fast as they load, with
    `ts` 1/15 s apart. A file that cannot be read (not an image, truncated, over the pixel cap:
    see `read_image`) is skipped with a one-line warning, once: `skipped` maps its path to the
    reason and a looping source does not read it again. When every file is skipped the source is
    "failed".
    """

    def __init__(self, path_or_dir: str | os.PathLike, loop: bool = False, fps: float | None = None, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], Any] = time.sleep,
                 on_state: Callable[[str], Any] | None = None):
        self.path = Path(path_or_dir)
        self.loop, self.fps = loop, fps
        self._clock, self._sleep = clock, sleep
        self.on_state = on_state
        self.state = OPENING
        self.files: list[Path] = []
        self.skipped: dict[Path, str] = {}
        self._pos = 0
        self._index = 0
        self._t0 = 0.0

    def __repr__(self) -> str:
        return f"ImageFolderSource({str(self.path)!r})"

    def open(self) -> None:
        self._set_state(OPENING)
        if self.path.is_dir():
            self.files = sorted(p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        elif self.path.is_file():
            self.files = [self.path]
        else:
            self._set_state(FAILED)
            raise FileNotFoundError(f"no such image file or folder: {self.path}")
        if not self.files:
            self._set_state(FAILED)
            raise ValueError(f"no images in {self.path}")
        self._pos = 0
        self.skipped = {}
        self._t0 = self._clock()
        self._set_state(LIVE)

    def read(self) -> Frame | None:
        if self.state == OPENING and not self.files:
            self.open()
        failures = 0
        while self.state == LIVE:
            if self._pos >= len(self.files):
                if not self.loop:
                    self._set_state(ENDED)
                    return None
                self._pos = 0
            path = self.files[self._pos]
            self._pos += 1
            if path in self.skipped:                  # refused before: not read again
                gray = None
            else:
                try:
                    gray = read_image(path)
                except (ImageRejected, OSError) as exc:   # OSError: vanished since open()
                    gray = None
                    self.skipped[path] = exc.reason if isinstance(exc, ImageRejected) else str(exc)
                    log.warning("%s: skipping %s: %s", self, path.name, self.skipped[path])
            if gray is None:
                failures += 1
                if failures >= len(self.files):
                    self._set_state(FAILED)  # not one readable image left
                continue
            step = 1.0 / (self.fps or 15.0)
            due = self._t0 + self._index * step
            if self.fps:
                wait = due - self._clock()
                if wait > 0:
                    self._sleep(wait)
                due = self._clock()
            frame = Frame(gray, due, self._index)
            self._index += 1
            return frame
        return None

    def close(self) -> None:
        self._set_state(ENDED)


# ---------------------------------------------------------------------------------------------


def open_source(spec: str, **options) -> FrameSource:
    """A frame source from a spec string (not yet opened):

    "camera:0", "camera:/dev/video2"  -> CameraSource (options: width, height, fps, ...)
    "video:PATH"                      -> VideoFileSource (options: loop, realtime)
    "images:DIR" or "images:FILE"     -> ImageFolderSource (options: loop, fps)

    Without a scheme: digits are a camera index, /dev/... a camera, a folder or image file
    images, any other file a video. Raises ValueError for an unknown scheme.
    """
    scheme, sep, rest = spec.partition(":")
    if not sep or (len(scheme) == 1 and os.name == "nt"):
        scheme, rest = _guess_scheme(spec), spec
    scheme = scheme.lower()
    if scheme == "camera":
        if not rest:
            raise ValueError("camera spec needs an index or device path, e.g. camera:0")
        return CameraSource(int(rest) if rest.isdigit() else rest, **options)
    if scheme == "video":
        return VideoFileSource(rest, **options)
    if scheme in ("images", "image"):
        return ImageFolderSource(rest, **options)
    raise ValueError(f"unknown frame source {spec!r}; use camera:N, camera:/dev/videoN, video:PATH or images:DIR")


def _guess_scheme(spec: str) -> str:
    p = Path(spec)
    if spec.isdigit() or spec.startswith("/dev/"):
        return "camera"
    if p.is_dir() or p.suffix.lower() in IMAGE_SUFFIXES:
        return "images"
    return "video"


def iter_frames(source: FrameSource, idle_sleep: float = 0.005) -> Iterator[Frame]:
    """Frames from a source until it ends or fails (opening it if needed). A None from a live or
    reconnecting source is waited out, so this never returns early on a camera hiccup."""
    if source.state == OPENING:
        source.open()
    while True:
        frame = source.read()
        if frame is not None:
            yield frame
        elif source.state in (ENDED, FAILED):
            return
        elif idle_sleep:
            time.sleep(idle_sleep)


class LatestFrameReader:
    """Reads a source on a background thread and keeps only the newest frame ("latest wins").

    `get(timeout)` returns the newest frame not returned before, waiting up to `timeout`
    seconds for one (None if none came, or the source ended). Frames that arrived while the
    consumer was busy are dropped and counted in `dropped`. Use as a context manager, or call
    `start()` and `stop()`. Runs on its own thread; `get` is called from one consumer thread.
    """

    def __init__(self, source: FrameSource, idle_sleep: float = 0.005):
        self.source = source
        self._idle = idle_sleep
        self._cond = threading.Condition()
        self._latest: Frame | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.frames = 0
        self.dropped = 0
        self._fresh = False

    @property
    def state(self) -> str:
        return self.source.state

    @property
    def latest(self) -> Frame | None:
        with self._cond:
            return self._latest

    def start(self) -> "LatestFrameReader":
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"frames:{self.source!r}", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        try:
            if self.source.state == OPENING:
                self.source.open()
            while not self._stop.is_set():
                frame = self.source.read()
                if frame is None:
                    if self.source.state in (ENDED, FAILED):
                        break
                    if self._idle:
                        time.sleep(self._idle)
                    continue
                with self._cond:
                    if self._fresh:
                        self.dropped += 1
                    self._latest = frame
                    self._fresh = True
                    self.frames += 1
                    self._cond.notify_all()
        except BaseException as exc:  # reported to the consumer, never lost on the thread
            log.exception("%r: frame reader stopped", self.source)
            self.error = exc
        finally:
            with self._cond:
                self._cond.notify_all()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def get(self, timeout: float | None = None) -> Frame | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._fresh:
                if not self.running:
                    return None
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining if remaining is not None else 0.1)
            self._fresh = False
            return self._latest

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.source.close()

    def __enter__(self) -> "LatestFrameReader":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
