"""The terminal's settings: one typed declaration, read from one file, overridden by flags.

Every setting is declared once below, with its type, default, allowed values or range and a
line of help. `Settings.load(path)` reads the home's settings file (JSON, `ui-settings.json`);
a missing file gives the defaults; an unknown key, a wrong type or a value out of range is one
SettingsError naming the file and the key. `Settings.with_(**flags)` applies command-line
overrides through the same checks, and the Settings dialog edits the same object. The core
never sees this module: the app, the service factory and sync read the values they need.

The admin PIN is stored only as its hash (`pin_hash`, terminal/pins.py: scrypt under a pepper
kept beside this file); there is no default PIN: "" means none is set, and the first opening of
Settings sets one. The platform URL is not a setting here: it belongs to the enrolled
identity in the terminal's store. An old file's `platform_url` key is accepted and ignored.

    s = Settings.load(path)          # defaults when the file does not exist
    s = s.with_(mode="kiosk")        # a flag
    s = s.with_(pin_hash=PinGuard(path.parent).hash_new("739164")); s.save(path)

Threads: GUI thread (tiny file, read at start and written when the admin saves settings).
"""
from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from vocab.spec import MODES

log = logging.getLogger(__name__)

SETTINGS_FILE = "ui-settings.json"
RUNTIME_FILE = "runtime.json"                # the running app's report beside it (ui/health.py; status reads it)
RUNTIME_STALE_S = 10.0                       # a report older than this: the app is gone or its GUI thread hangs
DECODERS = ("cascade", "zxing", "zbar", "opencv")
VOICE = ("auto", "on", "off")                # auto: spoken guidance at the kiosk, silent at gate and counter
LEGACY_KEYS = frozenset({"platform_url"})    # written by older versions; ignored on load
SOURCE_HINT = "camera:N, camera:/dev/videoN, video:PATH or images:DIR"


class SettingsError(ValueError):
    """A settings file that cannot be used (one line naming the file and key)."""


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


def _setting(default, *, help: str, choices: tuple | None = None, range: tuple[float, float] | None = None,
             check=None, flag: bool = True):
    """One declared setting: its default and how a value is checked (choices, a numeric range or
    a function raising SettingsError/ValueError), and whether a command-line flag may set it."""
    return field(default=default, metadata={"help": help, "choices": choices, "range": range, "check": check,
                                            "flag": flag})


def _check_scanner(spec: str) -> None:
    from scanner.serial_scanner import parse_scanner_spec
    parse_scanner_spec(spec)


def _check_actuator(spec: str) -> None:
    from gate.actuators import parse_actuator
    parse_actuator(spec)


def _check_sensor(spec: str) -> None:
    from gate.actuators import parse_sensor
    parse_sensor(spec)


def _check_port(port: float) -> None:
    if port != int(port):
        raise SettingsError(f"a port number, not {port!r}")


def is_loopback(host: str) -> bool:
    """A loopback address literal (127.0.0.0/8, ::1) or "localhost"."""
    import ipaddress
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_loopback(host: str) -> None:
    if not is_loopback(host):
        raise SettingsError(f"{str(host)[:60]!r} is not a loopback address: the health endpoint listens on "
                            "127.0.0.1 or ::1 only (a reverse proxy can publish it)")


def _check_dcc_trust(path: str) -> None:
    from .trust_files import load_dcc_file      # the file must be usable now, not at the first HC1 scan
    load_dcc_file(path)


def _check_venue_store(url: str) -> None:
    if url:
        from cache.venue_store import check_url
        check_url(url)


def _check_policy(spec: str) -> None:
    if spec:
        from .config import load_policy          # the policy must load now, not at the first scan
        load_policy(spec)


def settings_path(home: str | Path | None) -> Path:
    """Where the app keeps its settings: `<home>/ui-settings.json`, or without a home the
    platformdirs user config folder (the admin PIN's key and lockout live beside it)."""
    if home:
        return Path(home) / SETTINGS_FILE
    from platformdirs import user_config_dir
    return Path(user_config_dir("venue-terminal")) / SETTINGS_FILE


def _owner_only(path: Path) -> None:
    """A settings file others can read (written by hand, or by an old copy tool) becomes 0600:
    it holds the admin PIN's hash."""
    try:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            os.chmod(path, 0o600)
            log.warning("settings %s was readable by others (%o): now 0600", path, mode)
    except OSError as exc:                # not ours to change: reading still works
        log.warning("settings %s: could not make it owner-only: %s", path, exc)


def _check_pin_hash(stored: str) -> None:
    from .pins import is_stored_form
    if not is_stored_form(stored):
        raise SettingsError("not a PIN hash this version writes or reads")


@dataclass
class Settings:
    mode: str = _setting("gate", choices=MODES, help="screen: gate (staff), kiosk (self-service), counter (clerk)")
    source: str = _setting("camera:0", check=check_source, help="camera:N, camera:/dev/videoN, video:PATH or images:DIR")
    scanner: str = _setting("", check=_check_scanner,
                            help="a serial handheld scanner: serial:PORT[@BAUD] (\"\" = none; a keyboard-wedge "
                                 "scanner needs no setting)")
    actuator: str = _setting("", check=_check_actuator,
                             help="the gate's output: serial:PORT[@BAUD][#CHANNEL] (USB relay), gpio:CHIP:LINE"
                                  "[:active_low], or http(s)://HOST/PATH (turnstile controller) (\"\" = none)")
    actuator_pulse_s: float = _setting(0.8, range=(0.05, 10), help="how long an admission holds the output on")
    actuator_timeout_s: float = _setting(2.0, range=(0.2, 30), help="timeout of one actuator command")
    actuator_token_file: str = _setting("", help="HTTP turnstile: a file holding the bearer token (\"\" = none)")
    pass_sensor: str = _setting("", check=_check_sensor,
                                help="optional pass sensor: serial-cts:PORT, serial-dsr:PORT or gpio-in:CHIP:LINE"
                                     "[:active_low] (\"\" = none)")
    pass_timeout_s: float = _setting(10.0, range=(1, 120),
                                     help="an admission nobody walks through within this is logged as not passed")
    health_port: int = _setting(0, range=(0, 65535), check=_check_port,
                                help="loopback HTTP health endpoint for the venue's monitoring, GET /health (0 = off)")
    health_bind: str = _setting("127.0.0.1", check=check_loopback,
                                help="the health endpoint's address: a loopback address only")
    decoder: str = _setting("cascade", choices=DECODERS, help="QR decoder")
    policy: str = _setting("", check=_check_policy,
                           help="venue policy TOML file or a name from assets/policies (\"\" = the default policy)")
    dcc_trust: str = _setting("", check=_check_dcc_trust,
                              help="EU DCC (HC1) trust from a file, beside the list sync brings: a trust JSON "
                                   "([{kid, country, certificate}]) or DSC certificates (PEM/DER) (\"\" = none)")
    venue_store: str = _setting("", check=_check_venue_store,
                                help="the venue's shared store (spec section 7): redis://HOST[:PORT][/DB] or rediss://..."
                                     ", shared by all gates of the venue (\"\" = this terminal's own database only)")
    venue_store_password_file: str = _setting("", help="a file holding the venue store's password (else the "
                                                       "environment's VT_VENUE_STORE_PASSWORD)")
    language: str = _setting("zh", choices=("zh", "en"), help="screen language")
    verdict_seconds: float = _setting(2.0, range=(0.2, 30), help="gate: how long a verdict fills the screen")
    kiosk_verdict_seconds: float = _setting(3.0, range=(1, 30),
                                            help="kiosk: how long a verdict stays (older users read slower)")
    kiosk_idle_seconds: float = _setting(30.0, range=(5, 600), help="kiosk: back to the idle guide after this long")
    counter_clear_after_s: float = _setting(120.0, range=(0, 3600),
                                            help="counter: the holder's details are cleared from the screen after "
                                                 "this long with no scan and no interaction (0 = never)")
    sound: bool = _setting(True, help="verdict sounds")
    large_type: bool = _setting(False, help="large type and high contrast: bigger text, black, white and yellow")
    voice: str = _setting("auto", choices=VOICE, help="spoken guidance: auto (kiosk only), on, off")
    voice_volume: float = _setting(0.8, range=(0, 1), help="voice volume, 0 to 1")
    sync_interval_s: float = _setting(30.0, range=(5, 3600), help="seconds between background syncs")
    clock_skew_bound_s: float = _setting(120.0, range=(1, 86400),
                                         help="how far the platform's clock may differ before verdicts carry "
                                              "clock_suspect")
    retention_days: float = _setting(30.0, range=(1, 3650), help="uploaded scan events are kept this many days")
    http_timeout_s: float = _setting(10.0, range=(1, 120), help="timeout of each call to the platform")
    fullscreen: bool = _setting(True, help="gate and kiosk: fill the screen")
    pin_hash: str = _setting("", check=_check_pin_hash, flag=False,
                             help="the admin PIN's hash (terminal/pins.py); \"\" = none set yet")

    def validate(self, where: str = "settings") -> "Settings":
        """Check every value against its declaration; SettingsError naming `where` and the key."""
        for f in fields(self):
            value, meta = getattr(self, f.name), f.metadata
            default = f.default
            if isinstance(default, bool):
                ok = isinstance(value, bool)
            elif isinstance(default, (int, float)):
                ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            else:
                ok = isinstance(value, str) and len(value) <= 4096 and "\x00" not in value
            if not ok:
                raise SettingsError(f"{where}: {f.name} must be {type(default).__name__}, not {value!r:.60}")
            if meta["choices"] is not None and value not in meta["choices"]:
                raise SettingsError(f"{where}: {f.name} must be one of {', '.join(meta['choices'])}, not {value!r:.60}")
            if meta["range"] is not None and not meta["range"][0] <= value <= meta["range"][1]:
                lo, hi = meta["range"]
                raise SettingsError(f"{where}: {f.name} must be between {lo:g} and {hi:g}, not {value!r}")
            if meta["check"] is not None and value != default:
                try:
                    meta["check"](value)
                except SettingsError as exc:
                    raise SettingsError(f"{where}: {f.name}: {exc}") from None
                except Exception as exc:  # noqa: BLE001 - ValueError, ConfigError...: one line naming the key
                    raise SettingsError(f"{where}: {f.name}: {exc}") from None
        return self

    @classmethod
    def declared(cls) -> list:
        """The declaration: dataclass fields with help, choices, range and whether a flag sets them."""
        return list(fields(cls))

    @classmethod
    def parse_override(cls, text: str) -> tuple[str, object]:
        """A command-line override `KEY=VALUE` typed by the declaration (bool: true/false/1/0/on/off);
        SettingsError for an unknown key, one no flag may set, or a value of the wrong type."""
        key, sep, raw = text.partition("=")
        key = key.strip().replace("-", "_")
        decl = {f.name: f for f in fields(cls)}
        if not sep or key not in decl or not decl[key].metadata["flag"]:
            settable = ", ".join(f.name for f in fields(cls) if f.metadata["flag"])
            raise SettingsError(f"--set {text[:60]!r}: use KEY=VALUE with KEY one of {settable}")
        default = decl[key].default
        if isinstance(default, bool):
            low = raw.strip().lower()
            if low not in ("true", "false", "1", "0", "on", "off", "yes", "no"):
                raise SettingsError(f"--set {key}: true or false, not {raw[:40]!r}")
            return key, low in ("true", "1", "on", "yes")
        if isinstance(default, (int, float)):
            try:
                return key, float(raw) if len(raw) <= 32 else float("nan")
            except ValueError:
                raise SettingsError(f"--set {key}: a number, not {raw[:40]!r}") from None
        return key, raw

    def voice_on(self) -> bool:
        return self.voice == "on" or (self.voice == "auto" and self.mode == "kiosk")

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes).validate()

    @classmethod
    def load(cls, path: str | Path | None) -> "Settings":
        return cls.load_with_keys(path)[0]

    @classmethod
    def load_with_keys(cls, path: str | Path | None) -> "tuple[Settings, frozenset[str]]":
        """The settings and the keys the file itself sets (the rest are defaults)."""
        if path is None or not Path(path).exists():
            return cls(), frozenset()
        _owner_only(Path(path))
        from .config import ConfigError, read_file
        try:
            doc = json.loads(read_file(path, "settings").decode("utf-8"))
        except ConfigError as exc:
            raise SettingsError(str(exc)) from None
        except (ValueError, RecursionError) as exc:
            raise SettingsError(f"settings {path}: not JSON ({str(exc)[:80]})") from None
        if not isinstance(doc, dict):
            raise SettingsError(f"settings {path}: not a JSON object")
        known = {f.name for f in fields(cls)}
        doc = {k: v for k, v in doc.items() if k not in LEGACY_KEYS}
        for k in doc:
            if k not in known:
                raise SettingsError(f"settings {path}: unknown key {str(k)[:60]!r} (known: {', '.join(sorted(known))})")
        return replace(cls(), **doc).validate(f"settings {path}"), frozenset(doc)

    @classmethod
    def in_home(cls, home: str | Path) -> "Settings":
        return cls.load(Path(home) / SETTINGS_FILE)

    def save(self, path: str | Path) -> None:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)     # the PIN hash: owner only
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(asdict(self), indent=2, ensure_ascii=False))
        os.chmod(tmp, 0o600)
        os.replace(tmp, p)
