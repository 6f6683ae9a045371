"""Screenshots for the README, taken under Xvfb with Chinese rendered (fonts-wqy-microhei).

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python -m ui.screenshots docs/screenshots
    # add --no-demo to skip the (30 s) demo run
    xvfb-run -a -s "-screen 0 1920x1920x24" .venv/bin/python -m ui.screenshots --sizes OUT
    # every mode at every screen size of tests/ui/test_layout.py (issue 11 defect 3), idle and
    # with an admission, a refusal and a see-staff verdict: OUT/<mode>-<W>x<H>-<state>.png

Writes gate-live.png (camera preview with the code outlined), gate-admit.png, gate-refuse.png,
gate-check.png, kiosk-idle.png, kiosk-result.png, counter.png, counter-summary.png (the counter's printed
summary, rendered from its PDF), settings.png, and demo.png (from
`venue-terminal demo --gui`). The app runs on the conformance vectors' trust data with the
clock pinned to their `now`, so the pictures are the same on every run (apart from times).

Threads: GUI thread; no workers are started except in the demo run (a child process).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT.parent / "shared" / "spec" / "vectors"
SIZE = (1280, 800)
# the screens every mode must lay out on (issue 11): small, common, large and portrait; checked by
# tests/ui/test_layout.py
SIZES = [(800, 480), (1024, 600), (1280, 800), (1920, 1080), (768, 1024), (1080, 1920)]


def _vectors() -> Path:
    for p in (VECTORS, Path("/work/shared/spec/vectors"), ROOT / "tests" / "vectors"):
        if (p / "cases.json").exists():
            return p
    raise SystemExit("conformance vectors not found (shared/spec/vectors)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?", default=str(ROOT / "docs" / "screenshots"))
    ap.add_argument("--no-demo", action="store_true")
    ap.add_argument("--sizes", action="store_true", help="every mode at each screen size (see the module docs)")
    a = ap.parse_args(argv)
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")):
        raise SystemExit("no display: run under xvfb-run (see the module docs)")
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)

    import numpy as np
    from scanner import synth
    from scanner.decoders import make_decoder
    from terminal.service import TerminalService

    from .app import AppOptions, build
    from .dialogs import SettingsDialog
    from .qt import QApplication
    from .workers import gray_to_qimage

    vec = _vectors()
    doc = json.loads((vec / "cases.json").read_text())
    now = doc["now"]
    cases = {c["name"]: c for c in doc["cases"]}
    svc = TerminalService.from_files(root_key=vec / "root.pem", trust_list=vec / "trust-list.cose",
                                     revocations=vec / "revocations.cose", clock=lambda: now)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    tmp = out / ".settings.json"

    def shot(rt, name):
        for _ in range(5):
            app.processEvents()
        rt.window.grab().save(str(out / name))
        print(out / name)

    def runtime(mode):
        rt = build(AppOptions(mode=mode, source="camera:0", service=svc, fullscreen=False, settings_path=tmp))
        rt.window.resize(*SIZE)
        rt.window.show()
        return rt

    def done(rt):
        rt.window.shutdown()
        rt.stop()

    ok = svc.scan(cases["resident_es256_ok"]["code"])
    if a.sizes:
        from vocab import reasons as R
        from terminal.verdict import Verdict
        states = [("admit", ok), ("refuse", svc.scan(cases["revoked"]["code"])),
                  ("check", Verdict(valid=False, reason=R.UNREADABLE))]
        for mode in ("gate", "kiosk", "counter"):
            for w, h in SIZES:
                rt = build(AppOptions(mode=mode, source="camera:0", service=svc, fullscreen=False, settings_path=tmp))
                rt.window.resize(w, h)
                rt.window.show()
                shot(rt, f"{mode}-{w}x{h}-idle.png")
                for name, v in states:
                    rt.window.show_verdict(v, 0.0)
                    shot(rt, f"{mode}-{w}x{h}-{name}.png")
                done(rt)
        tmp.unlink(missing_ok=True)
        return 0
    # gate: live preview with the outline, then each outcome
    rt = runtime("gate")
    frame = synth.make_frame("tilt", np.random.default_rng(5), size=(1280, 720),
                             payloads=[cases["resident_ed25519_ok"]["code"]])
    found = make_decoder("cascade").decode(frame.gray)
    img, scale = gray_to_qimage(frame.gray, 960)
    rt.window.on_frame(img, [[(x * scale, y * scale) for x, y in d.corners] for d in found], 0.0)
    rt.window.gate.set_counts(128, 3)
    shot(rt, "gate-live.png")
    rt.window.show_verdict(ok, 0.0)
    rt.window.gate.set_counts(129, 3)
    shot(rt, "gate-admit.png")
    rt.window.show_verdict(svc.scan(cases["revoked"]["code"]), 0.0)
    shot(rt, "gate-refuse.png")
    from vocab import reasons as R
    from terminal.verdict import Verdict
    rt.window.show_verdict(Verdict(valid=False, reason=R.UNREADABLE), 0.0)
    shot(rt, "gate-check.png")
    done(rt)
    # kiosk: idle, then a result
    rt = runtime("kiosk")
    shot(rt, "kiosk-idle.png")
    rt.window.show_verdict(svc.scan(cases["expired"]["code"]), 0.0)
    shot(rt, "kiosk-result.png")
    rt.window.set_language("en")
    rt.window.show_verdict(ok, 0.0)
    shot(rt, "kiosk-result-en.png")
    done(rt)
    # counter: a valid resident code with linked certificates, and the day's scans; trust data from
    # an SM2 conformance world, whose trust list names its authorities (山东省公安厅, not SD-RC)
    import tempfile
    from issuer.world import build_world
    with tempfile.TemporaryDirectory() as wd:
        build_world(Path(wd), "screenshots", images=False, alg="sm2")
        wdoc = json.loads((Path(wd) / "cases.json").read_text())
        wcases = {c["name"]: c for c in wdoc["cases"]}
        named = TerminalService.from_files(root_key=Path(wd) / "root.pem", trust_list=Path(wd) / "trust-list.cose",
                                           revocations=Path(wd) / "revocations.cose", clock=lambda: wdoc["now"])
    rt = build(AppOptions(mode="counter", source="camera:0", service=named, fullscreen=False, settings_path=tmp))
    rt.window.resize(*SIZE)
    rt.window.show()
    rt.window.on_frame(img, [[(x * scale, y * scale) for x, y in d.corners] for d in found], 0.0)
    for name in ("enterprise_ok", "expired", "not_a_code_url", "presentation_ok", "sm2_uid_issuer_ok"):
        rt.window.show_verdict(named.scan(wcases[name]["code"]), 0.0)
    rt.window.counter.copy_buttons["id"].copy()            # the copy feedback, as a clerk sees it
    shot(rt, "counter.png")
    # the summary the counter prints or saves (one A4 page), rendered back from its PDF
    from .qt import QPdfDocument, QSize
    pdf = rt.window.counter.save_summary(str(out / ".summary.pdf"))
    if QPdfDocument is not None and pdf:
        page = QPdfDocument()
        page.load(pdf)
        page.render(0, QSize(827, 1169)).save(str(out / "counter-summary.png"))
        page.close()
        print(out / "counter-summary.png")
    Path(pdf).unlink(missing_ok=True)
    dlg = SettingsDialog(rt.settings, rt.window, pin_guard=rt.window.pin_guard)
    dlg.show()
    for _ in range(5):
        app.processEvents()
    dlg.grab().save(str(out / "settings.png"))
    print(out / "settings.png")
    dlg.close()
    done(rt)
    tmp.unlink(missing_ok=True)
    if not a.no_demo:
        # the demo's gate screen while the scan log uploads (child process, same display)
        r = subprocess.run([sys.executable, "-c", "import sys; from terminal.cli import main; sys.exit(main(sys.argv[1:]))", "demo", "--gui", "--exit-after", "17.5",
                            "--screenshot", str(out / "demo.png")], cwd=ROOT, capture_output=True, text=True)
        print(r.stdout.strip())
        if r.returncode != 0:
            print(r.stderr[-2000:], file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
