"""Amber for stale trust data, the kiosk idle screen, the gui command end to end, and the
headless demo path (platform CLI, enrolment, camera video, verdicts, upload) on a short video."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from vocab import reasons as R
from ui import texts as T

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "vectors"
if not VECTORS.exists():
    VECTORS = Path("/work/shared/spec/vectors")

# not `-m terminal.cli`: that would load the CLI module twice (as __main__ and terminal.cli)
CLI = [sys.executable, "-c", "import sys; from terminal.cli import main; sys.exit(main(sys.argv[1:]))"]


def test_valid_code_with_stale_trust_data_is_amber(qtbot, make_app, cases):
    from terminal.service import TerminalService
    late = 1795172800 + 3600          # an hour after the vectors' trust list `next`
    svc = TerminalService.from_files(root_key=VECTORS / "root.pem", trust_list=VECTORS / "trust-list.cose",
                                     revocations=VECTORS / "revocations.cose", clock=lambda: late)
    rt = make_app("gate", "images:/nonexistent", service=svc, status_interval_ms=50)
    v = svc.scan(cases["resident_es256_ok"]["code"])
    assert v.valid and R.TRUST_STALE in v.warnings
    rt.window.show_verdict(v, 0.0)
    p = rt.window.gate.panel
    assert p.colour() == T.OUTCOME_COLOUR[R.Outcome.CHECK]
    assert (p.word.text(), p.reason.text()) == ("请联系工作人员", "请稍候，工作人员将为您核验")
    assert p.staff_line.text().startswith("信任数据已过期 / Trust data out of date · ok")     # the staff's reason
    qtbot.waitUntil(lambda: rt.window.stale_banner.isVisible(), timeout=5000)
    assert rt.window.strip.trust_warning == "stale"
    svc.close()


def test_kiosk_goes_idle_and_wakes_on_a_code(qtbot, make_app, service, cases):
    rt = make_app("kiosk", "images:/nonexistent", start=False)
    k = rt.window.kiosk
    k._idle_timer.setInterval(50)
    k.verdict_seconds = 0.05
    rt.window.show_verdict(service.scan(cases["resident_es256_ok"]["code"]), 0.0)
    assert k.stack.currentWidget() is k.panel
    qtbot.waitUntil(lambda: k.stack.currentWidget() is k.guide_page, timeout=2000)
    qtbot.waitUntil(lambda: k.stack.currentWidget() is k.idle_page, timeout=2000)
    from ui.qt import QImage
    k.set_frame(QImage(64, 48, QImage.Format.Format_Grayscale8), [[(1, 1), (9, 1), (9, 9), (1, 9)]], 0.0)
    assert k.stack.currentWidget() is k.guide_page


def test_gui_command_screenshot(tmp_path, image_dir):
    shot = tmp_path / "counter.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([*CLI, "--home", str(tmp_path / "home"), "gui",
                        "--mode", "counter", "--source", image_dir(["enterprise_ok"]),
                        "--root-key", str(VECTORS / "root.pem"), "--trust-list", str(VECTORS / "trust-list.cose"),
                        "--screenshot", str(shot), "--exit-after", "2"], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = subprocess.run([*CLI, "gui", "--screenshot", str(shot)],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "--exit-after" in r.stderr


def test_demo_headless_path(tmp_path, platform):
    from terminal.commands import demo
    codes = demo.mint_codes(platform, [c for c in demo.DEMO_CODES if c.key in ("dynamic", "revoked", "foreign")])
    home = tmp_path / "terminal"
    demo.enrol(home, platform)
    video, n = demo.render_video(codes, tmp_path / "cam.avi", hold_s=0.4, gap_s=0.3)
    out = io.StringIO()
    results = demo.play_headless(video, home, codes, n, out=out)
    assert [(c.key, v.outcome.value) for c, v in results] == [(c.key, c.expect) for c in codes]
    assert "✗ REFUSE" in out.getvalue() and "[revoked]" in out.getvalue()
    assert demo.upload(home, out=out)
    assert len(platform.events()) == len(codes)


def test_demo_headless_takes_serial_scans(tmp_path, platform):
    """--scanner serial:PTY: a handheld's scans (sent twice: one scan) get verdicts beside the video's."""
    from terminal.commands import demo
    codes = demo.mint_codes(platform, [c for c in demo.DEMO_CODES if c.key == "resident"])
    home = tmp_path / "terminal"
    demo.enrol(home, platform)
    video, n = demo.render_video(codes, tmp_path / "cam.avi", hold_s=0.4, gap_s=0.3)
    master, slave = os.openpty()
    try:
        import threading
        import time

        def send():     # once pyserial has the port in raw mode (auto terminator: CR or LF)
            time.sleep(0.5)
            os.write(master, b"HTTPS://EXAMPLE.COM/SERIAL\rHTTPS://EXAMPLE.COM/SERIAL\r")
        threading.Thread(target=send, daemon=True).start()
        out = io.StringIO()
        results = demo.play_headless(video, home, codes, n, out=out, scanner=f"serial:{os.ttyname(slave)}",
                                     handheld_wait_s=2.0)
    finally:
        os.close(master)
        os.close(slave)
    assert [(c.key, v.outcome.value) for c, v in results if c is not None] == [("resident", "admit")]
    assert [v.outcome.value for c, v in results if c is None] == ["refuse"]
    assert "(serial)" in out.getvalue()
    assert demo.upload(home, out=out) and len(platform.events()) == 2
