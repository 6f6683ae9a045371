"""`venue-terminal decode [--json] [--decoder NAME] IMAGE...`: every QR code in each image.

With --json: one JSON object per line per code, {"image", "text", "decoder", "corners"}; an
image with no code gives one object with "text": null. Without: a readable line per code.
Exit 0 if every image had at least one code, 1 otherwise, 2 for a missing or unreadable file
(or an unavailable decoder). An image the bounded reader refuses (not an image, truncated, over
the pixel cap: scanner.frames.read_image) is one line on stderr, "cannot read image FILE: reason".
"""
from __future__ import annotations

import sys

from .safe import safe, safe_json


def register(subparsers) -> None:
    p = subparsers.add_parser("decode", help="read every QR code in image files",
                              description="Read every QR code in each image (PNG, JPEG, colour or gray).")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--json", action="store_true", help="one JSON object per code (JSON Lines)")
    p.add_argument("--decoder", default="cascade", choices=("cascade", "zxing", "zbar", "opencv"),
                   help="decoder to use (default: cascade)")
    p.set_defaults(func=run)


def run(args) -> int:
    from scanner.decoders import DecoderUnavailable, decode_image_file, make_decoder
    from scanner.frames import ImageRejected

    from ._common import UsageError

    try:
        decoder = make_decoder(args.decoder)
    except DecoderUnavailable as exc:
        raise UsageError(str(exc)) from None
    missing = False
    all_found = True
    out = sys.stdout
    for path in args.images:
        try:
            found = decode_image_file(path, decoder)
        except FileNotFoundError:
            print(f"venue-terminal: no such file: {safe(path)}", file=sys.stderr)
            missing = True
            continue
        except ImageRejected as exc:
            print(f"venue-terminal: cannot read image {safe(path)}: {safe(exc.reason)}", file=sys.stderr)
            missing = True
            continue
        except (ValueError, OSError) as exc:
            print(f"venue-terminal: {safe(exc)}", file=sys.stderr)
            missing = True
            continue
        if not found:
            all_found = False
            if args.json:
                out.write(safe_json({"image": path, "text": None, "decoder": None, "corners": None}) + "\n")
            else:
                out.write(f"{safe(path)}: no code found\n")
            continue
        for d in found:
            if args.json:
                out.write(safe_json({"image": path, **d.to_json()}) + "\n")
            else:
                out.write(f"{safe(path)}: {safe(d.text, None)}  [{d.decoder}]\n")
    out.flush()
    if missing:
        return 2
    return 0 if all_found else 1
