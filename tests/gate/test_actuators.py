"""The gate's actuators and controller against simulated hardware: a relay board on a pty, a
network turnstile controller on 127.0.0.1, a pass sensor on pyserial's loop:// port (its CTS
follows its own RTS: the test breaks the beam by raising RTS)."""
from __future__ import annotations

import os
import threading

import pytest

from gate.actuators import (ActuatorError, ActuatorSpecError, GpioLine, HttpTurnstile, SerialRelay, open_actuator,
                            open_sensor, parse_actuator, parse_sensor, relay_frame)
from gate.controller import STATE_FAULT as FAULT, STATE_OK as OK, GateController

from gate_sim import PtyRelay, Turnstile, wait_for


def test_relay_frames_are_the_lcus_commands():
    assert relay_frame(1, True) == bytes.fromhex("A00101A2")
    assert relay_frame(1, False) == bytes.fromhex("A00100A1")
    assert relay_frame(2, True) == bytes.fromhex("A00201A3")


@pytest.mark.parametrize("spec,kind,target,extra", [
    ("serial:/dev/ttyUSB0", "serial", "/dev/ttyUSB0", {"baud": 9600, "channel": 1}),
    ("serial:/dev/serial/by-id/usb-1a86@115200#3", "serial", "/dev/serial/by-id/usb-1a86", {"baud": 115200, "channel": 3}),
    ("gpio:/dev/gpiochip0:17", "gpio", "/dev/gpiochip0", {"line": 17, "active_low": False}),
    ("gpio:gpiochip1:4:active_low", "gpio", "/dev/gpiochip1", {"line": 4, "active_low": True}),
    ("http://127.0.0.1:8080/open", "http", "http://127.0.0.1:8080/open", {}),
    ("https://gate-ctl.example/api/open", "http", "https://gate-ctl.example/api/open", {}),
])
def test_actuator_specs(spec, kind, target, extra):
    s = parse_actuator(spec)
    assert (s.kind, s.target) == (kind, target)
    for k, v in extra.items():
        assert getattr(s, k) == v


@pytest.mark.parametrize("spec", ["bogus", "serial:", "serial:/dev/x@fast", "serial:/dev/x#9", "gpio:/dev/gpiochip0",
                                  "gpio:/dev/gpiochip0:x", "http://", "https://u:p@host/open", "ftp://h/x",
                                  "serial:/dev/\x00x", "x" * 600])
def test_bad_actuator_specs_are_one_line(spec):
    with pytest.raises(ActuatorSpecError) as e:
        parse_actuator(spec)
    assert "\n" not in str(e.value)


def test_sensor_specs():
    assert parse_sensor("") is None and parse_actuator("none") is None
    assert parse_sensor("serial-cts:/dev/ttyUSB1").kind == "serial-cts"
    s = parse_sensor("gpio-in:gpiochip0:5:active_low")
    assert (s.target, s.line, s.active_low) == ("/dev/gpiochip0", 5, True)
    with pytest.raises(ActuatorSpecError):
        parse_sensor("serial-rts:/dev/ttyUSB1")


def test_gpio_without_a_chip_is_not_available_cleanly(tmp_path):
    """No /dev/gpiochip* here (no gpio-sim module either): the binding is loaded and says so in one line."""
    act = open_actuator(f"gpio:{tmp_path}/gpiochip9:17")
    assert isinstance(act, GpioLine)
    with pytest.raises(ActuatorError, match="gpio not available: .* does not exist"):
        act.pulse(0.01)
    (tmp_path / "notachip").write_bytes(b"")
    with pytest.raises(ActuatorError, match="not a GPIO chip"):
        GpioLine(str(tmp_path / "notachip"), 1).probe()
    with pytest.raises(ActuatorError, match="gpio not available"):
        open_sensor(f"gpio-in:{tmp_path}/gpiochip9:3").read()


def test_a_token_goes_only_over_https_or_loopback(tmp_path):
    with pytest.raises(ActuatorSpecError, match="https"):
        HttpTurnstile("http://10.0.0.9/open", token_file=str(tmp_path / "t"))
    HttpTurnstile("https://10.0.0.9/open", token_file=str(tmp_path / "t"))
    HttpTurnstile("http://127.0.0.1:9/open", token_file=str(tmp_path / "t"))


def _controller(act, **kw):
    results, changes = [], []
    gc = GateController(act, pulse_s=kw.pop("pulse_s", 0.05), retry_s=kw.pop("retry_s", 0.1),
                        on_result=lambda ref, ok, err: results.append((ref, ok, err)),
                        on_change=lambda st, fault: changes.append((st, fault)), **kw)
    return gc.start(), results, changes


def test_relay_on_a_pty_pulses_once_per_admission_and_recovers_from_a_pulled_cable(tmp_path):
    board = PtyRelay(tmp_path / "ttyRELAY")
    gc, results, changes = _controller(SerialRelay(str(tmp_path / "ttyRELAY")))
    try:
        for i in range(3):
            assert gc.admit(f"a{i}")
            assert wait_for(lambda: len(results) == i + 1)
        assert wait_for(lambda: len(board.frames) == 6)
        assert board.opens == 3 and not board.closed_contact
        assert board.frames == [relay_frame(1, True), relay_frame(1, False)] * 3
        assert [ok for _, ok, _ in results] == [True] * 3 and gc.state == OK

        board.unplug()                                   # the cable is pulled
        gc.admit("lost")
        assert wait_for(lambda: len(results) == 4)
        assert results[-1][:2] == ("lost", False) and "relay" in results[-1][2]
        assert gc.state == FAULT and changes[-1][0] == FAULT

        board.plug()                                     # plugged back in: found by the background probe
        assert wait_for(lambda: gc.state == OK, timeout=5)
        opens = board.opens
        gc.admit("after")
        assert wait_for(lambda: len(results) == 5) and results[-1][1]
        assert wait_for(lambda: board.opens == opens + 1)
        assert board.opens == opens + 1                  # the lost admission was never pulsed later
        assert gc.snapshot()["pulses"] == 4 and gc.snapshot()["failures"] == 1
    finally:
        gc.stop()
        board.unplug()


def _token(tmp_path, text: str):
    tok = tmp_path / "token"
    tok.write_text(text)
    return tok


def test_http_turnstile_with_a_token_and_a_killed_server(tmp_path):
    tok = _token(tmp_path, "s3cret-token\n")
    ctl = Turnstile(token="s3cret-token")
    gc, results, _ = _controller(HttpTurnstile(ctl.url, timeout=0.5, token_file=str(tok)), pulse_s=0.3)
    try:
        gc.admit("a")
        assert wait_for(lambda: len(results) == 1) and results[0][1]
        assert ctl.opens == 1 and ctl.requests[0]["body"] == {"pulse_ms": 300}
        assert ctl.requests[0]["auth"] == "Bearer s3cret-token"

        ctl.stop()                                       # the controller goes away mid-run
        gc.admit("b")
        assert wait_for(lambda: len(results) == 2) and not results[1][1] and gc.state == FAULT
        ctl.start()                                      # back on the same port
        assert wait_for(lambda: gc.state == OK, timeout=5)
        gc.admit("c")
        assert wait_for(lambda: len(results) == 3) and results[2][1]
        assert ctl.opens == 2                            # probes are pulse_ms 0: they never open the arm

        ctl.delay = 1.0                                  # a controller that hangs: the timeout, a fault
        gc.admit("d")
        assert wait_for(lambda: len(results) == 4, timeout=5) and not results[3][1]
        assert "timed out" in results[3][2]
        ctl.delay = 0
        assert wait_for(lambda: gc.state == OK, timeout=5)
    finally:
        gc.stop()
        ctl.stop()


def test_wrong_token_is_a_fault(tmp_path):
    tok = _token(tmp_path, "wrong")
    ctl = Turnstile(token="right")
    act = HttpTurnstile(ctl.url, timeout=1, token_file=str(tok))
    try:
        with pytest.raises(ActuatorError, match="HTTP 401"):
            act.pulse(0.1)
        tok.write_text("two words")
        with pytest.raises(ActuatorError, match="not one token"):
            act.pulse(0.1)
        assert ctl.opens == 0
    finally:
        ctl.stop()


def test_a_full_queue_and_a_stale_admission_are_not_pulsed(tmp_path):
    ctl = Turnstile()
    ctl.delay = 0.4
    gc, results, _ = _controller(HttpTurnstile(ctl.url, timeout=2), queue_size=1, max_age_s=0.3)
    try:
        oks = [gc.admit(r) for r in ("a", "b", "c")]    # a is being sent, b waits, c finds the queue full
        assert oks[2] is False or oks[1] is False
        assert wait_for(lambda: len(results) == 3, timeout=5)
        by = {r: (ok, err) for r, ok, err in results}
        assert by["a"][0] is True
        assert sum(1 for ok, _ in by.values() if not ok) == 2
        assert ctl.opens == 1
    finally:
        gc.stop()
        ctl.stop()


def test_pass_sensor_marks_walk_throughs_and_no_shows(tmp_path):
    board = PtyRelay(tmp_path / "ttyRELAY")
    sensor = open_sensor("serial-cts:loop://")
    beam = sensor.handle                                  # loop://: CTS reads back RTS
    beam.rts = False                                      # the passage is clear
    passes = []
    gc, results, _ = _controller(SerialRelay(str(tmp_path / "ttyRELAY")), sensor=sensor, pass_timeout_s=0.6,
                                 on_pass=lambda ref, walked: passes.append((ref, walked)))
    try:
        gc.admit("walks")
        assert wait_for(lambda: len(results) == 1)
        beam.rts = True                                   # someone enters the passage
        assert wait_for(lambda: passes == [("walks", True)])
        beam.rts = False
        gc.admit("stays")
        assert wait_for(lambda: passes == [("walks", True), ("stays", False)], timeout=3)
        beam.rts = True                                   # a pass with no admission waiting
        assert wait_for(lambda: gc.snapshot()["sensor"]["unexpected"] == 1)
        snap = gc.snapshot()["sensor"]
        assert (snap["walked"], snap["not_walked"]) == (1, 1)
    finally:
        gc.stop()
        board.unplug()
