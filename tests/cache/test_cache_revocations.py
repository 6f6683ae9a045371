"""cache.revocations: full lists, deltas, atomicity, lookups."""
from __future__ import annotations

import hashlib

import pytest

from cache import BadEntry, DeltaMismatch, RevocationLookup, RollbackRefused, Store, revocation_key


def k(i: int) -> bytes:
    return hashlib.sha256(i.to_bytes(4, "big")).digest()[:16]


def snapshot(store):
    keys = [r[0] for r in store.conn.execute("SELECT key FROM revocations ORDER BY key")]
    return store.revocations.meta(), keys


def test_nothing_held(store):
    assert store.revocations.seq() is None and store.revocations.meta() is None
    assert store.revocations.count() == 0
    assert store.revocations.contains(k(1)) is False


def test_full_list(store):
    meta = store.revocations.apply_full(seq=3, next=2000, iat=1000, entries=[k(1), k(2), k(3), k(2)], now=1001)
    assert (meta.seq, meta.next, meta.iat, meta.count, meta.updated_at) == (3, 2000, 1000, 3, 1001)
    assert store.revocations.meta() == meta
    assert store.revocations.seq() == 3 and store.revocations.count() == 3
    assert all(store.revocations.contains(k(i)) for i in (1, 2, 3))
    assert not store.revocations.contains(k(4))


def test_full_list_from_a_generator_replaces_everything(store):
    store.revocations.apply_full(1, None, None, (k(i) for i in range(100)))
    store.revocations.apply_full(2, None, None, (k(i) for i in range(50, 60)))
    assert store.revocations.count() == 10
    assert not store.revocations.contains(k(0)) and store.revocations.contains(k(55))
    assert store.conn.execute("SELECT count(*) FROM revocations").fetchone()[0] == 10


def test_full_list_with_lower_seq_is_refused(store):
    store.revocations.apply_full(5, None, None, [k(1)])
    before = snapshot(store)
    with pytest.raises(RollbackRefused):
        store.revocations.apply_full(4, None, None, [k(2)])
    assert snapshot(store) == before


def test_delta_adds_and_removes_and_removal_unrevokes(store):
    store.revocations.apply_full(1, 100, 10, [k(1), k(2), k(3)])
    meta = store.revocations.apply_delta(from_seq=1, seq=2, next=200, iat=20, add=[k(4), k(5)], remove=[k(2)])
    assert (meta.seq, meta.next, meta.iat, meta.count) == (2, 200, 20, 4)
    assert store.revocations.contains(k(4)) and store.revocations.contains(k(5))
    assert not store.revocations.contains(k(2))           # un-revoked
    # re-adding a held key and removing an absent one keep the count exact
    meta = store.revocations.apply_delta(2, 3, None, None, add=[k(4), k(6)], remove=[k(99)])
    assert meta.count == 5 == store.conn.execute("SELECT count(*) FROM revocations").fetchone()[0]


def test_key_in_add_and_remove_ends_revoked(store):
    store.revocations.apply_full(1, None, None, [])
    store.revocations.apply_delta(1, 2, None, None, add=[k(7)], remove=[k(7)])
    assert store.revocations.contains(k(7))


@pytest.mark.parametrize("from_seq", [0, 4, 6])
def test_delta_from_another_seq_is_refused(store, from_seq):
    store.revocations.apply_full(5, None, None, [k(1)])
    before = snapshot(store)
    with pytest.raises(DeltaMismatch) as info:
        store.revocations.apply_delta(from_seq, 7, None, None, add=[k(2)], remove=[k(1)])
    assert info.value.held == 5 and info.value.from_seq == from_seq
    assert snapshot(store) == before


def test_delta_without_a_held_list_is_refused(store):
    with pytest.raises(DeltaMismatch):
        store.revocations.apply_delta(0, 1, None, None, add=[k(1)], remove=[])
    assert store.revocations.seq() is None


@pytest.mark.parametrize("seq", [4, 5])
def test_delta_to_an_older_or_equal_seq_is_refused(store, seq):
    store.revocations.apply_full(5, None, None, [k(1)])
    before = snapshot(store)
    with pytest.raises(RollbackRefused):
        store.revocations.apply_delta(5, seq, None, None, add=[k(2)], remove=[])
    assert snapshot(store) == before


def test_bad_entry_mid_full_list_leaves_old_state(store):
    store.revocations.apply_full(1, 10, 1, [k(1), k(2)])
    before = snapshot(store)

    def entries():
        for i in range(1000):        # 500 good keys are inserted before the bad one
            yield k(100 + i) if i != 500 else b"\x00" * 15

    with pytest.raises(BadEntry, match=r"entries\[500\]"):
        store.revocations.apply_full(2, 20, 2, entries())
    assert snapshot(store) == before
    assert not store.conn.in_transaction


def test_bad_entry_mid_delta_leaves_old_state(store):
    store.revocations.apply_full(1, 10, 1, [k(1), k(2), k(3)])
    before = snapshot(store)
    with pytest.raises(BadEntry, match=r"add\[2\]"):
        # the removal of k(1) and the first two adds have run when the bad key is reached
        store.revocations.apply_delta(1, 2, 20, 2, add=[k(8), k(9), b"\x00" * 17], remove=[k(1)])
    assert snapshot(store) == before
    with pytest.raises(BadEntry):
        store.revocations.apply_delta(1, 2, 20, 2, add=[k(8)], remove=[k(1), "not bytes"])
    assert snapshot(store) == before


def test_lookup_object_and_store_are_duck_typed_revocation_lookups(store):
    store.revocations.apply_full(1, None, None, [revocation_key("SD-RC", b"\x01" * 8)])
    lookup = store.revocations.lookup()
    assert isinstance(lookup, RevocationLookup)
    for obj in (lookup, store.revocations):
        assert obj.is_revoked(revocation_key("SD-RC", b"\x01" * 8)) is True
        assert obj.is_revoked(revocation_key("SD-EC", b"\x01" * 8)) is False


def test_revocation_key_matches_the_spec():
    assert revocation_key("SD-RC", b"\xaa\xbb") == hashlib.sha256(b"SD-RC\x00\xaa\xbb").digest()[:16]
    assert len(revocation_key("x", b"")) == 16


@pytest.mark.parametrize("bad", [b"\x00" * 32, b"\x00" * 15, "0123456789abcdef", None])
def test_contains_rejects_anything_but_16_bytes(store, bad):
    with pytest.raises(BadEntry):
        store.revocations.contains(bad)


def test_survives_reopen(home):
    s = Store.open(home)
    s.revocations.apply_full(9, 1, 2, [k(1)])
    s.close()
    s = Store.open(home)
    assert s.revocations.seq() == 9 and s.revocations.contains(k(1))
    s.close()
