"""cache.sync_state: the typed sync bookkeeping, its migration from the loose keys of older homes."""
from __future__ import annotations

import dataclasses
import threading

import pytest

from cache import Store, SyncState
from cache.sync_state import LEGACY_KEYS


def test_empty_then_saved_and_reloaded(home):
    with Store.open(home) as s:
        assert s.sync_state.load() == SyncState()
        st = SyncState(last_sync_at=1_764_374_400.5, last_ok=False, last_error="unauthorised: re-enrol",
                       last_error_kind="auth", last_ok_at=1_764_374_000, clock_skew_s=-3.25, trust_seq=7,
                       revocation_seq=3, last_upload_at=1_764_374_000.0)
        s.sync_state.save(st)
    with Store.open(home) as s:
        got = s.sync_state.load()
    assert got == st and isinstance(got.last_ok_at, float)


@pytest.mark.parametrize("over", [{"last_ok": "1"}, {"clock_skew_s": "3"}, {"trust_seq": 1.5},
                                  {"last_error": 5}, {"last_sync_at": float("nan")}, {"last_ok_at": True}])
def test_fields_are_typed(over):
    with pytest.raises(ValueError):
        SyncState(**over)


def test_legacy_keys_are_migrated_once(store):
    # a home written before the record existed: loose keys, values as the old sync stored them
    for key, value in (("last_sync", 1_764_374_400.25), ("last_sync_ok", "0"), ("last_sync_error", "offline"),
                       ("last_sync_ok_at", 1_764_370_000.0), ("clock_skew_s", 601.5), ("clock_skew_bound_s", 900.0),
                       ("unrelated", {"x": 1})):
        store.state.set_state(key, value)
    st = store.sync_state.load()
    assert st == SyncState(last_sync_at=1_764_374_400.25, last_ok=False, last_error="offline",
                           last_ok_at=1_764_370_000.0, clock_skew_s=601.5)
    left = store.state.all_state()
    assert not set(LEGACY_KEYS) & set(left), "old keys are deleted by the migration"
    assert left["unrelated"] == {"x": 1} and store.sync_state.skew_bound() == 900.0
    # once: a stray old key written later is not read again
    store.state.set_state("clock_skew_s", 5.0)
    assert store.sync_state.load().clock_skew_s == 601.5
    store.state.delete_state("clock_skew_s")


def test_legacy_ok_flag(store):
    store.state.set_state("last_sync_ok", "1")
    store.state.set_state("last_sync_error", None)
    assert store.sync_state.load() == SyncState(last_ok=True)


def test_clear_keeps_the_skew_bound(store):
    store.sync_state.set_skew_bound(600)
    store.sync_state.save(SyncState(last_ok=True))
    store.state.set_state("last_sync", 1.0)            # and a legacy leftover
    store.sync_state.clear()
    assert store.sync_state.load() == SyncState()
    assert store.sync_state.skew_bound() == 600.0
    with pytest.raises(ValueError):
        store.sync_state.set_skew_bound(0)


def test_damaged_record_reads_as_no_history(store):
    store.state.set_state("sync_state", {"last_ok": "yes"})
    assert store.sync_state.load() == SyncState()
    store.state.set_state("sync_state", {"last_ok": True, "from_a_newer_version": 1})
    assert store.sync_state.load() == SyncState(last_ok=True)


def test_migration_races_are_harmless(home):
    with Store.open(home) as s:
        s.state.set_state("clock_skew_s", 42.0)
    got, errors = [], []

    def load():
        try:
            with Store.open(home) as s:
                got.append(s.sync_state.load())
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and got == [SyncState(clock_skew_s=42.0)] * 4


def test_save_needs_a_sync_state(store):
    with pytest.raises(ValueError):
        store.sync_state.save(dataclasses.asdict(SyncState()))
