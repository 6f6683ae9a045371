"""Conformance worlds: two seeds (a P-256 and an Ed25519 root), every case through terminal.verify.

The world must look like shared/spec/vectors (same files, same case fields), hold every case
name of the shared vectors, and its QR images must decode (zxing-cpp) to the case's code.
"""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest

from issuer.world import expected_warnings
import zxingcpp

from issuer.world import AMBIGUOUS, build_world
from issuer_helpers import cli_main, snapshot_of
from terminal import trust, verify

SHARED = Path("/work/shared/spec/vectors")
SEEDS = ("alpha", "beta")          # alpha: P-256 root, beta: Ed25519 root


@pytest.fixture(scope="module", params=SEEDS)
def world(request, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp(f"world-{request.param}")
    summary = build_world(out, request.param)
    assert summary["cases"] > 100
    return out


def _load(world: Path) -> tuple[dict, verify.TrustSnapshot]:
    doc = json.loads((world / "cases.json").read_text(encoding="utf-8"))
    snap = snapshot_of((world / "root.pem").read_bytes(), (world / "trust-list.cose").read_bytes(),
                       (world / "revocations.cose").read_bytes())
    return doc, snap


def test_every_case_gets_the_reason_the_world_states(world):
    doc, snap = _load(world)
    wrong = []
    for case in doc["cases"]:
        v = verify.verify(case["code"], snap, case["at"])
        if (v.valid, v.reason, list(v.warnings)) != (case["valid"], case["reason"], expected_warnings(case)):
            wrong.append(f"{case['name']}: want {case['reason']}, got {v.reason} ({v.detail}) {v.warnings}")
    assert not wrong, "\n".join(wrong)


def test_reasons_cover_every_spec_step(world):
    doc, _ = _load(world)
    reasons = {c["reason"] for c in doc["cases"]}
    assert reasons == {"ok", "unknown_format", "bad_encoding", "too_large", "unsupported_algorithm",
                       "unknown_issuer", "bad_signature", "issuer_revoked", "issuer_key_expired",
                       "issuer_not_authorised", "not_yet_valid", "expired", "revoked",
                       "holder_signature_invalid", "stale_presentation"}
    assert not set(AMBIGUOUS) & {c["name"] for c in doc["cases"]}


@pytest.mark.skipif(not (SHARED / "cases.json").exists(), reason="shared vectors not mounted")
def test_world_has_the_shared_layout_and_every_shared_case(world):
    shared = json.loads((SHARED / "cases.json").read_text(encoding="utf-8"))
    doc, _ = _load(world)
    assert set(doc) == set(shared)
    names = {c["name"]: c for c in doc["cases"]}
    for case in shared["cases"]:
        assert case["name"] in names, case["name"]
        mine = names[case["name"]]
        assert set(mine) == set(case), case["name"]
        assert (mine["valid"], mine["reason"]) == (case["valid"], case["reason"]), case["name"]
    for f in ("root.pem", "trust-list.cose", "revocations.cose"):
        assert (world / f).is_file()


def test_images_decode_to_their_codes(world):
    doc, _ = _load(world)
    with_image = [c for c in doc["cases"] if "image" in c]
    assert len(with_image) >= len(doc["cases"]) - 5
    for case in with_image:
        img = cv2.imread(str(world / case["image"]), cv2.IMREAD_GRAYSCALE)
        found = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
        assert [b.text for b in found] == [case["code"]], case["name"]
    assert {c["name"] for c in doc["cases"] if "image" not in c} >= {"empty", "zlib_bomb"}


def test_seed_fixes_keys_and_clock(tmp_path):
    a1 = build_world(tmp_path / "a1", "alpha", images=False)
    a2 = build_world(tmp_path / "a2", "alpha", images=False)
    b = build_world(tmp_path / "b", "beta", images=False)
    assert (tmp_path / "a1" / "root.pem").read_bytes() == (tmp_path / "a2" / "root.pem").read_bytes()
    assert (tmp_path / "a1" / "root.pem").read_bytes() != (tmp_path / "b" / "root.pem").read_bytes()
    assert a1["now"] == a2["now"] != b["now"]
    kinds = {type(trust.load_root_key((tmp_path / d / "root.pem").read_bytes())).__name__ for d in ("a1", "b")}
    assert len(kinds) == 2


def test_world_cli(tmp_path, capsys):
    out = cli_main(capsys, "world", str(tmp_path / "w"), "--seed", "gamma")
    assert out["seed"] == "gamma" and out["cases"] > 100
    doc = json.loads((tmp_path / "w" / "cases.json").read_text(encoding="utf-8"))
    assert doc["seed"] == "gamma" and len(doc["cases"]) == out["cases"]
