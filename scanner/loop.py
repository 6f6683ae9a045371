"""The one scan loop: frames -> decode -> debounce -> scans, plus "unreadable" tracking.

Both the Qt capture worker (ui/workers.py) and the headless demo (terminal/commands/demo.py)
run this loop; it imports no Qt and nothing of ours outside scanner/.

    >>> loop = ScanLoop(CascadeDecoder(), Debouncer())                          # doctest: +SKIP
    >>> for out in loop.outcomes(iter_frames(open_source("video:gate.avi"))):
    ...     for event in out.scans:
    ...         print(event.text)

Pieces:
- `Dispatch`: the step every input shares, "texts arrived -> debounce -> hand on". The camera
  loop offers each frame's codes to its own Dispatch; the keyboard wedge and a serial scanner
  offer their scans to one shared handheld Dispatch (`handheld_dispatch`). Thread-safe: the
  wedge offers from the GUI thread, a serial scanner from its own thread.
- `UnreadableTracker`: "a QR symbol is in view but nothing decodes" -> one report per episode.
- `ScanLoop`: one frame at a time (`step`), or a stream (`outcomes`, `run`), with a stop flag.
  Camera mode (default): codes are debounced, and with a `locator` a symbol located for a while
  without any decode gives one `unreadable`. `each_frame_is_a_scan=True` (an `images:` source):
  every image is one deliberate scan, no debounce; an image without a readable code is
  `unreadable` at once.
- Frame streams with a stop flag: `reader_frames` (a LatestFrameReader: camera or real-time
  video) and `polled_frames` (a FrameSource polled directly, e.g. an image folder); both report
  how the source ended through `on_end`.
- `camera_events` / `frame_events`: the plain iterator form (new scans only).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator

from .debounce import Debouncer
from .decoders import Decoded, Decoder
from .events import CAMERA, ScanEvent
from .frames import Frame
from .multiframe import FrameFusion

_QR_FORMATS = ("QR Code", "BarcodeFormat.QRCode")


class Dispatch:
    """texts arrived -> debounce -> `handler(event)` for each new scan. Thread-safe.

    debouncer: a scanner.debounce.Debouncer-like (feed(texts, now) -> new texts), or None: every
    offered text is handed on (duplicates within one offer dropped). clock: the time used when
    `offer` is not given one (monotonic seconds; events from different inputs carry timestamps
    from different clocks, so the handheld path uses arrival time).
    """

    def __init__(self, debouncer: Any | None = None, handler: Callable[[ScanEvent], None] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.debouncer = debouncer
        self.handler = handler
        self._clock = clock
        self._lock = threading.Lock()

    def offer(self, events: Iterable[ScanEvent], now: float | None = None) -> list[ScanEvent]:
        """Offer the scans that arrived together (one frame's codes, or one handheld scan);
        returns the new ones, after handing each to the handler."""
        by_text: dict[str, ScanEvent] = {}
        for ev in events:
            by_text.setdefault(ev.text, ev)
        with self._lock:
            if self.debouncer is None:
                texts = list(by_text)
            else:
                texts = self.debouncer.feed(list(by_text), self._clock() if now is None else now)
        held = getattr(self.debouncer, "held", None)
        new = [replace(by_text[t], held=True) if held is not None and held(t) else by_text[t] for t in texts]
        if self.handler is not None:
            for ev in new:
                self.handler(ev)
        return new

    def offer_text(self, text: str, source: str, raw: bytes | None = None) -> list[ScanEvent]:
        """One handheld scan (text) -> offer; returns [event] if it was new, else []."""
        return self.offer([ScanEvent(text=text, raw=text.encode("utf-8") if raw is None else raw, source=source,
                                     ts=self._clock())])


def handheld_dispatch(handler: Callable[[ScanEvent], None] | None = None, *, repeat_s: float = 1.0,
                      clock: Callable[[], float] = time.monotonic) -> Dispatch:
    """The Dispatch the keyboard wedge and serial scanners share: the same code again within
    `repeat_s` of its last arrival is a double read (some scanners send twice, a trigger bounces)
    and is dropped; after that it is a new scan."""
    return Dispatch(Debouncer(hold_seconds=repeat_s, away_seconds=repeat_s), handler, clock)


class UnreadableTracker:
    """Turns "a QR symbol is in view but nothing decodes" into one `unreadable` outcome.

    Pure (the caller passes the time). A symbol located on frames for `hold_s` seconds without
    any code decoding gives one report; it re-arms once nothing was seen for `away_s`. A code
    that decodes at any point during the episode suppresses the report (it was readable, it
    got its own verdict).
    """

    def __init__(self, hold_s: float = 1.2, away_s: float = 1.0):
        self.hold_s, self.away_s = hold_s, away_s
        self._first: float | None = None
        self._last: float | None = None
        self._done = False

    def _episode(self, now: float) -> None:
        if self._last is None or now - self._last > self.away_s:
            self._first, self._done = now, False
        self._last = now

    def decoded(self, now: float) -> None:
        self._episode(now)
        self._done = True

    def located(self, now: float) -> bool:
        self._episode(now)
        if not self._done and now - self._first >= self.hold_s:
            self._done = True
            return True
        return False


def default_locator():
    """A zxing-cpp decoder used only to *locate* symbols it cannot read, or None if unavailable
    (then unreadable codes just get no outcome)."""
    try:
        from .decoders import ZxingDecoder
        return ZxingDecoder()
    except Exception:  # noqa: BLE001
        return None


@dataclass
class FrameOutcome:
    """What one frame gave: frame, t_in (clock() when it was taken up), the codes decoded in it,
    the new scans (after debounce) and whether it counts as an unreadable code."""

    frame: Frame
    t_in: float
    found: list[Decoded]
    scans: list[ScanEvent] = field(default_factory=list)
    unreadable: bool = False


class ScanLoop:
    """Decode, debounce and track unreadable codes, one frame at a time.

    decoder: decode(gray) -> [Decoded]; debouncer: see Dispatch (None: no debounce);
    locator: something with zxing's read(gray, return_errors=True) (see default_locator), camera
    mode only, tried on every `locate_every`-th frame without a decode; tracker: the
    UnreadableTracker (default hold 1.2 s, away 1.0 s); stop: a threading.Event ending
    `outcomes()`/`run()` before the next frame; on_first_frame(t_in): called before the first
    frame is decoded; clock: t_in's clock (default time.perf_counter, as the UI's latency marks).
    fusion: camera mode only, a scanner.multiframe.FrameFusion (default: one with its defaults;
    None: off): a symbol located but not read is read from its last few views combined (moving
    glare). The located symbols come from the decoder (`CascadeDecoder.located`), or from the
    locator when the decoder does not say. exposure: a scanner.exposure.ExposureController told
    about every frame (None: the camera's own auto-exposure only).
    """

    def __init__(self, decoder: Decoder, debouncer: Any | None = None, *, locator: Any | None = None,
                 locate_every: int = 2, tracker: UnreadableTracker | None = None,
                 each_frame_is_a_scan: bool = False, stop: threading.Event | None = None,
                 on_first_frame: Callable[[float], None] | None = None,
                 clock: Callable[[], float] = time.perf_counter, source: str = CAMERA,
                 fusion: FrameFusion | None | bool = True, exposure: Any | None = None):
        self.decoder = decoder
        self.dispatch = Dispatch(None if each_frame_is_a_scan else debouncer)
        self.locator = None if each_frame_is_a_scan else locator
        self.locate_every = max(1, locate_every)
        self.tracker = tracker or UnreadableTracker()
        self.each_frame_is_a_scan = each_frame_is_a_scan
        self.stop_flag = stop or threading.Event()
        self.on_first_frame = on_first_frame
        self.clock = clock
        self.source = source
        self.frames_decoded = 0
        self._empty = 0
        if each_frame_is_a_scan or fusion is None or fusion is False:
            self.fusion = None
        else:
            self.fusion = FrameFusion() if fusion is True else fusion
        self.exposure = None if each_frame_is_a_scan else exposure

    def stop(self) -> None:
        self.stop_flag.set()

    def step(self, frame: Frame, t_in: float | None = None) -> FrameOutcome:
        t_in = self.clock() if t_in is None else t_in
        if self.frames_decoded == 0 and self.on_first_frame is not None:
            self.on_first_frame(t_in)
        found = self.decoder.decode(frame.gray)
        located = None
        if self.fusion is not None or self.exposure is not None:
            located = [] if found else self._located_quads(frame)
        if self.fusion is not None:
            if found:
                self.fusion.reset()
            else:
                found = self.fusion.add(frame.gray, located, frame.ts)
        if self.exposure is not None:
            self.exposure.update(frame.gray, located, bool(found), frame.ts)
        self.frames_decoded += 1
        out = FrameOutcome(frame=frame, t_in=t_in, found=found)
        if self.each_frame_is_a_scan:
            out.unreadable = not found
        elif found:
            self.tracker.decoded(frame.ts)
        elif self.locator is not None:
            self._empty += 1
            # Every other empty frame: is a QR symbol in view that nothing could read?
            if self._empty % self.locate_every == 0 and self._located(frame):
                out.unreadable = self.tracker.located(frame.ts)
        events = [ScanEvent(text=d.text, raw=d.raw, source=self.source, ts=frame.ts, decoder=d.decoder,
                            corners=d.corners) for d in found]
        out.scans = self.dispatch.offer(events, frame.ts)
        return out

    def _located_quads(self, frame: Frame) -> list:
        """The corners of QR symbols located but not read in this frame: what the decoder says
        (CascadeDecoder.located), else the locator's, else none."""
        quads = getattr(self.decoder, "located", None)
        if quads is not None:
            return list(quads)
        corners_of = getattr(self.locator, "corners_of", None)
        if corners_of is None:
            return []
        return [corners_of(b) for b in self.locator.read(frame.gray, return_errors=True)
                if not b.valid and str(b.format) in _QR_FORMATS]

    def _located(self, frame: Frame) -> bool:
        return any(not b.valid and str(b.format) in _QR_FORMATS
                   for b in self.locator.read(frame.gray, return_errors=True))

    def outcomes(self, frames: Iterable[Frame]) -> Iterator[FrameOutcome]:
        """One FrameOutcome per frame until the frames end or the stop flag is set. At the end
        the camera gets its own exposure back (if the exposure controller had changed it)."""
        try:
            for frame in frames:
                if self.stop_flag.is_set():
                    return
                yield self.step(frame)
                if self.stop_flag.is_set():
                    return
        finally:
            if self.exposure is not None:
                self.exposure.close()

    def run(self, frames: Iterable[Frame], on_frame: Callable[[FrameOutcome], None] | None = None,
            on_scan: Callable[[ScanEvent, FrameOutcome], None] | None = None,
            on_unreadable: Callable[[FrameOutcome], None] | None = None) -> None:
        """`outcomes()` with callbacks, in this order per frame: on_frame, on_unreadable, on_scan."""
        for out in self.outcomes(frames):
            if on_frame is not None:
                on_frame(out)
            if out.unreadable and on_unreadable is not None:
                on_unreadable(out)
            if on_scan is not None:
                for ev in out.scans:
                    on_scan(ev, out)


def reader_frames(reader, stop: threading.Event, on_end: Callable[[str], None] | None = None,
                  poll_s: float = 0.1) -> Iterator[Frame]:
    """Frames from a running LatestFrameReader until it ends (on_end gets its final state, or
    "error:<exc>") or `stop` is set (on_end not called)."""
    while not stop.is_set():
        f = reader.get(timeout=poll_s)
        if f is None:
            if not reader.running:
                if on_end is not None:
                    on_end(f"error:{reader.error}" if reader.error is not None else reader.state)
                return
            continue
        yield f


def polled_frames(src, stop: threading.Event, on_end: Callable[[str], None] | None = None,
                  poll_s: float = 0.01, interval_s: float = 0.0) -> Iterator[Frame]:
    """Frames from an open FrameSource read directly, until it is "ended"/"failed" (on_end gets
    that state) or `stop` is set. `interval_s`: a pause after each frame was handled (an
    image folder shows each image's verdict before the next)."""
    while not stop.is_set():
        f = src.read()
        if f is None:
            if src.state in ("ended", "failed"):
                if on_end is not None:
                    on_end(src.state)
                return
            if stop.wait(poll_s):
                return
            continue
        yield f
        if interval_s and stop.wait(interval_s):
            return


def frame_events(frame: Frame, decoder: Decoder, debouncer: Debouncer) -> list[ScanEvent]:
    """Decode one frame and return the new scans in it."""
    by_text: dict[str, Decoded] = {}
    for d in decoder.decode(frame.gray):
        by_text.setdefault(d.text, d)
    events = [ScanEvent(text=t, raw=d.raw, source=CAMERA, ts=frame.ts, decoder=d.decoder, corners=d.corners)
              for t, d in by_text.items()]
    return Dispatch(debouncer).offer(events, frame.ts)


def camera_events(frames: Iterable[Frame], decoder: Decoder, debouncer: Debouncer) -> Iterator[ScanEvent]:
    """Every new scan in a stream of frames."""
    loop = ScanLoop(decoder, debouncer)
    for out in loop.outcomes(frames):
        yield from out.scans


class HandheldFeed:
    """A handheld scanner's events offered to a Dispatch, on a thread of its own.

        feed = HandheldFeed(open_scanner("serial:/dev/ttyUSB0"), dispatch).start()
        ...
        feed.stop()          # from any thread: stops the scanner, joins, closes the port

    scanner: anything with events() -> ScanEvent iterator, stop() and close() (SerialScanner).
    """

    def __init__(self, scanner, dispatch: Dispatch, name: str = "handheld"):
        self.scanner = scanner
        self.dispatch = dispatch
        self.name = name
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        try:
            for ev in self.scanner.events():
                self.dispatch.offer([ev])
        except Exception as exc:  # noqa: BLE001 - kept for the caller; the camera carries on
            self.error = exc
        finally:
            try:
                self.scanner.close()
            except Exception:  # noqa: BLE001
                pass

    def start(self) -> "HandheldFeed":
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 3.0) -> None:
        self.scanner.stop()
        if self._thread is not None:
            self._thread.join(timeout)
