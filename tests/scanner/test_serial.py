"""Serial scanner over a real pseudo-terminal (os.openpty) with pyserial."""
from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

from scanner import synth
from scanner.serial_scanner import SerialScanner


@pytest.fixture
def pty():
    master, slave = os.openpty()
    name = os.ttyname(slave)
    yield master, name
    for fd in (master, slave):
        try:
            os.close(fd)
        except OSError:
            pass


def collect(scanner, n, timeout=5.0):
    out = []
    deadline = time.monotonic() + timeout
    for ev in scanner.events():
        out.append(ev)
        if len(out) == n or time.monotonic() > deadline:
            break
    return out


def test_lines_become_scan_events(pty):
    master, name = pty
    rng = np.random.default_rng(5)
    big = synth.random_payload(rng, 690, 700)  # large codes are why serial scanners exist
    small = "EZ1:ABC"
    with SerialScanner(name, baudrate=9600, terminator="CR") as sc:
        data = (big + "\r" + small + "\r").encode()
        for i in range(0, len(data), 97):  # arrives in pieces, as a UART delivers it
            os.write(master, data[i:i + 97])
        events = collect(sc, 2)
    assert [e.text for e in events] == [big, small]
    assert events[0].raw == big.encode() and events[0].source == "serial"
    assert events[0].ts <= events[1].ts


@pytest.mark.parametrize("terminator,sent,expected", [
    ("auto", b"AAA\r\nBBB\nCCC\r", ["AAA", "BBB", "CCC"]),
    ("LF", b"AAA\nBBB\n", ["AAA", "BBB"]),
    ("CRLF", b"AAA\r\nBBB\r\n", ["AAA", "BBB"]),
    (b"\x03", b"\x02AAA\x03\x02BBB\x03", ["\x02AAA", "\x02BBB"]),
])
def test_terminators(pty, terminator, sent, expected):
    master, name = pty
    with SerialScanner(name, terminator=terminator) as sc:
        os.write(master, sent)
        assert [e.text for e in collect(sc, len(expected))] == expected


def test_garbage_without_terminator_is_dropped(pty):
    master, name = pty
    with SerialScanner(name, terminator="CR", max_length=64) as sc:
        os.write(master, b"x" * 200)
        os.write(master, b"\rEZ1:OK\r")
        assert [e.text for e in collect(sc, 1)] == ["EZ1:OK"]


def test_port_gone_ends_without_reconnect(pty):
    master, name = pty
    sc = SerialScanner(name, terminator="CR", reconnect=False)
    sc.open()
    os.write(master, b"EZ1:ONE\r")
    got = []

    def reader():
        for raw in sc.scans():
            got.append(raw)

    t = threading.Thread(target=reader)
    t.start()
    deadline = time.monotonic() + 5
    while not got and time.monotonic() < deadline:
        time.sleep(0.01)
    os.close(master)  # the scanner is unplugged: reads on the pty fail
    t.join(5)
    assert not t.is_alive()
    assert got == [b"EZ1:ONE"] and sc.state == "failed"


def test_stop_from_another_thread(pty):
    master, name = pty
    sc = SerialScanner(name)
    sc.open()
    threading.Timer(0.2, sc.stop).start()
    t0 = time.monotonic()
    assert list(sc.scans()) == []
    assert time.monotonic() - t0 < 3
    sc.close()


def test_loop_url_and_bad_terminator():
    with SerialScanner("loop://", terminator="LF") as sc:
        sc._ser.write(b"EZ1:LOOP\n")
        assert [e.text for e in collect(sc, 1)] == ["EZ1:LOOP"]
    with pytest.raises(ValueError):
        SerialScanner("loop://", terminator=b"")


def test_overlong_line_split_across_reads_is_dropped_whole():
    sc = SerialScanner("loop://", terminator="CR", max_length=64)
    sc._buf.extend(b"y" * 100)
    assert sc._split() == []
    sc._buf.extend(b"y" * 30 + b"\rEZ1:NEXT\r")
    assert sc._split() == [b"EZ1:NEXT"]


@pytest.mark.parametrize("spec,expected", [
    ("", None), ("none", None), ("serial:/dev/ttyUSB0", {"port": "/dev/ttyUSB0"}),
    ("serial:/dev/ttyACM0@9600", {"port": "/dev/ttyACM0", "baudrate": 9600}),
    ("SERIAL:loop://", {"port": "loop://"}),
])
def test_scanner_specs(spec, expected):
    from scanner.serial_scanner import parse_scanner_spec
    assert parse_scanner_spec(spec) == expected


@pytest.mark.parametrize("spec", ["serial:", "camera:0", "/dev/ttyUSB0", "serial:@9600"])
def test_bad_scanner_specs(spec):
    from scanner.serial_scanner import parse_scanner_spec
    with pytest.raises(ValueError):
        parse_scanner_spec(spec)


def test_serial_scans_take_the_handheld_dispatch_path(pty):
    """pty -> SerialScanner (on a HandheldFeed thread) -> the shared debounce step -> handler:
    a scanner that sends a code twice in a row gives one scan."""
    from scanner.loop import HandheldFeed, handheld_dispatch
    from scanner.serial_scanner import open_scanner
    master, name = pty
    got = []
    feed = HandheldFeed(open_scanner(f"serial:{name}@9600", terminator="CR"), handheld_dispatch(got.append)).start()
    try:
        deadline = time.monotonic() + 5
        while feed.scanner.state != "live" and time.monotonic() < deadline:   # pyserial set raw mode
            time.sleep(0.01)
        os.write(master, b"EZ1:TWICE\rEZ1:TWICE\rEZ1:OTHER\r")
        while len(got) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)
    finally:
        feed.stop()
    assert not feed.running and feed.error is None
    assert [(e.text, e.source) for e in got] == [("EZ1:TWICE", "serial"), ("EZ1:OTHER", "serial")]
