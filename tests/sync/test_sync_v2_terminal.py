"""Spec v2 section 6 on the terminal side, against the real platform on loopback: enrolment by
one-time code, the token never sent to a second host, rejected events quarantined without
blocking the rest, 413 halving the batch, and answers refused within the size limits."""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cache import Store
from terminal.sync import Syncer

from .conftest import enrol, run_terminal

REPO = Path(__file__).resolve().parents[2]


class Listener:
    """A TCP listener on another loopback port that records every byte it is sent."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self._stop = False
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        while not self._stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            c.settimeout(1)
            try:
                while True:
                    d = c.recv(65536)
                    if not d:
                        break
                    self.received += d
            except OSError:
                pass
            c.close()

    def close(self):
        self._stop = True
        self.t.join(2)
        self.sock.close()


def _scan(home: Path, n: int) -> None:
    from terminal.service import open_service
    with open_service(home=home) as svc:
        for k in range(n):
            svc.scan(f"HTTPS://EXAMPLE.COM/{k}")


def test_enrol_by_code_once_and_the_code_is_spent(platform, tmp_path, capsys):
    code = platform.platform.add_terminal_code("V-42")
    args = ["enroll", "--platform", platform.url, f"--code={code}", "--root-key", str(platform.root_pem), "--json"]
    assert run_terminal("--home", str(tmp_path / "a"), *args) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["venue"] == "V-42" and out["sync"]["ok"] is True
    assert [t.id for t in platform.platform.terminals()] == [out["terminal_id"]]
    assert run_terminal("--home", str(tmp_path / "b"), *args) == 1          # the same code again
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "code" in err[0]
    with Store.open(tmp_path / "b") as st:
        assert st.identity.load_identity() is None                          # nothing stored


def test_the_token_is_never_sent_to_a_second_host(platform, tmp_path, capsys):
    home = tmp_path / "home"
    assert enrol(platform, home) == 0
    other = Listener()
    try:
        from terminal.service import open_service
        with open_service(home=home) as svc:
            with pytest.raises(Exception, match="enrolling again"):
                svc.set_platform_url(f"http://127.0.0.1:{other.port}")
        # a re-enrolment at the other host with --force sends only the code, never the old token
        with Store.open(home) as st:
            token = st.identity.load_identity().token
        rc = run_terminal("--home", str(home), "enroll", "--platform", f"http://127.0.0.1:{other.port}",
                          "--code=some-code-xyz", "--root-key", str(platform.root_pem), "--force")
        assert rc == 1
        with Syncer(home) as s:
            assert s.run_once().ok                                          # still the enrolled platform
        time.sleep(0.3)
        assert token.encode() not in other.received and b"Authorization" not in other.received
    finally:
        other.close()
    with Store.open(home) as st:
        assert st.identity.load_identity().token == token                  # the failed re-enrolment kept it


def test_a_poisoned_event_is_quarantined_and_the_rest_flow(platform, tmp_path):
    home = tmp_path / "home"
    assert enrol(platform, home) == 0
    _scan(home, 1000)
    # one event in the middle becomes one the platform must refuse (a name in the venue field)
    db = sqlite3.connect(home / "terminal.db")
    seq, body = db.execute("SELECT seq, body FROM outbox ORDER BY seq LIMIT 1 OFFSET 500").fetchone()
    ev = json.loads(body)
    ev["venue"] = "王芳 370102199001011234"
    db.execute("UPDATE outbox SET body = ? WHERE seq = ?", (json.dumps(ev, ensure_ascii=False), seq))
    db.commit()
    db.close()
    with Syncer(home) as s:
        rep = s.run_once()
    assert rep.uploaded == 999 and rep.quarantined == 1 and rep.pending == 0, rep
    with Store.open(home) as st:
        [q] = st.outbox.quarantined()
        assert q["id"] == ev["id"] and q["error"] == "schema"
    from terminal.service import open_service
    with open_service(home=home) as svc:
        assert svc.status().events_quarantined == 1
        svc.scan("HTTPS://EXAMPLE.COM/later")
    with Syncer(home) as s:
        rep = s.run_once()
    assert rep.uploaded == 1 and rep.quarantined == 0                       # later events keep flowing
    held = platform.platform.events()
    assert len(held) == 1000 and "王芳" not in json.dumps(held, ensure_ascii=False)


def test_413_halves_the_batch(platform, tmp_path):
    home = tmp_path / "home"
    assert enrol(platform, home) == 0
    _scan(home, 40)
    platform.set_faults(upload_body_limit=6000)                             # about 12 events per upload
    with Syncer(home) as s:
        rep = s.run_once()
    assert rep.ok and rep.uploaded == 40 and rep.pending == 0, rep
    platform.clear_faults()


@pytest.mark.parametrize("mode", ["gzip_bomb", "oversized", "slow_drip"])
def test_hostile_answers_are_refused_within_the_limits(platform, tmp_path, mode):
    home = tmp_path / "home"
    assert enrol(platform, home) == 0
    platform.set_faults(trust_list_mode=mode)
    # peak RSS from VmHWM, which exec resets: getrusage's ru_maxrss carries the parent's (pytest's) peak
    # across fork+exec, so it measured the test runner rather than the terminal
    code = ("import sys, time\n"
            "from pathlib import Path\n"
            "from terminal.sync import Syncer\n"
            "from terminal import transport\n"
            "transport.MAX_ANSWER_SECONDS = 4.0\n"
            "t = time.monotonic()\n"
            "with Syncer(sys.argv[1], retries=0) as s:\n"
            "    r = s.run_once()\n"
            "print(r.trust, r.ok, round(time.monotonic() - t, 1),\n"
            "      next(int(x.split()[1]) for x in Path('/proc/self/status').read_text().splitlines()\n"
            "           if x.startswith('VmHWM:')) // 1024, flush=True)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(home)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=str(REPO))
    platform.clear_faults()
    assert proc.returncode == 0, proc.stderr[-2000:]
    trust, ok, seconds, rss_mb = proc.stdout.split()
    assert trust in ("failed", "refused") and ok == "False", proc.stdout
    assert float(seconds) < 30 and int(rss_mb) < 300, proc.stdout
