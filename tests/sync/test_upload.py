"""Enrol, verify, upload, and the upload faults: the platform down, a 500 in mid-upload, the
connection cut after the platform committed a batch, a platform too slow for the timeout.
Afterwards the platform holds every event exactly once and both chains verify.

Real components: `venue-issuer serve` in a child process on 127.0.0.1, real SQLite files,
codes minted by `venue-issuer mint`, verified by `venue-terminal verify` and the service."""
from __future__ import annotations

import json

import pytest
import requests

from cache import Store
from terminal.service import TerminalService
from terminal.sync import SyncNetworkError, Syncer, SyncTimeout

from .conftest import run_terminal, server_chain_problem


class Sleeps(list):
    """An injected sleep that records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def scan_codes(home, codes: list[str]) -> list[str]:
    """Scan through the enrolled service; return the ids of the events it logged."""
    with TerminalService.from_home(home) as svc:
        for code in codes:
            assert svc.scan(code).reason == "ok"
        return [e["id"] for e in svc.recent(len(codes))][::-1]


def pending(home) -> int:
    with Store.open(home) as store:
        return store.outbox.counts().pending


def test_enrol_verify_upload_survives_every_fault(platform, enrolled, tmp_path, capsys):
    home = enrolled()
    codes_file = tmp_path / "codes.txt"
    codes = platform.mint(codes_file, 40)

    # verify the first 10 through the CLI (it logs to the enrolled terminal's outbox)
    first = tmp_path / "first.txt"
    first.write_text("\n".join(codes[:10]) + "\n")
    capsys.readouterr()
    assert run_terminal("--home", str(home), "verify", "--json", str(first)) == 0
    verdicts = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [v["reason"] for v in verdicts] == ["ok"] * 10
    assert pending(home) == 10

    # 1. the platform is down: error state, events kept; back on the same port: uploaded
    platform.stop()
    sleeps = Sleeps()
    with Syncer(home, retries=2, sleep=sleeps, timeout=(0.5, 2)) as s:
        rep = s.run_once()
    assert not rep.ok and rep.error_kind == "network" and rep.trust == "failed"
    assert len(sleeps) == 2, "network errors are retried (bounded)"
    assert pending(home) == 10
    with TerminalService.from_home(home) as svc:
        st = svc.status()
    assert st.online is False and "GET /v1/trust-list" in st.last_sync_error and st.events_pending == 10
    platform.start()
    with Syncer(home, sleep=Sleeps()) as s:
        rep = s.run_once()
    assert rep.ok and rep.uploaded == 10 and rep.pending == 0, rep

    # 2. a 500 in the middle of a multi-batch upload, without retries: the first batch is
    #    marked uploaded, the rest stays pending; the next run finishes
    scan_codes(home, codes[10:35])
    platform.faults(fail_next_upload_with=500, fail_upload_after=1)
    with Syncer(home, retries=0, batch_size=10, sleep=Sleeps()) as s:
        with pytest.raises(SyncNetworkError, match="500"):
            s.upload_events()
        assert pending(home) == 15
        up = s.upload_events()
    assert (up.uploaded, up.duplicates, up.pending) == (15, 0, 0)
    #    ... and with retries the same fault costs one backoff and no error
    scan_codes(home, codes[35:38])
    platform.faults(fail_next_upload_with=503, fail_upload_after=0)
    sleeps = Sleeps()
    with Syncer(home, batch_size=2, sleep=sleeps) as s:
        assert s.upload_events().uploaded == 3
    assert len(sleeps) == 1

    # 3. the platform commits a batch, then the connection is cut before the answer: the
    #    re-sent batch comes back as duplicates and is marked uploaded, nothing doubles
    scan_codes(home, codes[38:40])
    platform.faults(after_commit_drop_connection=True)
    sleeps = Sleeps()
    with Syncer(home, sleep=sleeps) as s:
        up = s.upload_events()
    assert (up.uploaded, up.duplicates, up.pending) == (0, 2, 0), up
    assert len(sleeps) == 1

    # 4. too slow for the timeout: SyncTimeout (cause kept), events stay pending, then done
    scan_codes(home, codes[:3])
    platform.faults(delay_seconds=1.0)
    with Syncer(home, retries=1, timeout=(1.0, 0.3), sleep=Sleeps()) as s:
        with pytest.raises(SyncTimeout) as info:
            s.upload_events()
        assert isinstance(info.value.__cause__, requests.Timeout)
        assert pending(home) == 3
        rep = s.run_once()
        assert rep.error_kind == "timeout" and not rep.ok
        platform.clear_faults()
        rep = s.run_once()
    assert rep.ok and rep.pending == 0, rep

    # the platform holds exactly the terminal's events, once each, in chain order
    with Store.open(home) as store:
        assert store.outbox.verify_chain() == (True, None)
        held = [row[0] for row in store.conn.execute("SELECT id FROM outbox ORDER BY seq")]
        assert store.outbox.counts().pending == 0
    server = platform.events()
    assert len(held) == 43
    assert [e["id"] for e in server] == held, "none lost, none doubled, in order"
    assert server_chain_problem(server) is None


def test_backoff_is_exponential_with_jitter_and_bounded(platform, enrolled):
    home = enrolled()
    codes = platform.mint(platform.dir.parent / "c.txt", 1)
    scan_codes(home, codes)
    platform.faults(fail_next_upload_with=503, fail_upload_times=3)
    sleeps = Sleeps()
    with Syncer(home, retries=5, backoff=0.5, max_backoff=8, rng=lambda: 0.5, sleep=sleeps) as s:
        assert s.upload_events().uploaded == 1
    assert sleeps == [0.375, 0.75, 1.5]           # base 0.5 * 2^n, "equal jitter" at rng 0.5

    # bounded by attempts ...
    scan_codes(home, codes)
    platform.faults(fail_next_upload_with=503, fail_upload_times=50)
    sleeps = Sleeps()
    with Syncer(home, retries=3, sleep=sleeps, rng=lambda: 0.99) as s:
        with pytest.raises(SyncNetworkError, match="503"):
            s.upload_events()
    assert len(sleeps) == 3 and sleeps == sorted(sleeps)
    # ... and by total time (each delay capped by max_backoff)
    sleeps = Sleeps()
    with Syncer(home, retries=100, max_backoff=2, max_retry_time=10, sleep=sleeps, rng=lambda: 0.99) as s:
        with pytest.raises(SyncNetworkError):
            s.upload_events()
    assert 3 <= len(sleeps) < 100 and max(sleeps) <= 2 and sum(sleeps) <= 10
    platform.clear_faults()
    with Syncer(home, sleep=Sleeps()) as s:
        assert s.upload_events().uploaded == 1
    assert len(platform.events()) == 2


def test_unauthorised_stops_at_once_and_says_re_enrol(platform, enrolled, tmp_path, capsys):
    home = tmp_path / "home"
    rc = run_terminal("--home", str(home), "enroll", "--platform", platform.url, "--token", "wrong-token",
                      "--root-key", str(platform.root_pem), "--venue", "V-test")
    assert rc == 1
    assert "unauthorised: re-enrol" in capsys.readouterr().out
    sleeps = Sleeps()
    with Syncer(home, sleep=sleeps) as s:
        rep = s.run_once()
    assert rep.error_kind == "auth" and rep.error.startswith("unauthorised: re-enrol") and sleeps == []
    assert rep.revocations == "skipped" and rep.upload == "skipped"
    assert run_terminal("--home", str(home), "status", "--json") == 1
    st = json.loads(capsys.readouterr().out)
    assert st["online"] is False and st["last_sync_error"].startswith("unauthorised: re-enrol")
    # run_forever gives up on an auth error instead of hammering the platform
    with Syncer(home, sleep=sleeps) as s:
        assert s.run_forever(interval=0.01).error_kind == "auth"
        # re-enrolling with the right token (same terminal id) is picked up by a running Syncer
        assert run_terminal("--home", str(home), "enroll", "--platform", platform.url, f"--token={platform.token}",
                            "--root-key", str(platform.root_pem), "--venue", "V-test", "--force") == 0
        assert s.run_once().ok


def test_connection_refused_keeps_the_cause(platform, enrolled):
    home = enrolled()
    platform.stop()
    with Syncer(home, retries=0) as s:
        with pytest.raises(SyncNetworkError) as info:
            s.sync_trust()
    assert isinstance(info.value.__cause__, requests.ConnectionError)
    assert not isinstance(info.value, SyncTimeout)
