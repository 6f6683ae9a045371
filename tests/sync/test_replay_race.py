"""The replay decision is the claim (issue 12, spec section 3 and 7): eight `venue-terminal
--home H verify` processes started together on one fresh EP1 presentation admit it exactly
once; the others are `replayed`, and the scan log holds one ok and seven replayed events."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from cache import Store

REPO = Path(__file__).resolve().parents[2]


def _presentation(platform) -> str:
    minted = platform.plat.mint("resident", dynamic=True)
    return minted[0].text


def test_eight_processes_one_home_one_presentation(platform, enrolled, tmp_path):
    home = enrolled()
    code = _presentation(platform)
    assert code.startswith("EP1:")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    barrier = time.time() + 3.0            # every child starts verifying at the same moment
    script = ("import sys,time; t=float(sys.argv[1]); time.sleep(max(0, t-time.time())); "
              "from terminal.cli import main; sys.exit(main(sys.argv[2:]))")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(barrier), "--home", str(home), "verify", "--json", "-"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env, cwd=REPO) for _ in range(8)]
    outs = [p.communicate(code + "\n", timeout=120) for p in procs]
    rows = [json.loads(o.splitlines()[-1]) for o, _e in outs]
    reasons = sorted(r["reason"] for r in rows)
    assert reasons == ["ok"] + ["replayed"] * 7, (reasons, [e[-300:] for _o, e in outs])
    assert sorted(p.returncode for p in procs) == [0] + [1] * 7
    with Store.open(home) as st:
        logged = sorted(e["reason"] for e in st.outbox.recent(50))
    assert logged == ["ok"] + ["replayed"] * 7


def test_lost_claim_in_process_is_replayed(platform, enrolled):
    """Two services on one home: both verify before either records; the second to record loses
    the claim and shows (and logs) replayed, never a second green."""
    from terminal.service import TerminalService
    home = enrolled()
    code = _presentation(platform)
    a = TerminalService.from_home(home)
    b = TerminalService.from_home(home)
    try:
        # b's replay lookup cannot see a's claim yet: both pass verify(); the claim decides.
        from terminal import verify as V
        va = V.verify(code, a.snapshot, int(time.time()), a.policy)
        vb = V.verify(code, b.snapshot, int(time.time()), b.policy)
        assert va.valid and vb.valid
        ra = a._record(va, int(time.time()), time.time())
        rb = b._record(vb, int(time.time()), time.time())
        assert (ra.reason, rb.reason) == ("ok", "replayed")
        assert rb.outcome.value == "refuse"
    finally:
        a.close()
        b.close()
