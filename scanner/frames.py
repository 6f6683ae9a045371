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


def to_gray(img: np.ndarray) -> np.ndarray:
    """BGR / BGRA / gray image -> contiguous gray uint8."""
    if img.ndim == 3:
        if img.shape[2] == 4:
            alpha = img[:, :, 3:4].astype(np.float32) / 255.0
            img = (img[:, :, :3].astype(np.float32) * alpha + 255.0 * (1 - alpha)).astype(np.uint8)
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.shape[2] == 3 else img[:, :, 0]
    if img.dtype != np.uint8:
        img = cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    return np.ascontiguousarray(img)


def read_image(path: str | os.PathLike) -> np.ndarray:
    """An image file (PNG, JPEG, ...; colour, gray or with alpha) as gray uint8. Reads the bytes
    and uses cv2.imdecode, so paths with non-ASCII characters work. Raises FileNotFoundError,
    or ValueError if the file is not an image."""
    p = Path(path)
    if p.exists() and not p.is_file():
        raise ValueError(f"not a regular file: {path}")      # a FIFO or device would block or never end
    data = p.read_bytes()
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED) if data else None
    if img is None:
        raise ValueError(f"not an image file: {path}")
    return to_gray(img)


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

    def __repr__(self) -> str:
        return f"CameraSource({self.spec!r})"

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
            else:
                self._schedule_retry()
                return None
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
    `ts` 1/15 s apart. Unreadable files are skipped with a warning.
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
            try:
                gray = read_image(path)
            except (OSError, ValueError) as exc:
                log.warning("%s: skipping %s: %s", self, path.name, exc)
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
