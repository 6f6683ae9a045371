"""The gate end to end (issue 16): the real app (offscreen Qt, real worker threads) on an enrolled
home holding the spec's vectors as trust data, its turnstile a simulated relay board on a pty or a
network controller on 127.0.0.1. The output pulses exactly once per admission and never on a
refusal or a check; a pulled cable turns the admission amber and shows staff the fault, scanning
goes on, and the gate recovers without a restart; a pass sensor marks walk-throughs and an
admission nobody walked through is an `alert` event with its scan event's id and nothing about
the holder; staff signed in open the gate by hand (a `manual` event with the operator)."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("VENUE_TTS_ENGINE", "mock")

from cache import Store  # noqa: E402
from cache.identity import Identity  # noqa: E402
from terminal import pins, trust  # noqa: E402
from terminal.config import ConfigError  # noqa: E402
from terminal.service import TerminalService  # noqa: E402
from vocab.events import ALERT, MANUAL, NOT_WALKED, check_event, event_kind  # noqa: E402
from vocab.reasons import Outcome  # noqa: E402

from gate_sim import PtyRelay, Turnstile, wait_for  # noqa: E402

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "vectors"
if not VECTORS.exists():
    VECTORS = Path("/work/shared/spec/vectors")
CASES = json.loads((VECTORS / "cases.json").read_text())
NOW = CASES["now"]
CODE = {c["name"]: c["code"] for c in CASES["cases"]}
ADMIT = ("resident_es256_ok", "resident_ed25519_ok", "enterprise_ok")
REFUSE = ("tampered_payload", "expired", "revoked")
STAFF, PIN = "gate-07", "739164"


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch):
    monkeypatch.setattr(pins, "SCRYPT_LOG_N", 12)


@pytest.fixture
def home(tmp_path) -> Path:
    """An enrolled home holding the vectors' trust list and revocations."""
    h = tmp_path / "home"
    root_pem = (VECTORS / "root.pem").read_bytes()
    root = trust.load_root_key(root_pem)
    with Store.open(h) as st:
        st.identity.save_identity(Identity(terminal_id="T-gate", venue_id="V-1", platform_url="http://127.0.0.1:9",
                                           token="t", venue_secret=os.urandom(32), root_key_pem=root_pem))
        raw = (VECTORS / "trust-list.cose").read_bytes()
        st.trust.save_trust_list(raw, trust.verify_signed(raw, root), None)
        rl = trust.parse_revocations(trust.verify_signed((VECTORS / "revocations.cose").read_bytes(), root))
        st.revocations.apply_full(rl.seq, rl.next, rl.iat, sorted(rl.entries))
    return h


@pytest.fixture
def gate_app(qtbot, tmp_path, home):
    from ui.app import AppOptions, build
    made = []

    def make(*settings: str, mode: str = "gate", policy=None):
        svc = TerminalService.from_home(home, mode=mode, clock=lambda: NOW, policy=policy)
        opts = AppOptions(mode=mode, source="images:/nonexistent", settings_path=tmp_path / f"s{len(made)}.json",
                          fullscreen=False, service=svc, home=home, sync=False, status_interval_ms=100,
                          overrides=settings)
        rt = build(opts)
        made.append((rt, svc))
        qtbot.addWidget(rt.window)
        rt.window.resize(1024, 700)
        rt.window.show()
        rt.start()
        return rt

    yield make
    for rt, svc in made:
        rt.window.shutdown()
        rt.stop()
        svc.close()


def scan(qtbot, rt, name: str):
    """A handheld scan of a vectors case; returns the verdict once the window shows it."""
    w = rt.window
    n = w.verdicts_shown
    w.scan_requested.emit(CODE[name], time.perf_counter(), "wedge")
    qtbot.waitUntil(lambda: w.verdicts_shown > n, timeout=5000)
    return w.last_verdict


def events(home: Path) -> list[dict]:
    with Store.open(home) as st:
        assert st.outbox.verify_chain() == (True, None)
        evs = list(reversed(st.outbox.recent(1000)))
    for e in evs:
        check_event(e, chained=True)
    return evs


def test_relay_pulses_once_per_admission_and_a_pulled_cable_is_amber_then_recovers(qtbot, gate_app, tmp_path):
    relay = PtyRelay(tmp_path / "ttyUSB-relay")
    rt = gate_app(f"actuator=serial:{relay.link}", "actuator_pulse_s=0.05")
    w = rt.window
    for name in ("resident_es256_ok", "tampered_payload", "resident_ed25519_ok", "expired", "enterprise_ok", "revoked"):
        v = scan(qtbot, rt, name)
        assert (v.outcome is Outcome.ADMIT) == (name in ADMIT), name
    w.on_unreadable(time.perf_counter())                   # a check (amber) never opens either
    assert wait_for(lambda: relay.opens == 3 and not relay.closed_contact)
    time.sleep(0.3)
    assert relay.opens == 3                                 # exactly once per admission
    assert w.view.panel.outcome is Outcome.CHECK and w.view.panel.gate_fault is None

    relay.unplug()                                          # the cable is pulled
    v = scan(qtbot, rt, "resident_es256_ok")
    assert v.outcome is Outcome.ADMIT                       # the verdict itself is an admission...
    qtbot.waitUntil(lambda: w.view.panel.gate_fault is not None, timeout=5000)
    panel = w.view.panel
    assert panel.outcome is Outcome.CHECK                   # ...shown amber: the gate did not open
    assert panel.word.text() == "请联系工作人员" and "Please see staff" in panel.reason_en.text()
    assert "ttyUSB-relay" in panel.staff_line.text()
    qtbot.waitUntil(lambda: "gate" in w.alerts.kinds, timeout=3000)   # staff see the fault
    assert "ttyUSB-relay" in w.alerts.rows["gate"].text()
    t0 = time.perf_counter()
    v = scan(qtbot, rt, "tampered_payload")                 # scanning goes on meanwhile, at once
    assert v.outcome is Outcome.REFUSE and time.perf_counter() - t0 < 2.0
    v = scan(qtbot, rt, "resident_ed25519_ok")              # a known fault: amber straight away
    assert w.view.panel.outcome is Outcome.CHECK

    relay.plug()                                            # plugged back in: the background probe finds it
    qtbot.waitUntil(lambda: rt.gate_link.state == "ok", timeout=10000)
    qtbot.waitUntil(lambda: "gate" not in w.alerts.kinds, timeout=3000)
    opens = relay.opens
    v = scan(qtbot, rt, "enterprise_ok")
    assert wait_for(lambda: relay.opens == opens + 1)
    assert w.view.panel.outcome is Outcome.ADMIT and w.view.panel.gate_fault is None
    assert wait_for(lambda: rt.gate_link.snapshot()["pulses"] == 4)     # counted once the pulse ended
    snap = rt.gate_link.snapshot()
    assert snap["kind"] == "serial" and snap["state"] == "ok" and snap["pulses"] == 4 and snap["failures"] >= 1
    relay.unplug()


def test_http_turnstile_killed_and_restarted(qtbot, gate_app):
    ts = Turnstile()
    rt = gate_app(f"actuator={ts.url}", "actuator_timeout_s=0.5")
    w = rt.window
    for name in ("resident_es256_ok", "expired", "enterprise_ok"):
        scan(qtbot, rt, name)
    assert wait_for(lambda: ts.opens == 2)
    assert [r["body"]["pulse_ms"] for r in ts.requests] == [800, 800]
    ts.stop()                                               # the controller is gone
    scan(qtbot, rt, "resident_es256_ok")
    qtbot.waitUntil(lambda: w.view.panel.gate_fault is not None, timeout=5000)
    assert w.view.panel.outcome is Outcome.CHECK
    ts.start()
    qtbot.waitUntil(lambda: rt.gate_link.state == "ok", timeout=10000)
    scan(qtbot, rt, "resident_ed25519_ok")
    assert wait_for(lambda: ts.opens == 3)
    assert w.view.panel.gate_fault is None and w.view.panel.outcome is Outcome.ADMIT
    ts.stop()


def test_pass_sensor_not_walked_through_is_an_alert_event_without_personal_data(qtbot, gate_app, home):
    ts = Turnstile()
    rt = gate_app(f"actuator={ts.url}", "pass_sensor=serial-cts:loop://", "pass_timeout_s=1")
    beam = rt.gate_link.controller.sensor.handle             # loop://: CTS reads back RTS
    beam.rts = False
    walked: list[tuple[str, bool]] = []
    rt.gate_link.walked.connect(lambda ref, ok: walked.append((ref, ok)))
    scan(qtbot, rt, "resident_es256_ok")
    assert wait_for(lambda: ts.opens == 1)
    beam.rts = True                                          # someone walks through the passage
    time.sleep(0.1)
    beam.rts = False
    scan(qtbot, rt, "enterprise_ok")                         # this one nobody walks through
    qtbot.waitUntil(lambda: len(walked) == 2, timeout=5000)
    assert [ok for _, ok in walked] == [True, False]
    qtbot.waitUntil(lambda: any(event_kind(e) == ALERT for e in events(home)), timeout=3000)
    evs = events(home)
    scans = [e for e in evs if event_kind(e) == "scan"]
    alert = next(e for e in evs if event_kind(e) == ALERT)
    assert alert["code"] == NOT_WALKED and alert["ref"] == scans[1]["id"] == walked[1][0]
    assert scans[1]["valid"] and scans[0]["id"] == walked[0][0]
    assert not {"holder_ref", "typ", "issuer", "profile"} & set(alert)   # nothing about the holder
    assert rt.service.day_counts() == (2, 0)                 # still two admissions in the day's counts
    ts.stop()


def test_staff_open_the_gate_by_hand_as_a_manual_event_with_the_operator(qtbot, gate_app, home, tmp_path):
    from ui.qt import QTimer
    relay = PtyRelay(tmp_path / "ttyUSB-relay")
    rt = gate_app(f"actuator=serial:{relay.link}", "actuator_pulse_s=0.05")
    w, svc = rt.window, rt.service
    svc.add_staff(STAFF, PIN)
    sb = w.staff_button
    assert sb.open_gate_action.isVisible() and not sb.open_gate_action.isEnabled()   # signed in only
    with pytest.raises(ConfigError, match="sign in first"):
        svc.record_manual("senior", True)                    # nobody signed in: the gate stays shut
    assert svc.sign_in(STAFF, PIN).ok
    sb.retranslate()
    assert sb.open_gate_action.isVisible() and sb.open_gate_action.isEnabled()

    def press(valid: bool):
        def later():
            dlg = getattr(sb, "dialog", None)
            if dlg is None or not dlg.isVisible():
                QTimer.singleShot(10, later)
                return
            assert dlg.gate and dlg.valid_button.text() == "✓ 证件有效：开闸"
            dlg.cert.setCurrentIndex(dlg.cert.findData("senior"))
            (dlg.valid_button if valid else dlg.invalid_button).click()
            sb.dialog = None
        QTimer.singleShot(0, later)

    press(False)
    assert sb.open_gate_by_hand()                            # not valid: recorded, the gate stays shut
    press(True)
    assert sb.open_gate_by_hand()
    assert wait_for(lambda: relay.opens == 1)
    time.sleep(0.2)
    assert relay.opens == 1
    manual = [e for e in events(home) if event_kind(e) == MANUAL]
    assert [(e["cert"], e["valid"], e["operator"], e["mode"]) for e in manual] == \
        [("senior", False, STAFF, "gate"), ("senior", True, STAFF, "gate")]
    assert rt.gate_link.snapshot()["manual_pulses"] == 1
    relay.unplug()


ONE_A_DAY = """[policy]
name = "one-a-day"
accept = ["resident", "enterprise"]
stale_trust = "warn"

[policy.entry_limit]
max = 1
per = "day"
"""


def test_same_admission_never_pulses_and_not_walked_gives_the_entry_back(qtbot, gate_app, tmp_path, home):
    ts = Turnstile()
    policy = tmp_path / "one-a-day.toml"
    policy.write_text(ONE_A_DAY)
    rt = gate_app(f"actuator={ts.url}", "pass_sensor=serial-cts:loop://", "pass_timeout_s=1", policy=policy)
    w = rt.window
    beam = rt.gate_link.controller.sensor.handle             # loop://: CTS reads back RTS
    beam.rts = False
    walked: list[tuple[str, bool]] = []
    rt.gate_link.walked.connect(lambda ref, ok: walked.append((ref, ok)))

    def camera(name: str, held: bool):
        n = w.verdicts_shown
        rt.capture.scanned.emit(CODE[name], time.perf_counter(), "camera", held)
        qtbot.waitUntil(lambda: w.verdicts_shown > n, timeout=5000)
        return w.last_verdict

    v = camera("resident_es256_ok", False)
    assert v.outcome is Outcome.ADMIT
    assert wait_for(lambda: ts.opens == 1)
    for _ in range(2):                                       # the phone stays in view: the same admission
        v = camera("resident_es256_ok", True)
        assert v.outcome is Outcome.ADMIT and "same_admission" in v.warnings
    beam.rts = True                                          # the holder walks through
    time.sleep(0.1)
    beam.rts = False
    qtbot.waitUntil(lambda: len(walked) == 1, timeout=5000)
    assert walked[0][1] and ts.opens == 1                    # one pulse for the one admission
    v = camera("resident_es256_ok", False)                   # shown again after walking through: used
    assert v.reason == "entry_limit_reached" and ts.opens == 1

    v = camera("resident_ed25519_ok", False)                 # another holder; nobody walks through
    assert v.outcome is Outcome.ADMIT and wait_for(lambda: ts.opens == 2)
    qtbot.waitUntil(lambda: len(walked) == 2, timeout=5000)
    assert not walked[1][1]
    qtbot.waitUntil(lambda: any(e.get("code") == NOT_WALKED for e in events(home)), timeout=3000)
    v = camera("resident_ed25519_ok", False)                 # they come back: the entry was given back
    assert (v.reason, v.outcome) == ("ok", Outcome.ADMIT) and wait_for(lambda: ts.opens == 3)
    time.sleep(0.3)
    assert ts.opens == 3
    ts.stop()
