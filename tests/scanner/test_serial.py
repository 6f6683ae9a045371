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
