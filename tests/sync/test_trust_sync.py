"""Trust data over the wire: refusals keep the last good data and say why; revocation
deltas add and remove; the full list when a delta will not do; clock skew; retention;
privacy of what leaves the terminal; the CLI commands."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from cache import Store
from issuer.platform import Platform
from terminal import cose
from terminal.service import TerminalService
from terminal.sync import Syncer

from .conftest import REPO, enrol, run_terminal, server_chain_problem
from .test_upload import Sleeps, scan_codes


def held_trust(home):
    with Store.open(home) as store:
        raw, meta = store.trust.load_trust_list()
        rev = store.revocations.meta()
        return raw, meta.seq, rev.seq, rev.count


@pytest.mark.parametrize("mode, kind, words", [
    ("rollback", "refused", "is lower than the held seq"),
    ("bad_signature", "refused", "signature does not verify"),
    ("truncated", "refused", "not a COSE_Sign1"),
    ("wrong_content_type", "refused", "content type 'text/html'"),
    ("captive_portal", "refused", "content type 'text/html'"),
    ("cut", "network", "GET /v1/trust-list"),
    ("server_error", "network", "503"),
])
def test_bad_trust_list_is_refused_and_the_last_good_one_kept(shared, tmp_path, mode, kind, words, capsys):
    shared.plat.refresh(kinds=("trust",))
    home = tmp_path / "home"
    assert enrol(shared, home) == 0
    before = held_trust(home)
    if mode != "rollback":                              # rollback: the held seq minus one, validly signed
        shared.plat.refresh(kinds=("trust",))           # else: a newer list exists, but is served broken
    shared.faults(trust_list_mode=mode)
    with Syncer(home, sleep=Sleeps()) as s:
        rep = s.run_once()
    assert not rep.ok and rep.error_kind == kind and words in rep.error, rep.error
    assert rep.trust == ("refused" if kind == "refused" else "failed")
    assert held_trust(home) == before, "refused data is never saved"
    if kind == "refused":                               # a refused list does not stop the upload
        assert rep.revocations == "up_to_date" and rep.upload == "done"
    capsys.readouterr()
    assert run_terminal("--home", str(home), "status") == 1
    out = capsys.readouterr().out
    assert f"seq {before[1]}," in out and words in out and "FAILED" in out
    # the verifier still works on the last good list
    codes = shared.mint(tmp_path / "c.txt", 1)
    assert scan_codes(home, codes)
    shared.clear_faults()
    shared.plat.refresh(kinds=("trust",))
    with Syncer(home, sleep=Sleeps()) as s:
        rep = s.run_once()
    assert rep.ok and rep.trust == "updated" and rep.trust_seq > before[1]


def test_other_content_under_the_held_seq_is_refused(shared, tmp_path):
    home = tmp_path / "home"
    assert enrol(shared, home) == 0
    before = held_trust(home)
    shared.plat.refresh(int(time.time()) + 60, kinds=("trust",))  # seq N+1 (other iat), served as seq N
    shared.faults(trust_list_mode="rollback")
    with Syncer(home, sleep=Sleeps()) as s:
        rep = s.run_once()
    assert rep.trust == "refused" and f"different content under the held seq {before[1]}" in rep.error
    assert held_trust(home) == before


def test_bad_revocation_list_is_refused(shared, tmp_path):
    home = tmp_path / "home"
    assert enrol(shared, home) == 0
    codes = shared.mint(tmp_path / "c.txt", 1)
    before = held_trust(home)[2:]
    shared.faults(revocations_mode="rollback")          # a validly signed answer one seq back
    with Syncer(home, sleep=Sleeps()) as s:
        rep = s.run_once()
    assert rep.revocations == "refused" and "(rollback)" in rep.error, rep.error
    assert held_trust(home)[2:] == before
    shared.plat.revoke(bytes.fromhex(_cti(codes[0])))
    with Syncer(home, sleep=Sleeps()) as s:             # now the rolled-back full list has the held seq
        rep = s.run_once()
    assert rep.revocations == "refused" and "different content under the held seq" in rep.error, rep.error
    assert held_trust(home)[2:] == before
    for mode, words in (("bad_signature", "signature does not verify"), ("truncated", "not a COSE_Sign1"),
                        ("wrong_content_type", "content type")):
        shared.faults(revocations_mode=mode)
        with Syncer(home, sleep=Sleeps()) as s:
            rep = s.run_once()
        assert rep.revocations == "refused" and words in rep.error, rep.error
        assert held_trust(home)[2:] == before
    shared.clear_faults()
    with Syncer(home, sleep=Sleeps()) as s:
        rep = s.run_once()
    assert rep.ok and rep.revocations == "delta" and held_trust(home)[2:] == (before[0] + 1, before[1] + 1)


def _cti(code: str) -> str:
    """The cti (hex) of an EZ1 code, read with the terminal's own codec."""
    from terminal import codec
    import cbor2
    _, body = codec.decode_text(code)
    return cbor2.loads(cose.parse_sign1(body).payload)[7].hex()


def test_revocation_delta_revokes_and_unrevokes(platform, enrolled, tmp_path, capsys):
    home = enrolled()
    code_file = tmp_path / "one.txt"
    code = platform.mint(code_file, 1)[0]
    cti = _cti(code)

    def verify() -> str:
        capsys.readouterr()
        run_terminal("--home", str(home), "verify", "--json", str(code_file))
        return json.loads(capsys.readouterr().out)["reason"]

    def sync():
        capsys.readouterr()
        assert run_terminal("--home", str(home), "sync", "--once", "--json") == 0
        return json.loads(capsys.readouterr().out)

    assert verify() == "ok"
    assert platform.issuer("revoke", cti) == 0
    rep = sync()
    assert rep["revocations"] == "delta" and rep["revocation_count"] == 1
    assert verify() == "revoked"
    assert platform.issuer("unrevoke", cti) == 0
    rep = sync()
    assert rep["revocations"] == "delta" and rep["revocation_count"] == 0, "a delta's remove un-revokes"
    assert verify() == "ok"
    assert sync()["revocations"] == "up_to_date"

    # a terminal further behind than the platform's delta window gets the full list
    Platform(platform.dir).set_meta("delta_window", 1)
    platform.issuer("revoke", cti)
    platform.issuer("unrevoke", cti)
    platform.issuer("revoke", cti)
    rep = sync()
    assert rep["revocations"] == "full" and rep["revocation_count"] == 1
    assert verify() == "revoked"


def test_clock_skew_is_measured_and_marks_verdicts(platform, enrolled, capsys):
    platform.stop()
    platform.start("--clock-offset", "600")             # the platform's Date runs 10 minutes ahead
    home = enrolled()
    capsys.readouterr()
    assert run_terminal("--home", str(home), "status", "--json") == 0
    st = json.loads(capsys.readouterr().out)
    assert abs(st["clock_skew_s"] - 600) < 3 and st["clock_suspect"] is True
    assert run_terminal("--home", str(home), "status") == 0
    assert "CLOCK SUSPECT" in capsys.readouterr().out
    codes = platform.mint(platform.dir.parent / "c.txt", 1)
    with TerminalService.from_home(home) as svc:
        v = svc.scan(codes[0])
    assert v.valid and "clock_suspect" in v.warnings and v.outcome.value == "check"
    platform.faults(clock_offset=-600)                  # behind works the same
    with Syncer(home, sleep=Sleeps()) as s:
        assert abs(s.run_once().clock_skew_s + 600) < 3
    with TerminalService.from_home(home) as svc:
        assert "clock_suspect" in svc.scan(codes[0]).warnings
    platform.faults(clock_offset=0)                     # the clocks agree again: no more warning
    with Syncer(home, sleep=Sleeps()) as s:
        assert abs(s.run_once().clock_skew_s) < 3
    with TerminalService.from_home(home) as svc:
        assert "clock_suspect" not in svc.scan(codes[0]).warnings


def test_retention_prunes_uploaded_events_and_chains_stay_verifiable(platform, enrolled):
    home = enrolled()
    codes = platform.mint(platform.dir.parent / "c.txt", 6)
    scan_codes(home, codes[:4])
    with Syncer(home, sleep=Sleeps(), retain_days=30) as s:
        assert s.run_once().pruned == 0                  # uploaded, but younger than 30 days
    later = time.time() + 31 * 86400
    scan_codes(home, codes[4:])
    platform.stop()
    with Syncer(home, sleep=Sleeps(), retries=0, retain_days=30, clock=lambda: later) as s:
        rep = s.run_once()
    assert not rep.ok and rep.pruned == 0, "nothing is pruned without a successful upload"
    platform.start()
    with Syncer(home, sleep=Sleeps(), retain_days=30, clock=lambda: later) as s:
        rep = s.run_once()
    assert rep.ok and rep.uploaded == 2 and rep.pruned == 6
    with Store.open(home) as store:
        assert store.outbox.counts().total == 0 and store.outbox.checkpoint().pruned == 6
        assert store.outbox.verify_chain() == (True, None)
    scan_codes(home, codes[:1])                       # the chain continues from the checkpoint
    with Syncer(home, sleep=Sleeps()) as s:
        assert s.run_once().uploaded == 1
    with Store.open(home) as store:
        assert store.outbox.verify_chain() == (True, None)
    server = platform.events()
    assert len(server) == 7 and server_chain_problem(server) is None


def test_no_personal_data_leaves_the_terminal(shared, tmp_path):
    platform = shared
    home = tmp_path / "home"
    assert enrol(platform, home) == 0
    with Store.open(home) as store:
        terminal_id = store.identity.load_identity().terminal_id
    codes = platform.mint(tmp_path / "c.txt", 3)
    with TerminalService.from_home(home) as svc:
        summaries = [svc.scan(c).credential for c in codes]
    with Syncer(home, sleep=Sleeps()) as s:
        assert s.run_once().uploaded == 3
    server = [e for e in platform.events() if e["terminal"] == terminal_id]
    spec_keys = {"id", "ts", "terminal", "venue", "mode", "profile", "typ", "valid", "reason", "issuer",
                 "holder_ref", "policy", "prev", "hash"}
    wire = json.dumps(server, ensure_ascii=False)
    for ev, code, summary in zip(server, codes, summaries):
        assert set(ev) - {"warnings"} == spec_keys           # warnings: when a verdict has any
        sub = platform.plat.credential(bytes.fromhex(_cti(code)))["sub"]
        for secret in (sub, summary.name, summary.idm, summary.cti):
            assert secret not in wire
        assert len(ev["holder_ref"]) == 32
    # the holder_ref is stable per holder at one venue (an HMAC), but not the raw sub
    with Store.open(home) as store:
        db = store.path.read_bytes() + (store.path.parent / "terminal.db-wal").read_bytes()
    for code, summary in zip(codes, summaries):
        sub = platform.plat.credential(bytes.fromhex(_cti(code)))["sub"]
        assert sub.encode() not in db and summary.name.encode() not in db


def test_enroll_refuses_to_replace_without_force(shared, tmp_path, capsys):
    platform = shared
    home = tmp_path / "home"
    assert enrol(platform, home) == 0
    capsys.readouterr()
    args = ("--home", str(home), "enroll", "--platform", platform.url, f"--token={platform.token}",
            "--root-key", str(platform.root_pem), "--venue", "V-other")
    assert run_terminal(*args) == 2
    assert "already enrolled" in capsys.readouterr().err
    with Store.open(home) as store:
        first = store.identity.load_identity()
    # a new token at the same venue keeps the terminal id and the venue secret
    same = ("--home", str(home), "enroll", "--platform", platform.url, f"--token={platform.token}",
            "--root-key", str(platform.root_pem), "--venue", "V-test", "--force")
    assert run_terminal(*same) == 0
    with Store.open(home) as store:
        again = store.identity.load_identity()
    assert (again.terminal_id, again.venue_secret) == (first.terminal_id, first.venue_secret)
    # another terminal id is refused while events wait for upload
    codes = platform.mint(tmp_path / "c.txt", 1)
    scan_codes(home, codes)
    capsys.readouterr()
    assert run_terminal(*args, "--force", "--terminal-id", "T-0002") == 2
    assert "not uploaded yet" in capsys.readouterr().err
    with Syncer(home, sleep=Sleeps()) as s:
        assert s.run_once().uploaded == 1
    assert run_terminal(*args, "--force", "--terminal-id", "T-0002") == 0
    with Store.open(home) as store:
        ident = store.identity.load_identity()
    assert (ident.terminal_id, ident.venue_id) == ("T-0002", "V-other") and len(ident.venue_secret) == 32
    assert ident.venue_secret != first.venue_secret
    assert run_terminal("--home", str(home), "enroll", "--platform", "ftp://x", "--token", "t",
                        "--root-key", str(platform.root_pem), "--venue", "V", "--force") == 2
    assert run_terminal("--home", str(home.parent / "h2"), "enroll", "--platform", platform.url, "--token", "t",
                        "--root-key", str(platform.root_pem), "--venue", "名字") == 2


def test_commands_on_a_home_that_is_not_enrolled(tmp_path, capsys):
    home = str(tmp_path / "nobody")
    assert run_terminal("--home", home, "status") == 1
    assert "not enrolled" in capsys.readouterr().out
    assert run_terminal("--home", home, "sync", "--once") == 2
    assert "not enrolled" in capsys.readouterr().err


def test_sync_loop_runs_until_interrupted(shared, tmp_path):
    home = tmp_path / "home"
    assert enrol(shared, home) == 0
    proc = subprocess.Popen([sys.executable, "-m", "terminal.cli", "--home", str(home), "sync", "--interval", "0.2",
                             "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, text=True)
    try:
        rounds = [json.loads(proc.stdout.readline()) for _ in range(3)]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert all(r["ok"] for r in rounds) and rounds[-1]["trust"] == "not_modified"
