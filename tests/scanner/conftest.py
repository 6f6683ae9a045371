"""Fixtures for the scanner tests: the spec's QR images and seeded synthetic frames."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SPEC_VECTORS = Path(os.environ.get("VENUE_SPEC_VECTORS", REPO.parent / "shared" / "spec" / "vectors"))


@pytest.fixture(scope="session")
def vector_images() -> list[tuple[str, Path, str]]:
    """(case name, PNG path, expected text) for every spec vector that has an image."""
    cases_file = SPEC_VECTORS / "cases.json"
    if not cases_file.is_file():
        pytest.fail(f"conformance vectors missing at {SPEC_VECTORS} (set VENUE_SPEC_VECTORS)")
    cases = json.loads(cases_file.read_text(encoding="utf-8"))["cases"]
    out = [(c["name"], SPEC_VECTORS / c["image"], c["code"]) for c in cases if c.get("image")]
    assert len(out) >= 20
    return out
