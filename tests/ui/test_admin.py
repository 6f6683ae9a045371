"""Admin PIN (hashed, default 2580, changeable, lockout), settings file rules, the kiosk lock."""
from __future__ import annotations

import json

import pytest

from ui.dialogs import PinDialog, SettingsDialog
from terminal.settings import DEFAULT_PIN, Settings, SettingsError


@pytest.fixture(autouse=True)
def fresh_failures():
    PinDialog._failures.clear()
    yield
    PinDialog._failures.clear()


def test_default_pin_and_wrong_pin(qtbot):
    s = Settings()
    dlg = PinDialog(s)
    qtbot.addWidget(dlg)
    for k in "1234":
        dlg.key_buttons[k].click()
    assert dlg.try_accept() is False
    assert dlg.error.text() in ("密码错误", "Wrong PIN")
    for k in DEFAULT_PIN:
        dlg.key_buttons[k].click()
    with qtbot.waitSignal(dlg.accepted, timeout=1000):
        dlg.key_buttons["OK"].click()


def test_lockout_after_five_wrong_pins(qtbot):
    t = [1000.0]
    dlg = PinDialog(Settings(), clock=lambda: t[0])
    qtbot.addWidget(dlg)
    for _ in range(5):
        dlg.edit.setText("0000")
        assert not dlg.try_accept()
    dlg.edit.setText(DEFAULT_PIN)
    assert not dlg.try_accept()                   # right PIN, but locked
    t[0] += 61
    dlg.edit.setText(DEFAULT_PIN)
    assert dlg.try_accept()


def test_change_pin_is_saved_hashed(qtbot, tmp_path):
    path = tmp_path / "s.json"
    dlg = SettingsDialog(Settings())
    qtbot.addWidget(dlg)
    dlg.new_pin.setText("7391")
    dlg.new_pin2.setText("7391")
    dlg.mode.setCurrentIndex(2)
    assert dlg.try_save()
    s = dlg.result_settings
    s.save(path)
    raw = path.read_text()
    assert "7391" not in raw and json.loads(raw)["mode"] == "counter"
    again = Settings.load(path)
    assert again.check_pin("7391") and not again.check_pin(DEFAULT_PIN)


def test_pin_mismatch_and_bad_pin_refused(qtbot):
    dlg = SettingsDialog(Settings())
    qtbot.addWidget(dlg)
    dlg.new_pin.setText("7391")
    dlg.new_pin2.setText("7392")
    assert not dlg.try_save() and dlg.error.text()
    dlg.new_pin.setText("12")
    dlg.new_pin2.setText("12")
    assert not dlg.try_save()


def test_settings_file_unknown_key_named(tmp_path):
    p = tmp_path / "s.json"
    p.write_text(json.dumps({"mode": "gate", "camrea": "camera:1"}))
    with pytest.raises(SettingsError, match="camrea"):
        Settings.load(p)
    p.write_text(json.dumps({"mode": "disco"}))
    with pytest.raises(SettingsError, match="mode"):
        Settings.load(p)


def test_kiosk_cannot_be_closed_without_pin(qtbot, make_app):
    rt = make_app("kiosk", "images:/nonexistent", start=False)
    w = rt.window
    assert w.locked
    assert w.close() is False and w.isVisible()
    rt.apply_settings(rt.settings.with_(mode="gate"))
    assert not w.locked
    rt.apply_settings(rt.settings.with_(mode="kiosk"))
    w.shutdown()                                   # what "Quit the app" does after the PIN
    assert not w.isVisible()


def test_settings_switch_mode_and_source(qtbot, make_app, image_dir):
    rt = make_app("gate", "images:/nonexistent")
    qtbot.waitUntil(lambda: rt.window.camera_state.startswith("error"), timeout=5000)
    assert rt.window.strip.camera.text() == "摄像头：故障"
    rt.apply_settings(rt.settings.with_(mode="counter", source=image_dir(["enterprise_ok"])))
    assert rt.window.view is rt.window.counter
    qtbot.waitUntil(lambda: rt.window.counter.verdict is not None, timeout=10000)
    assert rt.window.counter.fields["name"][0].text() == "企业名称"
    assert Settings.load(rt.settings_path).mode == "counter"


def test_kiosk_admin_flow_quits_only_with_pin(qtbot, make_app):
    """⚙ in the kiosk header -> PIN keypad -> settings -> 'Quit the app'; a wrong PIN changes nothing."""
    from ui.qt import QTimer
    rt = make_app("kiosk", "images:/nonexistent", start=False)
    w = rt.window

    def wrong_pin():
        w.pin_dialog.edit.setText("0000")
        w.pin_dialog.try_accept()
        w.pin_dialog.reject()
    QTimer.singleShot(0, wrong_pin)
    assert w.open_admin() is False and w.isVisible() and w.locked

    def right_pin():
        w.pin_dialog.edit.setText(DEFAULT_PIN)
        w.pin_dialog.try_accept()
        QTimer.singleShot(0, lambda: w.settings_dialog.quit_button.click())
    QTimer.singleShot(0, right_pin)
    w.kiosk.admin_button.click()
    assert not w.isVisible()
