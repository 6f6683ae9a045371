"""Screenshots of the real X screen, every mode at every screen size, with and without a window
manager (issue 11): what a venue sees, not what a widget paints into a buffer.

    .venv/bin/python -m ui.xshots docs/screenshots/x       # needs Xvfb (and matchbox for "wm")

For each size of ui.screenshots.SIZES and each of "bare" (no window manager: the app is the
X session, as `venue-terminal install` runs it) and "wm" (matchbox-window-manager, a kiosk
image with a WM), it starts an Xvfb of that size, runs the app in a child process the way the
product shows itself (ui.app.show: full screen), grabs the whole X screen (the root window, so
a window that does not fill the screen shows as one), and writes
OUT/<wm>/<mode>-<W>x<H>[-idle].png, then one contact sheet per WM state, OUT/sheet-<wm>.png
(rows: modes; columns: sizes), and OUT/geometry.json (window against screen, per picture).

The child (`--child`) runs on the conformance vectors' trust data with the clock pinned, so the
verdicts are the same on every run: gate and counter show an admission of resident_es256_ok,
the kiosk its idle screen and a refusal (expired).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PICTURES = {"gate": ("",), "kiosk": ("-idle", ""), "counter": ("",)}


def _free_display() -> int:
    for n in range(120, 400):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise SystemExit("no free X display number")


def _stop(p: subprocess.Popen | None) -> None:
    if p is None or p.poll() is not None:
        return
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def child(mode: str, out: Path, stem: str, session: bool) -> int:
    from terminal.service import TerminalService

    from .app import AppOptions, build, show
    from .qt import QApplication, QTimer
    from .screenshots import _vectors

    vec = _vectors()
    doc = json.loads((vec / "cases.json").read_text())
    cases = {c["name"]: c for c in doc["cases"]}
    svc = TerminalService.from_files(root_key=vec / "root.pem", trust_list=vec / "trust-list.cose",
                                     revocations=vec / "revocations.cose", clock=lambda: doc["now"])
    with tempfile.TemporaryDirectory() as tmp:
        rt = build(AppOptions(mode=mode, source="camera:0", service=svc, fullscreen=True, session=session,
                              settings_path=Path(tmp) / "settings.json", sync=False))
        app = QApplication.instance()
        show(rt)
        shots = list(PICTURES[mode])
        geometry: dict = {}

        def grab() -> None:
            suffix = shots.pop(0)
            screen = app.primaryScreen()
            path = out / f"{stem}{suffix}.png"
            screen.grabWindow(0).save(str(path))
            g, s = rt.window.frameGeometry(), screen.geometry()
            geometry[path.name] = {"window": [g.x(), g.y(), g.width(), g.height()],
                                   "screen": [s.x(), s.y(), s.width(), s.height()]}
            if not shots:
                (out / f"{stem}.json").write_text(json.dumps(geometry))
                rt.window.shutdown()
                rt.stop()
                app.quit()
                return
            name = "expired" if mode == "kiosk" else "resident_es256_ok"
            rt.window.show_verdict(svc.scan(cases[name]["code"]), 0.0)
            QTimer.singleShot(700, grab)

        if shots[0] == "":          # gate, counter: straight to the verdict
            QTimer.singleShot(300, lambda: rt.window.show_verdict(svc.scan(cases["resident_es256_ok"]["code"]), 0.0))
        QTimer.singleShot(1500, grab)
        QTimer.singleShot(30000, app.quit)   # never hang a docs run
        return app.exec()


def sheet(out: Path, wm: str, sizes, thumb_h: int = 180) -> Path:
    import cv2
    import numpy as np
    rows = []
    for mode, suffixes in PICTURES.items():
        for suffix in suffixes:
            cells = []
            for w, h in sizes:
                img = cv2.imread(str(out / wm / f"{mode}-{w}x{h}{suffix}.png"))
                if img is None:
                    img = np.full((h, w, 3), 80, np.uint8)
                tw = max(1, round(img.shape[1] * thumb_h / img.shape[0]))
                cell = cv2.resize(img, (tw, thumb_h), interpolation=cv2.INTER_AREA)
                cv2.rectangle(cell, (0, 0), (tw - 1, thumb_h - 1), (120, 120, 120), 1)
                cells.append(np.pad(cell, ((0, 22), (4, 4), (0, 0)), constant_values=255))
                cv2.putText(cells[-1], f"{mode}{suffix} {w}x{h}", (6, thumb_h + 16), cv2.FONT_HERSHEY_SIMPLEX,
                            0.45, (0, 0, 0), 1, cv2.LINE_AA)
            rows.append(np.hstack(cells))
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 6), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    path = out / f"sheet-{wm}.png"
    cv2.imwrite(str(path), np.vstack(rows))
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?", default=str(ROOT / "docs" / "screenshots" / "x"))
    ap.add_argument("--child", nargs=3, metavar=("MODE", "STEM", "SESSION"), help=argparse.SUPPRESS)
    ap.add_argument("--wm", choices=("bare", "wm", "both"), default="both")
    a = ap.parse_args(argv)
    out = Path(a.out)
    if a.child:
        return child(a.child[0], out, a.child[1], a.child[2] == "1")
    from .screenshots import SIZES
    if not shutil.which("Xvfb"):
        raise SystemExit("Xvfb not found (scripts/bootstrap.sh installs it)")
    kinds = ["bare", "wm"] if a.wm == "both" else [a.wm]
    if "wm" in kinds and not shutil.which("matchbox-window-manager"):
        raise SystemExit("matchbox-window-manager not found (scripts/bootstrap.sh installs it)")
    geometry: dict = {}
    for wm in kinds:
        (out / wm).mkdir(parents=True, exist_ok=True)
        for w, h in SIZES:
            n = _free_display()
            xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", f"{w}x{h}x24", "-nolisten", "tcp", "-noreset"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            env = {"VENUE_TTS_ENGINE": "none", **os.environ, "DISPLAY": f":{n}", "QT_QPA_PLATFORM": "xcb",
                   "PYTHONPATH": str(ROOT)}     # pictures: no speech daemon
            wmp = None
            try:
                for _ in range(100):
                    if Path(f"/tmp/.X11-unix/X{n}").exists():
                        break
                    time.sleep(0.05)
                if wm == "wm":
                    wmp = subprocess.Popen(["matchbox-window-manager", "-use_titlebar", "no"], env=env,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    time.sleep(0.5)
                for mode in PICTURES:
                    stem = f"{mode}-{w}x{h}"
                    r = subprocess.run([sys.executable, "-m", "ui.xshots", str(out / wm), "--child", mode, stem,
                                        "1" if wm == "bare" else "0"], env=env, cwd=ROOT, capture_output=True,
                                       text=True, timeout=60)
                    info = out / wm / f"{stem}.json"
                    if r.returncode != 0 or not info.exists():
                        print(f"{wm} {stem}: failed: {r.stderr.strip()[-800:]}", file=sys.stderr)
                        continue
                    for name, g in json.loads(info.read_text()).items():
                        geometry[f"{wm}/{name}"] = g
                        print(f"{out / wm / name}  window {g['window']}  screen {g['screen']}")
                    info.unlink()
            finally:
                _stop(wmp)
                _stop(xvfb)
        print(sheet(out, wm, SIZES))
    (out / "geometry.json").write_text(json.dumps(geometry, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
