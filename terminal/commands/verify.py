"""`venue-terminal verify`: verify codes from images, text files or stdin, one verdict per code."""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from vocab import reasons as R
from vocab.spec import MODES

from ._common import UsageError, add_venue_store_args
from ..config import ConfigError
from ..verdict import Verdict
from .safe import safe, safe_json
from .words import warning_words, words

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".gif"}
IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"BM", b"RIFF", b"II*\x00", b"MM\x00*", b"GIF8")
NO_CODE = object()     # an image in which no code could be read


class UnreadableImage(str):
    """An image file the bounded reader refused (not an image, truncated, too large): the reason."""


# --at bounds: 1970 to the end of year 9999 (what datetime and the scan log's timestamps can hold).
AT_MAX = 253402300799
MAX_LINE = 128 * 1024       # a code line longer than this is cut (the codec refuses it as too_large anyway)


def parse_at(value: str) -> int:
    """Unix seconds or ISO-8601 (a time without a zone is UTC), between 1970 and 9999."""
    t: int | None = None
    if len(value) <= 40:
        try:
            t = int(value)
        except ValueError:
            try:
                dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                pass
            else:
                if dt.tzinfo is None:
                    dt = dt.replace(tzinfo=timezone.utc)
                t = int(dt.timestamp())
    if t is None:
        raise argparse.ArgumentTypeError(f"{safe(value, 60)!r} is neither Unix seconds nor ISO-8601")
    if not 0 <= t <= AT_MAX:
        raise argparse.ArgumentTypeError(f"{safe(value, 60)} is outside 1970-01-01 .. 9999-12-31")
    return t


def parse_skew(value: str) -> int:
    try:
        n = int(value) if len(value) <= 10 else -1
    except ValueError:
        n = -1
    if not 0 <= n <= 86400:
        raise argparse.ArgumentTypeError(f"{safe(value, 20)!r} is not a number of seconds from 0 to 86400")
    return n


def bounded_lines(f) -> Iterator[str]:
    """The lines of a binary stream as text, each at most MAX_LINE characters (the rest of a longer
    line is read and dropped, so memory stays bounded), invalid UTF-8 replaced: a verdict per line."""
    while True:
        raw = f.readline(MAX_LINE + 1)
        if not raw:
            return
        if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
            while True:                                  # drain the rest of the long line
                more = f.readline(1 << 16)
                if not more or more.endswith(b"\n"):
                    break
        yield raw.rstrip(b"\r\n").decode("utf-8", "replace")


def add_trust_options(p: argparse.ArgumentParser) -> None:
    """The trust options shared by verify and gui (unenrolled terminals)."""
    p.add_argument("--root-key", metavar="PEM", help="the platform's pinned trust-list key (PEM or DER SPKI)")
    p.add_argument("--trust-list", metavar="FILE", help="signed trust list (raw COSE)")
    p.add_argument("--revocations", metavar="FILE", help="signed revocation list (raw COSE)")
    p.add_argument("--policy", metavar="FILE", help="venue policy TOML (or a name from assets/policies)")
    p.add_argument("--dcc-cert", metavar="FILE", action="append", default=[],
                   help="EU DCC document-signer certificate, PEM or DER (repeatable)")
    p.add_argument("--dcc-trust", metavar="FILE", action="append", default=[],
                   help="EU DCC trust file: JSON list of {kid, country, certificate} (repeatable)")


def register(sub) -> None:
    p = sub.add_parser("verify", help="verify codes from images, text files or stdin",
                       description="Verify codes offline. INPUT: an image (every QR code in it), a text file "
                                   "(one code per line), or - (codes on stdin, one per line).")
    add_trust_options(p)
    p.add_argument("--at", type=parse_at, metavar="UNIX|ISO-8601", help="verify as of this time (default: now)")
    p.add_argument("--skew", type=parse_skew, metavar="SECONDS", help="allowed clock skew (default: the policy's, 300)")
    p.add_argument("--mode", choices=MODES, default="gate", help="mode recorded in the scan log")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    add_venue_store_args(p)
    p.add_argument("inputs", nargs="+", metavar="INPUT")
    p.set_defaults(func=run)


def _is_image(path: Path) -> bool:
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return True
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError:
        return False
    return head.startswith(IMAGE_MAGIC)


def iter_codes(inputs: list[str]) -> Iterator[tuple[str, object]]:
    """(label, code text, NO_CODE or an UnreadableImage) for every code in the inputs, in input order."""
    for item in inputs:
        if item == "-":
            for n, line in enumerate(bounded_lines(sys.stdin.buffer), 1):
                yield f"-:{n}", line
            continue
        path = Path(item)
        if not path.is_file():
            raise UsageError(f"no such file: {item}")
        if _is_image(path):
            from scanner.decoders import decode_image_file
            from scanner.frames import ImageRejected
            try:
                found = decode_image_file(path)
            except ImageRejected as exc:
                yield item, UnreadableImage(exc.reason)
                continue
            except OSError as exc:
                raise UsageError(f"cannot read image {item}: {exc.strerror or exc}") from None
            if not found:
                yield item, NO_CODE
            for k, d in enumerate(found):
                yield (item if len(found) == 1 else f"{item}#{k + 1}"), d.text
        else:
            try:
                with path.open("rb") as f:
                    for n, line in enumerate(bounded_lines(f), 1):
                        yield f"{item}:{n}", line
            except OSError as exc:
                raise UsageError(f"cannot read {item}: {exc.strerror}") from None


def make_service(args, clock):
    from ..service import open_service
    dcc = None
    if args.dcc_cert or args.dcc_trust:
        from ..trust_files import load_dcc_trust
        dcc = load_dcc_trust(args.dcc_cert, args.dcc_trust)
    home = getattr(args, "home", None)
    if not (home or args.trust_list or args.root_key or args.revocations or dcc is not None):
        raise UsageError("give --root-key and --trust-list (and --revocations), --dcc-cert, or an enrolled --home")
    return open_service(home=home, use_home=bool(home), root_key=args.root_key, trust_list=args.trust_list,
                        revocations=args.revocations, dcc=dcc, mode=args.mode, policy=args.policy, clock=clock,
                        venue_store=args.venue_store, venue_store_password_file=args.venue_store_password_file)


def format_line(label: str, v: Verdict) -> str:
    zh, en = words(v.reason)
    mark = {"admit": "OK  ", "refuse": "FAIL", "check": "WARN"}[v.outcome.value]
    line = f"{mark} {safe(label, 200)}  [{v.profile or '-'}] {v.reason}  {zh} / {en}"
    if v.policy_rule:
        line += f"  (rule {v.policy_rule})"
    if v.valid and v.credential is not None:
        c = v.credential
        line += f"  — {safe(c.typ, 64)} {safe(c.name, 200)} {safe(c.idm, 64)}"
    if v.warnings:
        line += "  ! " + ", ".join(f"{w} {warning_words(w)[0]}" for w in v.warnings)
    return line


def run(args) -> int:
    fixed = args.at
    clock = (lambda: float(fixed)) if fixed is not None else time.time
    try:
        svc = make_service(args, clock)
        if args.skew is not None:
            from dataclasses import replace
            svc.set_policy(replace(svc.policy, skew_seconds=args.skew))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    all_admitted = True
    seen = 0
    try:
        for label, code in iter_codes(args.inputs):
            seen += 1
            if code is NO_CODE:
                v = Verdict(valid=False, reason=R.UNREADABLE, detail="no QR code could be read in the image")
            elif isinstance(code, UnreadableImage):
                v = Verdict(valid=False, reason=R.UNREADABLE, detail=f"image not read: {code}")
            else:
                v = svc.scan(code, source="cli")
            all_admitted &= v.outcome is R.Outcome.ADMIT
            if args.json:
                print(safe_json({"input": label, **v.to_dict()}), flush=True)
            elif isinstance(code, UnreadableImage):
                print(f"{format_line(label, v)}  ({safe(code, 200)})", flush=True)
            else:
                print(format_line(label, v), flush=True)
    finally:
        svc.close()
    if not seen:
        print("venue-terminal: no code in the input (empty file or stdin)", file=sys.stderr)
        return 1
    return 0 if all_admitted else 1
