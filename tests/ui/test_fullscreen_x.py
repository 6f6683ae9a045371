"""Issue 11 defect 4: full screen fills the screen with and without a window manager, follows the
screen's size, and the kiosk (and a full-screen gate) comes back when minimised, shrunk, moved or
unmapped from outside, but leaves the admin's dialog alone.

The real app as the unit runs it (`python -m terminal.cli --home DIR gui`, an unenrolled home:
the embedded defaults), on the xcb platform of an Xvfb server per screen size (bare, and with
matchbox-window-manager), measured and pushed around from outside with xdotool and xwininfo."""
from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SIZES = [(800, 480), (1024, 600), (1920, 1080), (1080, 1920)]

pytestmark = pytest.mark.skipif(not (shutil.which("Xvfb") and shutil.which("xdotool") and shutil.which("xwininfo") and shutil.which("xprop")),
                                reason="needs Xvfb, xdotool, xwininfo and xprop (scripts/bootstrap.sh installs them)")


def _start_server(cmd: list[str], env: dict | None = None) -> tuple[int, subprocess.Popen]:
    """An X server on a free display: a random high number (other test runs and an install test's
    :0 stay clear), -displayfd to know it is up; a number taken meanwhile makes it exit: next."""
    for _ in range(20):
        n = random.randrange(400, 4000)
        if Path(f"/tmp/.X{n}-lock").exists() or Path(f"/tmp/.X11-unix/X{n}").exists():
            continue
        r, w = os.pipe()
        proc = subprocess.Popen([cmd[0], f":{n}", *cmd[1:], "-displayfd", str(w)], pass_fds=(w,), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        with os.fdopen(r) as f:
            line = f.readline().strip()
        if line == str(n):
            return n, proc
        _stop(proc)
    raise AssertionError(f"{cmd[0]} did not start")


def _wait(cond, timeout: float = 15.0, step: float = 0.05):
    """Poll until cond() is truthy (its value) or the time is up (its last value)."""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v or time.monotonic() > end:
            return v
        time.sleep(step)


def _stop(*procs) -> None:
    for p in procs:
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)


class X:
    """One X display: its environment and what xdotool / xwininfo say about it."""

    def __init__(self, env: dict, wm: bool):
        self.env, self.wm = env, wm

    def run(self, *args: str, check: bool = True) -> str:
        r = subprocess.run(list(args), env=self.env, capture_output=True, text=True, timeout=30)
        if check and r.returncode != 0:
            raise AssertionError(f"{args}: {r.returncode} {r.stderr}")
        return r.stdout

    def info(self, wid: str = "-root") -> dict:
        out = self.run("xwininfo", *(["-root"] if wid == "-root" else ["-id", wid]), check=False)
        get = lambda key: re.search(rf"{key}:\s+(-?\d+)", out)        # noqa: E731
        if not get("Width"):
            return {}
        return {"x": int(get("Absolute upper-left X").group(1)), "y": int(get("Absolute upper-left Y").group(1)),
                "w": int(get("Width").group(1)), "h": int(get("Height").group(1)),
                "map": re.search(r"Map State:\s+(\w+)", out).group(1)}

    def screen(self) -> tuple[int, int]:
        i = self.info()
        return i["w"], i["h"]

    def windows(self, pid: int) -> list[str]:
        return self.run("xdotool", "search", "--onlyvisible", "--pid", str(pid), check=False).split()

    def focus(self) -> str:
        return self.run("xdotool", "getwindowfocus", check=False).strip()

    def fills(self, wid: str) -> bool:
        w, h = self.screen()
        return self.info(wid) == {"x": 0, "y": 0, "w": w, "h": h, "map": "IsViewable"}


def _start_x(size: tuple[int, int], wm: bool) -> tuple[X, list]:
    n, xvfb = _start_server(["Xvfb", "-screen", "0", f"{size[0]}x{size[1]}x24", "-nolisten", "tcp", "-noreset"])
    env = {**os.environ, "DISPLAY": f":{n}", "QT_QPA_PLATFORM": "xcb", "VENUE_TTS_ENGINE": "mock",
           "PYTHONPATH": str(ROOT)}
    env.pop("XAUTHORITY", None)
    procs = [xvfb]
    x = X(env, wm)
    if wm:
        procs.insert(0, subprocess.Popen(["matchbox-window-manager", "-use_titlebar", "no"], env=env,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        if not _wait(lambda: "_NET_SUPPORTING_WM_CHECK" in x.run("xprop", "-root", check=False), 10):
            _stop(*procs)                  # a failed set-up leaves no server behind
            raise AssertionError("no WM")
    return x, procs


@pytest.fixture(scope="module", params=[(s, wm) for s in SIZES for wm in (False, True)],
                ids=lambda p: f"{p[0][0]}x{p[0][1]}-{'wm' if p[1] else 'bare'}")
def xscreen(request):
    size, wm = request.param
    if wm and not shutil.which("matchbox-window-manager"):
        pytest.skip("matchbox-window-manager not installed")
    x, procs = _start_x(size, wm)
    assert x.screen() == size
    yield x
    _stop(*procs)


@pytest.fixture(scope="module", params=[False, True], ids=["bare", "wm"])
def x1024(request):
    """1024x600 for the tests that need one size only."""
    if request.param and not shutil.which("matchbox-window-manager"):
        pytest.skip("matchbox-window-manager not installed")
    x, procs = _start_x((1024, 600), request.param)
    yield x
    _stop(*procs)


class App:
    """The real app, `gui` of the CLI, as its own process on the display."""

    def __init__(self, x: X, home: Path, *args: str):
        self.x, self.home = x, home
        home.mkdir(parents=True)
        self.log = home / "app.log"            # a file, not a pipe: a pipe nobody reads can fill and block the app
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "terminal.cli", "--home", str(home), "gui",
                                          "--source", "images:/nonexistent", *args], env=x.env,
                                         stdout=subprocess.DEVNULL, stderr=log)
        wins = _wait(lambda: self.proc.poll() is None and x.windows(self.proc.pid), 60)
        assert wins, self.stderr()
        self.wid = wins[0]

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def fills(self, timeout: float = 10.0) -> bool:
        return bool(_wait(lambda: self.x.fills(self.wid), timeout))

    def close(self) -> None:
        _stop(self.proc)


@pytest.fixture
def launch(tmp_path):
    apps = []

    def start(x, *args) -> App:
        app = App(x, tmp_path / f"home{len(apps)}", *args)
        apps.append(app)
        return app
    yield start
    for a in apps:
        a.close()


def _push_around(x: X, app: App) -> None:
    """Minimise (under a WM), shrink, move and unmap the window from outside: each time it comes
    back to fill the screen, mapped, with the keyboard focus (a wedge scanner types into it)."""
    w = app.wid
    tampering = [["windowsize", w, "320", "200"], ["windowmove", w, "40", "60"], ["windowunmap", w]]
    if x.wm:
        tampering.insert(0, ["windowminimize", w])
    for t in tampering:
        x.run("xdotool", *t)
        assert app.fills(), f"{t}: {x.info(w)} on {x.screen()}"
        assert _wait(lambda: x.focus() == w, 5), f"{t}: focus on {x.focus()}, the window is {w}"


def test_the_kiosk_fills_the_screen_and_comes_back(xscreen, launch):
    app = launch(xscreen, "--mode", "kiosk")
    assert app.fills(), f"{xscreen.info(app.wid)} on a {xscreen.screen()} screen"
    _push_around(xscreen, app)


def test_a_full_screen_gate_fills_the_screen_and_comes_back(xscreen, launch):
    app = launch(xscreen, "--mode", "gate")
    assert app.fills(), f"{xscreen.info(app.wid)} on a {xscreen.screen()} screen"
    _push_around(xscreen, app)


def test_a_session_fills_the_screen_in_counter_mode_and_windowed_does_not(x1024, launch):
    xscreen = x1024
    app = launch(xscreen, "--mode", "counter", "--session")
    assert app.fills(), f"{xscreen.info(app.wid)} on a {xscreen.screen()} screen"
    app.close()
    if not xscreen.wm:                                  # (matchbox gives every window the whole screen)
        windowed = launch(xscreen, "--mode", "kiosk", "--windowed")
        time.sleep(1.0)
        assert not xscreen.fills(windowed.wid)          # --windowed means it: the keeper is off
