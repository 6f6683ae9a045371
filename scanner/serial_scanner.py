"""Serial and USB-CDC handheld scanners through pyserial.

A serial scanner sends each code as one line. Large codes (600+ characters) need this: a
keyboard wedge types them too slowly. `SerialScanner` reads lines ending in the configured
terminator and yields them as `ScanEvent`s (source "serial"), the same events as the camera.

    >>> with SerialScanner("/dev/ttyACM0", baudrate=115200, terminator="CR") as sc:   # doctest: +SKIP
    ...     for event in sc.events():
    ...         print(event.text)

`port` is anything pyserial's `serial_for_url` takes: a device (/dev/ttyUSB0, COM3), a pty,
or "loop://". terminator: "CR", "LF", "CRLF", "auto" (either CR or LF; empty lines dropped:
the default, since scanners differ), or literal bytes. Unplugging the scanner ends `events()`
only when `reconnect=False`; otherwise it waits and reopens the port.

Threads: one SerialScanner per thread; `stop()` may be called from another thread.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Iterator

import serial

from .events import SERIAL, ScanEvent

log = logging.getLogger(__name__)

_TERMINATORS = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n"}


def _bytes_to_text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class SerialScanner:
    def __init__(self, port: str, baudrate: int = 115200, terminator: str | bytes = "auto", *,
                 timeout: float = 0.1, max_length: int = 16384, reconnect: bool = True,
                 retry_delay: float = 0.5, clock: Callable[[], float] = time.monotonic,
                 serial_factory: Callable[..., serial.SerialBase] = serial.serial_for_url):
        self.port, self.baudrate = port, baudrate
        if isinstance(terminator, str):
            if terminator.upper() == "AUTO":
                self._term = None
            elif terminator.upper() in _TERMINATORS:
                self._term = _TERMINATORS[terminator.upper()]
            else:
                self._term = terminator.encode()
        else:
            self._term = bytes(terminator)
        if self._term == b"":
            raise ValueError("terminator must not be empty")
        self.timeout = timeout
        self.max_length = max_length
        self.reconnect = reconnect
        self.retry_delay = retry_delay
        self._clock = clock
        self._factory = serial_factory
        self._ser: serial.SerialBase | None = None
        self._buf = bytearray()
        self._discarding = False
        self._stop = threading.Event()
        self.state = "opening"

    def open(self) -> None:
        self._ser = self._factory(self.port, baudrate=self.baudrate, timeout=self.timeout)
        self.state = "live"

    def close(self) -> None:
        if self._ser is not None:
            try:
                self._ser.close()
            except (OSError, serial.SerialException):
                pass
            self._ser = None
        self.state = "ended"

    def stop(self) -> None:
        """Make `events()` / `scans()` return soon (from any thread)."""
        self._stop.set()

    def __enter__(self) -> "SerialScanner":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _split(self) -> list[bytes]:
        lines = []
        while True:
            if self._term is None:
                cut = next((i for i, b in enumerate(self._buf) if b in (0x0D, 0x0A)), -1)
                width = 1
            else:
                cut = self._buf.find(self._term)
                width = len(self._term)
            if cut < 0:
                break
            line = bytes(self._buf[:cut])
            del self._buf[:cut + width]
            if self._discarding:
                self._discarding = False  # the end of an overlong line: resynchronised
                continue
            if len(line) > self.max_length:
                log.warning("%s: dropped a %d-byte line (max %d)", self.port, len(line), self.max_length)
                continue
            if line or self._term is not None:
                lines.append(line)
        if len(self._buf) > self.max_length:
            log.warning("%s: %d bytes without a terminator, dropped", self.port, len(self._buf))
            self._buf.clear()
            self._discarding = True  # the rest of this line is garbage too
        return lines

    def read_lines(self) -> list[bytes]:
        """Whatever complete lines arrived within `timeout` (maybe none). Raises
        serial.SerialException when the port is gone."""
        if self._ser is None:
            self.open()
        data = self._ser.read(max(1, self._ser.in_waiting))
        if data:
            self._buf.extend(data)
        return self._split()

    def scans(self) -> Iterator[bytes]:
        """Raw scans (bytes without terminator) until `stop()`, or until the port is gone when
        reconnect is False."""
        while not self._stop.is_set():
            try:
                lines = self.read_lines()
            except (serial.SerialException, OSError) as exc:
                log.warning("%s: %s", self.port, exc)
                self.close()
                if not self.reconnect:
                    self.state = "failed"
                    return
                self.state = "reconnecting"
                self._buf.clear()
                self._discarding = False
                if self._stop.wait(self.retry_delay):
                    return
                try:
                    self.open()
                except (serial.SerialException, OSError):
                    self.state = "reconnecting"
                continue
            yield from lines

    def events(self) -> Iterator[ScanEvent]:
        """`scans()` as ScanEvents (source "serial")."""
        for raw in self.scans():
            raw = raw.strip(b"\x00")
            if raw:
                yield ScanEvent(text=_bytes_to_text(raw), raw=raw, source=SERIAL, ts=self._clock())


SCANNER_HINT = "serial:PORT or serial:PORT@BAUD (e.g. serial:/dev/ttyUSB0@9600); empty for none"


def parse_scanner_spec(spec: str | None) -> dict | None:
    """A handheld scanner setting -> SerialScanner keyword arguments, or None for none.

    "" / "none": no serial scanner (a keyboard-wedge scanner needs no setting);
    "serial:PORT" (115200 baud) or "serial:PORT@BAUD"; PORT is a device, a pty or a pyserial URL.
    ValueError naming the problem otherwise. Nothing is opened."""
    spec = (spec or "").strip()
    if spec.lower() in ("", "none"):
        return None
    scheme, sep, rest = spec.partition(":")
    if not sep or scheme.lower() != "serial":
        raise ValueError(f"unknown scanner {spec!r}; use {SCANNER_HINT}")
    port, at, baud = rest.rpartition("@")
    if not at or not baud.isdigit():
        port, baud = rest, ""
    port = port.strip()
    if not port:
        raise ValueError(f"serial: needs a port; use {SCANNER_HINT}")
    out: dict = {"port": port}
    if baud:
        if int(baud) <= 0:
            raise ValueError(f"bad baud rate {baud!r}")
        out["baudrate"] = int(baud)
    return out


def open_scanner(spec: str | None, **options) -> SerialScanner | None:
    """The SerialScanner a setting names (not opened yet: `events()` opens it), or None."""
    kw = parse_scanner_spec(spec)
    return None if kw is None else SerialScanner(**kw, **options)
