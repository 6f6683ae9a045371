"""cache.identity (identity + state) and the Store facade."""
from __future__ import annotations

import threading

import pytest

from cache import Identity, Store
from cache import db as cdb
from cache.identity import IdentityStore, StateStore
from cache.outbox import Outbox
from cache.replay import ReplayCache
from cache.revocations import RevocationStore
from cache.trust_store import TrustStore


def ident(**over):
    base = dict(terminal_id="T-0001", venue_id="V-42", platform_url="https://127.0.0.1:8443",
                token="tok-SECRET", venue_secret=b"\x01" * 32, root_key_pem=b"-----BEGIN PUBLIC KEY-----\n...",
                ca_bundle="/etc/vt/ca.pem", enrolled_at=1_764_374_400)
    base.update(over)
    return Identity(**base)


def test_not_enrolled(store):
    assert store.identity.load_identity() is None
    assert store.identity.delete_identity() is False


def test_save_load_replace_delete(home):
    s = Store.open(home)
    s.identity.save_identity(ident())
    s.close()
    s = Store.open(home)
    assert s.identity.load_identity() == ident()
    s.identity.save_identity(ident(terminal_id="T-0002", ca_bundle=None, enrolled_at=None))
    got = s.identity.load_identity()
    assert got.terminal_id == "T-0002" and got.ca_bundle is None and got.venue_secret == b"\x01" * 32
    assert s.conn.execute("SELECT count(*) FROM identity").fetchone()[0] == 1
    assert s.identity.delete_identity() is True
    assert s.identity.load_identity() is None
    s.close()


def test_repr_hides_secrets():
    text = repr(ident())
    assert "tok-SECRET" not in text and "\\x01" not in text and "T-0001" in text


@pytest.mark.parametrize("over", [{"token": ""}, {"venue_secret": "text"}, {"root_key_pem": b""},
                                  {"terminal_id": None}, {"enrolled_at": "now"}, {"ca_bundle": 5}])
def test_identity_validates(over):
    with pytest.raises(ValueError):
        ident(**over)


def test_state(store):
    assert store.state.get_state("last_sync_at") is None
    assert store.state.get_state("last_sync_at", 0) == 0
    store.state.set_state("last_sync_at", 1_764_374_400.5)
    store.state.set_state("last_sync_error", {"kind": "timeout", "msg": "连接超时"})
    store.state.set_state("last_sync_error", None)
    assert store.state.get_state("last_sync_at") == 1_764_374_400.5
    assert store.state.get_state("last_sync_error", "default") is None   # stored null, not missing
    assert store.state.all_state() == {"last_sync_at": 1_764_374_400.5, "last_sync_error": None}
    assert store.state.delete_state("last_sync_error") is True
    assert store.state.delete_state("last_sync_error") is False
    with pytest.raises(TypeError):
        store.state.set_state("bad", object())
    with pytest.raises(ValueError):
        store.state.set_state("", 1)


def test_store_facade(home):
    with Store.open(home) as s:
        assert isinstance(s.trust, TrustStore) and isinstance(s.revocations, RevocationStore)
        assert isinstance(s.replay, ReplayCache) and isinstance(s.outbox, Outbox)
        assert isinstance(s.identity, IdentityStore) and isinstance(s.state, StateStore)
        assert s.path == home / "terminal.db" and s.schema_version == cdb.SCHEMA_VERSION
        assert set(s.db.table_names()) >= {"trust_list", "revocations", "replay", "outbox", "identity", "state"}
    with pytest.raises(Exception):
        s.outbox.counts()        # closed


def test_shared_store_across_threads_when_caller_serialises(home):
    s = Store.open(home, check_same_thread=False)
    lock = threading.Lock()

    def work(n):
        for i in range(20):
            with lock:
                s.state.set_state(f"t{n}-{i}", i)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(s.state.all_state()) == 60
    s.close()
