"""The settings dialog's camera box and platform URL: the camera box lists the cameras found and
the current source and takes typed specs checked by scanner.frames' parser; the platform URL is
the enrolled identity's (an enrolled terminal against the real reference platform: the next
sync goes to the new address), disabled with an enrolment hint on a terminal without one."""
from __future__ import annotations

import copy
import dataclasses
import json
import socket

import pytest

from cache import Store
from terminal.commands.demo import enrol
from terminal.config import ConfigError
from terminal.service import check_platform_url
from terminal import pins
from ui.dialogs import SettingsDialog, camera_choices
from ui.qt import QTimer
from terminal.settings import Settings

PIN = "739164"


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch):
    monkeypatch.setattr(pins, "SCRYPT_LOG_N", 12)     # these tests are about the settings, not the PIN's cost


def through_admin(w, qtbot, edit) -> list:
    """⚙ -> PIN -> settings dialog; `edit(dialog)` runs inside it and returns whether to save."""
    seen: list = []
    before = getattr(w, "settings_dialog", None)

    def in_settings():
        dlg = getattr(w, "settings_dialog", None)
        if dlg is None or dlg is before or not dlg.isVisible():
            QTimer.singleShot(10, in_settings)       # the settings dialog is not up yet
            return
        seen.append(dlg)
        if not (edit(dlg) and dlg.try_save()):
            dlg.reject()

    def in_pin():
        w.pin_dialog.edit.setText(PIN)
        w.pin_dialog.try_accept()
        QTimer.singleShot(0, in_settings)
    if pins.admin_pin_state(w.settings.pin_hash, w.pin_guard) != pins.SET:
        w.settings = w.settings.with_(pin_hash=w.pin_guard.hash_new(PIN))
    QTimer.singleShot(0, in_pin)
    w.open_admin()
    assert seen, "the settings dialog did not open"
    return seen


# ---------------------------------------------------------------------------------- camera

def test_camera_box_offers_current_source_and_takes_typed_specs(qtbot):
    dlg = SettingsDialog(Settings(source="camera:0"))
    qtbot.addWidget(dlg)
    assert dlg.source.isEditable()
    assert dlg.source.findData("camera:0") >= 0 and dlg.source_spec() == "camera:0"
    # every camera found here (none on a machine without cameras) is offered too
    assert {spec for _, spec in camera_choices()} <= {dlg.source.itemData(i) for i in range(dlg.source.count())}
    dlg.source.setEditText("video:/srv/entrance.avi")
    assert dlg.try_save() and dlg.result_settings.source == "video:/srv/entrance.avi"


@pytest.mark.parametrize("spec", ["camra:0", "video:", "images:  ", "camera:", "camera:0 — edited label", ""])
def test_bad_source_spec_refused_inline(qtbot, spec):
    dlg = SettingsDialog(Settings(source="camera:0"))
    qtbot.addWidget(dlg)
    dlg.source.setEditText(spec)
    assert dlg.try_save() is False and dlg.result_settings is None
    assert dlg.error.text().startswith(("摄像头 / 画面来源无效", "Invalid camera / source"))


def test_listed_camera_saves_its_spec_not_its_label(qtbot):
    cams = [("camera:0 — USB2.0 HD UVC WebCam", "camera:0"), ("camera:/dev/video2", "camera:/dev/video2")]
    dlg = SettingsDialog(Settings(source="images:/srv/codes"), cameras=cams)
    qtbot.addWidget(dlg)
    assert [dlg.source.itemText(i) for i in range(3)] == ["images:/srv/codes", *(c[0] for c in cams)]
    assert dlg.source.currentText() == "images:/srv/codes"
    dlg.source.setCurrentIndex(1)
    assert dlg.source.currentText() == "camera:0 — USB2.0 HD UVC WebCam"
    assert dlg.try_save() and dlg.result_settings.source == "camera:0"


def test_typed_video_path_switches_the_running_app(qtbot, make_app, tmp_path):
    """A real video file typed into the box: saved, and capture restarts on it."""
    import cv2
    import numpy as np
    from scanner import synth
    path = tmp_path / "entrance.avi"
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (320, 240))
    img = cv2.cvtColor(cv2.resize(synth.qr_image("HTTPS://EXAMPLE.COM/X"), (240, 240)), cv2.COLOR_GRAY2BGR)
    frame = np.full((240, 320, 3), 255, np.uint8)
    frame[:, 40:280] = img
    for _ in range(10):
        vw.write(frame)
    vw.release()
    rt = make_app("gate", "images:/nonexistent")
    w = rt.window
    qtbot.waitUntil(lambda: w.camera_state.startswith("error"), timeout=5000)

    def edit(dlg):
        assert dlg.source.currentText() == "images:/nonexistent"
        dlg.source.setEditText(f"video:{path}")
        return True
    through_admin(w, qtbot, edit)
    assert rt.settings.source == f"video:{path}"
    assert Settings.load(rt.settings_path).source == f"video:{path}"
    qtbot.waitUntil(lambda: w.camera_state in ("live", "ended"), timeout=10000)


def test_old_settings_file_with_platform_url_still_loads(tmp_path):
    p = tmp_path / "ui-settings.json"
    p.write_text(json.dumps({"mode": "counter", "platform_url": "https://old.example"}))
    s = Settings.load(p)
    assert s.mode == "counter" and not hasattr(s, "platform_url")
    s.save(p)
    assert "platform_url" not in json.loads(p.read_text())


# ---------------------------------------------------------------------------------- platform URL

@pytest.mark.parametrize("url", ["", "platform.example", "ftp://platform.example", "https://", "http:///v1",
                                 "https://platform.example:99999", "https://plat form.example",
                                 "https://platform.example/?x=1", "javascript:alert(1)", "http://platform.example",
                                 "http://10.0.0.5:8443", "https://user:pw@platform.example"])
def test_bad_platform_urls(url):
    with pytest.raises(ConfigError):
        check_platform_url(url)


def test_good_platform_urls():
    assert check_platform_url(" https://platform.example/ ") == "https://platform.example"
    assert check_platform_url("http://127.0.0.1:8443/base") == "http://127.0.0.1:8443/base"
    assert check_platform_url("http://localhost:8443") == "http://localhost:8443"
    assert check_platform_url("http://[::1]:8443") == "http://[::1]:8443"


def test_unenrolled_terminal_platform_url_disabled_with_hint(qtbot, make_app):
    rt = make_app("gate", "images:/nonexistent", start=False)     # trust from files: not enrolled
    assert rt.service.platform_url() is None
    with pytest.raises(ConfigError, match="not enrolled"):
        rt.service.set_platform_url("https://platform.example")

    def look(dlg):
        assert not dlg.platform_url.isEnabled() and dlg.platform_url.text() == ""
        assert "venue-terminal enroll" in dlg.platform_url.toolTip()
        return True
    dlg = through_admin(rt.window, qtbot, look)[0]
    assert dlg.result_settings is not None and dlg.result_platform_url is None


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_the_platform_host_cannot_change_without_enrolling_again(qtbot, make_app, platform, tmp_path):
    """Spec v2 section 6: the token is never sent to a host the terminal did not enrol with. The
    dialog refuses another host or port (and says to enrol again), stores nothing, and sync keeps
    going to the enrolled platform; a bad URL is refused too."""
    home = tmp_path / "home"
    enrol(home, platform)
    store = Store.open(home)
    before = store.identity.load_identity()
    store.close()
    rt = make_app("gate", "images:/nonexistent", service=None, home=home, sync_interval_s=0.3,
                  status_interval_ms=100)
    w = rt.window
    qtbot.waitUntil(lambda: w.status is not None and w.status.online is True, timeout=10000)

    def try_url(url):
        seen = {}

        def edit(dlg):
            assert dlg.platform_url.isEnabled()
            assert dlg.platform_url.text() == rt.service.platform_url()      # the identity's, from the store
            dlg.platform_url.setText(url)
            seen["saved"] = dlg.try_save()
            seen["error"] = dlg.error.text()
            return False
        through_admin(w, qtbot, edit)
        return seen

    def stored():
        st = Store.open(home)
        try:
            return st.identity.load_identity()
        finally:
            st.close()

    bad = try_url("platform.example:8443")
    assert bad["saved"] is False and bad["error"].startswith(("平台地址须以", "The platform URL must"))
    other = try_url(dead_url())
    assert other["saved"] is False and ("重新注册" in other["error"] or "new enrolment" in other["error"])
    plain = try_url("http://platform.example")                  # plain HTTP off this computer
    assert plain["saved"] is False
    assert stored() == before                                  # nothing moved: not the URL, not the token
    with pytest.raises(Exception, match="enrolling again"):
        rt.service.set_platform_url(dead_url())
    assert stored() == before
    qtbot.wait(800)
    assert w.status.online is True
