"""`venue-terminal enroll`: store this terminal's identity and do a first sync.

    venue-terminal --home DIR enroll --platform URL --token T --root-key root.pem --venue V \
        [--terminal-id ID] [--ca-bundle FILE] [--force] [--json]

A fresh random venue secret (32 bytes, the HMAC key of holder_ref) and terminal id (UUID)
are made unless given. Re-enrolling (--force, e.g. with a new token) keeps the terminal id
and, at the same venue, the venue secret; changing the terminal id is refused while scan
events are still waiting for upload. The identity is saved before the first sync, so a terminal enrolled
while the platform is unreachable syncs later with `venue-terminal sync`.
Exit: 0 enrolled and synced, 1 enrolled but the first sync failed, 2 usage/config error.
"""
from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

from vocab.spec import is_ident

from ._common import UsageError



def register(sub) -> None:
    p = sub.add_parser("enroll", help="enrol this terminal with a platform and do a first sync",
                       description="Store the terminal identity (platform URL, token, pinned root key, venue) "
                                   "in the home's database, then sync once.")
    p.add_argument("--platform", required=True, metavar="URL", help="platform base URL, e.g. https://platform.example")
    p.add_argument("--token", required=True, metavar="T", help="Bearer token issued for this terminal")
    p.add_argument("--root-key", required=True, metavar="PEM", help="the platform's trust-list key (PEM or DER SPKI)")
    p.add_argument("--venue", required=True, metavar="V", help="venue id")
    p.add_argument("--terminal-id", metavar="ID", help="terminal id (default: a new UUID)")
    p.add_argument("--ca-bundle", metavar="FILE", help="CA bundle for the platform's TLS certificate (pilots)")
    p.add_argument("--force", action="store_true", help="replace an existing enrolment")
    p.add_argument("--max-clock-skew", type=float, metavar="SECONDS",
                   help="how far the platform's clock may differ from ours before verdicts carry "
                        "clock_suspect (default 120; kept on re-enrolment)")
    p.add_argument("--no-sync", action="store_true", help="only store the identity")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.set_defaults(func=run)


def _check(args) -> tuple[bytes, str | None]:
    from ..trust import TrustDataError, load_root_key
    from ..config import ConfigError
    from ..service import check_platform_url
    try:
        args.platform = check_platform_url(args.platform)
    except ConfigError as exc:
        raise UsageError(f"--platform: {exc}") from None
    if not args.token.strip():
        raise UsageError("--token must not be empty")
    for opt, value in (("--venue", args.venue), ("--terminal-id", args.terminal_id)):
        if value is not None and not is_ident(value):    # it goes into every scan event (spec section 6)
            raise UsageError(f"{opt} must be an identifier (1-64 of A-Z a-z 0-9 _ . : -), not {value!r:.80}")
    if args.max_clock_skew is not None and not 0 < args.max_clock_skew <= 86400:
        raise UsageError("--max-clock-skew must be more than 0 and at most 86400 seconds")
    from ..config import read_file
    try:
        root_pem = read_file(args.root_key, "--root-key")
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    try:
        load_root_key(root_pem)
    except TrustDataError as exc:
        raise UsageError(f"--root-key {args.root_key}: {exc}") from None
    ca = None
    if args.ca_bundle:
        if not Path(args.ca_bundle).is_file():
            raise UsageError(f"--ca-bundle {args.ca_bundle} does not exist")
        ca = str(Path(args.ca_bundle).resolve())
    return root_pem, ca


def run(args) -> int:
    from cache import Identity, Store
    root_pem, ca = _check(args)
    store = Store.open(args.home)
    try:
        old = store.identity.load_identity()
        if old is not None and not args.force:
            raise UsageError(f"{store.home} is already enrolled as terminal {old.terminal_id} of venue "
                             f"{old.venue_id} (use --force to replace)")
        # Re-enrolment (e.g. a new token after "unauthorised: re-enrol") keeps the terminal id,
        # and at the same venue the venue secret, so holder_ref values stay comparable.
        terminal_id = args.terminal_id or (old.terminal_id if old else str(uuid.uuid4()))
        same_venue = old is not None and old.venue_id == args.venue
        if old is not None and terminal_id != old.terminal_id:
            waiting = store.outbox.counts().pending
            if waiting:
                raise UsageError(f"{waiting} scan events of terminal {old.terminal_id} are not uploaded yet: "
                                 f"run venue-terminal sync first (the platform takes them only under that id)")
        ident = Identity(terminal_id=terminal_id, venue_id=args.venue,
                         platform_url=args.platform, token=args.token.strip(),
                         venue_secret=old.venue_secret if same_venue else os.urandom(32),
                         root_key_pem=root_pem, ca_bundle=ca, enrolled_at=int(time.time()))
        if old is not None and (old.platform_url != ident.platform_url or old.root_key_pem != root_pem):
            # Trust data signed by another platform's key must not outlive the switch.
            store.trust.clear()
            store.revocations.clear()
        store.identity.save_identity(ident)
        if args.max_clock_skew is not None:
            # a setting like the others: the home's settings file (terminal.settings)
            from ..settings import SETTINGS_FILE, Settings, SettingsError
            spath = store.home / SETTINGS_FILE
            try:
                Settings.load(spath).with_(clock_skew_bound_s=float(args.max_clock_skew)).save(spath)
            except SettingsError as exc:
                raise UsageError(str(exc)) from None
        store.sync_state.clear()          # the last sync's outcome was another enrolment's
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
