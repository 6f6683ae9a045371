"""An enrolled terminal against the real reference platform: online, scans upload, and the
offline banner when the platform goes down (scanning carries on)."""
from __future__ import annotations

from terminal.commands.demo import enrol


def test_offline_banner_when_platform_down(qtbot, make_app, platform, tmp_path, image_dir):
    home = tmp_path / "home"
    enrol(home, platform)
    url_code = "HTTPS://EXAMPLE.COM/NOT-OURS"
    import cv2
    from scanner import synth
    src = tmp_path / "one"
    src.mkdir()
    cv2.imwrite(str(src / "a.png"), synth.qr_image(url_code, scale=4))
    rt = make_app("gate", f"images:{src}", service=None, home=home, sync_interval_s=0.3, status_interval_ms=100)
    w = rt.window
    qtbot.waitUntil(lambda: w.status is not None and w.status.online is True, timeout=10000)
    assert w.status.enrolled and not w.offline_banner.isVisible()
    assert w.strip.online.text().endswith("在线")
    qtbot.waitUntil(lambda: w.status.events_uploaded >= 1, timeout=10000)    # the red scan, uploaded
    assert w.gate.refused.text() == "今日拒绝：1"
    rt.apply_settings(rt.settings.with_(mode="counter"))          # the day's scans come from the scan log
    qtbot.waitUntil(lambda: w.counter.log.rowCount() == 1, timeout=5000)
    assert w.counter.log.item(0, 2).text() == "不是可识别的码"
    rt.apply_settings(rt.settings.with_(mode="gate"))
    platform.stop()
    qtbot.waitUntil(lambda: w.offline_banner.isVisible(), timeout=15000)
    assert "离线" in w.offline_banner.text() and "Offline" in w.offline_banner.text()
    assert w.strip.online.text().endswith("离线")
    # scanning goes on while offline: a wedge-free direct scan still gets a verdict and is logged
    w.scan_requested.emit(url_code, 0.0, "wedge")
    qtbot.waitUntil(lambda: w.status.events_pending >= 1, timeout=5000)
    assert w.strip.pending.text() == f"待上传：{w.status.events_pending}"
