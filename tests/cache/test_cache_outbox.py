"""cache.outbox: append, hash chain, tamper detection, upload state, pruning, counters."""
from __future__ import annotations

import hashlib
import json
import uuid

import pytest

from cache import ChainBroken, DuplicateEvent, EventRejected, Store
from cache.outbox import FIELDS, GENESIS, canonical_json, rfc3339

DAY = 86_400
T0 = 1_764_374_400  # 2025-11-29T00:00:00Z


def ev(i=0, valid=True, ts=None, **over):
    e = {"id": str(uuid.UUID(int=i + 1)), "ts": ts or rfc3339(T0 + i), "terminal": "T-0001", "venue": "V-42",
         "mode": "gate", "profile": "EZ1", "typ": "resident", "valid": valid, "reason": "ok" if valid else "expired",
         "issuer": "0a0b", "holder_ref": "00112233445566778899aabbccddeeff", "policy": "default"}
    e.update(over)
    return e


def fill(store, n, start=0):
    return [store.outbox.append(ev(i)) for i in range(start, start + n)]


def test_append_chains_and_hashes(store):
    a = store.outbox.append(ev(0))
    b = store.outbox.append(ev(1))
    assert set(a) == set(FIELDS) | {"prev", "hash"}
    assert a["prev"] == GENESIS == "0" * 64
    assert b["prev"] == a["hash"]
    body = {k: v for k, v in b.items() if k != "hash"}
    expected = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"),
                                         ensure_ascii=False).encode()).hexdigest()
    assert b["hash"] == expected
    assert store.outbox.verify_chain() == (True, None)


def test_optional_fields_default_to_null_and_id_ts_are_generated(store):
    e = store.outbox.append({"terminal": "T-1", "venue": "V-1", "mode": "kiosk", "valid": False,
                             "reason": "unknown_format"})
    assert str(uuid.UUID(e["id"])) == e["id"]
    assert e["ts"].endswith("Z") and len(e["ts"]) == len("2026-01-01T00:00:00.000Z")
    assert e["profile"] is None and e["holder_ref"] is None and e["policy"] is None
    assert store.outbox.get(e["id"]) == e


def test_non_ascii_label_is_refused_text_fields_are_identifiers(store):
    # spec v2 section 6: text fields are identifiers, never free text (a label could carry a name)
    with pytest.raises(EventRejected, match="policy"):
        store.outbox.append(ev(0, policy="老年人优待"))
    e = store.outbox.append(ev(0, policy="park-senior.free:v2"))
    assert store.outbox.get(e["id"])["policy"] == "park-senior.free:v2"
    assert b'"policy":"park-senior.free:v2"' in canonical_json(e)
    assert store.outbox.verify_chain() == (True, None)


def test_jcs_is_the_v1_byte_form_for_ascii_events(store):
    """Old chains keep verifying: for ASCII events JCS is the sorted compact json.dumps of version 1."""
    import json
    e = store.outbox.append(ev(0))
    v1 = json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert canonical_json(e) == v1


def test_v2_kinds_are_stored_with_their_own_fields(store):
    m = store.outbox.append({"kind": "manual", "terminal": "T-1", "venue": "V-1", "mode": "counter",
                             "cert": "senior", "valid": True, "operator": "staff_07"})
    assert set(m) == {"id", "ts", "terminal", "venue", "mode", "kind", "cert", "valid", "operator", "prev", "hash"}
    d = store.outbox.append({"kind": "dispute", "terminal": "T-1", "venue": "V-1", "mode": "counter",
                             "ref": m["id"], "code": "holder_disputes_data"})
    assert d["prev"] == m["hash"] and store.outbox.verify_chain() == (True, None)
    with pytest.raises(EventRejected, match="code"):
        store.outbox.append({"kind": "dispute", "terminal": "T-1", "venue": "V-1", "mode": "gate",
                             "ref": m["id"], "code": "he was rude"})
    with pytest.raises(EventRejected, match="reason"):      # a scan field on a manual event
        store.outbox.append({"kind": "manual", "terminal": "T-1", "venue": "V-1", "mode": "gate",
                             "cert": "senior", "valid": True, "reason": "ok"})


@pytest.mark.parametrize("extra", [{"name": "张*三"}, {"sub": "holder-123"}, {"idm": "3701**********1234"},
                                   {"prev": "0" * 64}, {"hash": "x"}, {"raw": "EZ1:..."}])
def test_unknown_or_computed_keys_are_rejected(store, extra):
    with pytest.raises(EventRejected, match=next(iter(extra))):
        store.outbox.append({**ev(0), **extra})
    assert store.outbox.counts().total == 0


@pytest.mark.parametrize("over, field", [
    ({"terminal": None}, "terminal"), ({"valid": None}, "valid"), ({"reason": None}, "reason"),
    ({"valid": "true"}, "valid"), ({"valid": 1}, "valid"), ({"mode": "door"}, "mode"),
    ({"id": "not-a-uuid"}, "id"), ({"id": str(uuid.UUID(int=0xabcdef)).upper()}, "id"),
    ({"ts": "2025-11-29 00:00:00"}, "ts"), ({"ts": "2025-11-29T00:00:00+08:00"}, "ts"),
    ({"ts": "2025-13-29T00:00:00Z"}, "ts"), ({"ts": 1764374400}, "ts"),
    ({"holder_ref": "holder-123"}, "holder_ref"), ({"holder_ref": "00" * 17}, "holder_ref"),
    ({"issuer": "0A0B"}, "issuer"), ({"issuer": "abc"}, "issuer"),
    ({"venue": "张三的店"}, "venue"), ({"reason": "ok now"}, "reason"),
    ({"typ": "x" * 65}, "typ"), ({"profile": "a\nb"}, "profile"), ({"policy": ""}, "policy"),
    ({"policy": 1.5}, "policy"), ({"policy": {"name": "x"}}, "policy"), ({"typ": True}, "typ"),
])
def test_bad_fields_are_rejected_with_their_name(store, over, field):
    with pytest.raises(EventRejected, match=field):
        store.outbox.append(ev(0, **over))
    assert store.outbox.counts().total == 0


def test_duplicate_id_is_refused_and_chain_stays_intact(store):
    store.outbox.append(ev(0))
    with pytest.raises(DuplicateEvent):
        store.outbox.append(ev(0))
    store.outbox.append(ev(1))
    assert store.outbox.counts().total == 2
    assert store.outbox.verify_chain() == (True, None)


def test_pending_mark_uploaded_counts(store):
    events = fill(store, 5)
    assert [e["id"] for e in store.outbox.pending(3)] == [e["id"] for e in events[:3]]
    assert store.outbox.pending(10) == events
    assert store.outbox.mark_uploaded([events[0]["id"], events[2]["id"], "unknown"], at=T0 + 100) == 2
    assert store.outbox.mark_uploaded([events[0]["id"]], at=T0 + 200) == 0  # first upload time kept
    assert store.outbox.counts() == (3, 2, 5)
    assert [e["id"] for e in store.outbox.pending(10)] == [events[i]["id"] for i in (1, 3, 4)]
    assert store.outbox.is_uploaded(events[0]["id"]) is True
    assert store.outbox.is_uploaded(events[1]["id"]) is False
    assert store.outbox.is_uploaded("nope") is None


def test_recent_is_newest_first(store):
    events = fill(store, 4)
    assert store.outbox.recent(2) == [events[3], events[2]]


def test_day_counts(store):
    store.outbox.append(ev(0, True, ts=rfc3339(T0 - 1)))           # previous day
    store.outbox.append(ev(1, True, ts=rfc3339(T0)))
    store.outbox.append(ev(2, False, ts=rfc3339(T0 + 3600)))
    store.outbox.append(ev(3, True, ts=rfc3339(T0 + DAY - 0.001)))
    store.outbox.append(ev(4, False, ts=rfc3339(T0 + DAY)))         # next day
    assert store.outbox.day_counts(T0) == (2, 1, 3, 0)
    assert store.outbox.day_counts("2025-11-29T00:00:00Z") == (2, 1, 3, 0)
    assert store.outbox.day_counts(T0, T0 + 3600) == (1, 0, 1, 0)
    assert store.outbox.day_counts(T0 + 10 * DAY) == (0, 0, 0, 0)


def test_day_counts_never_count_amber_or_staff_events_as_refusals(store):
    """Issue 11: an amber "could not check" (unreadable, internal_error, trust_list_expired) is not a
    refusal, and neither is a staff event (a sign-in, a dispute, a paper check marked not valid)."""
    store.outbox.append(ev(1, True))
    store.outbox.append(ev(2, False))                                   # expired: red
    for i, reason in enumerate(("unreadable", "internal_error", "trust_list_expired")):
        store.outbox.append(ev(3 + i, False, reason=reason, profile=None, typ=None, issuer=None, holder_ref=None))
    store.outbox.append({"kind": "manual", "terminal": "T-0001", "venue": "V-42", "mode": "counter",
                         "ts": rfc3339(T0 + 10), "cert": "senior", "valid": False})
    store.outbox.append({"kind": "session", "terminal": "T-0001", "venue": "V-42", "mode": "gate",
                         "ts": rfc3339(T0 + 11), "action": "sign_in", "operator": "staff_07"})
    c = store.outbox.day_counts(T0)
    assert (c.admitted, c.refused, c.checked, c.total) == (1, 1, 3, 5)


def test_chain_survives_reopen(home):
    s = Store.open(home)
    fill(s, 3)
    s.close()
    s = Store.open(home)
    e = s.outbox.append(ev(3))
    assert e["prev"] == s.outbox.recent(2)[1]["hash"]
    assert s.outbox.verify_chain() == (True, None)
    s.close()


# ---------------------------------------------------------------- tampering

def test_edited_content_is_detected(store):
    events = fill(store, 5)
    store.conn.execute("UPDATE outbox SET body = replace(body, '\"valid\":true', '\"valid\":false') WHERE seq = 3")
    ok, problem = store.outbox.verify_chain()
    assert not ok and "seq 3" in problem and events[2]["id"] in problem and "edited" in problem


def test_edited_content_with_recomputed_hash_breaks_the_next_link(store):
    fill(store, 5)
    body, = store.conn.execute("SELECT body FROM outbox WHERE seq = 2").fetchone()
    forged = body.replace('"reason":"ok"', '"reason":"revoked"')
    store.conn.execute("UPDATE outbox SET body = ?, hash = ? WHERE seq = 2",
                       (forged, hashlib.sha256(forged.encode()).hexdigest()))
    ok, problem = store.outbox.verify_chain()
    assert not ok and "seq 3" in problem and "prev" in problem


def test_edited_index_column_is_detected(store):
    fill(store, 3)
    store.conn.execute("UPDATE outbox SET valid = 0 WHERE seq = 2")
    ok, problem = store.outbox.verify_chain()
    assert not ok and "seq 2" in problem and "columns" in problem


def test_deleted_middle_event_is_detected(store):
    events = fill(store, 5)
    store.conn.execute("DELETE FROM outbox WHERE seq = 3")
    ok, problem = store.outbox.verify_chain()
    assert not ok and "seq 4" in problem and events[3]["id"] in problem and "deleted" in problem


def test_deleted_first_event_is_detected(store):
    fill(store, 3)
    store.conn.execute("DELETE FROM outbox WHERE seq = 1")
    ok, problem = store.outbox.verify_chain()
    assert not ok and "seq 2" in problem


def test_deleted_newest_event_is_detected(store):
    fill(store, 3)
    store.conn.execute("DELETE FROM outbox WHERE seq = 3")
    ok, problem = store.outbox.verify_chain()
    assert not ok and "after seq 2" in problem


# ---------------------------------------------------------------- pruning

def test_prune_keeps_chain_verifiable(store):
    events = [store.outbox.append(ev(i, ts=rfc3339(T0 + i * 3600))) for i in range(10)]
    store.outbox.mark_uploaded([e["id"] for e in events[:7]], at=T0 + 20 * 3600)
    assert store.outbox.prune_uploaded(older_than=T0 + 5 * 3600) == 5     # events 0..4
    assert store.outbox.counts() == (3, 2, 5)
    cp = store.outbox.checkpoint()
    assert cp == (5, events[4]["hash"], 5)
    assert store.outbox.verify_chain() == (True, None)
    new = store.outbox.append(ev(10))
    assert new["prev"] == events[9]["hash"]
    assert store.outbox.verify_chain() == (True, None)
    # a deletion right after the checkpoint still shows
    store.conn.execute("DELETE FROM outbox WHERE seq = 6")
    ok, problem = store.outbox.verify_chain()
    assert not ok and "seq 7" in problem


def test_prune_stops_at_the_first_pending_event(store):
    events = [store.outbox.append(ev(i)) for i in range(6)]
    store.outbox.mark_uploaded([events[i]["id"] for i in (0, 1, 3, 4, 5)], at=T0 + DAY)
    assert store.outbox.prune_uploaded(older_than=T0 + DAY) == 2            # 2 is pending: stop there
    assert [e["id"] for e in store.outbox.recent(10)][-1] == events[2]["id"]
    assert store.outbox.verify_chain() == (True, None)


def test_prune_everything_then_append_continues_the_chain(store):
    events = fill(store, 4)
    store.outbox.mark_uploaded([e["id"] for e in events], at=T0 + DAY)
    assert store.outbox.prune_uploaded(T0 + DAY) == 4
    assert store.outbox.counts() == (0, 0, 0)
    assert store.outbox.verify_chain() == (True, None)
    assert store.outbox.prune_uploaded(T0 + DAY) == 0
    e = store.outbox.append(ev(4))
    assert e["prev"] == events[3]["hash"]
    fill(store, 2, start=5)
    store.outbox.mark_uploaded([x["id"] for x in store.outbox.pending(10)], at=T0 + 2 * DAY)
    assert store.outbox.prune_uploaded(T0 + 2 * DAY) == 3
    assert store.outbox.checkpoint().pruned == 7
    assert store.outbox.verify_chain() == (True, None)


def test_prune_refuses_to_erase_tampering(store):
    events = fill(store, 4)
    store.outbox.mark_uploaded([e["id"] for e in events], at=T0 + DAY)
    store.conn.execute("UPDATE outbox SET body = replace(body, 'resident', 'enterprise') WHERE seq = 2")
    with pytest.raises(ChainBroken, match="seq 2"):
        store.outbox.prune_uploaded(T0 + DAY)
    assert store.outbox.counts().total == 4
    assert store.outbox.checkpoint().pruned == 0
