"""Reading the EU dgc-testdata case files (shared/testdata/dgc/<COUNTRY>/2DCode/raw/*.json).

Cases are found by a glob over the folder, so countries and negative cases dropped in later
(including the upstream `common/` folder) are checked the same way. Nothing about any one
case is written here: flags, clock and certificate are read from each file.
Set DGC_TESTDATA to point at another copy of the data.
"""
from __future__ import annotations

import base64
import binascii
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any

from terminal import hc1

REPO = Path(__file__).resolve().parents[2]
DGC_DIR = Path(os.environ.get("DGC_TESTDATA", REPO.parent / "shared" / "testdata" / "dgc"))


def parse_clock(value: Any) -> int | None:
    """TESTCTX.VALIDATIONCLOCK to Unix seconds (floored); a time without a zone is UTC.

    Tolerates what the data holds: 'Z', offsets, 0-7 fractional digits, a bare date."""
    if not isinstance(value, str):
        return None
    v = value.strip()
    m = re.fullmatch(r"(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d(?::\d\d)?)(?:[.,](\d+))?)?(Z|[+-]\d\d:?\d\d)?", v)
    if not m:
        return None
    day, hms, _frac, zone = m.groups()
    text = day + "T" + (hms or "00:00:00")
    if zone and zone != "Z":
        text += zone if ":" in zone else zone[:3] + ":" + zone[3:]
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp())


@dataclass
class DgcCase:
    id: str
    path: Path
    doc: dict

    @property
    def flags(self) -> dict[str, bool]:
        res = self.doc.get("EXPECTEDRESULTS")
        if not isinstance(res, dict):
            return {}
        return {k: v for k, v in res.items() if isinstance(v, bool)}

    @property
    def ctx(self) -> dict:
        c = self.doc.get("TESTCTX")
        return c if isinstance(c, dict) else {}

    @property
    def prefix(self) -> str | None:
        p = self.doc.get("PREFIX")
        return p.rstrip("\r\n") if isinstance(p, str) else None

    def field_hex(self, name: str) -> bytes | None:
        v = self.doc.get(name)
        if not isinstance(v, str):
            return None
        try:
            return bytes.fromhex(v)
        except ValueError:
            return None

    @property
    def clock(self) -> int | None:
        return parse_clock(self.ctx.get("VALIDATIONCLOCK"))

    @cached_property
    def certificate(self) -> bytes | None:
        c = self.ctx.get("CERTIFICATE")
        if not isinstance(c, str):
            return None
        try:                                   # base64 DER as the README says; PEM text tolerated
            return hc1.certificates_from_bytes(c.encode("utf-8"))[0]
        except hc1.DscError:
            return None

    @cached_property
    def trust(self) -> hc1.DccTrust:
        """The case's DSC as the terminal's only DCC trust (empty if it is unusable)."""
        if self.certificate is None:
            return hc1.DccTrust(skipped=["no certificate"])
        try:
            return hc1.trust_from_certificates([self.certificate])
        except hc1.DscError as exc:
            return hc1.DccTrust(skipped=[str(exc)])

    @property
    def picture(self) -> bytes | None:
        p = self.doc.get("2DCODE")
        if not isinstance(p, str):
            return None
        if p.startswith("data:"):              # a data URL
            p = p.partition(",")[2]
        try:
            return base64.b64decode("".join(p.split()))
        except (binascii.Error, ValueError):
            return None


def load_cases(root: Path = DGC_DIR) -> tuple[list[DgcCase], list[str]]:
    """(cases, files that are not readable JSON objects)."""
    cases, unreadable = [], []
    for path in sorted(root.glob("*/2DCode/raw/*.json")):
        rel = path.relative_to(root)
        cid = f"{rel.parts[0]}/{path.stem}"
        try:
            doc = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError):
            unreadable.append(cid)
            continue
        if not isinstance(doc, dict):
            unreadable.append(cid)
            continue
        cases.append(DgcCase(cid, path, doc))
    return cases, unreadable


def decode_picture_texts(png: bytes, tmp_path: Path) -> list[str]:
    """Texts of every QR code in the picture, through the project's scanner decoders
    (zxing-cpp directly if scanner/ is not importable). [] when the file is no image."""
    path = tmp_path / "code.png"
    path.write_bytes(png)
    try:
        from scanner.decoders import decode_image_file
    except ImportError:                   # pragma: no cover - scanner/ is another helper's, being written
        return _zxing_texts(path)
    try:
        return [d.text for d in decode_image_file(path)]
    except (OSError, ValueError):
        return []


def _zxing_texts(path: Path) -> list[str]:  # pragma: no cover
    import cv2
    import numpy as np
    import zxingcpp
    img = cv2.imdecode(np.frombuffer(path.read_bytes(), np.uint8), cv2.IMREAD_GRAYSCALE)
    if img is None:
        return []
    return [r.text for r in zxingcpp.read_barcodes(img)]


def _same_instant(a: str, b: str) -> bool:
    ta, tb = parse_clock(a), parse_clock(b)
    return ta is not None and ta == tb


def matches_json(got: Any, want: Any) -> bool:
    """Decoded payload (terminal.hc1.json_safe form) against the case's JSON field.

    Equal, with the representational slack the data has: a missing member equals null,
    numbers compare by value, and two strings that are the same instant are equal."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return False
        return all(matches_json(got.get(k), want.get(k)) for k in set(got) | set(want))
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(map(matches_json, got, want))
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        return got == want
    if isinstance(want, str) and isinstance(got, str):
        return got == want or _same_instant(got, want)
    return got == want
