"""`venue-terminal demo`: the whole system on one machine, in under a minute.

    venue-terminal demo [--gui | --headless] [--keep] [--scanner serial:PORT[@BAUD]] [--exit-after S --screenshot PNG]

1. starts the reference platform (`venue-issuer init/mint/serve` on 127.0.0.1, a random port);
2. mints demo codes: valid resident, senior, disabled, enterprise, dynamic (EP1), expired,
   revoked, forged, and a foreign code (a URL);
3. enrols a terminal in a temporary home (`venue-terminal enroll`: first sync fetches the
   trust list and revocations);
4. renders the codes into a simulated camera video (scanner/synth.py frames, MJPG .avi);
5. plays the video into gate mode, then shows the scan log uploading to the platform.

With a display (DISPLAY / WAYLAND_DISPLAY, or QT_QPA_PLATFORM set) it opens the Qt app in gate
mode; without one it runs headless: the same video through the same decoder, debouncer and
service, printing each verdict with a progress bar (Qt is not imported on that path).
The platform runs through issuer/testing.py, the harness the tests use (imported only by this
development command; the terminal talks to it over HTTP only). Exit: 0 every code got the expected outcome and the log uploaded, 1 otherwise.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from vocab.spec import MODES

from ._common import UsageError, make_parser, run_command
from .words import warning_words, words

FPS = 15
SIZE = (960, 540)


@dataclass(frozen=True)
class DemoCode:
    key: str
    label: str                   # what it is, for the printout
    mint: tuple[str, ...] | None  # venue-issuer mint options; None: `text` is used as is
    expect: str                  # admit | refuse | check
    text: str = ""


DEMO_CODES = (
    DemoCode("resident", "居民码 resident code", ("--type", "resident", "--print"), "admit"),
    DemoCode("dynamic", "动态码 dynamic code (EP1)", ("--type", "resident", "--dynamic"), "admit"),
    DemoCode("senior", "老年人 senior (60+)", ("--type", "resident", "--senior", "--print"), "admit"),
    DemoCode("disabled", "残疾人证 disability cert", ("--type", "resident", "--disabled", "--print"), "admit"),
    DemoCode("enterprise", "企业码 enterprise code", ("--type", "enterprise", "--print"), "admit"),
    DemoCode("expired", "过期 expired code", ("--type", "resident", "--expired"), "refuse"),
    DemoCode("revoked", "吊销 revoked code", ("--type", "resident", "--revoked"), "refuse"),
    DemoCode("forged", "伪造 forged signature", ("--type", "resident", "--forged"), "refuse"),
    DemoCode("foreign", "外来码 a shop's URL", None, "refuse", "HTTPS://EXAMPLE.COM/MENU?TABLE=12"),
)


def register(sub) -> None:
    p = sub.add_parser("demo", help="run the whole system locally: platform, codes, camera video, gate",
                       description="Start the reference platform, enrol a terminal, mint demo codes, play them "
                                   "through a simulated camera into gate mode and upload the scan log.")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--gui", action="store_true", help="open the Qt app even if no display was detected")
    g.add_argument("--headless", action="store_true", help="print verdicts instead of opening the app")
    p.add_argument("--keep", action="store_true", help="keep the temporary platform and terminal home")
    p.add_argument("--dir", metavar="DIR", help="work here instead of a temporary directory (kept)")
    p.add_argument("--mode", choices=MODES, default="gate", help="app mode (GUI only)")
    p.add_argument("--scanner", metavar="SPEC",
                   help="also take scans from a serial handheld scanner: serial:PORT[@BAUD] (headless: for "
                        "3 s more after the video)")
    p.add_argument("--exit-after", type=float, metavar="S",
                   help="GUI: quit after S seconds (default: a few seconds after the video ended and the log uploaded)")
    p.add_argument("--stay", action="store_true", help="GUI: keep the window open until it is closed")
    p.add_argument("--screenshot", metavar="PNG", help="GUI: save the window before quitting (needs --exit-after)")
    p.add_argument("--gates", type=int, choices=(1, 2), default=1,
                   help="2: a local redis-server and two gates of one park sharing it (spec section 7), headless")
    p.set_defaults(func=run)


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM"))


# ---------------------------------------------------------------------------------------------
# the platform: the one harness (issuer/testing.py), as the tests use it

def platform_harness(root: Path):
    """The reference platform in `root` (initialised now, started by .start(): 127.0.0.1, a free
    port; .stop() ends that process by its pid). The demo is a development command: it borrows the
    tests' harness from issuer/ (imported here only; the rest of terminal/ never imports issuer/)."""
    from issuer.testing import prepare_server
    return prepare_server(root, timeout=15.0)


def enrol(home: Path, plat, venue: str = "demo-venue", extra: tuple[str, ...] = ()) -> dict:
    """`venue-terminal enroll --code` in-process (it does the first sync), through the command line's
    own parser and error handling (terminal.commands._common), not terminal.cli: that module
    imports this one."""
    from . import enroll
    parser, sub = make_parser()
    enroll.register(sub)
    # spec v2: a one-time enrolment code from the platform, exchanged for this terminal's own token
    code = plat.platform.add_terminal_code(venue)
    args = parser.parse_args(["--home", str(home), "enroll", "--platform", plat.url, f"--code={code}",
                              "--root-key", str(plat.root_key), "--venue", venue, "--json", *extra])
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = run_command(args)
    out = buf.getvalue().strip()
    if rc != 0:
        raise UsageError(f"enrolment failed (exit {rc}): {out[-300:]}")
    try:
        return json.loads(out.splitlines()[-1])
    except (ValueError, IndexError):
        return {}


def mint_codes(plat, codes=DEMO_CODES) -> list[DemoCode]:
    """The demo codes with their text (minted on `plat` where needed)."""
    return [c if c.mint is None else DemoCode(c.key, c.label, c.mint, c.expect, plat.mint(*c.mint)[0])
            for c in codes]


def setup(work: Path, log=print):
    """Platform up, codes minted, terminal enrolled. Returns (platform harness, home, codes with text)."""
    t0 = time.monotonic()
    plat = platform_harness(work / "platform")
    codes = mint_codes(plat)
    try:
        plat.start()
    except RuntimeError as exc:
        raise UsageError(str(exc)) from None
    log(f"platform  {plat.url}  ({len(codes)} demo codes minted, {time.monotonic() - t0:.1f} s)")
    home = work / "terminal"
    enrol(home, plat)
    log(f"terminal  enrolled in {home} (first sync done)")
    return plat, home, codes


def render_video(codes: list[DemoCode], path: Path, hold_s: float = 1.6, gap_s: float = 1.0,
                 seed: int = 2026) -> tuple[Path, int]:
    """Each code held up to the camera for hold_s, then gap_s of empty scene; MJPG .avi."""
    import numpy as np
    from scanner import synth
    rng = np.random.default_rng(seed)
    frames = [synth.make_frame("empty", rng, size=SIZE).gray] * int(0.5 * FPS)
    for c in codes:
        held = synth.make_frame("clean", rng, size=SIZE, payloads=[c.text]).gray
        frames += [held] * int(hold_s * FPS)
        frames += [synth.make_frame("empty", rng, size=SIZE).gray] * int(gap_s * FPS)
    synth.write_video(path, frames, fps=FPS)
    return path, len(frames)


# ---------------------------------------------------------------------------------------------
# headless

def bar(done: int, total: int, width: int = 24) -> str:
    n = int(width * done / max(1, total))
    return "[" + "#" * n + "-" * (width - n) + f"] {100 * done // max(1, total):3d}%"


def play_headless(video: Path, home: Path, codes: list[DemoCode], total_frames: int, out=sys.stdout,
                  scanner: str | None = None, handheld_wait_s: float = 0.0) -> list:
    """The video through the scan loop (scanner.loop: decoder, debouncer) and the service. Returns
    [(code or None, verdict)] in scan order.

    scanner: a serial handheld scanner (serial:PORT[@BAUD]); its scans take the handheld
    dispatch path (debounce) into a queue that this thread drains between frames, and for
    `handheld_wait_s` after the video (one thread uses the service)."""
    import queue
    from scanner.debounce import Debouncer
    from scanner.decoders import make_decoder
    from scanner.frames import iter_frames, open_source
    from scanner.loop import HandheldFeed, ScanLoop, handheld_dispatch
    from scanner.serial_scanner import open_scanner
    from ..service import TerminalService
    by_text = {c.text: c for c in codes}
    loop = ScanLoop(make_decoder("cascade"), Debouncer(hold_seconds=30.0))
    results = []
    tty = out.isatty()
    handheld: queue.Queue = queue.Queue()
    try:
        serial = open_scanner(scanner)
    except ValueError as exc:
        raise UsageError(f"--scanner: {exc}") from None
    feed = HandheldFeed(serial, handheld_dispatch(handheld.put), name="serial").start() if serial else None

    def verdict(text: str, source: str, done: int) -> None:
        v = svc.scan(text, source=source)
        c = by_text.get(text)
        results.append((c, v))
        line = f"{bar(done, total_frames)}  {verdict_line(c, v)}{'  (' + source + ')' if source != 'camera' else ''}"
        print(("\r" if tty else "") + line, file=out, flush=True)

    def drain(done: int, wait_s: float = 0.0) -> None:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                ev = handheld.get(timeout=max(0.0, deadline - time.monotonic())) if wait_s else handheld.get_nowait()
            except queue.Empty:
                return
            verdict(ev.text, ev.source, done)

    try:
        with TerminalService.from_home(home, mode="gate") as svc:
            src = open_source(f"video:{video}")
            for o in loop.outcomes(iter_frames(src)):
                f = o.frame
                for ev in o.scans:
                    verdict(ev.text, ev.source, f.index + 1)
                drain(f.index + 1)
                if tty and f.index % 5 == 0:
                    print("\r" + bar(f.index + 1, total_frames), end="", file=out, flush=True)
            if feed is not None:
                drain(total_frames, handheld_wait_s)
            if tty:
                print("\r" + bar(total_frames, total_frames), file=out)
            st = svc.status()
            print(f"scan log  {st.events_pending} events waiting for upload", file=out)
    finally:
        if feed is not None:
            feed.stop()
    return results


def upload(home: Path, out=sys.stdout) -> bool:
    from ..sync import Syncer
    with Syncer(home) as s:
        rep = s.run_once()
    print(f"sync      {'ok' if rep.ok else 'FAILED: ' + str(rep.error)}: uploaded {rep.uploaded}, "
          f"pending {rep.pending}", file=out)
    return rep.ok and rep.pending == 0


# ---------------------------------------------------------------------------------------------

def run_gates(work: Path, t0: float) -> int:
    """Two gates of one park (policy park-senior: one free entry a day) sharing a redis-server on
    127.0.0.1: each code is held up to gate 1's camera, then gate 2's (a real QR frame through the
    real decoder). The dynamic code admitted at gate 1 is replayed at gate 2; the printed senior
    card's free entry is used at gate 1, so gate 2 refuses it (entry_limit_reached)."""
    import numpy as np
    from cache.redis_server import RedisServer, RedisServerError
    from scanner import synth
    from scanner.decoders import make_decoder
    from ..service import TerminalService
    password = os.urandom(12).hex()
    try:
        redis = RedisServer.start(work / "redis", password=password)
    except RedisServerError as exc:
        raise UsageError(str(exc)) from None
    plat = None
    gates = []
    try:
        pw = work / "venue-store.password"
        pw.write_text(password + "\n")
        pw.chmod(0o600)
        print(f"venue     redis-server {redis.url} (pid {redis.pid}, password in {pw})")
        plat = platform_harness(work / "platform")
        codes = mint_codes(plat, (
            DemoCode("dynamic", "动态码 senior's phone (EP1)", ("--type", "resident", "--senior", "--dynamic"), "admit"),
            DemoCode("card", "老年人 printed senior card", ("--type", "resident", "--senior", "--print"), "admit")))
        plat.start()
        print(f"platform  {plat.url}")
        secret = work / "park.secret"
        store = ("--venue-store", redis.url, "--venue-store-password-file", str(pw))
        for n in (1, 2):
            home = work / f"gate{n}"
            enrol(home, plat, "demo-park", store + (("--venue-secret", str(secret)) if n == 2 else ()))
            if n == 1:
                from . import venue_secret
                parser, sub = make_parser()
                venue_secret.register(sub)
                with contextlib.redirect_stdout(io.StringIO()):
                    run_command(parser.parse_args(["--home", str(home), "venue-secret", "export", str(secret)]))
            gates.append(TerminalService.from_home(home, policy="park-senior"))
            print(f"gate {n}    enrolled in {home} (venue demo-park" + (", secret from gate 1)" if n == 2 else ")"))
        decoder = make_decoder("cascade")
        rng = np.random.default_rng(2026)
        expect = {("dynamic", 1): "ok", ("dynamic", 2): "replayed", ("card", 1): "ok", ("card", 2): "entry_limit_reached"}
        good = True
        for c in codes:
            frame = synth.make_frame("clean", rng, size=SIZE, payloads=[c.text]).gray
            texts = [d.text for d in decoder.decode(frame)]
            for n, svc in enumerate(gates, 1):
                v = svc.scan(texts[0], source="camera") if texts else None
                if v is None:
                    print(f"gate {n}    {c.label}: not decoded  <-- UNEXPECTED")
                    good = False
                    continue
                ok = v.reason == expect[(c.key, n)]
                good &= ok
                zh, en = words(v.reason)
                when = ""
                if v.next_entry:
                    from datetime import datetime
                    from ..config import venue_zone
                    zone = svc.policy.timezone
                    when = f" (next entry {datetime.fromtimestamp(v.next_entry, venue_zone(zone)):%m-%d %H:%M} {zone})"
                print(f"gate {n}    {c.label:<30} {v.outcome.value.upper():<6} {zh} / {en}{when}  "
                      f"[{v.reason}]{'' if ok else '  <-- UNEXPECTED'}")
        for n, svc in enumerate(gates, 1):
            st = svc.status()
            print(f"gate {n}    venue store {st.venue_store_state}, {st.events_pending} events to upload")
        print(f"demo      {'OK' if good else 'PROBLEMS'}: two gates, one venue store, in {time.monotonic() - t0:.1f} s")
        return 0 if good else 1
    finally:
        for svc in gates:
            svc.close()
        if plat is not None:
            plat.stop()
        redis.stop()


def run(args) -> int:
    if args.gates == 2 and (args.gui or args.scanner or args.screenshot):
        raise UsageError("--gates 2 runs headless (no --gui, --scanner or --screenshot)")
    if args.screenshot and args.exit_after is None:
        raise UsageError("--screenshot needs --exit-after SECONDS")
    gui = args.gui or (not args.headless and has_display())
    keep = args.keep or bool(args.dir)
    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="venue-demo-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    print(f"venue-terminal demo ({'Qt app' if gui else 'headless: no display'}), working in {work}")
    plat = None
    if args.gates == 2:
        try:
            return run_gates(work, t0)
        finally:
            if not keep:
                shutil.rmtree(work, ignore_errors=True)
    try:
        plat, home, codes = setup(work)
        video, n = render_video(codes, work / "camera.avi")
        print(f"camera    {video} ({n} frames, {SIZE[0]}x{SIZE[1]}, {FPS} fps: {n / FPS:.0f} s of video)")
        if gui:
            rc = run_gui(args, home, video, codes)
            from ..service import TerminalService
            with TerminalService.from_home(home) as svc:
                st = svc.status()
            print(f"scan log  {st.events_uploaded} events uploaded, {st.events_pending} waiting; "
                  f"platform holds {len(plat.events())}")
            return rc
        results = play_headless(video, home, codes, n, scanner=args.scanner,
                                handheld_wait_s=3.0 if args.scanner else 0.0)
        got = {c.key: v.outcome.value for c, v in results if c is not None}
        missing = [c.key for c in codes if c.key not in got]
        wrong = [c.key for c in codes if c.key in got and got[c.key] != c.expect]
        ok_upload = upload(home)
        held = len(plat.events())
        print(f"platform  now holds {held} scan events from this terminal")
        good = not missing and not wrong and ok_upload
        print(f"demo      {'OK' if good else 'PROBLEMS'}: {len(got)}/{len(codes)} codes scanned"
              f"{', missing ' + ', '.join(missing) if missing else ''}"
              f"{', unexpected outcome for ' + ', '.join(wrong) if wrong else ''}"
              f" in {time.monotonic() - t0:.1f} s")
        if not gui:
            print("          (with a display, `venue-terminal demo` opens the gate screen; "
                  "try: xvfb-run -a venue-terminal demo --gui)")
        return 0 if good else 1
    finally:
        if plat is not None:
            plat.stop()
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept      {work}")


def verdict_line(c: DemoCode | None, v) -> str:
    marks = {"admit": "✓ ADMIT ", "refuse": "✗ REFUSE", "check": "! CHECK "}
    zh, en = words(v.reason)
    warn = "".join(f" ({warning_words(w)[1]})" for w in v.warnings)
    ok = c is not None and v.outcome.value == c.expect
    return (f"{marks[v.outcome.value]}  {(c.label if c else 'unexpected code'):<28} {zh} / {en}{warn}  "
            f"[{v.reason}]{'' if ok else '  <-- UNEXPECTED'}")


def run_gui(args, home: Path, video: Path, codes: list[DemoCode] = ()) -> int:
    try:
        from ui.app import AppOptions, main
    except ImportError as exc:
        raise UsageError(f"the GUI needs PySide6 ({exc}); run with --headless") from None
    by_text = {c.text: c for c in codes}
    opts = AppOptions(mode=args.mode, source=f"video:{video}", scanner=getattr(args, "scanner", None), home=home, fullscreen=False,
                      sync_interval_s=3.0, exit_after=args.exit_after, screenshot=args.screenshot,
                      settings_path=home / "ui-settings.json",
                      quit_when_done=None if (args.stay or args.exit_after) else 4.0,
                      on_verdict=lambda v, text: print("          " + verdict_line(by_text.get(text), v), flush=True))
    return main(opts)
