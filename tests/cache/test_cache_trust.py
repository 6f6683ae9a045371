"""cache.trust_store: save/load, atomic replace, rollback refusal."""
from __future__ import annotations

import os

import pytest

from cache import BadTrustList, RollbackRefused, Store


def issuer(kid=b"\x01\x02", status="active", typ=("resident",)):
    return {"kid": kid, "iss": "SD-RC", "alg": -7, "spki": b"0Y0\x13" + os.urandom(20), "nbf": 1_700_000_000,
            "exp": 1_900_000_000, "typ": typ, "status": status}


def payload(seq, issuers=None):
    return {"v": 1, "seq": seq, "iat": 1_760_000_000 + seq, "next": 1_760_086_400 + seq,
            "issuers": [issuer()] if issuers is None else issuers}


def test_empty_store_has_no_list(store):
    assert store.trust.load_trust_list() is None
    assert store.trust.held_seq() is None


def test_save_and_load_round_trip(store, home):
    parsed = payload(3, [issuer(b"\x01"), issuer(b"\x02", status="revoked", typ=("resident", "enterprise"))])
    store.trust.save_trust_list(b"\xd2raw-cose", parsed, '"etag-3"', received_at=1_760_000_100)
    store.close()
    raw, meta = Store.open(home).trust.load_trust_list()
    assert raw == b"\xd2raw-cose"
    assert (meta.seq, meta.iat, meta.next, meta.etag, meta.received_at) == (
        3, 1_760_000_003, 1_760_086_403, '"etag-3"', 1_760_000_100)
    assert not hasattr(meta, "issuers")     # issuers are the core's to parse, from raw (one parser)


def test_save_replaces_everything(store):
    store.trust.save_trust_list(b"one", payload(1, [issuer(b"\x01"), issuer(b"\x02")]), "e1")
    store.trust.save_trust_list(b"two", payload(2, [issuer(b"\x03")]), None)
    raw, meta = store.trust.load_trust_list()
    assert raw == b"two" and meta.seq == 2 and meta.etag is None and meta.iat == 1_760_000_002


def test_lower_seq_is_refused_and_nothing_changes(store):
    store.trust.save_trust_list(b"five", payload(5), "e5")
    with pytest.raises(RollbackRefused) as info:
        store.trust.save_trust_list(b"four", payload(4, [issuer(b"\x07")]), "e4")
    assert info.value.held == 5 and info.value.offered == 4
    raw, meta = store.trust.load_trust_list()
    assert raw == b"five" and meta.seq == 5 and meta.etag == "e5" and meta.iat == 1_760_000_005


def test_equal_seq_replaces(store):
    store.trust.save_trust_list(b"a", payload(5), "e1")
    store.trust.save_trust_list(b"a", payload(5), "e2")
    assert store.trust.load_trust_list()[1].etag == "e2"


def test_cbor2_shapes_are_accepted(store):
    from types import MappingProxyType
    parsed = MappingProxyType({"seq": 1, "issuers": (MappingProxyType(issuer(typ=("enterprise",))),)})
    meta = store.trust.save_trust_list(b"x", parsed, None)
    assert meta.seq == 1 and meta.next is None


@pytest.mark.parametrize("bad, match", [
    ({"issuers": []}, "seq"),
    ({"seq": "1", "issuers": []}, "seq"),
    ({"seq": True, "issuers": []}, "seq"),
    ({"seq": -1, "issuers": []}, "negative"),
    ({"seq": 1, "next": "tomorrow"}, "next"),
    ({"seq": 1, "iat": 1.5}, "iat"),
])
def test_malformed_parsed_is_refused(store, bad, match):
    store.trust.save_trust_list(b"held", payload(1), None)
    with pytest.raises(BadTrustList, match=match):
        store.trust.save_trust_list(b"new", bad, None)
    assert store.trust.load_trust_list()[0] == b"held"


def test_clear(store):
    store.trust.save_trust_list(b"a", payload(5), None)
    store.trust.clear()
    assert store.trust.load_trust_list() is None
    store.trust.save_trust_list(b"b", payload(1), None)  # no rollback check after clear
    assert store.trust.held_seq() == 1


def test_version_1_database_loses_the_unread_issuer_rows_and_keeps_the_list(home):
    import sqlite3
    from cache import db
    path = db.db_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    db._m1_initial(conn)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO trust_list VALUES (1, ?, 7, NULL, NULL, 'e7', 1)", (b"\xd2held",))
    conn.execute("INSERT INTO trust_issuers VALUES (0, x'01', 'SD-RC', -7, x'00', NULL, NULL, '[]', 'active')")
    conn.commit()
    conn.close()
    store = Store.open(home)
    try:
        raw, meta = store.trust.load_trust_list()
        assert raw == b"\xd2held" and meta.seq == 7 and meta.etag == "e7"
        names = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
        assert "trust_issuers" not in names and "trust_issuers_kid" not in names
    finally:
        store.close()
