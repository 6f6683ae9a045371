"""The dgc acceptance harness itself: false flags must be checked, and lies must be caught.

The held-out dgc data (other countries, the negative `common/` cases) will be run through
test_dgc_testdata.py later; the 47 cases at hand are all positive. So this writes a small
dgc-format folder of its own (minted DSCs and codes, one negative case per step, pictures
through zxing-cpp's encoder), runs the harness on it in a subprocess (DGC_TESTDATA), and
checks that the honest cases (XX/) pass and that each case whose flags lie (ZZ/) fails
exactly the tests that check those flags.
"""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib
from datetime import datetime, timezone
from pathlib import Path

import cbor2
import cv2
import zxingcpp

from terminal import codec, cose, hc1

from . import hc1kit as K
from .hc1kit import DAY, EKU, T0

REPO = Path(__file__).resolve().parents[2]
EC = K.key("ec", 7)
DSC = K.make_dsc(EC, eku=[EKU["vaccination"]], nb=T0 - 100 * DAY, na=T0 + 100 * DAY)
ALL_TRUE = ("EXPECTEDPICTUREDECODE", "EXPECTEDUNPREFIX", "EXPECTEDB45DECODE", "EXPECTEDCOMPRESSION",
            "EXPECTEDDECODE", "EXPECTEDVERIFY", "EXPECTEDKEYUSAGE", "EXPECTEDEXPIRATIONCHECK")


def png_of(text: str, damage: bool = False) -> str:
    img = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image(scale=3)
    import numpy as np
    img = np.array(img)
    if damage:                            # wipe the middle third: past what error correction repairs
        h, w = img.shape
        img[h // 4: 3 * h // 4, w // 6: 5 * w // 6] = 255
    ok, buf = cv2.imencode(".png", img)
    assert ok
    return base64.b64encode(buf.tobytes()).decode()


def iso(t: int) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_case(root: Path, cid: str, *, claims: dict | None = None, cose_bytes: bytes | None = None,
               prefix: str | None = None, compressed: bytes | None = None, base45: str | None = None,
               der: bytes = DSC, clock: int = T0, flags: dict[str, bool], picture: str | None = None) -> None:
    claims = K.claims("v") if claims is None else claims
    if cose_bytes is None:
        cose_bytes = cose.sign1(cbor2.dumps(claims), EC, kid=hc1.dsc_kid(DSC))
    compressed = zlib.compress(cose_bytes, 9) if compressed is None else compressed
    base45 = codec.b45encode(compressed) if base45 is None else base45
    prefix = "HC1:" + base45 if prefix is None else prefix
    doc = {
        "JSON": hc1.json_safe(claims[-260][1]),
        "CBOR": cbor2.dumps(claims).hex(),
        "COSE": cose_bytes.hex(),
        "COMPRESSED": compressed.hex(),
        "BASE45": base45,
        "PREFIX": prefix,
        "2DCODE": png_of(prefix) if picture is None else picture,
        "TESTCTX": {"VERSION": 1, "SCHEMA": "1.3.0", "CERTIFICATE": base64.b64encode(der).decode(),
                    "VALIDATIONCLOCK": iso(clock), "DESCRIPTION": cid},
        "EXPECTEDRESULTS": flags,
    }
    country, name = cid.split("/")
    folder = root / country / "2DCode" / "raw"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


def build(root: Path) -> set[tuple[str, str]]:
    """Write the cases; return the (test, case id) pairs that must fail."""
    all_true = {f: True for f in ALL_TRUE}
    write_case(root, "XX/good", flags=all_true)
    # a kid only in the unprotected header, as BG, CZ and DE do
    write_case(root, "XX/unprotected-kid", flags=all_true,
               cose_bytes=cose.sign1(cbor2.dumps(K.claims("v")), EC, kid=hc1.dsc_kid(DSC), kid_protected=False))
    # a clock exactly at exp is still valid
    write_case(root, "XX/exact-exp", flags=all_true, claims=K.claims("v", exp=T0 + 5), clock=T0 + 5)

    raw = cose.sign1(cbor2.dumps(K.claims("v")), EC, kid=hc1.dsc_kid(DSC))
    tag = cbor2.loads(raw)
    prot, unprot, payload, sig = tag.value
    flipped = cbor2.dumps(cbor2.CBORTag(18, [prot, unprot, payload, sig[:5] + bytes([sig[5] ^ 4]) + sig[6:]]))
    write_case(root, "XX/bad-signature", cose_bytes=flipped, flags={"EXPECTEDVERIFY": False})
    write_case(root, "XX/wrong-kid", flags={"EXPECTEDVERIFY": False},
               cose_bytes=cose.sign1(cbor2.dumps(K.claims("v")), EC, kid=b"\x01" * 8))
    write_case(root, "XX/not-a-cwt", flags={"EXPECTEDVERIFY": False},
               cose_bytes=cose.sign1(cbor2.dumps(K.hcert("v")), EC, kid=hc1.dsc_kid(DSC)))
    write_case(root, "XX/expired", claims=K.claims("v", exp=T0 - 1),
               flags={"EXPECTEDVERIFY": True, "EXPECTEDEXPIRATIONCHECK": False})
    write_case(root, "XX/not-yet-valid", claims=K.claims("v", iat=T0 + 3600),
               flags={"EXPECTEDVERIFY": True, "EXPECTEDEXPIRATIONCHECK": False})
    old_dsc = K.make_dsc(EC, nb=T0 - 400 * DAY, na=T0 - 300 * DAY)
    write_case(root, "XX/dsc-expired", der=old_dsc, flags={"EXPECTEDEXPIRATIONCHECK": False},
               cose_bytes=cose.sign1(cbor2.dumps(K.claims("v")), EC, kid=hc1.dsc_kid(old_dsc)))
    test_dsc = K.make_dsc(EC, eku=[EKU["test"]], nb=T0 - 100 * DAY, na=T0 + 100 * DAY)
    write_case(root, "XX/wrong-usage", der=test_dsc, flags={"EXPECTEDVERIFY": True, "EXPECTEDKEYUSAGE": False},
               cose_bytes=cose.sign1(cbor2.dumps(K.claims("v")), EC, kid=hc1.dsc_kid(test_dsc)))
    b45 = codec.b45encode(zlib.compress(raw, 9))
    write_case(root, "XX/bad-context", prefix="HL1:" + b45, flags={"EXPECTEDUNPREFIX": False})
    write_case(root, "XX/no-context", prefix=b45, flags={"EXPECTEDUNPREFIX": False})
    bad45 = b45[:10] + "a" + b45[11:]
    write_case(root, "XX/bad-base45", base45=bad45, flags={"EXPECTEDB45DECODE": False})
    broken = zlib.compress(raw, 9)
    broken = broken[:20] + bytes([broken[20] ^ 0xFF]) + broken[21:-4] + b"\0\0\0\0"
    write_case(root, "XX/bad-zlib", compressed=broken, flags={"EXPECTEDCOMPRESSION": False})
    write_case(root, "XX/not-compressed", compressed=raw, flags={"EXPECTEDCOMPRESSION": False})
    wrapped = cose.sign1(cbor2.dumps(cbor2.dumps(K.claims("v"))), EC, kid=hc1.dsc_kid(DSC))
    write_case(root, "XX/bstr-payload", cose_bytes=wrapped, flags={"EXPECTEDDECODE": False})
    write_case(root, "XX/damaged-picture", flags={"EXPECTEDPICTUREDECODE": False},
               picture=png_of("HC1:" + b45, damage=True))
    write_case(root, "XX/other-picture", flags={"EXPECTEDPICTUREDECODE": False}, picture=png_of("HC1:ANOTHER"))

    # lies: the harness must fail on each of these
    write_case(root, "ZZ/lie-verify", flags={"EXPECTEDVERIFY": False})
    write_case(root, "ZZ/lie-expiry", flags={"EXPECTEDVERIFY": True, "EXPECTEDEXPIRATIONCHECK": False})
    write_case(root, "ZZ/lie-usage", der=test_dsc, flags=all_true,
               cose_bytes=cose.sign1(cbor2.dumps(K.claims("v")), EC, kid=hc1.dsc_kid(test_dsc)))
    write_case(root, "ZZ/lie-picture", flags=all_true, picture=png_of("HC1:" + b45, damage=True))
    write_case(root, "ZZ/lie-decode", flags={"EXPECTEDDECODE": True}, cose_bytes=wrapped)
    write_case(root, "ZZ/lie-expired-ok", claims=K.claims("v", exp=T0 - 1), flags=all_true)
    return {
        ("test_verify", "ZZ/lie-verify"), ("test_whole_pipeline", "ZZ/lie-verify"),
        ("test_expiration", "ZZ/lie-expiry"), ("test_whole_pipeline", "ZZ/lie-expiry"),
        ("test_key_usage", "ZZ/lie-usage"), ("test_whole_pipeline", "ZZ/lie-usage"),
        ("test_picture_decode", "ZZ/lie-picture"), ("test_whole_pipeline", "ZZ/lie-picture"),
        ("test_decode", "ZZ/lie-decode"),
        ("test_expiration", "ZZ/lie-expired-ok"), ("test_whole_pipeline", "ZZ/lie-expired-ok"),
    }


def test_harness_checks_false_flags_and_catches_lies(tmp_path):
    data = tmp_path / "dgc"
    must_fail = build(data)
    report = tmp_path / "report.xml"
    env = {**os.environ, "DGC_TESTDATA": str(data), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "tests/dcc/test_dgc_testdata.py", "-q",
                           "-p", "no:cacheprovider", f"--junitxml={report}"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    results: dict[tuple[str, str], str] = {}
    for tc in ET.parse(report).getroot().iter("testcase"):
        name = tc.get("name")
        test, _, cid = name.partition("[")
        outcome = "passed"
        for child in tc:
            if child.tag in ("failure", "error", "skipped"):
                outcome = child.tag
        results[(test, cid.rstrip("]"))] = outcome
    failed = {k for k, v in results.items() if v != "passed"}
    assert not {k for k, v in results.items() if v in ("error", "skipped")}, proc.stdout[-3000:]
    assert failed == must_fail, proc.stdout[-3000:]
    # every negative step was exercised on an honest case
    for test in ("test_picture_decode", "test_unprefix", "test_base45", "test_compression", "test_decode",
                 "test_verify", "test_key_usage", "test_expiration", "test_whole_pipeline"):
        assert any(t == test and c.startswith("XX/") for t, c in results), test
