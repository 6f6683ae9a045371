"""`venue-terminal staff`: the venue's staff codes at this terminal, each with a PIN of its own.

    venue-terminal --home DIR staff add gate-07          # asks for the PIN twice (never an argument)
    printf '739164\n' | venue-terminal --home DIR staff add gate-07 --pin-stdin
    venue-terminal --home DIR staff list
    venue-terminal --home DIR staff remove gate-07

A staff code is the venue's opaque code for a person (1-32 of A-Z a-z 0-9 _ -), never a name or
an ID number; it signs the events made while its holder is signed in at the gate or counter.
The PIN is 6-12 digits, hashed like the admin PIN (terminal/pins.py). Exit: 0 done, 1 nothing
to remove, 2 usage error (a bad code or PIN, the PINs differ).
"""
from __future__ import annotations

import getpass
import sys

from ._common import UsageError


def register(sub) -> None:
    p = sub.add_parser("staff", help="add, list or remove staff codes (their PINs are hashed)",
                       description="The venue's staff codes at this terminal, each with its own PIN. The PIN "
                                   "is read from the terminal (twice) or with --pin-stdin from one line of "
                                   "standard input; never from the command line.")
    ss = p.add_subparsers(dest="staff_command", metavar="ACTION", required=True)
    a = ss.add_parser("add", help="add a staff code, or give one a new PIN")
    a.add_argument("code", help="the staff code (1-32 of A-Z a-z 0-9 _ -)")
    a.add_argument("--pin-stdin", action="store_true", help="read the PIN from one line of standard input")
    a.set_defaults(func=run_add)
    ss.add_parser("list", help="list the staff codes").set_defaults(func=run_list)
    r = ss.add_parser("remove", help="remove a staff code")
    r.add_argument("code")
    r.set_defaults(func=run_remove)


def _roster(home):
    from cache import Store
    from ..pins import PinGuard
    from ..staff import StaffRoster
    store = Store.open(home)
    return store, StaffRoster(store.staff, PinGuard(store.home))


def read_pin(from_stdin: bool, what: str = "PIN for this staff code (6-12 digits)") -> str:
    """A new PIN: one line of standard input, or asked twice on the terminal (never an argument)."""
    if from_stdin:
        line = sys.stdin.readline(64)
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError("the PIN is asked for on a terminal; give --pin-stdin to read it from standard input")
    pin = getpass.getpass(f"{what}: ")
    if getpass.getpass("the same PIN again: ") != pin:
        raise UsageError("the two PINs differ")
    return pin


def run_add(args) -> int:
    from ..staff import StaffError, check_code
    try:
        check_code(args.code)
    except StaffError as exc:
        raise UsageError(str(exc)) from None
    pin = read_pin(args.pin_stdin)
    store, roster = _roster(args.home)
    with store:
        try:
            new = roster.add(args.code, pin)
        except StaffError as exc:
            raise UsageError(str(exc)) from None
    print(f"staff code {args.code} {'added' if new else 'has a new PIN'}")
    return 0


def run_list(args) -> int:
    store, roster = _roster(args.home)
    with store:
        for code in roster.codes():
            print(code)
    return 0


def run_remove(args) -> int:
    store, roster = _roster(args.home)
    with store:
        if not roster.remove(args.code):
            print(f"no staff code {args.code[:40]!r}", file=sys.stderr)
            return 1
    print(f"staff code {args.code} removed")
    return 0
