"""UI benchmark: gate mode fed by a simulated camera video (offscreen Qt, real decoders, real service).

    .venv/bin/python -m bench.bench_ui              # ~1 min: 2 rounds over the conformance codes
    .venv/bin/python -m bench.bench_ui --rounds 1   # quicker

Printed:
- latency from frame-in (the capture worker receives the newest frame from LatestFrameReader)
  to verdict-on-screen (the first paint of the verdict panel): p50 / p95 / max, per scan.
  It covers decoding, the queued hop to the verify thread, verification + scan log, the
  queued hop to the GUI thread and the paint. Goal p95 < 100 ms.
- cold start: from launching the process (python -m ...) to the first camera picture painted.
  Goal < 3 s.
- peak RSS of the app process (VmHWM). Goal < 300 MB.
- frames read / decoded / dropped (dropped: frames the reader replaced while the worker was busy).

The app runs in a child process so cold start and RSS are the app's own. The video is the
conformance vectors' codes (shared/spec/vectors) rendered by scanner/synth.py, 1280x720 at
30 fps, each code held 0.2 s then 0.53 s of empty scene; the clock is pinned to the vectors' `now`.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._common import peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent
FPS = 30
GOALS = {"p95_ms": 100.0, "cold_s": 3.0, "rss_mb": 300.0}


def vectors() -> Path:
    for p in (ROOT.parent / "shared" / "spec" / "vectors", Path("/work/shared/spec/vectors")):
        if (p / "cases.json").exists():
            return p
    raise SystemExit("conformance vectors not found")


def make_video(path: Path, rounds: int, size=(1280, 720)) -> int:
    import numpy as np
    from scanner import synth
    doc = json.loads((vectors() / "cases.json").read_text())
    texts = [c["code"] for c in doc["cases"] if c.get("image")]
    rng = np.random.default_rng(11)
    empty = [synth.make_frame("empty", rng, size=size).gray for _ in range(4)]
    frames = empty * 5
    n = 0
    for r in range(rounds):
        for t in texts:
            held = synth.make_frame("clean", rng, size=size, payloads=[t]).gray
            frames += [held] * 6 + [empty[(n + i) % 4] for i in range(16)]
            n += 1
    frames += empty * 3
    synth.write_video(path, frames, fps=FPS)
    return n


def child(args) -> int:
    """The app process: gate mode on the video; writes results as JSON."""
    t0 = float(os.environ["BENCH_T0"])
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from terminal.service import TerminalService
    from ui.app import AppOptions, build
    from ui.qt import QApplication, QTimer
    vec = vectors()
    now = json.loads((vec / "cases.json").read_text())["now"]
    app = QApplication(sys.argv[:1])
    svc = TerminalService.from_files(root_key=vec / "root.pem", trust_list=vec / "trust-list.cose",
                                     revocations=vec / "revocations.cose", clock=lambda: now)
    rt = build(AppOptions(mode="gate", source=f"video:{args.video}", service=svc, fullscreen=False,
                          settings_path=Path(args.out).with_suffix(".settings.json"), sync=False), app)
    rt.window.resize(1280, 800)
    rt.window.show()
    rt.start()
    lat: list[float] = []
    reasons: dict[str, int] = {}
    cold: list[float] = []

    def shown(v, t_in, t_paint):
        lat.append((t_paint - t_in) * 1000)
        reasons[v.reason] = reasons.get(v.reason, 0) + 1
    rt.window.verdict_shown.connect(shown)

    def poll():
        if not cold and rt.window.gate.preview.first_paint_at is not None:
            cold.append(time.time() - t0 - (time.perf_counter() - rt.window.gate.preview.first_paint_at))
        if rt.window.camera_state in ("ended", "failed") or rt.window.camera_state.startswith("error"):
            timer.stop()
            rd = rt.capture.reader if rt.capture else None
            res = {"latencies_ms": lat, "reasons": reasons, "cold_s": cold[0] if cold else None,
                   "rss_mb": peak_rss_mb(),
                   "frames_read": rd.frames if rd else None, "frames_dropped": rd.dropped if rd else None,
                   "frames_decoded": rt.capture.frames_decoded if rt.capture else None,
                   "camera_state": rt.window.camera_state}
            Path(args.out).write_text(json.dumps(res))
            rt.window.shutdown()
            app.quit()
    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(5)
    app.exec()
    rt.stop()
    return 0


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="UI latency, cold start and memory")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--video", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        return child(a)
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as d:
        video = Path(d) / "gate.avi"
        n = make_video(video, a.rounds)
        out = Path(d) / "result.json"
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", BENCH_T0=repr(time.time()))
        r = subprocess.run([sys.executable, "-m", "bench.bench_ui", "--child", "--video", str(video), "--out", str(out)],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        if r.returncode != 0 or not out.exists():
            print(r.stderr[-3000:], file=sys.stderr)
            return 1
        res = json.loads(out.read_text())
    lat = res["latencies_ms"]
    print(f"bench_ui: gate mode, simulated camera 1280x720 @ {FPS} fps, {n} codes shown "
          f"({a.rounds} round(s) over the conformance vectors)")
    print()
    print(f"| measure | value | goal |")
    print(f"|---|---|---|")
    if lat:
        print(f"| frame-in -> verdict on screen, p50 | {statistics.median(lat):.1f} ms | |")
        print(f"| frame-in -> verdict on screen, p95 | {pct(lat, 0.95):.1f} ms | < {GOALS['p95_ms']:.0f} ms |")
        print(f"| frame-in -> verdict on screen, max | {max(lat):.1f} ms | |")
    print(f"| verdicts shown | {len(lat)} of {n} codes | all |")
    cold = res["cold_s"]
    print(f"| cold start to first live frame | {cold:.2f} s | < {GOALS['cold_s']:.0f} s |" if cold is not None
          else "| cold start | (no frame painted) | |")
    print(f"| peak RSS | {res['rss_mb']:.0f} MB | < {GOALS['rss_mb']:.0f} MB |")
    print(f"| frames read / decoded / dropped | {res['frames_read']} / {res['frames_decoded']} / "
          f"{res['frames_dropped']} | |")
    print()
    print("reasons:", ", ".join(f"{k} {v}" for k, v in sorted(res["reasons"].items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
