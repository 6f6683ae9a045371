"""`venue-terminal`: the command line. Each subcommand lives in terminal/commands/<name>.py
and exposes `register(subparsers)`, which adds its parser and sets `func(args) -> int`.

Exit codes: 0 all valid / success, 1 some code not valid / operation failed, 2 usage or
configuration error (one line on stderr, no traceback).
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from .commands.safe import safe

COMMANDS = ("verify", "decode", "enroll", "sync", "status", "gui", "demo")


class UsageError(Exception):
    """A usage or configuration problem: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors as one line (the usage text is one `--help` away)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {safe(message, 300)} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="venue-terminal", description="Venue Terminal: offline QR verification")
    parser.add_argument("--home", metavar="DIR", help="terminal home (database, identity); default: platformdirs data dir")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"terminal.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"terminal.commands.{name}":
                raise
            continue
        module.register(sub)
    return parser


def _config_errors() -> tuple[type[BaseException], ...]:
    from .config import ConfigError
    from .policy import PolicyError
    return (ConfigError, PolicyError)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"venue-terminal: {safe(exc)}", file=sys.stderr)
        return 2
    except _config_errors() as exc:
        print(f"venue-terminal: {safe(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1                              # e.g. `venue-terminal verify ... | head`
    except (MemoryError, RecursionError, OSError, ValueError, OverflowError, UnicodeError) as exc:
        # The last line of defence for input nobody foresaw: one line, never a traceback.
        if os.environ.get("VENUE_TERMINAL_DEBUG"):
            raise
        print(f"venue-terminal: {type(exc).__name__}: {safe(exc, 300)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    # Run as `python -m terminal.cli`: dispatch through the imported module, so the
    # subcommands' `from ..cli import UsageError` names the class this handler catches.
    from terminal.cli import main as _main
    sys.exit(_main())
