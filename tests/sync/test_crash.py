"""SIGKILL while scanning: a child process scans codes through an enrolled terminal
(TerminalService.from_home(...).scan) and prints `<event id> <reason>` after each scan()
returns; we kill it with SIGKILL at random moments. After every kill the database must
open, the hash chain must verify, and every event whose verdict was returned (printed)
must be in the outbox with the same reason.

VT_SYNC_CRASH_KILLS=N sets the number of kills (default 10; each round costs about the
child's start-up, ~1 s here). VT_CRASH_SEED reproduces the random kill delays.
bench/crash_kill.py runs the same loop 50+ times (python -m bench.crash_kill [--kills N]).
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
KILLS = int(os.environ.get("VT_SYNC_CRASH_KILLS", "10"))


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


def test_scan_log_survives_sigkill_while_scanning(tmp_path):
    seed = int(os.environ.get("VT_CRASH_SEED", str(time.time_ns())))
    rng = random.Random(seed)
    home, codes_file = tmp_path / "home", tmp_path / "codes.txt"
    enrolled_home(home, codes_file)
    returned: dict[str, str] = {}
    for n in range(KILLS):
        printed, _ = kill_once(home, codes_file, rng)
        returned.update(printed)
        where = f"(kill {n + 1}/{KILLS}, VT_CRASH_SEED={seed})"
        with Store.open(home) as store:
            ok, problem = store.outbox.verify_chain()
            assert ok, f"chain broken {where}: {problem}"
            held = {i: r for i, r in store.conn.execute("SELECT id, json_extract(body, '$.reason') FROM outbox")}
        missing = [i for i in returned if i not in held]
        assert not missing, f"{len(missing)} events whose verdict was returned are lost {where}"
        assert all(held[i] == r for i, r in returned.items()), f"a logged reason differs from the verdict {where}"
        # at most one committed-but-unprinted event per kill
        assert len(held) - len(returned) <= n + 1, where
    assert len(returned) >= KILLS, "the child scanned too little to test anything"
    reasons = set(returned.values())
    assert {"ok", "revoked", "unknown_format"} <= reasons, reasons
