"""`venue-terminal install` / `uninstall` (issue 16): the units pass Debian systemd's own checker
(`systemd-analyze verify`), and the GUI unit's ExecStart command line, run as written except that
Xvfb stands in for Xorg after `--`, brings the app up in a bare X session (no window manager)
that processes frames from a simulated camera (a video file)."""
from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gate_sim import free_display, make_video

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT.parent / "shared" / "spec" / "vectors"
if not VECTORS.exists():
    VECTORS = Path("/work/shared/spec/vectors")
UNITS = ("venue-terminal-gui.service", "venue-terminal-sync.service", "venue-terminal-sync.timer")


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "terminal.cli", *args], capture_output=True, text=True, env=env,
                       timeout=120)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def unit_text(prefix: Path, name: str) -> str:
    return (prefix / "etc/systemd/system" / name).read_text()


def exec_start(text: str) -> list[str]:
    line = next(ln for ln in text.splitlines() if ln.startswith("ExecStart="))
    return shlex.split(line.split("=", 1)[1])


@pytest.mark.parametrize("role", ["gate", "kiosk", "counter"])
def test_units_pass_systemd_analyze_verify_and_uninstall_removes_them(tmp_path, role):
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze missing: scripts/bootstrap.sh installs Debian's systemd")
    prefix, home = tmp_path / "root", tmp_path / "home"
    r = cli("--home", str(home), "install", f"--{role}", "--prefix", str(prefix), "--user", "venue")
    d = prefix / "etc/systemd/system"
    assert sorted(p.name for p in d.glob("venue-terminal-*")) == sorted(UNITS)
    gui = unit_text(prefix, UNITS[0])
    cmd = exec_start(gui)
    assert cmd[0] == "/usr/bin/xinit" and cmd[cmd.index("--") + 1] == "/usr/bin/Xorg"
    assert ["--mode", role] == cmd[cmd.index("--mode"):cmd.index("--mode") + 2] and "--session" in cmd
    assert ["--home", str(home)] == cmd[cmd.index("--home"):cmd.index("--home") + 2]
    for line in ("Restart=always", "Type=notify", "WatchdogSec=30", "User=venue", "StandardOutput=journal",
                 "PAMName=login"):
        assert line in gui.splitlines()
    assert ("-nocursor" in cmd) == (role != "counter")
    assert exec_start(unit_text(prefix, UNITS[1]))[-2:] == ["sync", "--once"]
    # enabled the offline way (systemctl --root): the links are there
    assert (d / "multi-user.target.wants" / UNITS[0]).is_symlink(), r.stdout
    assert (d / "timers.target.wants" / UNITS[2]).is_symlink()
    v = subprocess.run(["systemd-analyze", "verify", *(str(d / n) for n in UNITS)], capture_output=True, text=True,
                       timeout=120)
    complaints = [ln for ln in v.stderr.splitlines() if "venue-terminal" in ln]
    assert v.returncode == 0 and not complaints, v.stderr

    (d / "other.service").write_text("[Service]\nExecStart=/bin/true\n")     # not ours: left alone
    cli("uninstall", "--prefix", str(prefix))
    assert [p.name for p in d.rglob("venue-terminal-*")] == []
    assert (d / "other.service").exists()
    assert "nothing to remove" in cli("uninstall", "--prefix", str(prefix)).stdout


def test_install_refuses_bad_options_in_one_line(tmp_path):
    for bad in (["--gate", "--kiosk"], ["--gate", "--vt", "99"], ["--gate", "--watchdog", "1"], [],
                ["--kiosk", "--user", "a b"]):
        r = cli("install", *bad, "--prefix", str(tmp_path), check=False)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, (bad, r.stderr)


def test_the_gui_units_command_line_runs_in_a_bare_x_session_until_the_first_frame(tmp_path):
    if shutil.which("Xvfb") is None or shutil.which("xinit") is None:
        pytest.fail("Xvfb/xinit missing: scripts/bootstrap.sh installs xvfb and xinit")
    from terminal.settings import Settings, settings_path
    prefix, home = tmp_path / "root", tmp_path / "home"
    video = tmp_path / "camera.avi"
    make_video(video)
    Settings().with_(source=f"video:{video}").save(settings_path(home))
    cli("--home", str(home), "install", "--gate", "--prefix", str(prefix), "--user", "venue", "--no-enable")
    cmd = exec_start(unit_text(prefix, UNITS[0]))
    n = free_display()
    cmd = cmd[:cmd.index("--") + 1] + [shutil.which("Xvfb"), f":{n}", "-screen", "0", "1024x768x24", "-nolisten", "tcp", "-noreset"]
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM", "NOTIFY_SOCKET",
                                                            "WATCHDOG_USEC", "JOURNAL_STREAM")}
    env.update(PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="xcb", VENUE_TTS_ENGINE="mock", HOME=str(tmp_path))
    log = tmp_path / "session.log"
    with open(log, "wb") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        end = time.monotonic() + 90
        while time.monotonic() < end and p.poll() is None and "first frame processed" not in log.read_text("utf-8", "replace"):
            time.sleep(0.2)
        text = log.read_text("utf-8", "replace")
        assert "first frame processed" in text, text[-3000:]
        assert p.poll() is None                           # still running: nothing died on the way
    finally:
        os.killpg(p.pid, signal.SIGTERM)
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(5)
