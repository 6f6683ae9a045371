"""Background work: capture + decoding, verification and status polling.

Threads:
- `CaptureWorker.run` runs on its own QThread ("capture"): it runs the scan loop
  (scanner.loop.ScanLoop: decode, debounce, unreadable tracking) on the latest frame, and emits
  previews and scanned texts. While it decodes, newer frames replace older ones
  (the camera source keeps only the latest; a video played in real time skips frames it is
  late for), so the screen never lags behind the camera. `stop()` is called from the GUI thread
  and only sets a flag.
- `VerifyWorker.verify` runs on the "verify" QThread: it calls TerminalService.scan (which logs
  the scan event durably before returning) and emits the verdict.
- `StatusWorker` lives on the "status" QThread: a timer polls service.status(), day counts and
  the day's scans, so a slow disk never blocks the GUI thread.
- Sync rounds run in ui/syncing.py (SyncController: a QRunnable per round on its own pool).
Every signal crossing threads is delivered queued, so slots on widgets run on the GUI thread.
"""
from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

from .qt import QImage, QObject, QThread, QTimer, Signal, Slot

log = logging.getLogger(__name__)

PREVIEW_WIDTH = 640


def gray_to_qimage(gray: np.ndarray, max_width: int = PREVIEW_WIDTH) -> tuple[QImage, float]:
    """A QImage copy of a gray frame, downscaled to at most `max_width`; returns (image, scale)."""
    h, w = gray.shape[:2]
    scale = 1.0
    if w > max_width:
        import cv2
        scale = max_width / w
        gray = cv2.resize(gray, (max_width, max(1, int(round(h * scale)))), interpolation=cv2.INTER_AREA)
    gray = np.ascontiguousarray(gray)
    h2, w2 = gray.shape[:2]
    img = QImage(gray.data, w2, h2, gray.strides[0], QImage.Format.Format_Grayscale8)
    return img.copy(), scale


# Moved to scanner/loop.py (the one scan loop); imported here for old callers.
from scanner.loop import UnreadableTracker  # noqa: E402,F401


class CaptureWorker(QObject):
    """Reads frames from a scanner.frames source, decodes them, emits previews and new codes.

    A camera or video runs behind scanner.frames.LatestFrameReader: the reader thread keeps only
    the newest frame, so frames that arrive while this worker decodes are dropped ("latest frame
    wins"); a video plays at its own frame rate, like a camera. For an `images:` source every
    image is one deliberate scan: an image without a readable code gives `unreadable`, so the
    screen still shows an outcome.

    open_source: (spec, **options) -> FrameSource; make_decoder: () -> decoder;
    make_debouncer: () -> scanner.debounce.Debouncer-like (feed(texts, now) -> new texts).
    """

    frame = Signal(QImage, object, float)      # preview, [corners...] in preview pixels, t_in
    scanned = Signal(str, float, str, bool)    # text, t_in (perf_counter when the frame arrived), source, held
    unreadable = Signal(float)                 # t_in of an image without a readable code
    state = Signal(str)                        # opening | live | reconnecting | ended | failed | error:...
    first_frame = Signal(float)                # perf_counter of the first frame
    finished = Signal()

    def __init__(self, *, source_spec: str, open_source: Callable[..., Any], make_decoder: Callable[[], Any],
                 make_debouncer: Callable[[], Any] | None = None, preview_every: int = 2,
                 realtime: bool = True, image_interval: float = 0.0, preview_width: int = PREVIEW_WIDTH,
                 loop: bool = False):
        super().__init__()
        self.source_spec = source_spec
        self._open_source = open_source
        self._make_decoder = make_decoder
        self._make_debouncer = make_debouncer
        self._preview_every = max(1, preview_every)
        self._realtime = realtime
        self._image_interval = image_interval
        self._preview_width = preview_width
        self._loop_media = loop
        self._stop = threading.Event()
        self.images = source_spec.startswith(("images:", "image:"))
        self.loop = None     # scanner.loop.ScanLoop, made in run()
        self._scan_hold: float | None = None     # set_scan_hold's, over make_debouncer's
        self.reader = None

    def stop(self) -> None:
        """Called from any thread: the loop ends after the current frame."""
        self._stop.set()

    def set_scan_hold(self, seconds: float) -> None:
        """Called from the GUI thread (a settings change): the running camera loop's debouncer
        ignores a code kept in view this long from its next frame on (one float attribute, read by
        the capture thread at each feed; a loop still being built takes it when it is)."""
        self._scan_hold = seconds
        self._apply_scan_hold()

    def _apply_scan_hold(self) -> None:
        debouncer = self.loop.dispatch.debouncer if self.loop is not None else None
        if debouncer is not None and self._scan_hold is not None:
            debouncer.hold_seconds = self._scan_hold

    @property
    def frames_decoded(self) -> int:
        return self.loop.frames_decoded if self.loop is not None else 0

    @Slot()
    def run(self) -> None:
        from scanner.frames import LatestFrameReader
        from scanner.exposure import exposure_controller_for
        from scanner.loop import ScanLoop, default_locator, polled_frames, reader_frames
        src = None
        try:
            self.state.emit("opening")
            decoder = self._make_decoder()
            if self.images:
                src = self._open_source(self.source_spec, loop=self._loop_media)
                src.open()
                self.state.emit(src.state)
                self.loop = ScanLoop(decoder, each_frame_is_a_scan=True, stop=self._stop,
                                     on_first_frame=self.first_frame.emit)
                frames = polled_frames(src, self._stop, on_end=self.state.emit, interval_s=self._image_interval)
            else:
                opts = {"realtime": self._realtime, "loop": self._loop_media} \
                    if self.source_spec.startswith("video:") else {}
                src = self._open_source(self.source_spec, **opts)
                src.on_state = self.state.emit
                self.reader = LatestFrameReader(src).start()
                debouncer = self._make_debouncer() if self._make_debouncer else None
                # a camera's exposure is lowered while a bright phone screen hides a code
                self.loop = ScanLoop(decoder, debouncer, locator=default_locator(), stop=self._stop,
                                     on_first_frame=self.first_frame.emit, exposure=exposure_controller_for(src))
                self._apply_scan_hold()
                frames = reader_frames(self.reader, self._stop, on_end=self.state.emit)
            self.loop.run(frames, on_frame=self._preview,
                          on_unreadable=lambda out: self.unreadable.emit(out.t_in),
                          on_scan=lambda ev, out: self.scanned.emit(ev.text, out.t_in, ev.source, ev.held))
        except Exception as exc:  # noqa: BLE001 - a broken camera must show on screen, not kill the app
            log.error("capture stopped: %s\n%s", exc, traceback.format_exc())
            self.state.emit(f"error:{exc}")
        finally:
            try:
                if self.reader is not None:
                    self.reader.stop()
                elif src is not None:
                    src.close()
            except Exception:  # noqa: BLE001
                log.exception("closing the frame source")
            self.finished.emit()

    def _preview(self, out) -> None:
        """A preview of every `preview_every`-th frame, and of every frame with a code (or image)."""
        if out.found or self.images or self.loop.frames_decoded % self._preview_every == 0:
            img, scale = gray_to_qimage(out.frame.gray, self._preview_width)
            corners = [[(x * scale, y * scale) for x, y in d.corners] for d in out.found]
            self.frame.emit(img, corners, out.t_in)


class VerifyWorker(QObject):
    """Verifies scanned texts through the service (on the verify thread). With a gate
    (ui.gate_link.GateLink) an admission is handed to it here, right after the scan was logged
    and before the screen hears of it. Each verdict is one log line (journald on a device):
    outcome, reason, profile and source, never the code or anything about its holder."""

    verdict = Signal(object, float, str, str)   # Verdict, t_in, source, text

    def __init__(self, service, gate=None):
        super().__init__()
        self._svc = service
        self._gate = gate

    @Slot(str, float, str)
    def verify(self, text: str, t_in: float, source: str) -> None:
        self.verify_held(text, t_in, source, False)

    @Slot(str, float, str, bool)
    def verify_held(self, text: str, t_in: float, source: str, held: bool) -> None:
        """`held`: the camera saw this code stay in view since its last scan (the same presentation)."""
        logged = getattr(self._svc, "scan_logged", None)
        v, ref = logged(text, source=source, held=held) if logged is not None \
            else (self._svc.scan(text, source=source, held=held), None)
        pulsed = None
        if self._gate is not None:
            try:
                pulsed = self._gate.admit(v, ref)
            except Exception:  # noqa: BLE001 - the verdict is shown whatever the gate does
                log.exception("gate hand-over failed")
        log.info("verdict %s reason=%s profile=%s source=%s%s", v.outcome.value, v.reason, v.profile or "-",
                 source, " gate=pulse" if pulsed else "")
        self.verdict.emit(v, t_in, source, text)


class StatusWorker(QObject):
    """Polls the service for status, day counts and the day's scans (on the status thread)."""

    status = Signal(object, object)      # Status, (admitted, refused)
    recent = Signal(object)              # list[dict]

    def __init__(self, service, interval_ms: int = 1000):
        super().__init__()
        self._svc = service
        self._interval = interval_ms
        self._timer: QTimer | None = None

    @Slot()
    def start(self) -> None:
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(self._interval)
        self.refresh()

    @Slot()
    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()

    @Slot()
    def refresh(self) -> None:
        try:
            self.status.emit(self._svc.status(), self._svc.day_counts())
        except Exception:  # noqa: BLE001 - a status hiccup must not end the poller
            log.exception("status poll failed")

    @Slot()
    def refresh_recent(self) -> None:
        try:
            self.recent.emit(self._svc.recent(50))
        except Exception:  # noqa: BLE001
            log.exception("reading the day's scans failed")


def start_thread(worker: QObject, name: str, start_slot: Callable | None = None) -> QThread:
    """Move `worker` to a new QThread named `name`, start it, and call `start_slot` there."""
    th = QThread()
    th.setObjectName(name)
    worker.moveToThread(th)
    if start_slot is not None:
        th.started.connect(start_slot)
    th.start()
    return th
