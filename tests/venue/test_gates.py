"""Gates of one venue sharing a Redis store (spec v2 section 7, issue 12): a presentation admitted
at one gate is replayed at the others, one printed senior code admits one person a day across
the park's gates and not a queue, another venue is not affected, and processes racing on one
code admit it exactly once. Real redis-server, real platform, real enrolled homes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cache import Store
from terminal.service import TerminalService
from vocab import reasons as R

REPO = Path(__file__).resolve().parents[2]
PARK = "park-senior"


def _services(homes, policy=PARK, **kw):
    return [TerminalService.from_home(h, policy=policy, **kw) for h in homes]


def _scan_events(home):
    with Store.open(home) as st:
        return [e for e in reversed(st.outbox.recent(200)) if e.get("kind", "scan") == "scan"]


def test_presentation_admitted_at_gate_1_is_replayed_at_gate_2(gates, redis_server, password_file, venue_platform):
    homes = gates(2, store=redis_server.url, password_file=password_file)
    g1, g2 = _services(homes, policy="general")
    try:
        code = venue_platform.platform.mint("resident", dynamic=True)[0].text
        v1, v2 = g1.scan(code), g2.scan(code)
        assert (v1.reason, v1.outcome.value) == ("ok", "admit")
        assert (v2.reason, v2.outcome.value) == ("replayed", "refuse")
        assert R.SHARED_STATE_UNAVAILABLE not in v1.warnings + v2.warnings
        assert g1.status().venue_store_state == "ok"
    finally:
        g1.close()
        g2.close()
    assert [e["reason"] for e in _scan_events(homes[1])] == ["replayed"]


def test_one_printed_senior_code_one_entry_a_day_across_gates(gates, redis_server, password_file, venue_platform):
    park = gates(2, "V-park", store=redis_server.url, password_file=password_file)
    museum = gates(1, "V-museum", store=redis_server.url, password_file=password_file, prefix="museum")
    g1, g2 = _services(park)
    (m1,) = _services(museum)
    try:
        card = venue_platform.platform.mint("resident", senior=True, printed=True)[0].text
        first = g1.scan(card)
        assert (first.reason, first.outcome.value, first.warnings) == ("ok", "admit", ())
        second = g2.scan(card)                       # the next person in the queue with the same card
        assert (second.reason, second.outcome.value) == ("entry_limit_reached", "refuse")
        assert second.policy_rule == "entry_limit"
        assert second.next_entry is not None and 0 < second.next_entry - time.time() <= 86400
        assert g1.scan(card).reason == "entry_limit_reached"      # shown again at gate 1 (not held)
        assert m1.scan(card).reason == "ok"                       # another venue: its own limit
        # the public words say it was used today here, and when the next entry is
        from ui.texts import public_guidance
        zh, en = public_guidance(second, g2.policy)
        assert "今天" in zh and "起再来" in zh and "Please come back from" in en
    finally:
        for s in (g1, g2, m1):
            s.close()
    ev = _scan_events(park[1])
    assert [e["reason"] for e in ev] == ["entry_limit_reached"]
    assert ev[0]["holder_ref"] == _scan_events(park[0])[0]["holder_ref"]      # one venue secret
    assert _scan_events(museum[0])[0]["holder_ref"] != ev[0]["holder_ref"]   # unlinkable elsewhere


def test_a_phone_bound_credential_shown_static_is_refused_at_the_park(gates, venue_platform):
    (home,) = gates(1)
    (park,) = _services([home])
    (general,) = _services([home], policy="general")
    try:
        bound = venue_platform.platform.mint("resident", senior=True)[0].text      # with cnf
        v = general.scan(bound)
        assert (v.reason, v.outcome.value, v.warnings) == ("ok", "admit", (R.BOUND_CREDENTIAL_STATIC,))
        v = park.scan(venue_platform.platform.mint("resident", senior=True)[0].text)
        assert v.valid and v.outcome.value == "refuse" and R.BOUND_CREDENTIAL_STATIC in v.warnings
    finally:
        park.close()
        general.close()


def _race(homes, code, extra=(), policy="general"):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    barrier = time.time() + 4.0
    script = ("import sys,time; t=float(sys.argv[1]); time.sleep(max(0, t-time.time())); "
              "from terminal.cli import main; sys.exit(main(sys.argv[2:]))")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(barrier), "--home", str(h), "verify", "--json",
                               "--policy", policy, *extra, "-"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env, cwd=REPO) for h in homes]
    outs = [p.communicate(code + "\n", timeout=120) for p in procs]
    return [json.loads(o.splitlines()[-1]) for o, _e in outs], [e[-300:] for _o, e in outs]


@pytest.mark.parametrize("n", [2, 8])
def test_processes_at_several_gates_race_on_one_presentation(n, gates, redis_server, password_file, venue_platform):
    homes = gates(n, store=redis_server.url, password_file=password_file)
    code = venue_platform.platform.mint("resident", dynamic=True)[0].text
    rows, errs = _race(homes, code)
    reasons = sorted(r["reason"] for r in rows)
    assert reasons == ["ok"] + ["replayed"] * (n - 1), (reasons, errs)
    assert all(R.SHARED_STATE_UNAVAILABLE not in r["warnings"] for r in rows), rows
    logged = sorted(e["reason"] for h in homes for e in _scan_events(h))
    assert logged == reasons


def test_eight_gates_race_on_one_printed_card(gates, redis_server, password_file, venue_platform):
    homes = gates(8, store=redis_server.url, password_file=password_file)
    card = venue_platform.platform.mint("resident", senior=True, printed=True)[0].text
    rows, errs = _race(homes, card, policy=PARK)
    reasons = sorted(r["reason"] for r in rows)
    assert reasons == ["entry_limit_reached"] * 7 + ["ok"], (reasons, errs)
    assert all("next_entry" in r for r in rows if r["reason"] == "entry_limit_reached")


def test_two_processes_one_home_without_a_store(gates, venue_platform):
    (home,) = gates(1)
    code = venue_platform.platform.mint("resident", dynamic=True)[0].text
    rows, errs = _race([home, home], code)
    assert sorted(r["reason"] for r in rows) == ["ok", "replayed"], errs
    card = venue_platform.platform.mint("resident", senior=True, printed=True)[0].text
    rows, errs = _race([home, home], card, policy=PARK)
    assert sorted(r["reason"] for r in rows) == ["entry_limit_reached", "ok"], errs


def test_two_gate_demo():
    """`venue-terminal demo --gates 2`: its own redis-server and two gates of one park; the dynamic
    code is replayed at gate 2 and the printed card's daily entry is used up there."""
    out = subprocess.run([sys.executable, "-m", "terminal.cli", "demo", "--gates", "2", "--headless"],
                         capture_output=True, text=True, timeout=120, cwd=REPO,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "[replayed]" in out.stdout and "[entry_limit_reached]" in out.stdout and "Asia/Shanghai" in out.stdout
    assert "demo      OK" in out.stdout
