"""`venue-terminal`: the command line. Each subcommand lives in terminal/commands/<name>.py
and exposes `register(subparsers)`, which adds its parser and sets `func(args) -> int`.
What the subcommands share with this module (UsageError, the top-level parser, the error
handling) is in terminal/commands/_common.py, so no subcommand imports this module.

Exit codes: 0 all valid / success, 1 some code not valid / operation failed, 2 usage or
configuration error (one line on stderr, no traceback).
"""
from __future__ import annotations

import argparse
import importlib
import sys

from .commands._common import UsageError, make_parser, run_command

__all__ = ["COMMANDS", "UsageError", "build_parser", "main"]

COMMANDS = ("verify", "decode", "enroll", "sync", "status", "staff", "admin-pin", "venue-secret", "gui", "demo", "install", "uninstall")


def build_parser() -> argparse.ArgumentParser:
    parser, sub = make_parser()
    for name in COMMANDS:
        mod = f"terminal.commands.{name.replace('-', '_')}"
        try:
            module = importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise
            continue
        module.register(sub)
    # `--home` is a global option, and users write it after the command just as often
    # (`venue-terminal status --home DIR`): every subcommand accepts it too. SUPPRESS keeps
    # a value given before the command when none is given after it.
    for sp in sub.choices.values():
        if not any("--home" in a.option_strings for a in sp._actions):
            sp.add_argument("--home", metavar="DIR", default=argparse.SUPPRESS,
                            help="terminal home (also accepted before the command)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
