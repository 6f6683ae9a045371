"""Fixtures for the UI tests (offscreen Qt, pytest-qt): the shared conformance vectors as trust
data with the clock pinned to their `now`, image folders of real QR PNGs, and a builder for the
whole app (real service, real decoders, real worker threads)."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("VENUE_TTS_ENGINE", "mock")       # Qt's test engine: what is said, and no speech daemon

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "vectors"
if not VECTORS.exists():
    VECTORS = Path("/work/shared/spec/vectors")


@pytest.fixture(scope="session")
def cases() -> dict:
    doc = json.loads((VECTORS / "cases.json").read_text())
    return {"now": doc["now"], **{c["name"]: c for c in doc["cases"]}}


@pytest.fixture
def service(cases):
    from terminal.service import TerminalService
    now = cases["now"]
    svc = TerminalService.from_files(root_key=VECTORS / "root.pem", trust_list=VECTORS / "trust-list.cose",
                                     revocations=VECTORS / "revocations.cose", clock=lambda: now)
    yield svc
    svc.close()


@pytest.fixture
def image_dir(tmp_path):
    """image_dir([case names or ("blank", None)]) -> images:DIR spec, in the given order."""
    def make(names: list[str]) -> str:
        import numpy as np
        import cv2
        d = tmp_path / "imgs"
        d.mkdir(exist_ok=True)
        for i, name in enumerate(names):
            dst = d / f"{i:02d}_{name}.png"
            if name == "blank":
                cv2.imwrite(str(dst), np.full((240, 320), 200, np.uint8))
            else:
                shutil.copy(VECTORS / "img" / f"{name}.png", dst)
        return f"images:{d}"
    return make


@pytest.fixture
def make_app(qtbot, tmp_path, service):
    """make_app(mode, source, **opts) -> Runtime, built and started; stopped at teardown."""
    from ui.app import AppOptions, build
    made = []

    def make(mode: str, source: str, *, start: bool = True, **kw):
        opts = AppOptions(mode=mode, source=source, settings_path=tmp_path / f"settings-{len(made)}.json",
                          fullscreen=False, service=kw.pop("service", service),
                          image_interval=kw.pop("image_interval", 0.15), **kw)
        rt = build(opts)
        made.append(rt)
        qtbot.addWidget(rt.window)
        rt.window.resize(1024, 700)
        rt.window.show()
        if start:
            rt.start()
        return rt

    yield make
    for rt in made:
        rt.window.shutdown()
        rt.stop()


@pytest.fixture
def platform(tmp_path):
    """The reference platform (issuer.testing's harness: 127.0.0.1, a free port), started."""
    from issuer.testing import start_server
    with start_server(tmp_path / "platform", timeout=15.0) as plat:
        yield plat
