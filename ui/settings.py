"""The app's settings: one typed declaration with defaults, stored as JSON in the terminal home
(ui-settings.json). Unknown keys are an error naming the key. The admin PIN is stored only as a
salted PBKDF2 hash; the default PIN is 2580 (change it in Settings on first use).

The platform URL is not a setting here: it belongs to the enrolled identity in the terminal's
store (TerminalService.platform_url / set_platform_url), which sync reads. An old file's
`platform_url` key is accepted and ignored.

    s = Settings.load(path)          # defaults when the file does not exist
    s.check_pin("2580"); s.set_pin("7391"); s.save(path)

Threads: GUI thread (tiny file, read at start and written when the admin saves settings).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from vocab.spec import MODES

DEFAULT_PIN = "2580"
PIN_ITERATIONS = 50_000
DECODERS = ("cascade", "zxing", "zbar", "opencv")
LEGACY_KEYS = frozenset({"platform_url"})    # written by older versions; ignored on load
SOURCE_HINT = "camera:N, camera:/dev/videoN, video:PATH or images:DIR"


class SettingsError(ValueError):
    """A settings file that cannot be used (one line naming the file and key)."""


def hash_pin(pin: str, salt: bytes | None = None, iterations: int = PIN_ITERATIONS) -> str:
    salt = salt if salt is not None else os.urandom(16)
    dk = hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${dk.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        algo, iters, salt, want = stored.split("$")
        if algo != "pbkdf2_sha256":
            return False
        dk = hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), bytes.fromhex(salt), int(iters))
    except ValueError:
        return False
    return hmac.compare_digest(dk.hex(), want)


def check_source(spec: str) -> str:
    """A frame source spec as scanner.frames.open_source parses it (camera:N, camera:/dev/videoN,
    video:PATH, images:DIR), trimmed; SettingsError naming the problem otherwise. Nothing is
    opened: a camera or file that is missing shows as the camera state once it runs."""
    spec = (spec or "").strip()
    if not spec:
        raise SettingsError(f"empty source; use {SOURCE_HINT}")
    from scanner.frames import open_source
    try:
        open_source(spec)
    except (ValueError, TypeError) as exc:
        raise SettingsError(str(exc)) from None
    scheme, sep, rest = spec.partition(":")
    scheme = scheme.lower() if sep else ""
    if scheme in ("video", "images", "image") and not rest.strip():
        raise SettingsError(f"{scheme}: needs a path, e.g. {scheme}:/path")
    if scheme == "camera" and not (rest.isdigit() or rest.startswith("/") or "://" in rest):
        raise SettingsError(f"camera needs an index, a device path or a stream URL (camera:0, camera:/dev/video2), "
                            f"not {rest!r}")
    return spec


# A fixed salt for the default so a fresh settings file is reproducible; changing the PIN re-salts.
_DEFAULT_PIN_HASH = hash_pin(DEFAULT_PIN, salt=b"venue-terminal-d")


@dataclass
class Settings:
    mode: str = "gate"                  # gate | kiosk | counter
    source: str = "camera:0"            # camera:N | video:PATH | images:DIR
    scanner: str = ""                   # a serial handheld scanner: serial:PORT[@BAUD] ("" = none;
                                        # a keyboard-wedge scanner needs no setting)
    decoder: str = "cascade"
    policy: str = ""                    # policy file or name from assets/policies ("" = default policy)
    language: str = "zh"                # zh | en
    verdict_seconds: float = 2.0        # how long a verdict fills the screen
    kiosk_idle_seconds: float = 30.0    # kiosk: idle screen after this long without a scan
    sound: bool = True
    sync_interval_s: float = 30.0
    fullscreen: bool = True             # gate and kiosk only
    pin_hash: str = field(default=_DEFAULT_PIN_HASH, repr=False)

    def validate(self, where: str = "settings") -> "Settings":
        if self.mode not in MODES:
            raise SettingsError(f"{where}: mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.decoder not in DECODERS:
            raise SettingsError(f"{where}: decoder must be one of {', '.join(DECODERS)}, not {self.decoder!r}")
        try:
            from scanner.serial_scanner import parse_scanner_spec
            parse_scanner_spec(self.scanner)
        except ValueError as exc:
            raise SettingsError(f"{where}: scanner: {exc}") from None
        if self.language not in ("zh", "en"):
            raise SettingsError(f"{where}: language must be zh or en, not {self.language!r}")
        if not (0.2 <= float(self.verdict_seconds) <= 30):
            raise SettingsError(f"{where}: verdict_seconds must be between 0.2 and 30")
        return self

    def check_pin(self, pin: str) -> bool:
        return verify_pin(pin, self.pin_hash)

    def set_pin(self, pin: str) -> None:
        if not (pin.isdigit() and 4 <= len(pin) <= 12):
            raise SettingsError("the PIN must be 4 to 12 digits")
        self.pin_hash = hash_pin(pin)

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes).validate()

    @classmethod
    def load(cls, path: str | Path | None) -> "Settings":
        if path is None or not Path(path).exists():
            return cls()
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SettingsError(f"settings {path}: cannot read ({exc})") from None
        if not isinstance(doc, dict):
            raise SettingsError(f"settings {path}: not a JSON object")
        known = {f.name: f for f in fields(cls)}
        doc = {k: v for k, v in doc.items() if k not in LEGACY_KEYS}
        for k in doc:
            if k not in known:
                raise SettingsError(f"settings {path}: unknown key {k!r}")
        s = cls()
        for k, v in doc.items():
            default = getattr(s, k)
            if isinstance(default, bool) and not isinstance(v, bool) or \
                    isinstance(default, (int, float)) and not isinstance(default, bool) and \
                    (not isinstance(v, (int, float)) or isinstance(v, bool)) or \
                    isinstance(default, str) and not isinstance(v, str):
                raise SettingsError(f"settings {path}: {k} has the wrong type")
            setattr(s, k, v)
        return s.validate(f"settings {path}")

    def save(self, path: str | Path) -> None:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, p)
