"""SIGKILL while scanning: a child process scans codes through an enrolled terminal
(TerminalService.from_home(...).scan) and prints `<event id> <reason>` after each scan()
returns; we kill it with SIGKILL at random moments. After every kill the database must
open, the hash chain must verify, and every event whose verdict was returned (printed)
must be in the outbox with the same reason.

The scanners are forked from a "zygote" that imported everything once, so a round costs a
fork plus the random delay (0-150 ms), not a Python start; one last round kills a freshly
started interpreter. VT_SYNC_CRASH_KILLS=N sets the number of kills (default 50);
VT_CRASH_SEED reproduces the random kill delays. bench/crash_kill.py runs longer soaks.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from cache import Identity, Store
from terminal import trust

from core.world import World

CHILD = Path(__file__).with_name("crash_child.py")
KILLS = int(os.environ.get("VT_SYNC_CRASH_KILLS", "50"))


def enrolled_home(home: Path, codes_file: Path) -> None:
    """An enrolled home holding a World's trust data, and a file of codes to scan."""
    now = int(time.time())
    w = World(seed=7, now=now)
    root = trust.load_root_key(w.root_pem())
    w.revoked_ctis.append(b"revoked-cti-0001")
    with Store.open(home) as store:
        store.identity.save_identity(Identity(
            terminal_id="T-crash", venue_id="V-crash", platform_url="http://127.0.0.1:9",
            token="t", venue_secret=os.urandom(32), root_key_pem=w.root_pem()))
        raw = w.trust_list_bytes()
        store.trust.save_trust_list(raw, trust.verify_signed(raw, root), None)
        rl = trust.parse_revocations(trust.verify_signed(w.revocations_bytes(), root))
        store.revocations.apply_full(rl.seq, rl.next, rl.iat, sorted(rl.entries))
    codes = [w.ez1("ES256", age=[18, 60]), w.ez1("EdDSA"), w.ez1("enterprise", typ="enterprise"),
             w.ez1("ES256", cti=b"revoked-cti-0001"), "NOT-A-CODE", w.ep1("ES256")]
    codes_file.write_text("\n".join(codes) + "\n")


def kill_once(home: Path, codes_file: Path, rng: random.Random) -> tuple[list[tuple[str, str]], int]:
    """Run the child, SIGKILL it at a random moment; return the (id, reason) lines it printed."""
    proc = subprocess.Popen([sys.executable, str(CHILD), str(home), str(codes_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        ready = proc.stdout.readline()
        assert ready == b"ready\n", f"child failed to start: {ready!r} {proc.stderr.read().decode()[-2000:]}"
        time.sleep(rng.uniform(0.0, 0.15))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        out = proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, proc.returncode
    lines = out.split(b"\n")[:-1]          # an unterminated last line was never fully printed
    return [tuple(line.decode().split(" ", 1)) for line in lines], proc.returncode


class Zygote:
    """crash_child.py --zygote: forks a scanner per round (a kill round costs ~a fork)."""

    def __init__(self, home: Path, codes_file: Path):
        self.proc = subprocess.Popen([sys.executable, str(CHILD), "--zygote", str(home), str(codes_file)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def _line(self) -> bytes:
        line = self.proc.stdout.readline()
        assert line.endswith(b"\n"), f"zygote died: {self.proc.stderr.read().decode()[-2000:]}"
        return line[:-1]

    def kill_once(self, rng: random.Random) -> list[tuple[str, str]]:
        """Fork a scanner, SIGKILL it at a random moment; return the (id, reason) lines it printed."""
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()
        pid, ready, printed = None, False, []
        while pid is None or not ready:          # "pid N" and the scanner's "ready", in either order
            line = self._line()
            if line.startswith(b"pid "):
                pid = int(line[4:])
            elif line == b"ready":
                ready = True
            else:
                printed.append(line)
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(pid, signal.SIGKILL)
        while True:
            line = self._line()
            if line.startswith(b"exit "):
                status = int(line[5:])
                break
            printed.append(line)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status
        return [tuple(p.decode().split(" ", 1)) for p in printed]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()
        self.proc.stderr.close()


def check_after_kill(home: Path, returned: dict[str, str], kills: int, where: str) -> int:
    """The database opens, the chain verifies, every returned verdict's event is held with its
    reason; returns how many events are held."""
    with Store.open(home) as store:
        ok, problem = store.outbox.verify_chain()
        assert ok, f"chain broken {where}: {problem}"
        held = dict(store.conn.execute("SELECT id, json_extract(body, '$.reason') FROM outbox"))
    missing = [i for i in returned if i not in held]
    assert not missing, f"{len(missing)} events whose verdict was returned are lost {where}"
    assert all(held[i] == r for i, r in returned.items()), f"a logged reason differs from the verdict {where}"
    assert len(held) - len(returned) <= kills, f"more unprinted events than kills {where}"
    return len(held)


def test_scan_log_survives_sigkill_while_scanning(tmp_path):
    seed = int(os.environ.get("VT_CRASH_SEED", str(time.time_ns())))
    rng = random.Random(seed)
    home, codes_file = tmp_path / "home", tmp_path / "codes.txt"
    enrolled_home(home, codes_file)
    returned: dict[str, str] = {}
    zygote = Zygote(home, codes_file)
    try:
        for n in range(KILLS):
            returned.update(zygote.kill_once(rng))
            check_after_kill(home, returned, n + 1, f"(kill {n + 1}/{KILLS}, VT_CRASH_SEED={seed})")
    finally:
        zygote.close()
    # one more kill of a freshly started interpreter (no fork), like a real terminal process
    returned.update(kill_once(home, codes_file, rng)[0])
    check_after_kill(home, returned, KILLS + 1, f"(spawned process, VT_CRASH_SEED={seed})")
    assert len(returned) >= KILLS, "the child scanned too little to test anything"
    assert {"ok", "revoked", "unknown_format"} <= set(returned.values())
