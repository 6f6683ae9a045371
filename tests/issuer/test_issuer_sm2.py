"""SM2 on the issuer side (issue 13): `venue-issuer init --alg sm2`, mint and present with SM2
keys, issuer key rotation to SM2, and `venue-issuer world --alg sm2 / --root-alg` worlds whose
every case gets its stated reason through terminal.verify."""
from __future__ import annotations

import json

import pytest

from issuer.world import expected_warnings

from issuer import keys
from issuer.platform import Platform
from issuer_helpers import NOW, cli_main, issuer_cli, lines, platform_snapshot, snapshot_of
from terminal import cose, sm2, trust, verify

pytestmark = pytest.mark.skipif(not sm2.available(), reason=f"no SM2 backend: {sm2.unavailable_reason()}")


def test_init_alg_sm2_makes_an_sm2_platform(tmp_path):
    d = tmp_path / "plat"
    obj = json.loads(issuer_cli("init", str(d), "--alg", "sm2", "--at", str(NOW)).stdout)
    assert {i["alg"] for i in obj["issuers"]} == {cose.SM2}
    assert [h["kind"] for h in obj["holders"]] == ["ed25519", "sm2", "ed25519", "sm2"]
    root = trust.load_root_key(open(obj["root_key"], "rb").read())
    assert isinstance(root, sm2.PublicKey)
    # the private keys round-trip through their PEM files (0600)
    key_files = sorted((d / "keys").glob("*.key"))
    assert key_files and all(f.stat().st_mode & 0o077 == 0 for f in key_files)
    assert isinstance(keys.read_private_pem(d / "keys" / "root.key"), sm2.PrivateKey)


def test_sm2_mint_and_present_verify(tmp_path, capsys):
    d = tmp_path / "plat"
    cli_main(capsys, "init", str(d), "--alg", "sm2", "--at", str(NOW))
    plat = Platform(d)
    snap = platform_snapshot(plat)
    out = tmp_path / "codes.txt"
    minted = cli_main(capsys, "mint", str(d), "--type", "resident", "--count", "4", "--dynamic", "--at", str(NOW),
                      "--out", str(out))
    for text, row in zip(lines(out), minted["codes"]):
        v = verify.verify(text, snap, NOW + 5)
        assert v.valid, v.detail
        assert v.credential.alg == "SM2" and v.credential.authority == "山东省大数据局"
    static = cli_main(capsys, "mint", str(d), "--type", "enterprise", "--at", str(NOW), "--out", str(tmp_path / "e"))
    v = verify.verify(lines(tmp_path / "e")[0], snap, NOW + 5)
    assert v.valid and v.credential.authority == "山东省市场监督管理局"
    for holder in (1, 2):                       # Ed25519 and SM2 holder keys
        m = plat.mint("resident", now=NOW, holder=holder)[0]
        pres = cli_main(capsys, "present", str(d), m.cti.hex(), "--at", str(NOW))
        assert verify.verify(pres["code"], snap, NOW + 5).valid
    forged = plat.mint("resident", forged=True, now=NOW)[0]
    assert verify.verify(forged.text, snap, NOW + 5).reason == "bad_signature"
    assert static["count"] == 1


def test_mixed_platform_and_rotation_to_sm2(tmp_path, capsys):
    d = tmp_path / "plat"
    cli_main(capsys, "init", str(d), "--root-alg", "p256", "--issuer-alg", "p256", "--at", str(NOW))
    before = Platform(d).mint("resident", now=NOW)[0]
    plat = Platform(d)
    plat.add_issuer_key("SD-RC", ["resident"], "sm2", now=NOW)      # what `issuer rotate --alg sm2` does
    after = plat.mint("resident", now=NOW + 2 * 86400)[0]
    snap = platform_snapshot(plat)
    v_old, v_new = verify.verify(before.text, snap, NOW + 3 * 86400), verify.verify(after.text, snap, NOW + 3 * 86400)
    assert (v_old.valid, v_old.credential.alg) == (True, "ES256")
    assert (v_new.valid, v_new.credential.alg) == (True, "SM2")
    rotated = cli_main(capsys, "issuer", str(d), "rotate", "--iss", "SD-EC", "--alg", "sm2")
    assert any(r["kid"] == rotated["kid"] and r["alg"] == cose.SM2 for r in Platform(d).issuers())


@pytest.mark.parametrize("alg,root_alg", [("sm2", None), ("sm2", "p256"), ("p256", "sm2"), ("sm2", "ed25519")])
def test_sm2_worlds_every_case(tmp_path, alg, root_alg):
    from issuer.world import build_world
    summary = build_world(tmp_path / "w", f"s-{alg}-{root_alg}", alg=alg, root_alg=root_alg, images=False)
    assert summary["alg"] == alg and summary["root_alg"] == (root_alg or "sm2")
    w = tmp_path / "w"
    doc = json.loads((w / "cases.json").read_text(encoding="utf-8"))
    snap = snapshot_of((w / "root.pem").read_bytes(), (w / "trust-list.cose").read_bytes(),
                       (w / "revocations.cose").read_bytes())
    wrong = []
    for case in doc["cases"]:
        v = verify.verify(case["code"], snap, case["at"])
        if (v.valid, v.reason, list(v.warnings)) != (case["valid"], case["reason"], expected_warnings(case)):
            wrong.append(f"{case['name']}: want {case['reason']}, got {v.reason} ({v.detail}) {v.warnings}")
    assert not wrong, "\n".join(wrong)
    assert sum(1 for c in doc["cases"] if c["name"].startswith(("sm2_", "presentation_sm2"))) >= 15


def test_world_cli_alg_sm2(tmp_path, capsys):
    out = cli_main(capsys, "world", str(tmp_path / "w"), "--seed", "delta", "--alg", "sm2", "--root-alg", "p256")
    assert out["alg"] == "sm2" and out["root_alg"] == "p256" and out["cases"] > 120
    assert "sm2" in (tmp_path / "w" / "README.md").read_text(encoding="utf-8")
