"""`venue-terminal verify`: verify codes from images, text files or stdin, one verdict per code."""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from .. import reasons as R
from ._common import UsageError
from ..config import ConfigError
from ..verdict import Verdict

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".gif"}
IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"BM", b"RIFF", b"II*\x00", b"MM\x00*", b"GIF8")
UNREADABLE = object()     # an image in which no code could be read


def parse_at(value: str) -> int:
    """Unix seconds or ISO-8601 (a time without a zone is UTC)."""
    try:
        return int(value)
    except ValueError:
        pass
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--at: {value!r} is neither Unix seconds nor ISO-8601") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp())


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
    p.add_argument("--skew", type=int, metavar="SECONDS", help="allowed clock skew (default: the policy's, 300)")
    p.add_argument("--mode", choices=("gate", "kiosk", "counter"), default="gate", help="mode recorded in the scan log")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
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
    """(label, code text or UNREADABLE) for every code in the inputs, in input order."""
    for item in inputs:
        if item == "-":
            for n, line in enumerate(sys.stdin.read().splitlines(), 1):
                yield f"-:{n}", line
            continue
        path = Path(item)
        if not path.is_file():
            raise UsageError(f"no such file: {item}")
        if _is_image(path):
            from scanner.decoders import decode_image_file
            try:
                found = decode_image_file(path)
            except (OSError, ValueError) as exc:
                raise UsageError(f"cannot read image {item}: {exc}") from None
            if not found:
                yield item, UNREADABLE
            for k, d in enumerate(found):
                yield (item if len(found) == 1 else f"{item}#{k + 1}"), d.text
        else:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"cannot read {item} as UTF-8 text: {exc}") from None
            for n, line in enumerate(text.splitlines(), 1):
                yield f"{item}:{n}", line


def make_service(args, clock):
    from ..service import TerminalService
    dcc = None
    if args.dcc_cert or args.dcc_trust:
        from ..trust_files import load_dcc_trust
        dcc = load_dcc_trust(args.dcc_cert, args.dcc_trust)
    if getattr(args, "home", None) and not args.trust_list:
        return TerminalService.from_home(args.home, mode=args.mode, policy=args.policy, dcc=dcc, clock=clock)
    if not args.trust_list and dcc is None:
        raise UsageError("give --root-key and --trust-list (and --revocations), --dcc-cert, or an enrolled --home")
    return TerminalService.from_files(root_key=args.root_key, trust_list=args.trust_list, revocations=args.revocations,
                                      policy=args.policy, mode=args.mode, dcc=dcc, clock=clock)


def format_line(label: str, v: Verdict) -> str:
    zh, en = R.words(v.reason)
    mark = {"admit": "OK  ", "refuse": "FAIL", "check": "WARN"}[v.outcome.value]
    line = f"{mark} {label}  [{v.profile or '-'}] {v.reason}  {zh} / {en}"
    if v.policy_rule:
        line += f"  (rule {v.policy_rule})"
    if v.valid and v.credential is not None:
        c = v.credential
        line += f"  — {c.typ} {c.name} {c.idm}"
    if v.warnings:
        line += "  ! " + ", ".join(f"{w} {R.WARNING_WORDS.get(w, (w,))[0]}" for w in v.warnings)
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
    try:
        for label, code in iter_codes(args.inputs):
            if code is UNREADABLE:
                v = Verdict(valid=False, reason=R.UNREADABLE, detail="no QR code could be read in the image")
            else:
                v = svc.scan(code, source="cli")
            all_admitted &= v.outcome is R.Outcome.ADMIT
            if args.json:
                print(json.dumps({"input": label, **v.to_dict()}, ensure_ascii=False), flush=True)
            else:
                print(format_line(label, v), flush=True)
    finally:
        svc.close()
    return 0 if all_admitted else 1
