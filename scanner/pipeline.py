"""Camera frames -> decoded, debounced scan events.

    >>> source = open_source("video:gate.avi")                       # doctest: +SKIP
    >>> for event in camera_events(iter_frames(source), CascadeDecoder(), Debouncer()):
    ...     print(event.text)

Runs on the caller's thread (in the app: the scan worker thread, fed by LatestFrameReader).
"""
from __future__ import annotations

from typing import Iterable, Iterator

from .debounce import Debouncer
from .decoders import Decoder
from .events import CAMERA, ScanEvent
from .frames import Frame


def frame_events(frame: Frame, decoder: Decoder, debouncer: Debouncer) -> list[ScanEvent]:
    """Decode one frame and return the new scans in it."""
    found = decoder.decode(frame.gray)
    by_text = {}
    for d in found:
        by_text.setdefault(d.text, d)
    return [ScanEvent(text=t, raw=by_text[t].raw, source=CAMERA, ts=frame.ts, decoder=by_text[t].decoder,
                      corners=by_text[t].corners)
            for t in debouncer.feed(list(by_text), frame.ts)]


def camera_events(frames: Iterable[Frame], decoder: Decoder, debouncer: Debouncer) -> Iterator[ScanEvent]:
    """Every new scan in a stream of frames."""
    for frame in frames:
        yield from frame_events(frame, decoder, debouncer)
