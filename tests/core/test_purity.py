"""The verification core stays pure: no GUI, camera, network or database imports, no file
or clock access. The app service around it passes in trust data and `now`."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PURE = tuple(f"terminal.{m}" for m in ("codec", "cbor_strict", "cose", "trust", "policy", "verify", "verdict",
                                        "stages", "outcome", "hc1", "hc1.der", "hc1.trust", "hc1.stages")) \
    + ("vocab", "vocab.reasons", "vocab.spec", "vocab.events")
FORBIDDEN_MODULES = ("PySide6", "cv2", "requests", "sqlite3", "urllib3", "httpx", "http.client", "aiohttp",
                     "socket", "zxingcpp", "pyzbar", "serial", "fastapi", "uvicorn", "sqlite_utils")
# Calls that read files or the clock. Matched on the dotted name as written in the source.
FORBIDDEN_CALLS = {"open", "io.open", "time.time", "time.time_ns", "time.monotonic", "time.localtime",
                   "datetime.now", "datetime.datetime.now", "datetime.utcnow", "datetime.datetime.utcnow",
                   "date.today", "datetime.date.today", "os.open", "Path.open", "Path.read_bytes",
                   "Path.read_text"}
FORBIDDEN_ATTR_CALLS = {"read_bytes", "read_text", "write_bytes", "write_text"}


def test_pure_modules_import_no_io_libraries():
    code = (f"import sys, json\n"
            f"import {', '.join(PURE)}\n"
            f"print(json.dumps(sorted(sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    loaded = set(json.loads(out.stdout))
    bad = sorted(m for m in loaded if m in FORBIDDEN_MODULES or m.split(".")[0] in FORBIDDEN_MODULES)
    assert not bad, f"the pure core pulled in {bad}"


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif parts:
        parts.append("?")                # e.g. Path(p).read_bytes(): the base is an expression
    else:
        return None
    return ".".join(reversed(parts))


def forbidden_calls(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name is None:
                continue
            last = name.rsplit(".", 1)[-1]
            if name in FORBIDDEN_CALLS or last in FORBIDDEN_ATTR_CALLS \
                    or any(name.endswith("." + f) for f in FORBIDDEN_CALLS if "." in f):
                found.append(f"{name}() at line {node.lineno}")
    return found


def module_path(module: str) -> Path:
    """<a>/<b>.py for "a.b", or <a>/__init__.py for the package "a"."""
    base = REPO / Path(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


@pytest.mark.parametrize("module", PURE)
def test_pure_module_calls_no_open_or_clock(module):
    path = module_path(module)
    assert path.is_file(), path
    assert not forbidden_calls(path.read_text(encoding="utf-8"))


def test_every_module_of_a_pure_package_is_listed():
    for package in [m for m in PURE if module_path(m).name == "__init__.py"]:
        for path in module_path(package).parent.glob("*.py"):
            name = package if path.stem == "__init__" else f"{package}.{path.stem}"
            assert name in PURE, f"{path} is in the pure package {package} but not in PURE"


def test_the_scan_sees_what_it_forbids():
    src = ("import time, datetime\nopen('x')\ntime.time()\ndatetime.datetime.now()\n"
           "from datetime import datetime\ndatetime.now()\nPath('a').read_bytes()\nlen('ok')\n")
    assert len(forbidden_calls(src)) == 5
