"""`venue-issuer` commands: real subprocesses where the output contract matters (one JSON
object on stdout, exit codes), in-process `main()` elsewhere to keep the suite fast."""
from __future__ import annotations

import json
import time

import cv2
import pytest
import zxingcpp

from issuer.cli import main
from issuer.platform import Platform
from issuer_helpers import issuer_cli, lines, platform_snapshot
from terminal import verify


def run(capsys, *args: str) -> dict | list:
    rc = main(list(args))
    out = capsys.readouterr().out
    assert rc == 0, out
    return json.loads(out)


def test_init_prints_one_json_object_and_is_idempotent(tmp_path):
    d = tmp_path / "plat"
    first = issuer_cli("init", str(d))
    obj = json.loads(first.stdout)                      # exactly one JSON document
    assert first.stdout.count("\n") == 1
    assert obj["created"] is True and obj["dir"] == str(d.resolve())
    pem = open(obj["root_key"], "rb").read()
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert len(obj["token"]) >= 24 and obj["admin_token"] != obj["token"]
    again = json.loads(issuer_cli("init", str(d)).stdout)
    assert again["created"] is False and again["token"] == obj["token"] and again["root_key"] == obj["root_key"]


def test_usage_and_state_errors_exit_2(tmp_path, capsys):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "x").write_text("x")
    r = issuer_cli("init", str(foreign), check=False)
    assert r.returncode == 2 and "not an empty directory" in r.stderr and r.stdout == ""
    assert main(["mint", str(tmp_path / "none"), "--type", "resident", "--out", str(tmp_path / "o")]) == 2
    assert "venue-issuer init" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["revoke", str(tmp_path / "none"), "zz"])
    assert exc.value.code == 2 and "hex" in capsys.readouterr().err


def test_mint_png_per_code_decodes_to_the_line(tmp_path, capsys):
    d = tmp_path / "plat"
    run(capsys, "init", str(d), "--root-alg", "p256", "--issuer-alg", "ed25519")
    out, png = tmp_path / "codes.txt", tmp_path / "png"
    res = run(capsys, "mint", str(d), "--type", "resident", "--senior", "--disabled", "--count", "3",
              "--out", str(out), "--png", str(png))
    codes = lines(out)
    assert len(codes) == 3 == res["count"]
    for code, row in zip(codes, res["codes"]):
        img = cv2.imread(row["png"], cv2.IMREAD_GRAYSCALE)
        assert [b.text for b in zxingcpp.read_barcodes(img)] == [code]
    snap = platform_snapshot(Platform(d))
    for code in codes:
        v = verify.verify(code, snap, int(time.time()))
        assert v.valid and {"senior", "disability"} <= {c.t for c in v.credential.certs}


def test_dynamic_at_pins_the_presentation_time_and_revoke_unrevoke(tmp_path, capsys):
    d = tmp_path / "plat"
    run(capsys, "init", str(d))
    at = int(time.time()) - 1000
    out = tmp_path / "dyn.txt"
    res = run(capsys, "mint", str(d), "--type", "resident", "--dynamic", "--at", str(at), "--out", str(out))
    code, cti = lines(out)[0], res["codes"][0]["cti"]
    plat = Platform(d)
    assert verify.verify(code, platform_snapshot(plat), at + 30).valid
    assert verify.verify(code, platform_snapshot(plat), at + 61).reason == "stale_presentation"
    rev = run(capsys, "revoke", str(d), cti)
    assert rev["changed"] and rev["seq"] == 2
    assert verify.verify(code, platform_snapshot(plat), at + 30).reason == "revoked"
    assert run(capsys, "unrevoke", str(d), cti)["seq"] == 3
    assert verify.verify(code, platform_snapshot(plat), at + 30).valid
    fresh = run(capsys, "present", str(d), cti)["code"]
    assert fresh.startswith("EP1:") and verify.verify(fresh, platform_snapshot(plat), int(time.time())).valid


def test_forged_and_issuer_revocation_commands(tmp_path, capsys):
    d = tmp_path / "plat"
    run(capsys, "init", str(d))
    out = tmp_path / "f.txt"
    run(capsys, "mint", str(d), "--type", "enterprise", "--forged", "--out", str(out))
    plat = Platform(d)
    now = int(time.time())
    assert verify.verify(lines(out)[0], platform_snapshot(plat), now).reason == "bad_signature"
    issuers = run(capsys, "issuer", str(d), "list")
    ec = next(i for i in issuers if i["iss"] == "SD-EC")
    run(capsys, "issuer", str(d), "revoke", ec["kid"])
    good = tmp_path / "g.txt"
    assert main(["mint", str(d), "--type", "enterprise", "--out", str(good)]) == 2   # no active SD-EC key
    capsys.readouterr()
    rot = run(capsys, "issuer", str(d), "rotate", "--iss", "SD-EC")
    run(capsys, "mint", str(d), "--type", "enterprise", "--out", str(good))
    v = verify.verify(lines(good)[0], platform_snapshot(plat), now)
    assert v.valid and v.credential.kid == rot["kid"]


def test_events_table_and_json(tmp_path, capsys):
    d = tmp_path / "plat"
    run(capsys, "init", str(d))
    ev = {"id": "6f1c1b3e-2f5a-4c1e-9a55-0d6f3c1e2a10", "ts": "2026-11-29T03:00:00Z", "terminal": "T-9",
          "venue": "V", "mode": "kiosk", "valid": False, "reason": "expired", "prev": "0" * 64, "hash": "1" * 64}
    Platform(d).store_events("T-9", [ev])
    assert run(capsys, "events", str(d), "--json") == [ev]
    assert main(["events", str(d)]) == 0
    text = capsys.readouterr().out
    assert "T-9" in text and "expired" in text and "refused" in text
