"""Run the benchmarks under bench/: each prints its own table.

    .venv/bin/python -m bench                 # every bench_*.py and fuzz_*.py, one after another
    .venv/bin/python -m bench --list          # what there is, with each script's first doc line
    .venv/bin/python -m bench --quick         # every script, with --quick where it has one
    .venv/bin/python -m bench core            # one: bench_core.py (the name's prefix may be left off)
    .venv/bin/python -m bench fuzz_core --count 100000   # arguments after the name go to the script

Each script runs in its own process (`python -m bench.<name>`), so one's imports and pinning
do not change another's numbers. The exit code is 0 when every script exited 0.
"""
from __future__ import annotations

import ast
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def scripts() -> list[Path]:
    return sorted(p for p in HERE.glob("*.py") if p.stem.startswith(("bench_", "fuzz_")))


def summary(path: Path) -> str:
    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    except SyntaxError:
        return "(does not parse)"
    return doc.strip().splitlines()[0] if doc.strip() else ""


def has_quick(path: Path) -> bool:
    return "--quick" in path.read_text(encoding="utf-8")


def find(name: str) -> Path | None:
    for p in scripts():
        if name in (p.stem, p.name, p.stem.removeprefix("bench_")):
            return p
    return None


def run(path: Path, args: list[str]) -> int:
    cmd = [sys.executable, "-m", f"bench.{path.stem}", *args]
    print(f"\n=== {' '.join(['python', '-m', f'bench.{path.stem}', *args])}", flush=True)
    t0 = time.perf_counter()
    code = subprocess.call(cmd, cwd=HERE.parent)
    print(f"=== {path.stem}: exit {code} after {time.perf_counter() - t0:.0f} s", flush=True)
    return code


def main(argv: list[str]) -> int:
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    if argv[:1] == ["--list"]:
        for p in scripts():
            print(f"{p.stem:<18} {summary(p)}")
        return 0
    if argv and not argv[0].startswith("-"):
        path = find(argv[0])
        if path is None:
            print(f"bench: no script named {argv[0]!r} (see --list)", file=sys.stderr)
            return 2
        return run(path, argv[1:])
    quick = "--quick" in argv
    results = {p.stem: run(p, ["--quick"] if quick and has_quick(p) else []) for p in scripts()}
    print("\nsummary: " + ", ".join(f"{k} {'ok' if v == 0 else f'exit {v}'}" for k, v in results.items()))
    return 0 if all(v == 0 for v in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
