"""Staff at the gate and the counter (issue 17): sign in and out with a staff code and its own PIN
(session events, the operator in every event meanwhile), a paper certificate checked by hand
(manual), a disputed verdict (dispute), the admin's staff codes, the quarantine note, and none of
it at the kiosk. Real app, real enrolled home (SQLite), every event checked against the spec's
schema (vocab.events.check_event) and the chain verified."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cache import Store
from cache.identity import Identity
from terminal import pins
from terminal.config import ConfigError
from terminal.service import TerminalService
from terminal.staff import StaffError
from ui.qt import QTimer
from vocab.events import DISPUTE_CODES, check_event

ROOT_PEM = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "vectors" / "root.pem"
if not ROOT_PEM.exists():
    ROOT_PEM = Path("/work/shared/spec/vectors/root.pem")
PIN = "739164"
CODE = "gate-07"


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch):
    """These flows are not about the hash's cost (tests/ui/test_admin.py checks today's 2^17)."""
    monkeypatch.setattr(pins, "SCRYPT_LOG_N", 12)


@pytest.fixture
def home(tmp_path) -> Path:
    h = tmp_path / "home"
    with Store.open(h) as st:
        st.identity.save_identity(Identity(terminal_id="T-1", venue_id="V-1", platform_url="http://127.0.0.1:9",
                                           token="t", venue_secret=os.urandom(32), root_key_pem=ROOT_PEM.read_bytes()))
    return h


def events(home: Path) -> list[dict]:
    """Every event held, oldest first, each checked against the schema; the chain verifies."""
    with Store.open(home) as st:
        assert st.outbox.verify_chain() == (True, None)
        evs = list(reversed(st.outbox.recent(1000)))
    for e in evs:
        check_event(e, chained=True)
    return evs


def app(make_app, home, mode="gate"):
    rt = make_app(mode, "images:/nonexistent", service=None, home=home, sync=False, status_interval_ms=100)
    rt.service.add_staff(CODE, PIN)
    return rt


def in_dialog(w, act):
    """Run `act(dialog)` on the staff button's dialog once it is open."""
    def later():
        dlg = getattr(w.staff_button, "dialog", None)
        if dlg is None or not dlg.isVisible():
            QTimer.singleShot(10, later)
            return
        act(dlg)
        w.staff_button.dialog = None
    QTimer.singleShot(0, later)


# ---------------------------------------------------------------------------------- sign in and out

def test_sign_in_and_out_are_session_events_and_the_operator_is_in_each_event(qtbot, make_app, home):
    rt = app(make_app, home)
    w = rt.window
    qtbot.waitUntil(lambda: w.staff_button.isVisible(), timeout=5000)
    assert w.staff_button.text() == "员工登录"

    def wrong_then_right(dlg):
        dlg.code.setText(CODE)
        dlg.pin.setText("000000")
        assert not dlg.try_accept() and dlg.error.text() == "员工编号或密码错误"
        dlg.code.setText("nobody")                          # an unknown code answers the same
        dlg.pin.setText(PIN)
        assert not dlg.try_accept() and dlg.error.text() == "员工编号或密码错误"
        dlg.code.setText(CODE)
        for k in PIN:
            dlg.pad.key_buttons[k].click()
        dlg.pad.key_buttons["OK"].click()
    in_dialog(w, wrong_then_right)
    assert w.staff_button.sign_in()
    assert rt.service.operator == CODE and w.staff_button.text() == "员工：gate-07"
    rt.service.scan("EZ1:NOT-A-CODE")
    w.staff_button.sign_out_action.trigger()
    assert rt.service.operator is None
    rt.service.scan("EZ1:NOT-A-CODE-EITHER")
    evs = events(home)
    assert [(e.get("kind"), e.get("action"), e.get("operator")) for e in evs] == [
        ("session", "sign_in", CODE), (None, None, CODE), ("session", "sign_out", CODE), (None, None, None)]
    assert set(evs[0]) == {"id", "kind", "ts", "terminal", "venue", "mode", "operator", "action", "prev", "hash"}


def test_staff_lockout_survives_a_restart(home):
    t = [1_000_000.0]
    svc = TerminalService.from_home(home, mode="gate", clock=lambda: t[0])
    svc.add_staff(CODE, PIN)
    for _ in range(pins.FREE_TRIES):
        assert not svc.sign_in(CODE, "000000").ok
    assert svc.sign_in(CODE, PIN).wait_s == 30                # locked: not even the right PIN is checked
    svc.close()
    svc = TerminalService.from_home(home, mode="gate", clock=lambda: t[0])   # the app restarted
    try:
        res = svc.sign_in(CODE, PIN)
        assert not res.ok and res.wait_s == 30 and svc.operator is None
        t[0] += 31
        assert svc.sign_in(CODE, PIN).ok and svc.operator == CODE
    finally:
        svc.close()


def test_a_staff_hash_with_older_parameters_is_redone_at_sign_in(home, monkeypatch):
    svc = TerminalService.from_home(home, mode="counter")
    try:
        monkeypatch.setattr(pins, "SCRYPT_LOG_N", 11)
        svc.add_staff(CODE, PIN)
        monkeypatch.setattr(pins, "SCRYPT_LOG_N", 12)
        assert svc.sign_in(CODE, PIN).ok
        assert svc.staff_roster().hash_for(CODE).startswith("scrypt$12$")
    finally:
        svc.close()


def test_staff_rules_and_modes(home):
    svc = TerminalService.from_home(home, mode="kiosk")
    try:
        for code in ("张三", "a b", "x" * 33, "110101199003077777.1"):
            with pytest.raises(StaffError):
                svc.add_staff(code, PIN)
        with pytest.raises(StaffError):
            svc.add_staff(CODE, "1234")
        svc.add_staff(CODE, PIN)
        with pytest.raises(ConfigError, match="kiosk"):
            svc.sign_in(CODE, PIN)                          # nobody signs in at the public kiosk
        with pytest.raises(ConfigError, match="kiosk"):
            svc.record_manual("senior", True)              # nor records a paper check there
        svc.mode = "gate"
        with pytest.raises(ConfigError, match="sign in first"):
            svc.record_manual("senior", True)              # at the gate it opens the gate: staff signed in only
        with pytest.raises(ConfigError, match="scan event"):
            svc.record_dispute("0b7e3f4c-1d2a-4e5f-8a9b-0c1d2e3f4a5b", "wrong_admission")
        raw = json.dumps(Store.open(home).staff.load())
        assert PIN not in raw and "scrypt$" in raw
    finally:
        svc.close()
    with pytest.raises(ConfigError, match="not enrolled"):
        TerminalService.from_files().sign_in(CODE, PIN)


# ---------------------------------------------------------------------------------- dispute and paper check

def test_dispute_a_recent_verdict_at_the_gate(qtbot, make_app, home):
    rt = app(make_app, home)
    w = rt.window
    first = rt.service.scan("EZ1:FIRST")
    rt.service.scan("EZ1:SECOND")
    scans = rt.service.recent_scans()
    assert len(scans) == 2 and first.reason

    def pick_older(dlg):
        assert dlg.verdicts.count() == 2 and dlg.verdicts.currentRow() == 0        # newest first
        assert set(dlg.code_buttons) == set(DISPUTE_CODES)
        dlg.verdicts.setCurrentRow(1)
        dlg.code_buttons["holder_disputes_refusal"].click()
    in_dialog(w, pick_older)
    assert w.staff_button.dispute()
    ev = events(home)[-1]
    assert (ev["kind"], ev["ref"], ev["code"]) == ("dispute", scans[1]["id"], "holder_disputes_refusal")
    assert set(ev) == {"id", "kind", "ts", "terminal", "venue", "mode", "ref", "code", "prev", "hash"}
    assert not w.staff_button.manual_action.isVisible()


def test_paper_certificate_checked_by_hand_at_the_counter(qtbot, make_app, home):
    rt = app(make_app, home, mode="counter")
    w = rt.window
    rt.service.sign_in(CODE, PIN)

    def senior_valid(dlg):
        dlg.cert.setCurrentIndex(dlg.cert.findData("senior"))
        assert dlg.cert.currentText() == "老年人优待证"
        dlg.valid_button.click()
    in_dialog(w, senior_valid)
    assert w.staff_button.manual()

    def disability_not_valid(dlg):
        dlg.cert.setCurrentIndex(dlg.cert.findData("disability"))
        dlg.invalid_button.click()
    in_dialog(w, disability_not_valid)
    assert w.staff_button.manual()
    evs = events(home)[-2:]
    assert [(e["kind"], e["cert"], e["valid"], e["operator"], e["mode"]) for e in evs] == [
        ("manual", "senior", True, CODE, "counter"), ("manual", "disability", False, CODE, "counter")]
    assert set(evs[0]) == {"id", "kind", "ts", "terminal", "venue", "mode", "operator", "cert", "valid", "prev",
                           "hash"}                          # nothing about the holder


# ---------------------------------------------------------------------------------- admin, kiosk, quarantine

def test_admin_adds_and_removes_staff_codes(qtbot, make_app, home):
    rt = app(make_app, home)
    w = rt.window
    qtbot.waitUntil(lambda: w.status is not None and w.status.enrolled, timeout=5000)
    w.settings = w.settings.with_(pin_hash=w.pin_guard.hash_new(PIN))
    seen = {}

    def in_pin():
        w.pin_dialog.edit.setText(PIN)
        w.pin_dialog.try_accept()
        QTimer.singleShot(0, in_settings)

    def in_settings():
        QTimer.singleShot(0, in_codes)
        w.settings_dialog.staff_button.click()
        w.settings_dialog.reject()

    def in_codes():
        dlg = w.staff_codes_dialog
        assert [dlg.list.item(i).data(256) for i in range(dlg.list.count())] == [CODE]
        dlg.code.setText("张三")
        dlg.pin1.setText(PIN)
        dlg.pin2.setText(PIN)
        assert not dlg.add() and dlg.error.text() == "员工编号为 1 至 32 个字母、数字、_ 或 -"
        dlg.code.setText("counter-2")
        dlg.pin1.setText("246801")
        dlg.pin2.setText("246801")
        assert dlg.add()
        dlg.list.setCurrentRow(0)
        seen["removed"] = dlg.list.currentItem().data(256)
        assert dlg.remove_selected()
        seen["left"] = rt.service.staff_codes()
        dlg.accept()
    QTimer.singleShot(0, in_pin)
    w.open_admin()
    assert seen == {"removed": "counter-2", "left": [CODE]}


def test_the_kiosk_shows_nothing_of_staff_and_signs_staff_out(qtbot, make_app, home):
    rt = app(make_app, home)
    w = rt.window
    with Store.open(home) as st:
        ev = st.outbox.append({"terminal": "T-1", "venue": "V-1", "mode": "gate", "valid": False, "reason": "expired"})
        st.outbox.quarantine({ev["id"]: ("schema", "event field 'policy' must be an identifier\x1b[2J")}, at=1)
    qtbot.waitUntil(lambda: w.quarantine_note.isVisible(), timeout=5000)
    assert w.quarantine_note.text() == "⚠ 平台拒收：1 条（schema ×1）"
    assert "\x1b" not in w.quarantine_note.toolTip() and "policy" in w.quarantine_note.toolTip()
    rt.service.sign_in(CODE, PIN)
    rt.apply_settings(rt.settings.with_(mode="kiosk"))
    assert rt.service.operator is None and events(home)[-1]["action"] == "sign_out"
    w.on_status(rt.service.status(), (0, 0))
    assert not w.staff_button.isVisible() and not w.quarantine_note.isVisible()
    with pytest.raises(ConfigError):
        rt.service.sign_in(CODE, PIN)


def test_status_command_shows_the_quarantine_and_the_platforms_error(home, capsys):
    from terminal.cli import main
    with Store.open(home) as st:
        evs = [st.outbox.append({"terminal": "T-1", "venue": "V-1", "mode": "gate", "valid": True, "reason": "ok"})
               for _ in range(3)]
        st.outbox.quarantine({evs[0]["id"]: ("conflict", "id reused with another hash"),
                              evs[1]["id"]: ("schema", "bad ts")}, at=100)
        st.outbox.quarantine({evs[2]["id"]: ("schema", "bad ts\x07 again")}, at=200)
    assert main(["--home", str(home), "status"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("quarantine"))
    assert line == ("quarantine   3 events rejected by the platform, kept and not sent again (schema 2, conflict 1); "
                    "newest: bad ts? again")
    assert main(["--home", str(home), "status", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert (d["events_quarantined"], d["quarantine_errors"], d["quarantine_detail"]) == (
        3, {"schema": 2, "conflict": 1}, "bad ts? again")


def test_staff_command_adds_lists_and_removes_with_the_pin_never_an_argument(home, capsys, monkeypatch):
    import io
    from terminal.cli import main
    monkeypatch.setattr("sys.stdin", io.StringIO(PIN + "\n"))
    assert main(["--home", str(home), "staff", "add", CODE, "--pin-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    assert main(["--home", str(home), "staff", "add", "gate-08", "--pin-stdin"]) == 2
    assert main(["--home", str(home), "staff", "add", "张三", "--pin-stdin"]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["--home", str(home), "staff", "add", "gate-09"]) == 2          # not a terminal: no prompt
    capsys.readouterr()
    assert main(["--home", str(home), "staff", "list"]) == 0
    assert capsys.readouterr().out == f"{CODE}\n"
    svc = TerminalService.from_home(home, mode="gate")
    try:
        assert svc.sign_in(CODE, PIN).ok                  # the CLI's PIN signs in at the app's service
    finally:
        svc.close()
    assert main(["--home", str(home), "staff", "remove", CODE]) == 0
    assert main(["--home", str(home), "staff", "remove", CODE]) == 1


def test_staff_events_upload_to_the_real_platform_and_chain(platform, tmp_path):
    """Sign-in, a scan, a dispute, a paper check and the sign-out go through the one outbox path
    and `venue-terminal sync` to the reference platform: all accepted, none quarantined, and the
    platform recomputes an intact chain."""
    from terminal.cli import main
    from terminal.commands.demo import enrol
    home = tmp_path / "enrolled"
    enrol(home, platform)
    svc = TerminalService.from_home(home, mode="counter")
    try:
        svc.add_staff(CODE, PIN)
        assert svc.sign_in(CODE, PIN).ok
        svc.scan("HTTPS://EXAMPLE.COM/NOT-OURS")
        svc.record_dispute(svc.recent_scans(1)[0]["id"], "suspected_misuse")
        svc.record_manual("student", False)
        svc.sign_out()
        terminal_id = svc.status().terminal_id
    finally:
        svc.close()
    local = [e for e in events(home) if e.get("kind") in ("session", "dispute", "manual") or e.get("operator")]
    assert len(local) == 5
    assert main(["--home", str(home), "sync", "--once"]) == 0
    svc = TerminalService.from_home(home)
    try:
        st = svc.status()
    finally:
        svc.close()
    assert (st.events_pending, st.events_quarantined) == (0, 0)
    held = {e["id"]: e for e in platform.events()}
    assert all(e["id"] in held for e in local)
    assert [(held[e["id"]].get("hash"), held[e["id"]].get("operator")) for e in local] == \
        [(e["hash"], CODE) for e in local]
    assert platform.platform.chain_breaks(terminal_id) == []
