"""`venue-terminal venue-secret export FILE | import FILE`: copy the venue's secret (spec v2
section 7) from the venue's first terminal to the others, so a holder has the same holder_ref
at every gate of the venue (entry limits hold across gates) and an unlinkable one elsewhere.

    venue-terminal --home A venue-secret export /media/usb/venue.secret     # 0600, never overwritten
    venue-terminal --home B enroll ... --venue-secret /media/usb/venue.secret
    venue-terminal --home B venue-secret import /media/usb/venue.secret     # an enrolled terminal

The file is the secret itself: keep it off the network, delete it after the last gate is set
up. It never goes to the platform. Exit: 0 done, 2 usage or configuration error.
"""
from __future__ import annotations

import os
from dataclasses import replace

from ._common import UsageError


def register(sub) -> None:
    p = sub.add_parser("venue-secret", help="export or import the venue secret shared by a venue's terminals",
                       description="Copy the venue secret (the key of holder_ref) between the terminals of one venue.")
    p.add_argument("action", choices=("export", "import"))
    p.add_argument("file", metavar="FILE")
    p.add_argument("--force", action="store_true",
                   help="import: replace a different secret already held (today's entry counts start again)")
    p.set_defaults(func=run)


def run(args) -> int:
    from cache import Store
    from ..config import ConfigError, read_file
    from ..enrolment import EnrolmentError, parse_venue_secret_file, venue_secret_file
    with Store.open(args.home) as store:
        ident = store.identity.load_identity()
        if ident is None:
            raise UsageError(f"terminal home {store.home} is not enrolled (venue-terminal enroll first)")
        if args.action == "export":
            try:
                fd = os.open(args.file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                raise UsageError(f"{args.file} exists: the secret is never written over a file") from None
            except OSError as exc:
                raise UsageError(f"cannot write {args.file}: {exc.strerror}") from None
            with os.fdopen(fd, "wb") as f:
                f.write(venue_secret_file(ident.venue_id, ident.venue_secret))
            print(f"venue secret of venue {ident.venue_id} written to {args.file} (0600): import it at the "
                  f"venue's other terminals, then delete it")
            return 0
        try:
            _venue, secret = parse_venue_secret_file(read_file(args.file, "venue secret"), ident.venue_id)
        except (ConfigError, EnrolmentError) as exc:
            raise UsageError(str(exc)) from None
        if secret == ident.venue_secret:
            print(f"this terminal already holds venue {ident.venue_id}'s secret")
            return 0
        if not args.force:
            raise UsageError("this terminal holds another secret for the venue; --force replaces it "
                             "(holders get new holder_refs here: today's entry counts start again)")
        store.identity.save_identity(replace(ident, venue_secret=secret))
        print(f"venue secret of venue {ident.venue_id} imported")
        return 0
