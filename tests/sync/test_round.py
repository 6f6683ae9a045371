"""The sync round (terminal.sync.Syncer) against an in-memory Remote: no HTTP, no server.

The signed documents come from a real issuer.platform.Platform directory (its root key signs
whatever payload a test needs); the terminal side is a real enrolled cache.Store."""
from __future__ import annotations

import os
import time

import pytest

from cache import Identity, Store, SyncState
from issuer.platform import Platform
from vocab import reasons as R
from terminal.ports import Remote, Signed, SyncAuthError, SyncNetworkError, UploadAnswer
from terminal.service import TerminalService
from terminal.sync import COSE_TYPE, Syncer
from terminal.trust import load_root_key, verify_signed

NOW = int(time.time())


class FakeRemote:
    """A platform in memory: one trust list, revocations by `since`, and the events it holds."""

    def __init__(self, plat: Platform):
        self.plat = plat
        self.clock_skew_s: float | None = None
        self.skew: float | None = None           # what every answer "measures"
        self.offline = False
        self.unauthorised = False
        self.trust = Signed(plat.document("trust").cose, COSE_TYPE, '"t-1"')
        self.full = Signed(plat.document("revocations").cose, COSE_TYPE)
        self.deltas: dict[int, Signed] = {}       # since -> a delta answered instead of the full list
        self.held: dict[str, dict] = {}           # event id -> event
        self.withhold: set[str] = set()           # ids it neither accepts nor calls duplicates
        self.lose_answer = False                  # store the batch, then "the connection drops"
        self.calls: list[str] = []
        self.identity: Identity | None = None

    def _call(self, what: str) -> None:
        self.calls.append(what)
        if self.offline:
            raise SyncNetworkError(f"{what}: ConnectionError: connection refused")
        if self.unauthorised:
            raise SyncAuthError(f"unauthorised: re-enrol ({what} answered 401)")
        if self.skew is not None:
            self.clock_skew_s = self.skew

    def configure(self, identity: Identity) -> None:
        self.identity = identity
        self.clock_skew_s = None

    def fetch_trust_list(self, etag):
        self._call("trust")
        return None if etag is not None and etag == self.trust.etag else self.trust

    def fetch_revocations(self, since):
        self._call(f"revocations?since={since}")
        return self.deltas.get(since, self.full)

    def upload_events(self, terminal, events):
        self._call(f"upload {len(events)}")
        assert terminal == self.identity.terminal_id
        acc, dup = [], []
        for ev in events:
            if ev["id"] in self.withhold:
                continue
            (dup if ev["id"] in self.held else acc).append(ev["id"])
            self.held[ev["id"]] = ev
        if self.lose_answer:
            self.lose_answer = False
            raise SyncNetworkError("POST /v1/scan-events: ChunkedEncodingError: connection cut")
        return UploadAnswer(accepted=acc, duplicates=dup)

    def close(self) -> None:
        pass

    # ---- documents
    def payload(self, kind: str) -> dict:
        return dict(verify_signed(self.plat.document(kind).cose, load_root_key(self.plat.root_pem_path.read_bytes())))

    def sign(self, payload: dict, **kw) -> Signed:
        return Signed(self.plat.sign_trust_data(payload), kw.pop("content_type", COSE_TYPE), **kw)


@pytest.fixture
def plat(tmp_path):
    p, _ = Platform.init(tmp_path / "platform")
    return p


@pytest.fixture
def remote(plat):
    return FakeRemote(plat)


@pytest.fixture
def home(tmp_path, plat):
    home = tmp_path / "home"
    with Store.open(home) as store:
        store.identity.save_identity(Identity(
            terminal_id="T-1", venue_id="V-1", platform_url="https://platform.invalid", token="tok",
            venue_secret=os.urandom(32), root_key_pem=plat.root_pem_path.read_bytes()))
    return home


def scan(home, n: int) -> None:
    with TerminalService.from_home(home) as svc:
        for i in range(n):
            svc.scan(f"not a code {i}")


def held(home) -> tuple[int | None, int | None, int, SyncState]:
    with Store.open(home) as s:
        return s.trust.held_seq(), s.revocations.seq(), s.outbox.counts().pending, s.sync_state.load()


def test_remote_protocol(remote):
    assert isinstance(remote, Remote)


def test_a_round_fetches_stores_and_uploads(home, remote):
    scan(home, 3)
    with Syncer(home, remote=remote, clock=lambda: NOW) as s:
        rep = s.run_once()
        assert rep.ok and rep.trust == "updated" and rep.revocations == "full" and rep.upload == "done", rep
        assert (rep.uploaded, rep.duplicates, rep.pending) == (3, 0, 0) and rep.trust_changed
        rep2 = s.run_once()
    assert rep2.ok and rep2.trust == "not_modified" and rep2.revocations == "up_to_date" and not rep2.trust_changed
    assert remote.calls[:3] == ["trust", "revocations?since=0", "upload 3"]
    assert remote.calls[3:] == ["trust", f"revocations?since={rep.revocation_seq}"]   # nothing left to upload
    tseq, rseq, pending, st = held(home)
    assert (tseq, rseq, pending) == (rep.trust_seq, rep.revocation_seq, 0)
    assert st == SyncState(last_sync_at=NOW, last_ok=True, last_ok_at=NOW, trust_seq=tseq, revocation_seq=rseq,
                           last_upload_at=NOW)
    assert len(remote.held) == 3


def test_trust_list_rollback_is_refused_and_the_round_goes_on(home, remote):
    with Syncer(home, remote=remote) as s:
        first = s.run_once()
        assert first.ok
        p = remote.payload("trust")
        remote.trust = remote.sign({**p, "seq": p["seq"] - 1}, etag='"t-0"')
        scan(home, 1)
        rep = s.run_once()
    assert not rep.ok and rep.trust == "refused" and rep.error_kind == "refused"
    assert "rollback" in rep.error and rep.trust_seq == first.trust_seq
    assert rep.revocations == "up_to_date" and rep.upload == "done" and rep.uploaded == 1   # the others still ran
    tseq, _, _, st = held(home)
    assert tseq == first.trust_seq and st.last_ok is False and st.last_error_kind == "refused"
    assert st.last_ok_at == first.finished_at                                               # the last good round


def test_other_content_under_the_held_seq_is_refused(home, remote):
    with Syncer(home, remote=remote) as s:
        assert s.run_once().ok
        p = remote.payload("trust")
        remote.trust = remote.sign({**p, "issuers": p["issuers"][:0]}, etag='"t-2"')
        rep = s.run_once()
    assert rep.trust == "refused" and "different content under the held seq" in rep.error


def test_bad_signature_and_wrong_type_are_refused_nothing_saved(home, remote, tmp_path):
    other, _ = Platform.init(tmp_path / "other")             # a key that is not the pinned one
    remote.trust = Signed(other.document("trust").cose, COSE_TYPE, '"x"')
    remote.full = Signed(remote.full.body[:-3], COSE_TYPE)   # truncated
    with Syncer(home, remote=remote) as s:
        rep = s.run_once()
    assert rep.trust == "refused" and rep.revocations == "refused" and rep.upload == "done"
    assert rep.errors[0].startswith("trust list refused") and rep.errors[1].startswith("revocation list refused")
    assert held(home)[:2] == (None, None)
    remote.trust = Signed(remote.plat.document("trust").cose, "application/json", '"y"')
    with Syncer(home, remote=remote) as s:
        rep = s.run_once()
    assert rep.trust == "refused" and "content type 'application/json'" in rep.error
    assert held(home)[0] is None


def test_revocation_rollback_refused_and_delta_that_does_not_apply_falls_back(home, remote):
    with Syncer(home, remote=remote) as s:
        first = s.run_once()
        seq = first.revocation_seq
        p = remote.payload("revocations")
        remote.full = remote.sign({**p, "seq": seq - 1 if seq > 1 else 0})
        rep = s.run_once()
        assert rep.revocations == "refused" and "rollback" in rep.error and held(home)[1] == seq
        # a delta from another seq than ours: the round asks for the full list (since=0)
        entry = os.urandom(16)
        remote.full = remote.sign({**p, "seq": seq + 2, "entries": [entry]})
        remote.deltas[seq] = remote.sign({"v": 1, "seq": seq + 2, "iat": p["iat"], "next": p["next"],
                                          "from": seq + 1, "add": [entry], "remove": []})
        remote.calls.clear()
        rep = s.run_once()
        assert rep.ok and rep.revocations == "full" and rep.revocation_seq == seq + 2
        assert remote.calls[1:3] == [f"revocations?since={seq}", "revocations?since=0"]
        # a delta that starts at our seq applies
        entry2 = os.urandom(16)
        remote.deltas[seq + 2] = remote.sign({"v": 1, "seq": seq + 3, "iat": p["iat"], "next": p["next"],
                                              "from": seq + 2, "add": [entry2], "remove": [entry]})
        rep = s.run_once()
    assert rep.ok and rep.revocations == "delta" and rep.revocation_seq == seq + 3 and rep.revocation_count == 1
    with Store.open(home) as st:
        assert st.revocations.contains(entry2) and not st.revocations.contains(entry)


def test_upload_partial_acceptance_stops_and_keeps_the_rest_pending(home, remote):
    scan(home, 5)
    with Store.open(home) as st:
        ids = [e["id"] for e in st.outbox.pending(10)]
    remote.withhold = {ids[1], ids[3]}
    with Syncer(home, remote=remote, batch_size=2) as s:
        rep = s.run_once()
        assert not rep.ok and rep.upload == "failed" and rep.error_kind == "protocol"
        assert "acknowledged 1 of 2 events" in rep.error
        assert rep.pending == 4                      # the first batch's accepted one is marked uploaded
        remote.withhold = set()
        rep = s.run_once()
    assert rep.ok and (rep.uploaded, rep.duplicates, rep.pending) == (4, 0, 0), rep
    assert sorted(remote.held) == sorted(ids)


def test_a_lost_answer_is_sent_again_and_comes_back_as_duplicates(home, remote):
    scan(home, 2)
    remote.lose_answer = True
    with Syncer(home, remote=remote) as s:
        rep = s.run_once()
        assert rep.upload == "failed" and rep.error_kind == "network" and rep.pending == 2
        rep = s.run_once()
    assert rep.ok and (rep.uploaded, rep.duplicates, rep.pending) == (0, 2, 0)
    assert len(remote.held) == 2


def test_offline_stops_the_round_and_keeps_the_last_good_state(home, remote):
    with Syncer(home, remote=remote) as s:
        good = s.run_once()
        remote.offline = True
        remote.calls.clear()
        rep = s.run_once()
    assert not rep.ok and rep.error_kind == "network" and rep.trust == "failed"
    assert rep.revocations == "skipped" and rep.upload == "skipped" and remote.calls == ["trust"]
    assert rep.trust_seq == good.trust_seq
    st = held(home)[3]
    assert st.last_ok is False and st.last_ok_at == good.finished_at and "connection refused" in st.last_error
    with TerminalService.from_home(home) as svc:
        status = svc.status()
    assert status.online is False and status.last_sync_error == rep.error and status.trust_seq == good.trust_seq


def test_clock_skew_is_saved_and_marks_verdicts(home, remote):
    remote.skew = 600.0
    with Syncer(home, remote=remote) as s:
        rep = s.run_once()
        assert rep.clock_skew_s == 600.0
        remote.skew, remote.offline = None, True        # nothing measured: the last measurement stays
        assert s.run_once().clock_skew_s is None
    assert held(home)[3].clock_skew_s == 600.0
    with TerminalService.from_home(home) as svc:
        assert svc.status().clock_suspect and R.CLOCK_SUSPECT in svc.scan("not a code").warnings
    remote.skew, remote.offline = 2.0, False
    with Syncer(home, remote=remote) as s:
        assert s.run_once().ok
    with TerminalService.from_home(home) as svc:
        assert not svc.status().clock_suspect and svc.status().clock_skew_s == 2.0


def test_auth_error_ends_run_forever_and_a_reenrolment_reconfigures(home, remote):
    remote.unauthorised = True
    with Syncer(home, remote=remote) as s:
        last = s.run_forever(interval=0.01)
        assert last.error_kind == "auth" and last.error.startswith("unauthorised: re-enrol")
        assert last.revocations == "skipped" and last.upload == "skipped"
        with Store.open(home) as st:
            ident = st.identity.load_identity()
            st.identity.save_identity(Identity(**{**ident.__dict__, "token": "new-token"}))
        remote.unauthorised = False
        assert s.run_once().ok
    assert remote.identity.token == "new-token"
