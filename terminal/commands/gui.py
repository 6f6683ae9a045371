"""`venue-terminal gui`: the Qt app (gate, kiosk or counter mode).

    venue-terminal --home DIR gui [--mode gate|kiosk|counter] [--source camera:0|video:PATH|images:DIR]
        [--scanner serial:PORT[@BAUD]]
        [--policy FILE] [--root-key PEM --trust-list FILE [--revocations FILE]]
        [--dcc-cert FILE ... --dcc-trust FILE ...]       (EU DCC, beside the synced DCC trust list)
        [--screenshot PATH --exit-after SECONDS]

An enrolled home gives trust data, the scan log and background sync; an unenrolled terminal
can run from trust files (--root-key/--trust-list/--revocations). Qt is imported only here,
when the command runs (the rest of the CLI works without a display).
Exit: 0 closed normally, 2 usage/config error.
"""
from __future__ import annotations

from vocab.spec import MODES

from ._common import UsageError, add_venue_store_args, venue_store_overrides



def register(sub) -> None:
    p = sub.add_parser("gui", help="run the terminal app (Qt)", description="Run the venue terminal app.")
    p.add_argument("--mode", choices=MODES, help="screen: gate (staff), kiosk (self-service), counter (clerk)")
    p.add_argument("--source", metavar="SPEC", help="camera:N, video:PATH or images:DIR (default: from settings, camera:0)")
    p.add_argument("--scanner", metavar="SPEC",
                   help="a serial handheld scanner: serial:PORT[@BAUD], e.g. serial:/dev/ttyUSB0@9600 "
                        "(default: from settings, none; a keyboard-wedge scanner needs no option)")
    p.add_argument("--policy", metavar="FILE", help="venue policy TOML, or a name from assets/policies")
    p.add_argument("--root-key", metavar="PEM", help="unenrolled terminal: the pinned platform key")
    p.add_argument("--trust-list", metavar="FILE", help="unenrolled terminal: signed trust list")
    p.add_argument("--revocations", metavar="FILE", help="unenrolled terminal: signed revocation list")
    p.add_argument("--dcc-cert", metavar="FILE", action="append", default=[],
                   help="EU DCC (HC1): a document signer certificate file (PEM, DER or base64; repeatable), "
                        "beside the DCC trust list an enrolled home syncs and the dcc_trust setting")
    p.add_argument("--dcc-trust", metavar="FILE", action="append", default=[],
                   help="EU DCC (HC1): a trust JSON file [{kid, country, certificate}] (repeatable)")
    p.add_argument("--decoder", choices=("cascade", "zxing", "zbar", "opencv"), help="QR decoder (default cascade)")
    p.add_argument("--language", choices=("zh", "en"), help="screen language (default zh)")
    p.add_argument("--windowed", action="store_true", help="do not go full screen in gate/kiosk mode")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override any setting of the settings file for this run, e.g. --set verdict_seconds=3 "
                        "(repeatable; see README, Settings)")
    add_venue_store_args(p)
    p.add_argument("--loop", action="store_true", help="loop a video or image source")
    p.add_argument("--session", action="store_true",
                   help="the app is the whole X session (the systemd unit of venue-terminal install): fill the "
                        "screen in every mode without a window manager, tell systemd it is ready and alive "
                        "(sd_notify, watchdog), and leave syncing to the sync timer")
    p.add_argument("--screenshot", metavar="PATH", help="save a PNG of the window before exiting (with --exit-after)")
    p.add_argument("--exit-after", type=float, metavar="SECONDS", help="quit after this many seconds")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.screenshot and args.exit_after is None:
        raise UsageError("--screenshot needs --exit-after SECONDS")
    if args.exit_after is not None and args.exit_after <= 0:
        raise UsageError("--exit-after must be positive")
    try:
        from ui.app import AppOptions, main
    except ImportError as exc:
        raise UsageError(f"the GUI needs PySide6 ({exc})") from None
    from ..config import ConfigError
    from ..settings import SettingsError
    opts = AppOptions(mode=args.mode, source=args.source, scanner=args.scanner, home=args.home, policy=args.policy,
                      root_key=args.root_key, trust_list=args.trust_list, revocations=args.revocations,
                      dcc_cert=tuple(args.dcc_cert), dcc_trust=tuple(args.dcc_trust), decoder=args.decoder, language=args.language,
                      fullscreen=False if args.windowed else None, screenshot=args.screenshot,
                      exit_after=args.exit_after, loop_media=args.loop,
                      overrides=tuple(args.set) + venue_store_overrides(args),
                      session=args.session, sync=not args.session)
    try:
        return main(opts)
    except (ConfigError, SettingsError) as exc:
        raise UsageError(str(exc)) from None
