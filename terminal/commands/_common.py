"""What the subcommands share with the command line that dispatches them (terminal.cli):
`UsageError`, the top-level parser, and running a parsed command with the CLI's error
handling. terminal.cli imports the subcommands and this module; the subcommands import this
module, never terminal.cli, so there is no cli <-> commands cycle.
"""
from __future__ import annotations

import argparse
import os
import sys

from .safe import safe


class UsageError(Exception):
    """A usage or configuration problem: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors as one line (the usage text is one `--help` away)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {safe(message, 300)} (see {self.prog} --help)\n")


def make_parser() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    """The top-level `venue-terminal` parser (global options) and its subcommand registry."""
    parser = _Parser(prog="venue-terminal", description="Venue Terminal: offline QR verification")
    parser.add_argument("--home", metavar="DIR", help="terminal home (database, identity); default: platformdirs data dir")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser, sub


def add_venue_store_args(p: argparse.ArgumentParser) -> None:
    """--venue-store URL and --venue-store-password-file FILE (never a password argument)."""
    p.add_argument("--venue-store", metavar="URL",
                   help="the venue's shared store (redis://HOST[:PORT][/DB] or rediss://...); \"\" = none "
                        "(default: the venue_store setting)")
    p.add_argument("--venue-store-password-file", metavar="FILE",
                   help="a file holding its password (else VT_VENUE_STORE_PASSWORD in the environment)")


def venue_store_overrides(args: argparse.Namespace) -> tuple[str, ...]:
    """--venue-store and its password file as settings overrides (gui: like --set KEY=VALUE)."""
    out = ()
    if args.venue_store is not None:
        out += (f"venue_store={args.venue_store.strip()}",)
    if args.venue_store_password_file is not None:
        out += (f"venue_store_password_file={os.path.abspath(args.venue_store_password_file)}",)
    return out


def save_venue_store(home, args: argparse.Namespace) -> None:
    """Keep --venue-store and its password file in the home's settings (enroll)."""
    if args.venue_store is None and args.venue_store_password_file is None:
        return
    from ..settings import SETTINGS_FILE, Settings, SettingsError
    path = home / SETTINGS_FILE
    changes = {}
    if args.venue_store is not None:
        changes["venue_store"] = args.venue_store.strip()
    if args.venue_store_password_file is not None:
        changes["venue_store_password_file"] = os.path.abspath(args.venue_store_password_file)
    try:
        Settings.load(path).with_(**changes).save(path)
    except SettingsError as exc:
        raise UsageError(str(exc)) from None


def _config_errors() -> tuple[type[BaseException], ...]:
    from ..config import ConfigError
    from ..policy import PolicyError
    return (ConfigError, PolicyError)


def _store_errors() -> tuple[type[BaseException], ...]:
    import sqlite3

    from cache.errors import StoreError
    return (StoreError, sqlite3.Error)


def run_command(args: argparse.Namespace) -> int:
    """Run a parsed command: its exit code, or 2 (one line on stderr) for a usage or
    configuration error, 130 on Ctrl-C."""
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"venue-terminal: {safe(exc)}", file=sys.stderr)
        return 2
    except _config_errors() as exc:
        print(f"venue-terminal: {safe(exc)}", file=sys.stderr)
        return 2
    except _store_errors() as exc:
        # the terminal's database is newer than this program, damaged, or not a file
        home = getattr(args, "home", None)
        where = f" in {safe(home, 200)}" if home else ""
        print(f"venue-terminal: the terminal's database{where} cannot be used: {safe(exc, 300)}", file=sys.stderr)
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
