"""Scanner benchmark: decode rate and time per frame, per category, per decoder, two sizes.

    .venv/bin/python -m bench.bench_scanner            # default run (~15-25 minutes here)
    .venv/bin/python -m bench.bench_scanner --quick    # a few frames per category (~3 minutes)
    .venv/bin/python -m bench.bench_scanner --explore  # how the cascade's steps were chosen
    .venv/bin/python -m bench.bench_scanner --sizes '' --no-photo   # the sequence tables only

Frames come from scanner.synth (seeded: the same frames on every run). For each size
(640x480, 1280x720) and each decoder alone (zxing, zbar, opencv) and the cascade, it prints
per category: codes read / shown, and p50/p95 milliseconds per frame. At 1280x720 the table
also has the six physically modelled photo categories (issue 15: bright_spots, damaged,
veiling_glare, curved, steep_perspective, hand_motion), decoded as camera frames (grey, with
the per-frame budget). Then the totals, false reads (a text that is not in the frame, or any
code on an empty frame), frames per second, the empty-frame cost, and the goals of issues 3
and 15 with PASS/FAIL.

The *stills* table decodes the photo categories as photos (`venue-terminal decode` / `verify
IMAGE`): colour frames at 2592x1944 (5 MP), zxing and ZBar on the grey image, the cascade's
`decode_still` (no budget, pyramid, least saturated channel) on the colour one.

The *sequence* tables (issue 15, camera side) play short presentations (synth.generate_sequence:
moving glare, a bright screen, and two negatives) to zxing alone, the cascade frame by frame, the
cascade with multi-frame fusion, and the live loop with exposure control on a simulated camera:
once at synth's default severities (0.45-0.9, where the cascade alone reads nearly all) and once
at `--hard-severity` (0.7-1.0 by default), where fusion and exposure control have work to do.

The process is pinned to one CPU and OpenCV to one thread, so the numbers are one core's.
Times are the decoding thread's CPU time (time.thread_time): on a machine shared with other
work, wall time per frame grows with their load while CPU time stays the decoder's own cost.
The table's last row gives wall-clock p50/p95 for comparison.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict

import cv2
import numpy as np

from bench import _common
from scanner import decoders as D
from scanner import synth

SIZES = ((640, 480), (1280, 720))
PHOTO_SIZE = (1280, 720)      # the live-path size the photo categories are measured at
STILL_SIZE = (2592, 1944)
CASCADE_ARGS: dict = {}
DECODERS = ("zxing", "zbar", "opencv", "cascade")


def pin_one_core() -> str:
    cv2.setNumThreads(1)
    return f"{_common.pin_one_core()}, OpenCV threads 1"


def pct(values, q):
    return float(np.percentile(values, q)) if values else 0.0


def run_decoders(frames_by_cat, names):
    """{decoder: {category: dict(read, codes, false, ms=[...])}}"""
    out = {}
    for name in names:
        try:
            dec = D.CascadeDecoder(**CASCADE_ARGS) if name == "cascade" else D.make_decoder(name)
        except D.DecoderUnavailable as exc:
            print(f"  {name}: unavailable: {exc}")
            continue
        per = {}
        for cat, frames in frames_by_cat.items():
            read = false = codes = 0
            ms = []
            wall = []
            for f in frames:
                w0, t0 = time.perf_counter(), time.thread_time()
                got = dec.decode(f.gray)
                ms.append((time.thread_time() - t0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
                texts = {d.text for d in got}
                expected = set(f.texts)
                read += len(texts & expected)
                false += len(texts - expected)
                codes += len(expected)
            per[cat] = {"read": read, "codes": codes, "false": false, "ms": ms, "wall": wall}
        out[name] = per
    return out


def print_table(size, results):
    names = list(results)
    w, h = size
    print(f"\n### {w}x{h}: codes read / shown, and CPU ms per frame p50/p95\n")
    head = "| category | " + " | ".join(names) + " |"
    print(head)
    print("|" + "---|" * (len(names) + 1))
    cats = list(next(iter(results.values())))
    for cat in cats:
        if cat == synth.PHOTO_CATEGORIES[0]:
            print("| *photo categories (issue 15)* |" + " |" * len(names))
        cells = []
        for n in names:
            r = results[n][cat]
            rate = f"{r['read']}/{r['codes']}" if r["codes"] else "-"
            fl = f" **{r['false']} false**" if r["false"] else ""
            cells.append(f"{rate}{fl} {pct(r['ms'], 50):.1f}/{pct(r['ms'], 95):.1f}")
        print(f"| {cat} | " + " | ".join(cells) + " |")
    cells = []
    summary = {}
    for n in names:
        read = sum(r["read"] for r in results[n].values())
        codes = sum(r["codes"] for r in results[n].values())
        false = sum(r["false"] for r in results[n].values())
        ms = [m for r in results[n].values() for m in r["ms"]]
        fps = 1000.0 / float(np.mean(ms)) if ms else 0.0
        summary[n] = dict(read=read, codes=codes, false=false, p50=pct(ms, 50), p95=pct(ms, 95), fps=fps)
        cells.append(f"**{read}/{codes} ({100 * read / max(codes, 1):.1f} %)** {pct(ms, 50):.1f}/{pct(ms, 95):.1f}")
    print("| **all** | " + " | ".join(cells) + " |")
    print("| false reads | " + " | ".join(str(summary[n]["false"]) for n in names) + " |")
    print("| frames/s (1000 / mean CPU ms) | " + " | ".join(f"{summary[n]['fps']:.0f}" for n in names) + " |")
    walls = {n: [m for r in results[n].values() for m in r["wall"]] for n in names}
    print("| wall ms p50/p95 (load-dependent) | " + " | ".join(
        f"{pct(walls[n], 50):.1f}/{pct(walls[n], 95):.1f}" for n in names) + " |")
    if "empty" in cats:
        print("| empty-frame CPU ms p50/p95/max | " + " | ".join(
            f"{pct(results[n]['empty']['ms'], 50):.1f}/{pct(results[n]['empty']['ms'], 95):.1f}/"
            f"{max(results[n]['empty']['ms']):.1f}" for n in names) + " |")
    return summary


def check_goals(by_size, stills=None):
    print("\n### Goals (issues 3 and 15)\n")
    ok_all = True

    def line(ok, text):
        nonlocal ok_all
        ok_all &= ok
        print(f"- {'PASS' if ok else 'FAIL'}: {text}")

    for (w, h), results in by_size.items():
        if "cascade" not in results or "zxing" not in results:
            continue
        c, z = results["cascade"], results["zxing"]
        cr = sum(r["read"] for r in c.values())
        zr = sum(r["read"] for r in z.values())
        line(cr > zr, f"{w}x{h}: cascade reads more than zxing alone overall ({cr} vs {zr})")
        worse = [cat for cat in c if c[cat]["read"] < z[cat]["read"]]
        line(not worse, f"{w}x{h}: cascade reads no fewer in any category" + (f" (fewer: {worse})" if worse else ""))
        false = sum(r["false"] for r in c.values())
        line(false == 0, f"{w}x{h}: cascade false reads: {false}")
        if (w, h) == (1280, 720):
            ms = [m for r in c.values() for m in r["ms"]]
            fps = 1000.0 / float(np.mean(ms))
            line(fps >= 30, f"1280x720: cascade sustains {fps:.0f} frames/s on one core (goal >= 30)")
            line(pct(ms, 95) < 33, f"1280x720: cascade p95 {pct(ms, 95):.1f} ms per frame (goal < 33, i.e. >= 30 frames/s)")
    if stills:
        c, z = stills.get("cascade"), stills.get("zxing")
        if c and z:
            worse = [cat for cat in c if c[cat]["read"] < z[cat]["read"]]
            line(not worse, "stills: cascade reads no fewer than zxing in any category"
                 + (f" (fewer: {worse})" if worse else ""))
            false = sum(r["false"] for r in c.values())
            line(false == 0, f"stills: cascade false reads: {false}")
    return ok_all


def run_stills(count, seed):
    """The photo categories as still images: zxing / zbar on grey, cascade.decode_still on colour."""
    frames = synth.generate_all(count, seed=seed, size=STILL_SIZE, categories=synth.PHOTO_CATEGORIES)
    out = {}
    casc = D.CascadeDecoder(**CASCADE_ARGS)
    for name in ("zxing", "zbar", "cascade"):
        try:
            dec = casc if name == "cascade" else D.make_decoder(name)
        except D.DecoderUnavailable as exc:
            print(f"  {name}: unavailable: {exc}")
            continue
        per = {}
        for cat, fr in frames.items():
            read = false = codes = 0
            ms, wall = [], []
            for f in fr:
                w0, t0 = time.perf_counter(), time.thread_time()
                got = dec.decode_still(f.bgr) if name == "cascade" else dec.decode(f.gray)
                ms.append((time.thread_time() - t0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
                texts = {d.text for d in got}
                read += len(texts & set(f.texts))
                false += len(texts - set(f.texts))
                codes += len(f.texts)
            per[cat] = {"read": read, "codes": codes, "false": false, "ms": ms, "wall": wall}
        out[name] = per
    # what a photo without any code costs at 12 MP (the still path's worst case)
    empty = cv2.resize(synth.generate("empty", 1, seed=seed, size=(1280, 720))[0].gray, (4000, 3000))
    t0 = time.thread_time()
    casc.decode_still(empty)
    empty_ms = (time.thread_time() - t0) * 1000
    return out, empty_ms


def print_stills(results, empty_ms):
    names = list(results)
    w, h = STILL_SIZE
    print(f"\n### stills {w}x{h} (photos: `decode`, `verify IMAGE`): codes read / shown, CPU ms p50/p95\n")
    print("| category | " + " | ".join(names) + " |")
    print("|" + "---|" * (len(names) + 1))
    for cat in synth.PHOTO_CATEGORIES:
        cells = []
        for n in names:
            r = results[n][cat]
            fl = f" **{r['false']} false**" if r["false"] else ""
            cells.append(f"{r['read']}/{r['codes']}{fl} {pct(r['ms'], 50):.0f}/{pct(r['ms'], 95):.0f}")
        print(f"| {cat} | " + " | ".join(cells) + " |")
    cells = []
    for n in names:
        read = sum(r["read"] for r in results[n].values())
        codes = sum(r["codes"] for r in results[n].values())
        cells.append(f"**{read}/{codes} ({100 * read / max(codes, 1):.1f} %)**")
    print("| **all** | " + " | ".join(cells) + " |")
    print(f"\n12 MP photo without a code (4000x3000), cascade decode_still: {empty_ms:.0f} ms CPU")


# ------------------------------------------------------------------------------------------------
# sequences (issue 15, camera side): multi-frame fusion and exposure control

SEQ_SIZE = (1280, 720)


def _first(reads):
    return next((i for i, r in enumerate(reads) if r), None)


def run_sequences(count, length, seed, severity=None):
    """Per sequence category: sequences read (any frame) and frames to the first read, for
    zxing alone, the cascade frame by frame, the cascade with fusion (the live loop), and, on a
    simulated camera, the live loop with exposure control; CPU ms per frame of the live loop.
    `severity` (lo, hi): the sequences' severities, spread evenly (None: synth's own draw)."""
    import itertools

    from scanner.exposure import ExposureController
    from scanner.frames import CameraSource, iter_frames
    from scanner.loop import ScanLoop
    from scanner.multiframe import FrameFusion

    import logging
    logging.getLogger("scanner.frames").setLevel(logging.ERROR)   # each simulated camera ends as an unplug
    zx = D.ZxingDecoder()
    casc = D.CascadeDecoder(**CASCADE_ARGS)
    out, live_ms = {}, []
    for cat in synth.ALL_SEQUENCES:
        r = {k: {"read": 0, "first": [], "false": 0} for k in ("zxing", "cascade", "fusion", "exposure")}
        r["ms"] = []
        r["n"] = 0
        for seq in synth.generate_sequences(cat, count, length, seed=seed, size=SEQ_SIZE, severity=severity):
            r["n"] += 1
            truth = set(seq.texts)
            frames = seq.frames()
            for name, dec in (("zxing", zx), ("cascade", casc)):
                texts = [{d.text for d in dec.decode(f.gray)} for f in frames]
                reads = [bool(t & truth) for t in texts]
                r[name]["false"] += sum(len(t - truth) for t in texts)
                r[name]["read"] += any(reads)
                if any(reads):
                    r[name]["first"].append(_first(reads))
            fusion = FrameFusion()
            reads = []
            for i, f in enumerate(frames):
                t0 = time.thread_time()
                got = casc.decode(f.gray)
                got = fusion.add(f.gray, casc.located, i / 30) if not got else (fusion.reset() or got)
                ms = (time.thread_time() - t0) * 1000
                r["ms"].append(ms)
                live_ms.append(ms)
                texts = {d.text for d in got}
                r["fusion"]["false"] += len(texts - truth)
                reads.append(bool(texts & truth))
            r["fusion"]["read"] += any(reads)
            if any(reads):
                r["fusion"]["first"].append(_first(reads))
            # the same presentation on a simulated camera, exposure controlled by the live loop
            t = itertools.count()
            src = CameraSource(0, capture_factory=lambda spec, s=seq: synth.SimulatedCamera(s, loop=False),
                               clock=lambda: next(t) / 30, max_reconnects=0, max_failures=1)
            loop = ScanLoop(casc, None, exposure=ExposureController(src))
            reads = []
            for o in loop.outcomes(iter_frames(src)):
                texts = {d.text for d in o.found}
                r["exposure"]["false"] += len(texts - truth)
                reads.append(bool(texts & truth))
            r["exposure"]["read"] += any(reads)
            if any(reads):
                r["exposure"]["first"].append(_first(reads))
        out[cat] = r
    return out, live_ms


def _severity_label(severity):
    return "default severities (0.45-0.9)" if severity is None else f"severity {severity[0]:g}-{severity[1]:g}"


def print_sequences(results, live_ms, length, severity=None):
    w, h = SEQ_SIZE
    print(f"\n### sequences {w}x{h}, {length} frames each, {_severity_label(severity)} (issue 15, camera side): "
          f"sequences read / shown, frames to the first read (mean), false reads\n")
    cols = (("zxing", "zxing-cpp alone"), ("cascade", "cascade, single frame"), ("fusion", "cascade + fusion (live)"),
            ("exposure", "live + exposure control (simulated camera)"))
    print("| sequence | " + " | ".join(c[1] for c in cols) + " | live CPU ms p50/p95 |")
    print("|" + "---|" * (len(cols) + 2))
    for cat, r in results.items():
        cells = []
        for k, _ in cols:
            c = r[k]
            first = f", {np.mean(c['first']):.1f}" if c["first"] else ""
            fl = f" **{c['false']} false**" if c["false"] else ""
            shown = f"{c['read']}/{r['n']}" if cat in synth.SEQUENCE_CATEGORIES else f"{c['read']} read"
            cells.append(f"{shown}{first}{fl}")
        print(f"| {cat} | " + " | ".join(cells) + f" | {pct(r['ms'], 50):.1f}/{pct(r['ms'], 95):.1f} |")
    fps = 1000.0 / max(pct(live_ms, 95), 1e-6)
    print(f"\nlive path (cascade + fusion) at {w}x{h}: p50 {pct(live_ms, 50):.1f} ms, p95 {pct(live_ms, 95):.1f} ms, "
          f"max {max(live_ms):.1f} ms CPU per frame, i.e. {fps:.0f} frames/s at p95")


def check_sequences(results, live_ms, severity=None):
    ok = True
    false = sum(r[k]["false"] for r in results.values() for k in ("zxing", "cascade", "fusion", "exposure"))
    tag = f"sequences ({_severity_label(severity)})"
    for text, good in ((f"{tag}: false reads {false}", false == 0),
                       (f"{tag}: live path p95 {pct(live_ms, 95):.1f} ms per frame at 1280x720 (goal < 33.3)",
                        pct(live_ms, 95) < 33.3),
                       (f"{tag}: fusion reads no fewer than the cascade alone in any category",
                        all(r["fusion"]["read"] >= r["cascade"]["read"] for r in results.values())),
                       (f"{tag}: exposure control reads no fewer bright screens than the cascade alone",
                        results["bright_screen"]["exposure"]["read"] >= results["bright_screen"]["cascade"]["read"])):
        ok &= good
        print(f"- {'PASS' if good else 'FAIL'}: {text}")
    return ok


# ------------------------------------------------------------------------------------------------
# --explore: what each candidate rescue step buys, and at what cost

CROP_CANDIDATES = ("zxing", "zxing-global", "zxing-sharp", "zxing-sharp2", "zxing-up", "zxing-up-sharp", "zxing-eq",
                   "zbar", "zbar-up", "zbar-sharp", "zbar-eq", "opencv", "opencv-up",
                   "zxing-bin", "zxing-up-bin", "zxing-eq-bin", "zxing-sharp-bin", "zxing-half-bin")
FRAME_CANDIDATES = ("zxing-global", "zxing-sharp", "zxing-sharp2", "zxing-eq", "zxing-half", "zxing-eq-sharp",
                    "zxing-half-sharp", "zxing-half-eq",
                    "zbar-half", "zbar-half-sharp", "zbar", "opencv-half", "opencv",
                    "zxing-bin", "zxing-half-bin", "zxing-eq-bin", "zxing-sharp-bin", "zxing-half-sharp-bin")


def explore(frames_by_cat, size):
    casc = D.CascadeDecoder(crop_steps=(), frame_steps=())
    casc._zbar = D.ZbarDecoder()
    casc._cv = D.OpenCvDecoder()
    zx = D.ZxingDecoder()
    crop_hits = defaultdict(set)      # step -> {(frame id, symbol id)} rescued
    crop_false = defaultdict(int)
    crop_ms = defaultdict(list)
    frame_hits = defaultdict(set)     # step -> {frame id} with a rescued code
    frame_false = defaultdict(int)
    frame_ms = defaultdict(list)
    n_failed = n_noread = 0
    fid = 0
    for cat, frames in frames_by_cat.items():
        for f in frames:
            fid += 1
            expected = set(f.texts)
            ref = max(1.0, f.gray.shape[0] / 480.0)
            bars = zx.read(f.gray, return_errors=True)
            valid = {b.text for b in bars if zx.accepted(b)}
            for si, b in enumerate(b for b in bars if not zx.accepted(b)):
                n_failed += 1
                x0, y0, x1, y1 = D._crop_box(zx.corners_of(b), f.gray.shape, 0.15)
                crop = f.gray[y0:y1, x0:x1]
                for step in CROP_CANDIDATES:
                    t0 = time.thread_time()
                    got = {d.text for d in casc.run_step(step, crop, ref_scale=ref)} - valid
                    crop_ms[step].append((time.thread_time() - t0) * 1000)
                    if got & expected:
                        crop_hits[step].add((fid, si))
                    crop_false[step] += len(got - expected)
            if not valid:
                n_noread += 1
                for step in FRAME_CANDIDATES:
                    t0 = time.thread_time()
                    got = {d.text for d in casc.run_step(step, f.gray, ref_scale=ref)}
                    frame_ms[step].append((time.thread_time() - t0) * 1000)
                    if got & expected:
                        frame_hits[step].add(fid)
                    frame_false[step] += len(got - expected)
    w, h = size
    print(f"\n### {w}x{h}: crop steps on {n_failed} symbols zxing located but could not read\n")
    _explore_table(CROP_CANDIDATES, crop_hits, crop_false, crop_ms)
    print(f"\n### {w}x{h}: frame steps on {n_noread} frames where zxing read nothing (incl. empty frames)\n")
    _explore_table(FRAME_CANDIDATES, frame_hits, frame_false, frame_ms)


def _explore_table(cands, hits, false, ms):
    print("| step | rescues alone | false | mean ms | p95 ms | greedy order: +new |")
    print("|---|---|---|---|---|---|")
    covered: set = set()
    order = []
    remaining = [c for c in cands if not false[c]]
    while remaining:
        best = max(remaining, key=lambda c: (len(hits[c] - covered) / max(np.mean(ms[c]) if ms[c] else 1e-3, 0.05)))
        gain = len(hits[best] - covered)
        if gain == 0:
            break
        order.append((best, gain))
        covered |= hits[best]
        remaining.remove(best)
    rank = {c: f"{i + 1}: +{g}" for i, (c, g) in enumerate(order)}
    for c in cands:
        print(f"| {c} | {len(hits[c])} | {false[c]} | {np.mean(ms[c]) if ms[c] else 0:.2f} | "
              f"{pct(ms[c], 95):.2f} | {rank.get(c, '')} |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="6 frames per category (a smoke run)")
    ap.add_argument("--count", type=int, default=None, help="frames per category (default 24)")
    ap.add_argument("--still-count", type=int, default=None, help="still photos per photo category (default 8)")
    ap.add_argument("--no-photo", action="store_true", help="leave out the photo categories and the stills")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--sequences", type=int, default=None,
                    help="sequences per sequence category (default 6; 0 = none)")
    ap.add_argument("--sequence-length", type=int, default=8, help="frames per sequence (default 8)")
    ap.add_argument("--hard-severity", default="0.7,1.0",
                    help="a second sequence table at these severities, LO,HI spread evenly (default 0.7,1.0; "
                         "'' = none): at the default severities the cascade alone reads nearly every sequence")
    ap.add_argument("--sizes", default="640x480,1280x720")
    ap.add_argument("--decoders", default=",".join(DECODERS))
    ap.add_argument("--explore", action="store_true", help="measure each candidate cascade step instead")
    ap.add_argument("--crop-steps", default=None, help="cascade crop steps, comma-separated (default: the built-in)")
    ap.add_argument("--budget", type=float, default=None,
                    help="cascade budget in CPU ms per frame (default: the built-in; 0 = none)")
    ap.add_argument("--frame-steps", default=None, help="cascade frame steps, comma-separated (default: the built-in)")
    args = ap.parse_args(argv)
    count = args.count or (6 if args.quick else 24)
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",") if s]
    names = [n for n in args.decoders.split(",") if n]
    print(f"# Scanner bench: {count} frames per category x {len(synth.CATEGORIES)} categories "
          f"(+ {len(synth.PHOTO_CATEGORIES)} photo categories at {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]}), seed {args.seed}; "
          f"{pin_one_core()}")
    global CASCADE_ARGS
    CASCADE_ARGS = {k: tuple(x for x in v.split(",") if x) for k, v in
                    (("crop_steps", args.crop_steps), ("frame_steps", args.frame_steps)) if v is not None}
    if args.budget is not None:
        CASCADE_ARGS["budget_ms"] = args.budget or None
    casc = D.CascadeDecoder(**CASCADE_ARGS)
    print(f"cascade crop steps: {', '.join(casc.crop_steps)}; frame steps: {', '.join(casc.frame_steps)}"
          + (f"; missing: {casc.missing}" if casc.missing else ""))
    t_start = time.perf_counter()
    by_size = {}
    for size in sizes:
        t0 = time.perf_counter()
        frames = synth.generate_all(count, seed=args.seed, size=size)
        if size == PHOTO_SIZE and not args.no_photo:
            frames.update(synth.generate_all(count, seed=args.seed, size=size, categories=synth.PHOTO_CATEGORIES))
        gen_s = time.perf_counter() - t0
        print(f"\n(generated {sum(len(v) for v in frames.values())} frames at {size[0]}x{size[1]} in {gen_s:.1f} s)")
        if args.explore:
            explore(frames, size)
            continue
        results = run_decoders(frames, names)
        print_table(size, results)
        by_size[size] = results
    ok = True
    stills = None
    if not args.explore and not args.no_photo:
        t0 = time.perf_counter()
        stills, empty_ms = run_stills(args.still_count or (2 if args.quick else 8), args.seed)
        print_stills(stills, empty_ms)
        print(f"\n(stills generated and decoded in {time.perf_counter() - t0:.0f} s)")
    seq_runs = []
    n_seq = args.sequences if args.sequences is not None else (2 if args.quick else 6)
    severities = [None] + ([tuple(float(v) for v in args.hard_severity.split(","))] if args.hard_severity else [])
    if not args.explore and n_seq:
        for sev in severities:
            t0 = time.perf_counter()
            seq_results, live_ms = run_sequences(n_seq, args.sequence_length, args.seed, severity=sev)
            print_sequences(seq_results, live_ms, args.sequence_length, sev)
            print(f"\n(sequences generated and decoded in {time.perf_counter() - t0:.0f} s)")
            seq_runs.append((seq_results, live_ms, sev))
    if not args.explore:
        ok = check_goals(by_size, stills)
        for seq_results, live_ms, sev in seq_runs:
            ok &= check_sequences(seq_results, live_ms, sev)
    print(f"\n(total {time.perf_counter() - t_start:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
