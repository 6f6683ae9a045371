"""`venue-terminal enroll`: store this terminal's identity and do a first sync.

    venue-terminal --home DIR enroll --platform URL --code CODE --root-key root.pem [--venue V] \
        [--terminal-id UUID] [--ca-bundle FILE] [--force] [--json]
    (version 1 platforms: --token T --venue V instead of --code)

The rules are terminal.enrolment's; this command parses, reads the root key file and prints.

A fresh random venue secret (32 bytes, the HMAC key of holder_ref) and terminal id (UUID)
are made unless given. Re-enrolling (--force, e.g. with a new token) keeps the terminal id
and, at the same venue, the venue secret; changing the terminal id is refused while scan
events are still waiting for upload. The identity is saved before the first sync, so a terminal enrolled
while the platform is unreachable syncs later with `venue-terminal sync`.
Exit: 0 enrolled and synced, 1 enrolled but the first sync failed, 2 usage/config error.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from ._common import UsageError, add_venue_store_args, save_venue_store



def register(sub) -> None:
    p = sub.add_parser("enroll", help="enrol this terminal with a platform and do a first sync",
                       description="Exchange a one-time enrolment code (venue-issuer terminal add) for this "
                                   "terminal's token, store the identity in the home's database, then sync once.")
    p.add_argument("--platform", required=True, metavar="URL",
                   help="platform base URL: https://..., or http:// to a loopback address (development)")
    p.add_argument("--code", metavar="CODE", help="one-time enrolment code for this terminal (valid 24 h)")
    p.add_argument("--token", metavar="T", help="version 1 platforms only: a Bearer token (prefer --code)")
    p.add_argument("--root-key", required=True, metavar="PEM", help="the platform's trust-list key (PEM or DER SPKI)")
    p.add_argument("--venue", metavar="V", help="venue id (with --code: checked against the code's venue)")
    p.add_argument("--terminal-id", metavar="ID", help="terminal id (default: a new UUID, kept on re-enrolment)")
    p.add_argument("--ca-bundle", metavar="FILE", help="CA bundle for the platform's TLS certificate (pilots)")
    p.add_argument("--force", action="store_true", help="replace an existing enrolment")
    p.add_argument("--max-clock-skew", type=float, metavar="SECONDS",
                   help="how far the platform's clock may differ from ours before verdicts carry "
                        "clock_suspect (default 120; the clock_skew_bound_s setting)")
    p.add_argument("--venue-secret", metavar="FILE",
                   help="the venue's secret from its first terminal (venue-terminal venue-secret export), so "
                        "entry limits and replay protection hold across the venue's gates")
    add_venue_store_args(p)
    p.add_argument("--no-sync", action="store_true", help="only store the identity")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    from cache import Store
    from ..config import ConfigError, read_file
    from ..enrolment import EnrolmentError, EnrolmentRequest, enrol
    from ..ports import SyncError
    from ..transport import exchange_code
    if args.max_clock_skew is not None and not 0 < args.max_clock_skew <= 86400:
        raise UsageError("--max-clock-skew must be more than 0 and at most 86400 seconds")
    try:
        root_pem = read_file(args.root_key, "--root-key")
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    ca = None
    if args.ca_bundle:
        if not Path(args.ca_bundle).is_file():
            raise UsageError(f"--ca-bundle {args.ca_bundle} does not exist")
        ca = str(Path(args.ca_bundle).resolve())
    secret = None
    if args.venue_secret:
        from ..enrolment import parse_venue_secret_file
        try:
            secret = parse_venue_secret_file(read_file(args.venue_secret, "--venue-secret"), None)
        except (ConfigError, EnrolmentError) as exc:
            raise UsageError(str(exc)) from None
    req = EnrolmentRequest(platform_url=args.platform, root_key_pem=root_pem, code=args.code, token=args.token,
                           venue=args.venue, terminal_id=args.terminal_id, ca_bundle=ca, force=args.force,
                           venue_secret=secret)
    store = Store.open(args.home)
    try:
        try:
            ident = enrol(store, req, now=time.time(), exchange=exchange_code)
        except EnrolmentError as exc:
            raise UsageError(str(exc)) from None
        except SyncError as exc:
            print(f"venue-terminal: enrolment failed: {exc}", file=sys.stderr)
            return 1
        save_venue_store(store.home, args)
        if args.max_clock_skew is not None:
            # a setting like the others: the home's settings file (terminal.settings)
            from ..settings import SETTINGS_FILE, Settings, SettingsError
            spath = store.home / SETTINGS_FILE
            try:
                Settings.load(spath).with_(clock_skew_bound_s=float(args.max_clock_skew)).save(spath)
            except SettingsError as exc:
                raise UsageError(str(exc)) from None
        result = {"enrolled": True, "home": str(store.home), "terminal_id": ident.terminal_id,
                  "venue": ident.venue_id, "platform": ident.platform_url}
        code = 0
        if not args.no_sync:
            from ..sync import Syncer
            with Syncer(store) as syncer:
                report = syncer.run_once()
            result["sync"] = report.to_dict()
            code = 0 if report.ok else 1
    finally:
        store.close()
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"enrolled terminal {ident.terminal_id} at venue {ident.venue_id} ({ident.platform_url}) in {result['home']}")
        if "sync" in result:
            from .sync import describe
            print(describe(report))
    return code
