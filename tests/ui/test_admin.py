"""Admin PIN: no default (the first opening of Settings sets one, before anything else, while
scanning goes on), scrypt under a pepper, ASCII digits only, an escalating lockout that survives
a restart, the old PBKDF2 hashes migrated; settings file rules; the kiosk lock."""
from __future__ import annotations

import hashlib
import json
import os
import stat

import pytest

from terminal import pins
from terminal.pins import ADMIN, LEGACY, SET, UNSET, PinGuard, PinRefused, admin_pin_state
from terminal.settings import Settings, SettingsError
from ui.dialogs import NewPinDialog, PinDialog, SettingsDialog
from ui.qt import QTimer

PIN = "739164"


@pytest.fixture(autouse=True)
def cheap_scrypt(request, monkeypatch):
    """The flows below do not measure the cost: N = 2^12 keeps them quick. The stored form carries
    its parameters, so checking works the same; test_hash_is_scrypt_with_todays_cost keeps 2^17."""
    if "todays_cost" not in request.node.name:
        monkeypatch.setattr(pins, "SCRYPT_LOG_N", 12)


def pbkdf2(pin: str, salt: bytes = b"venue-terminal-d", iters: int = 50_000) -> str:
    """What the first release stored (terminal/settings.py hash_pin before this change)."""
    return f"pbkdf2_sha256${iters}${salt.hex()}${hashlib.pbkdf2_hmac('sha256', pin.encode(), salt, iters).hex()}"


# ---------------------------------------------------------------------------------- the rules and the hash

def test_pin_rules_ascii_digits_only():
    for bad in ("12345", "1234567890123", "", "73916a", "７３９１６４", "²³⁴⁵⁶⁷", "٧٣٩١٦٤", " 739164", "000000",
                "123456", "987654", "890123"):
        with pytest.raises(PinRefused):
            pins.check_new_pin(bad)
    assert pins.check_new_pin(PIN) == PIN and pins.check_new_pin("20261202") == "20261202"


def test_hash_is_scrypt_with_todays_cost_and_a_pepper(tmp_path):
    g = PinGuard(tmp_path)
    h = g.hash_new(PIN)
    algo, log_n, r, p, salt, dk = h.split("$")
    assert (algo, int(log_n), int(r), int(p)) == ("scrypt", 17, 8, 1)          # 128 MiB per guess
    assert 128 * (1 << int(log_n)) * int(r) == 128 * 1024 * 1024
    assert PIN not in h and len(bytes.fromhex(salt)) == 16 and not pins.needs_rehash(h)
    assert g.matches(PIN, h)
    # the same PIN and salt without the pepper is not the stored key: a copied hash alone gives nothing
    assert hashlib.scrypt(PIN.encode(), salt=bytes.fromhex(salt), n=1 << 17, r=8, p=1, maxmem=300 << 20,
                          dklen=32).hex() != dk
    assert stat.S_IMODE(os.stat(g.key_path).st_mode) == 0o600
    assert not PinGuard(tmp_path / "elsewhere").matches(PIN, h)                # another key: no match
    # a hostile stored form cannot ask for gigabytes: out-of-bounds parameters never match, fast
    assert not g.matches(PIN, f"scrypt$30$8$1${salt}${dk}") and not pins.is_stored_form(f"scrypt$30$8$1${salt}${dk}")


# ---------------------------------------------------------------------------------- lockout

def test_lockout_escalates_and_survives_a_restart(tmp_path):
    t = [1000.0]
    g = PinGuard(tmp_path, clock=lambda: t[0])
    h = g.hash_new(PIN)
    assert [PinGuard.lock_after(n) for n in range(4, 14)] == [0, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert g.check(ADMIN, "000000", h).wait_s == 0                # one real wrong PIN, counted
    for _ in range(3):
        g.record_failure(ADMIN)
    res = g.check(ADMIN, "000001", h)                              # the fifth: locked for 30 s
    assert not res.ok and res.wait_s == 30
    # a restart: a new guard over the same folder (what the app builds at start) is still locked,
    # and while locked not even the right PIN is checked
    g2 = PinGuard(tmp_path, clock=lambda: t[0])
    assert g2.failures(ADMIN) == 5 and g2.check(ADMIN, PIN, h) == pins.PinCheck(False, wait_s=30.0)
    t[0] += 31
    assert g2.check(ADMIN, "000002", h).wait_s == 60              # the sixth: doubled
    t[0] += 61
    assert g2.check(ADMIN, PIN, h).ok and g2.failures(ADMIN) == 0  # the right PIN resets it
    assert g2.failures(pins.STAFF) == 0                            # staff sign-in counts apart
    assert stat.S_IMODE(os.stat(g2.lockout_path).st_mode) == 0o600


def test_lockout_clock_set_back_and_unreadable_file(tmp_path):
    t = [10_000.0]
    g = PinGuard(tmp_path, clock=lambda: t[0])
    for _ in range(12):
        g.record_failure(ADMIN)
    assert g.locked_for(ADMIN) == 3600
    t[0] -= 86400 * 30                                             # the clock went back a month
    assert g.locked_for(ADMIN) == 3600                             # never longer than the cap
    g.lockout_path.write_text("{not json")
    assert g.locked_for(ADMIN) == pins.FIRST_LOCK_S and g.failures(ADMIN) == pins.FREE_TRIES


# ---------------------------------------------------------------------------------- migration

def test_old_default_and_old_pins_migrate(tmp_path):
    g = PinGuard(tmp_path)
    assert admin_pin_state("", g) == UNSET
    assert admin_pin_state(pbkdf2("2580"), g) == UNSET            # the published default counts as none
    old = pbkdf2("4321", salt=b"0123456789abcdef")
    assert admin_pin_state(old, g) == LEGACY
    res = g.check(ADMIN, "4321", old)
    assert res.ok and res.legacy and pins.needs_rehash(old)
    new = g.hash_new(PIN)
    assert admin_pin_state(new, g) == SET
    g.key_path.write_bytes(b"short")                               # a broken key counts as none
    assert admin_pin_state(new, g) == UNSET
    g.key_path.unlink()                                            # the key gone: recovery = set a new PIN
    assert admin_pin_state(new, g) == UNSET
    again = g.hash_new(PIN)
    assert admin_pin_state(again, g) == SET and len(g.key_path.read_bytes()) == 32
    assert stat.S_IMODE(os.stat(g.key_path).st_mode) == 0o600


def test_an_old_settings_file_loads_and_a_bad_hash_is_named(tmp_path):
    p = tmp_path / "s.json"
    p.write_text(json.dumps({"mode": "gate", "pin_hash": pbkdf2("2580")}))
    assert Settings.load(p).pin_hash.startswith("pbkdf2_sha256$")
    p.write_text(json.dumps({"pin_hash": "plaintext-1234"}))
    with pytest.raises(SettingsError, match="pin_hash"):
        Settings.load(p)
    assert Settings().pin_hash == ""


# ---------------------------------------------------------------------------------- dialogs

def test_pin_dialog_counts_wrong_pins_in_the_guard(qtbot, tmp_path):
    g = PinGuard(tmp_path)
    h = g.hash_new(PIN)
    dlg = PinDialog(g, h)
    qtbot.addWidget(dlg)
    for k in "111111":
        dlg.key_buttons[k].click()
    assert dlg.try_accept() is False and dlg.error.text() in ("密码错误", "Wrong PIN")
    assert g.failures(ADMIN) == 1
    from ui.qt import QRegularExpressionValidator
    assert dlg.edit.validator().validate("٧٣٩١٦٤", 0)[0] == QRegularExpressionValidator.State.Invalid
    assert not g.matches("٧٣٩١٦٤", g.hash_new("٧٣٩١٦٤".translate(str.maketrans("٧٣٩١٦٤", "739164"))))
    for k in PIN:
        dlg.key_buttons[k].click()
    with qtbot.waitSignal(dlg.accepted, timeout=5000):
        dlg.key_buttons["OK"].click()
    assert g.failures(ADMIN) == 0


def test_a_hash_with_older_parameters_is_redone_on_the_right_pin(qtbot, tmp_path, monkeypatch):
    g = PinGuard(tmp_path)
    monkeypatch.setattr(pins, "SCRYPT_LOG_N", 11)
    old = g.hash_new(PIN)
    monkeypatch.setattr(pins, "SCRYPT_LOG_N", 12)
    assert pins.needs_rehash(old)
    dlg = PinDialog(g, old)
    qtbot.addWidget(dlg)
    dlg.edit.setText(PIN)
    assert dlg.try_accept() and not dlg.legacy
    assert dlg.rehashed.startswith("scrypt$12$") and g.matches(PIN, dlg.rehashed)


def test_new_pin_dialog_refuses_weak_and_mismatched(qtbot, tmp_path):
    g = PinGuard(tmp_path)
    dlg = NewPinDialog(g)
    qtbot.addWidget(dlg)
    dlg.pin1.setText("111111")
    dlg.pin2.setText("111111")
    assert not dlg.try_accept() and dlg.error.text()
    dlg.pin1.setText(PIN)
    dlg.pin2.setText("739165")
    assert not dlg.try_accept() and dlg.error.text() in ("两次输入的新密码不一致", "The two new PINs differ")
    dlg.pin2.setText(PIN)
    assert dlg.try_accept() and g.matches(PIN, dlg.result_hash)


def test_change_pin_in_settings_is_saved_hashed(qtbot, tmp_path):
    g = PinGuard(tmp_path)
    path = tmp_path / "s.json"
    dlg = SettingsDialog(Settings(pin_hash=g.hash_new(PIN)), pin_guard=g)
    qtbot.addWidget(dlg)
    dlg.new_pin.setText("20261202")
    dlg.new_pin2.setText("20261202")
    dlg.mode.setCurrentIndex(2)
    assert dlg.try_save()
    dlg.result_settings.save(path)
    raw = path.read_text()
    assert "20261202" not in raw and json.loads(raw)["mode"] == "counter"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = Settings.load(path)
    assert g.matches("20261202", again.pin_hash) and not g.matches(PIN, again.pin_hash)
    dlg2 = SettingsDialog(again, pin_guard=g)
    qtbot.addWidget(dlg2)
    dlg2.new_pin.setText("1234")
    dlg2.new_pin2.setText("1234")
    assert not dlg2.try_save() and dlg2.error.text()


def test_settings_file_unknown_key_named(tmp_path):
    p = tmp_path / "s.json"
    p.write_text(json.dumps({"mode": "gate", "camrea": "camera:1"}))
    with pytest.raises(SettingsError, match="camrea"):
        Settings.load(p)
    p.write_text(json.dumps({"mode": "disco"}))
    with pytest.raises(SettingsError, match="mode"):
        Settings.load(p)


# ---------------------------------------------------------------------------------- in the app

def test_first_opening_sets_a_pin_before_anything_else_while_scanning_goes_on(qtbot, make_app, image_dir):
    """A fresh terminal: ⚙ shows the set-a-PIN dialog (no PIN asked, the settings not yet shown);
    verdicts keep coming meanwhile; the new PIN is saved hashed at once, and the next ⚙ asks for it."""
    rt = make_app("gate", image_dir(["resident_es256_ok", "expired", "revoked", "enterprise_ok",
                                             "tampered_payload"]), loop_media=True)
    w = rt.window
    seen = {}

    def in_new_pin():
        dlg = w.new_pin_dialog
        seen["settings_before"] = getattr(w, "settings_dialog", None)
        before = w.verdicts_shown
        qtbot.waitUntil(lambda: w.verdicts_shown > before, timeout=10000)   # scanning never waits
        dlg.pin1.setText(PIN)
        dlg.pin2.setText(PIN)
        assert dlg.try_accept()
        QTimer.singleShot(0, in_settings)

    def in_settings():
        seen["settings"] = w.settings_dialog
        w.settings_dialog.reject()
    QTimer.singleShot(0, in_new_pin)
    assert w.open_admin() is False                                  # settings cancelled, the PIN kept
    assert seen["settings_before"] is None and seen["settings"] is not None
    saved = Settings.load(rt.settings_path)
    assert saved.pin_hash.startswith("scrypt$") and PIN not in rt.settings_path.read_text()
    assert admin_pin_state(saved.pin_hash, w.pin_guard) == SET

    def wrong_then_cancel():
        assert isinstance(w.pin_dialog, PinDialog)                  # now the PIN is asked for
        w.pin_dialog.edit.setText("000000")
        assert not w.pin_dialog.try_accept()
        w.pin_dialog.reject()
    QTimer.singleShot(0, wrong_then_cancel)
    assert w.open_admin() is False


def test_an_old_pin_opens_once_then_must_be_replaced(qtbot, make_app, tmp_path):
    rt = make_app("gate", "images:/nonexistent", start=False)
    w = rt.window
    w.apply_settings(w.settings.with_(pin_hash=pbkdf2("4321", salt=b"0123456789abcdef")))
    seen = []

    def old_pin():
        w.pin_dialog.edit.setText("4321")
        assert w.pin_dialog.try_accept()
        QTimer.singleShot(0, new_pin)

    def new_pin():
        seen.append(w.new_pin_dialog)
        w.new_pin_dialog.pin1.setText(PIN)
        w.new_pin_dialog.pin2.setText(PIN)
        w.new_pin_dialog.try_accept()
        QTimer.singleShot(0, lambda: w.settings_dialog.reject())
    QTimer.singleShot(0, old_pin)
    w.open_admin()
    assert seen and w.pin_guard.matches(PIN, Settings.load(rt.settings_path).pin_hash)


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
    rt = make_app("kiosk", "images:/nonexistent", start=False)
    w = rt.window
    w.apply_settings(w.settings.with_(pin_hash=w.pin_guard.hash_new(PIN)))

    def wrong_pin():
        w.pin_dialog.edit.setText("000000")
        w.pin_dialog.try_accept()
        w.pin_dialog.reject()
    QTimer.singleShot(0, wrong_pin)
    assert w.open_admin() is False and w.isVisible() and w.locked

    def right_pin():
        w.pin_dialog.edit.setText(PIN)
        w.pin_dialog.try_accept()
        QTimer.singleShot(0, lambda: w.settings_dialog.quit_button.click())
    QTimer.singleShot(0, right_pin)
    w.kiosk.admin_button.click()
    assert not w.isVisible()


def test_admin_pin_command_sets_the_pin_the_app_asks_for(tmp_path, capsys, monkeypatch):
    """Installation: `venue-terminal admin-pin` so that no passer-by sets the first PIN at a kiosk."""
    import io
    from terminal.cli import main
    home = tmp_path / "home"
    monkeypatch.setattr("sys.stdin", io.StringIO("2580\n"))
    assert main(["--home", str(home), "admin-pin", "--pin-stdin"]) == 2
    assert "6 to 12 digits" in capsys.readouterr().err
    g = PinGuard(home)
    g.record_failure(ADMIN)
    monkeypatch.setattr("sys.stdin", io.StringIO(PIN + "\n"))
    assert main(["--home", str(home), "admin-pin", "--pin-stdin"]) == 0
    stored = Settings.load(home / "ui-settings.json").pin_hash
    assert admin_pin_state(stored, g) == SET and g.matches(PIN, stored) and g.failures(ADMIN) == 0
    assert stat.S_IMODE(os.stat(home / "ui-settings.json").st_mode) == 0o600
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["--home", str(home), "admin-pin"]) == 2          # no terminal to ask on: one line, exit 2
