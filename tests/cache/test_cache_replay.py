"""cache.replay: seen / record / prune."""
from __future__ import annotations

import pytest

from cache import BadEntry, Store


def test_seen_record_prune(store):
    cti = bytes.fromhex("00112233445566778899aabb")
    assert store.replay.seen(cti, now=1000) is False
    assert store.replay.record(cti, expires_at=1090) is True
    assert store.replay.record(cti, expires_at=1090) is False
    assert store.replay.seen(cti, now=1000) is True
    assert store.replay.seen(cti, now=1089) is True
    assert store.replay.seen(cti, now=1090) is False      # expired
    assert store.replay.seen(b"other-nonce", now=1000) is False
    assert store.replay.prune(now=1089) == 0
    assert store.replay.prune(now=1090) == 1
    assert store.replay.count() == 0


def test_record_keeps_the_later_expiry(store):
    cti = b"n" * 16
    store.replay.record(cti, 2000)
    assert store.replay.record(cti, 1500) is False
    assert store.replay.seen(cti, 1800) is True
    assert store.replay.record(cti, 2500) is False
    assert store.replay.seen(cti, 2200) is True


def test_expired_unpruned_entry_counts_as_new_with_now(store):
    cti = b"m" * 8
    store.replay.record(cti, 1000)
    assert store.replay.record(cti, 2000, now=1500) is True
    assert store.replay.seen(cti, 1900) is True
    assert store.replay.record(cti, 2100, now=1600) is False


def test_survives_reopen(home):
    s = Store.open(home)
    s.replay.record(b"k" * 8, 5000)
    s.close()
    s = Store.open(home)
    assert s.replay.seen(b"k" * 8, 4000)
    s.close()


@pytest.mark.parametrize("bad", [b"", b"x" * 65, "text", None])
def test_bad_cti(store, bad):
    with pytest.raises(BadEntry):
        store.replay.record(bad, 10)
