"""`venue-terminal admin-pin`: set the admin PIN from the command line (at installation, so a
passer-by cannot be the first to open Settings on a new kiosk; or to replace a forgotten one).

    venue-terminal --home DIR admin-pin                 # asks for the PIN twice
    printf '739164\n' | venue-terminal --home DIR admin-pin --pin-stdin
    venue-terminal admin-pin --settings /etc/venue/ui-settings.json

The settings file is the one the app reads (`<home>/ui-settings.json`, or without --home the
user config folder); the PIN is hashed there by terminal/pins.py under the key file beside it,
and the admin lockout is cleared. Exit: 0 set, 2 usage error (a PIN outside the rules, the PINs
differ, a settings file that does not load).
"""
from __future__ import annotations

from pathlib import Path

from ._common import UsageError
from .staff import read_pin


def register(sub) -> None:
    p = sub.add_parser("admin-pin", help="set the admin PIN (hashed into the settings file)",
                       description="Set the admin PIN that opens Settings. The PIN is read from the terminal "
                                   "(twice) or with --pin-stdin from one line of standard input; never from "
                                   "the command line.")
    p.add_argument("--settings", metavar="FILE", help="the settings file (default: the app's, by --home)")
    p.add_argument("--pin-stdin", action="store_true", help="read the PIN from one line of standard input")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..pins import ADMIN, PinGuard, PinRefused
    from ..settings import Settings, SettingsError, settings_path
    path = Path(args.settings) if args.settings else settings_path(args.home)
    try:
        settings = Settings.load(path)
    except SettingsError as exc:
        raise UsageError(str(exc)) from None
    guard = PinGuard(path.parent)
    pin = read_pin(args.pin_stdin, "admin PIN (6-12 digits)")
    try:
        settings = settings.with_(pin_hash=guard.hash_new(pin))
    except PinRefused as exc:
        raise UsageError(str(exc)) from None
    settings.save(path)
    guard.record_success(ADMIN)
    print(f"admin PIN set in {path}")
    return 0
