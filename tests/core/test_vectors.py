"""Acceptance of the verification core against conformance worlds (issue 2).

Every case of /work/shared/spec/vectors/cases.json (and of worlds built by
issuer.world.build_world with other seeds) must get the spec's `valid` and `reason`:
as text through terminal.verify.verify, as the case's QR image through the real decoders,
and through `venue-terminal verify --json` in a subprocess. Expectations are read from the
JSON, never copied here. Every case runs against fresh state (its own snapshot, its own
empty replay set).
"""
from __future__ import annotations

import atexit
import importlib.util
import json
import os
import shutil
import subprocess
import tempfile
from collections import defaultdict
from pathlib import Path

import pytest

from terminal.config import load_snapshot
from vocab.reasons import ALL_REASONS
from terminal.verify import verify

REPO = Path(__file__).resolve().parents[2]
SPEC_VECTORS = Path(os.environ.get("VENUE_SPEC_VECTORS", REPO.parent / "shared" / "spec" / "vectors"))
WORLD_SEEDS = (11, 12)
CLI = REPO / ".venv" / "bin" / "venue-terminal"


def _have(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


HAVE_SCANNER = _have("scanner.decoders")
HAVE_WORLD = _have("issuer.world")
HAVE_CLI = _have("terminal.commands.verify") and CLI.exists()


def _worlds() -> list[tuple[str, Path]]:
    worlds = []
    if (SPEC_VECTORS / "cases.json").exists():
        worlds.append(("spec", SPEC_VECTORS))
    if HAVE_WORLD:
        from issuer.world import build_world
        base = Path(tempfile.mkdtemp(prefix="venue-worlds-"))
        atexit.register(shutil.rmtree, base, ignore_errors=True)
        for seed in WORLD_SEEDS:
            out = base / f"seed{seed}"
            build_world(out, seed)
            worlds.append((f"seed{seed}", out))
    return worlds


WORLDS = _worlds()


def _load(world: Path) -> dict:
    return json.loads((world / "cases.json").read_text(encoding="utf-8"))


DOCS = {name: _load(path) for name, path in WORLDS}
CASES = [pytest.param(name, path, case, id=f"{name}-{case['name']}")
         for name, path in WORLDS for case in DOCS[name]["cases"]]
IMAGE_CASES = [p for p in CASES if p.values[2].get("image")]


def _snapshot(world: Path, doc: dict):
    return load_snapshot(world / doc["root_pem"], world / doc["trust_list"], world / doc["revocations"])


def test_worlds_found():
    assert WORLDS and WORLDS[0][0] == "spec", f"no conformance vectors at {SPEC_VECTORS}"
    for name, _ in WORLDS:
        assert DOCS[name]["cases"], name


@pytest.mark.parametrize("name,world,case", CASES)
def test_case_as_text(name, world, case):
    doc = DOCS[name]
    snap = _snapshot(world, doc)                   # fresh trust state per case
    seen: set[bytes] = set()                       # fresh replay state per case
    v = verify(case["code"], snap, case["at"], replay_seen=seen.__contains__)
    assert v.reason in ALL_REASONS
    assert (v.valid, v.reason) == (case["valid"], case["reason"]), f"{case['name']}: {case.get('note')} ({v.detail})"
    if v.valid:
        assert v.credential is not None and v.profile == case["code"].split(":", 1)[0]


@pytest.mark.skipif(not HAVE_SCANNER, reason="scanner.decoders not written yet")
@pytest.mark.parametrize("name,world,case", IMAGE_CASES)
def test_case_as_image(name, world, case):
    from scanner.decoders import decode_image_file
    decoded = decode_image_file(world / case["image"])
    assert [d.text for d in decoded] == [case["code"]], "the image must hold exactly this case's code"
    v = verify(decoded[0].text, _snapshot(world, DOCS[name]), case["at"])
    assert (v.valid, v.reason) == (case["valid"], case["reason"])


def _run_cli(inputs: list[str], world: Path, doc: dict, at: int, stdin: str | None = None):
    cmd = [str(CLI), "verify", "--root-key", str(world / doc["root_pem"]),
           "--trust-list", str(world / doc["trust_list"]), "--revocations", str(world / doc["revocations"]),
           "--at", str(at), "--json", *inputs]
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return proc, lines


def _by_at(cases: list[dict]) -> dict[int, list[dict]]:
    groups: dict[int, list[dict]] = defaultdict(list)
    for c in cases:
        groups[c["at"]].append(c)
    return groups


def _check_lines(lines: list[dict], cases: list[dict], proc) -> None:
    assert len(lines) == len(cases), proc.stderr
    wrong = [(c["name"], c["reason"], r["reason"]) for c, r in zip(cases, lines)
             if (r["valid"], r["reason"]) != (c["valid"], c["reason"])]
    assert not wrong, wrong
    for r in lines:
        assert {"input", "valid", "reason", "profile", "warnings", "credential"} <= set(r)
    assert proc.returncode == (0 if all(c["valid"] for c in cases) else 1), proc.stderr


@pytest.mark.skipif(not HAVE_CLI, reason="terminal/commands/verify.py not written yet")
@pytest.mark.parametrize("name,world", WORLDS, ids=[w[0] for w in WORLDS])
def test_cli_text_file(name, world, tmp_path):
    doc = DOCS[name]
    for at, cases in _by_at([c for c in doc["cases"] if c["code"].strip()]).items():
        codes = tmp_path / f"codes-{at}.txt"
        codes.write_text("".join(c["code"] + "\n" for c in cases), encoding="utf-8")
        proc, lines = _run_cli([str(codes)], world, doc, at)
        _check_lines(lines, cases, proc)
        valid = [c for c in cases if c["valid"]]
        proc, lines = _run_cli(["-"], world, doc, at, stdin="".join(c["code"] + "\n" for c in valid))
        _check_lines(lines, valid, proc)


@pytest.mark.skipif(not (HAVE_CLI and HAVE_SCANNER), reason="CLI or scanner not written yet")
@pytest.mark.parametrize("name,world", WORLDS, ids=[w[0] for w in WORLDS])
def test_cli_images(name, world):
    doc = DOCS[name]
    for at, cases in _by_at([c for c in doc["cases"] if c.get("image")]).items():
        images = [str(world / c["image"]) for c in cases]
        proc, lines = _run_cli(images, world, doc, at)
        _check_lines(lines, cases, proc)
        for img, r in zip(images, lines):
            assert Path(img).name in r["input"]


@pytest.mark.skipif(not HAVE_CLI, reason="terminal/commands/verify.py not written yet")
def test_cli_config_error_is_one_line(tmp_path):
    name, world = WORLDS[0]
    doc = DOCS[name]
    bad_root = tmp_path / "root.pem"
    bad_root.write_text("not a key\n")
    cmd = [str(CLI), "verify", "--root-key", str(bad_root), "--trust-list", str(world / doc["trust_list"]),
           "--revocations", str(world / doc["revocations"]), "--json", "-"]
    proc = subprocess.run(cmd, input="EZ1:X\n", capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
