"""Actuators behind one small interface, and pass sensors.

    act = open_actuator("serial:/dev/ttyUSB0")      # or gpio:/dev/gpiochip0:17, http://127.0.0.1:8080/open
    act.pulse(0.8)                                   # ActuatorError when unplugged, failing or timing out
    act.probe()                                      # reopen / reach it again (background retry)
    act.close()

An actuator keeps no state it cannot rebuild: after an error it drops its handle and the next
pulse or probe opens it again, so a cable plugged back in works without a restart.

- `serial:PORT[@BAUD][#CHANNEL]`: the common USB relay modules (LCUS-1 and its multi-channel
  kin, a CH340 USB-serial chip): `A0 <ch> 01 <sum>` closes the relay contact (opens the gate),
  `A0 <ch> 00 <sum>` releases it; sum = (0xA0 + ch + state) & 0xFF. 9600 baud by default.
- `gpio:CHIP:LINE[:active_low]`: a Linux GPIO line through libgpiod's Python binding (`gpiod`,
  v2 API), driven active for the pulse. Without the chip device it is "not available".
- `http://…` / `https://…`: a network turnstile controller; POST `{"pulse_ms": N}` with a
  timeout and, optionally, `Authorization: Bearer <token from a file>`; any 2xx is done. A
  token is sent only over HTTPS or to a loopback address.

Pass sensors (`open_sensor`): `serial-cts:PORT`, `serial-dsr:PORT` (a beam or turnstile-arm
contact wired to a modem line of a USB-serial adapter) or `gpio-in:CHIP:LINE[:active_low]`.
`read()` is True while someone is in the passage.

Threads: one object is used by one thread at a time (gate/controller.py's worker).
"""
from __future__ import annotations

import ipaddress
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol


class ActuatorError(Exception):
    """The actuator did not do what it was told (one line, for staff and the log)."""


class ActuatorSpecError(ValueError):
    """A setting that names no usable actuator or sensor (one line)."""


class Actuator(Protocol):
    kind: str
    target: str

    def pulse(self, seconds: float) -> None: ...

    def probe(self) -> None: ...

    def close(self) -> None: ...


def _sleep(seconds: float) -> None:
    time.sleep(max(0.0, seconds))


# ---------------------------------------------------------------- serial relay

def relay_frame(channel: int, on: bool) -> bytes:
    """The LCUS relay module's 4-byte command: A0, channel, state, checksum."""
    state = 1 if on else 0
    return bytes((0xA0, channel, state, (0xA0 + channel + state) & 0xFF))


class SerialRelay:
    kind = "serial"

    def __init__(self, port: str, baud: int = 9600, channel: int = 1, write_timeout: float = 1.0):
        self.port, self.baud, self.channel, self.write_timeout = port, baud, channel, write_timeout
        self.target = port
        self._ser = None

    def _open(self):
        if self._ser is None:
            import serial
            try:
                self._ser = serial.serial_for_url(self.port, baudrate=self.baud, timeout=0.2,
                                                  write_timeout=self.write_timeout)
            except (serial.SerialException, OSError, ValueError) as exc:
                raise ActuatorError(f"relay {self.port}: cannot open ({_short(exc)})") from None
        return self._ser

    def _write(self, data: bytes) -> None:
        import serial
        ser = self._open()
        try:
            n = ser.write(data)
            ser.flush()
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise ActuatorError(f"relay {self.port}: write failed ({_short(exc)})") from None
        if n != len(data):
            self.close()
            raise ActuatorError(f"relay {self.port}: wrote {n} of {len(data)} bytes")

    def pulse(self, seconds: float) -> None:
        self._write(relay_frame(self.channel, True))
        _sleep(seconds)
        self._write(relay_frame(self.channel, False))

    def probe(self) -> None:
        """Reopen and make sure the relay is released (also how a replugged module is found)."""
        self._write(relay_frame(self.channel, False))

    def close(self) -> None:
        ser, self._ser = self._ser, None
        if ser is not None:
            try:
                ser.close()
            except Exception:  # noqa: BLE001 - the port is gone anyway
                pass


# ---------------------------------------------------------------- GPIO (libgpiod)

def _gpiod(chip: str):
    try:
        import gpiod
    except ImportError:
        raise ActuatorError("gpio not available: the gpiod Python binding is not installed") from None
    if not os.path.exists(chip):
        raise ActuatorError(f"gpio not available: {chip} does not exist")
    if not gpiod.is_gpiochip_device(chip):
        raise ActuatorError(f"gpio not available: {chip} is not a GPIO chip")
    return gpiod


class _GpioRequest:
    """One requested GPIO line (output or input); dropped after an error and requested again on next use."""

    output = True
    what = "gpio"

    def __init__(self, chip: str, line: int, active_low: bool = False):
        self.chip, self.line, self.active_low = chip, line, active_low
        self.target = f"{chip}:{line}"
        self._req = None

    def _call(self, fn):
        if self._req is None:
            gpiod = _gpiod(self.chip)
            from gpiod.line import Direction, Value
            cfg = gpiod.LineSettings(direction=Direction.OUTPUT if self.output else Direction.INPUT,
                                     active_low=self.active_low,
                                     **({"output_value": Value.INACTIVE} if self.output else {}))
            try:
                self._req = gpiod.request_lines(self.chip, consumer="venue-terminal", config={self.line: cfg})
            except (OSError, ValueError) as exc:
                raise ActuatorError(f"{self.what} {self.target}: cannot request the line ({_short(exc)})") from None
        try:
            return fn(self._req)
        except (OSError, ValueError) as exc:
            self.close()
            raise ActuatorError(f"{self.what} {self.target}: {_short(exc)}") from None

    def close(self) -> None:
        req, self._req = self._req, None
        if req is not None:
            try:
                req.release()
            except Exception:  # noqa: BLE001 - the chip is gone anyway
                pass


class GpioLine(_GpioRequest):
    kind = "gpio"

    def _set(self, active: bool) -> None:
        from gpiod.line import Value
        self._call(lambda req: req.set_value(self.line, Value.ACTIVE if active else Value.INACTIVE))

    def pulse(self, seconds: float) -> None:
        self._set(True)
        _sleep(seconds)
        self._set(False)

    def probe(self) -> None:
        self._set(False)


# ---------------------------------------------------------------- network turnstile controller

MAX_ANSWER = 64 * 1024


def _loopback(host: str | None) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


class HttpTurnstile:
    kind = "http"

    def __init__(self, url: str, timeout: float = 2.0, token_file: str = ""):
        self.url, self.timeout, self.token_file = url, timeout, token_file
        u = urllib.parse.urlsplit(url)
        self.target = f"{u.scheme}://{u.hostname}{':' + str(u.port) if u.port else ''}{u.path}"
        if token_file and u.scheme != "https" and not _loopback(u.hostname):
            raise ActuatorSpecError(f"{self.target}: a bearer token goes only over https (or to a loopback address)")

    def _token(self) -> str | None:
        if not self.token_file:
            return None
        try:
            with open(self.token_file, "rb") as f:
                tok = f.read(4097).decode("ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ActuatorError(f"turnstile token file {self.token_file}: {_short(exc)}") from None
        if not tok or len(tok) > 4096 or any(c.isspace() for c in tok):
            raise ActuatorError(f"turnstile token file {self.token_file}: not one token")
        return tok

    def _post(self, pulse_ms: int) -> None:
        body = json.dumps({"pulse_ms": pulse_ms}).encode()
        headers = {"Content-Type": "application/json", "Accept-Encoding": "identity"}
        tok = self._token()
        if tok:
            headers["Authorization"] = f"Bearer {tok}"
        req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(req, timeout=self.timeout) as resp:
                resp.read(MAX_ANSWER)
                status = resp.status
        except urllib.error.HTTPError as exc:
            raise ActuatorError(f"turnstile {self.target}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ActuatorError(f"turnstile {self.target}: {_short(reason)}") from None
        if not 200 <= status < 300:
            raise ActuatorError(f"turnstile {self.target}: HTTP {status}")

    def pulse(self, seconds: float) -> None:
        self._post(max(1, int(round(seconds * 1000))))

    def probe(self) -> None:
        """A zero-length pulse: the controller answers without moving the arm."""
        self._post(0)

    def close(self) -> None:
        pass


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):      # a redirect is an error: the token stays with its host
        return None


# ---------------------------------------------------------------- pass sensors

class SerialLineSensor:
    """A dry contact between a USB-serial adapter's DTR/RTS output and its CTS or DSR input."""

    def __init__(self, port: str, line: str):
        self.port, self.line = port, line
        self.target = f"{port} {line.upper()}"
        self._ser = None

    def _open(self):
        if self._ser is None:
            import serial
            try:
                self._ser = serial.serial_for_url(self.port, timeout=0)
            except (serial.SerialException, OSError, ValueError) as exc:
                raise ActuatorError(f"pass sensor {self.port}: cannot open ({_short(exc)})") from None
        return self._ser

    @property
    def handle(self):
        return self._open()

    def read(self) -> bool:
        ser = self._open()
        try:
            return bool(ser.cts if self.line == "cts" else ser.dsr)
        except (OSError, Exception) as exc:  # noqa: BLE001 - SerialException and ioctl errors alike
            self.close()
            raise ActuatorError(f"pass sensor {self.target}: {_short(exc)}") from None

    def close(self) -> None:
        ser, self._ser = self._ser, None
        if ser is not None:
            try:
                ser.close()
            except Exception:  # noqa: BLE001
                pass


class GpioInput(_GpioRequest):
    output = False
    what = "pass sensor"

    def read(self) -> bool:
        from gpiod.line import Value
        return self._call(lambda req: req.get_value(self.line)) == Value.ACTIVE


# ---------------------------------------------------------------- parsing

ACTUATOR_HINT = "serial:PORT[@BAUD][#CHANNEL], gpio:CHIP:LINE[:active_low], http(s)://HOST[:PORT]/PATH"
SENSOR_HINT = "serial-cts:PORT, serial-dsr:PORT, gpio-in:CHIP:LINE[:active_low]"


@dataclass(frozen=True)
class Spec:
    kind: str          # serial, gpio, http (actuators); serial-cts, serial-dsr, gpio-in (sensors)
    target: str        # port, chip, URL
    baud: int = 9600
    channel: int = 1
    line: int = 0
    active_low: bool = False


def _gpio_parts(rest: str, what: str) -> tuple[str, int, bool]:
    parts = rest.split(":")
    active_low = False
    if parts and parts[-1] == "active_low":
        active_low = True
        parts = parts[:-1]
    if len(parts) != 2 or not parts[0] or not parts[1].isdigit() or int(parts[1]) > 1023:
        raise ActuatorSpecError(f"{what}: use CHIP:LINE[:active_low], e.g. /dev/gpiochip0:17, not {rest!r:.60}")
    chip = parts[0] if parts[0].startswith("/") else f"/dev/{parts[0]}"
    return chip, int(parts[1]), active_low


def parse_actuator(spec: str) -> Spec | None:
    """The setting's actuator, or None for "" / "none"; ActuatorSpecError (one line) otherwise.
    Nothing is opened: a missing device shows as the actuator's fault once it runs."""
    spec = (spec or "").strip()
    if spec in ("", "none"):
        return None
    if len(spec) > 512 or any(ord(c) < 32 for c in spec):
        raise ActuatorSpecError("actuator: too long or has control characters")
    scheme, sep, rest = spec.partition(":")
    scheme = scheme.lower()
    if scheme == "serial" and sep:
        ch = 1
        if "#" in rest:
            rest, _, c = rest.rpartition("#")
            if not c.isdigit() or not 1 <= int(c) <= 8:
                raise ActuatorSpecError(f"actuator {spec[:60]!r}: the relay channel is 1-8")
            ch = int(c)
        port, at, baud = rest.partition("@")
        if at and (not baud.isdigit() or not 300 <= int(baud) <= 4_000_000):
            raise ActuatorSpecError(f"actuator {spec[:60]!r}: the baud rate is a number, e.g. @9600")
        if not port:
            raise ActuatorSpecError(f"actuator {spec[:60]!r}: serial needs a port, e.g. serial:/dev/ttyUSB0")
        return Spec("serial", port, baud=int(baud) if at else 9600, channel=ch)
    if scheme == "gpio" and sep:
        chip, line, low = _gpio_parts(rest, f"actuator {spec[:60]!r}")
        return Spec("gpio", chip, line=line, active_low=low)
    if scheme in ("http", "https"):
        u = urllib.parse.urlsplit(spec)
        if not u.hostname or u.username or u.password:
            raise ActuatorSpecError(f"actuator {spec[:60]!r}: a URL with a host and no user:password")
        try:
            u.port
        except ValueError:
            raise ActuatorSpecError(f"actuator {spec[:60]!r}: a bad port") from None
        return Spec("http", spec)
    raise ActuatorSpecError(f"actuator {spec[:60]!r}: use {ACTUATOR_HINT}, or \"\" for none")


def parse_sensor(spec: str) -> Spec | None:
    spec = (spec or "").strip()
    if spec in ("", "none"):
        return None
    if len(spec) > 512 or any(ord(c) < 32 for c in spec):
        raise ActuatorSpecError("pass sensor: too long or has control characters")
    scheme, sep, rest = spec.partition(":")
    scheme = scheme.lower()
    if scheme in ("serial-cts", "serial-dsr") and sep and rest:
        return Spec(scheme, rest)
    if scheme == "gpio-in" and sep:
        chip, line, low = _gpio_parts(rest, f"pass sensor {spec[:60]!r}")
        return Spec("gpio-in", chip, line=line, active_low=low)
    raise ActuatorSpecError(f"pass sensor {spec[:60]!r}: use {SENSOR_HINT}, or \"\" for none")


def open_actuator(spec: str, *, timeout: float = 2.0, token_file: str = "") -> Actuator | None:
    s = parse_actuator(spec)
    if s is None:
        return None
    if s.kind == "serial":
        return SerialRelay(s.target, s.baud, s.channel, write_timeout=timeout)
    if s.kind == "gpio":
        return GpioLine(s.target, s.line, s.active_low)
    return HttpTurnstile(s.target, timeout=timeout, token_file=token_file)


def open_sensor(spec: str):
    s = parse_sensor(spec)
    if s is None:
        return None
    if s.kind == "gpio-in":
        return GpioInput(s.target, s.line, s.active_low)
    return SerialLineSensor(s.target, s.kind.split("-")[1])


def _short(exc: object) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:160] if text else "error"
