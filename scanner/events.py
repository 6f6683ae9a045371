"""The one scan event every input produces: the camera pipeline, a keyboard-wedge scanner
and a serial scanner alike, so the app handles them the same way."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

CAMERA, WEDGE, SERIAL = "camera", "wedge", "serial"


@dataclass(frozen=True)
class ScanEvent:
    """text: the code's text; raw: its bytes; source: "camera" | "wedge" | "serial";
    ts: monotonic seconds (frame time for the camera, key/line time for handhelds);
    decoder and corners: set for camera scans."""

    text: str
    raw: bytes
    source: str
    ts: float
    decoder: Optional[str] = None
    corners: Optional[tuple] = None
    held: bool = False            # a repeat of a code that never left the view (scanner.debounce)
