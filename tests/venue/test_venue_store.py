"""cache.venue_store against a real redis-server (spec v2 section 7): the claim script's
answers, the entry count that never goes over the limit, the spec's keys and TTLs, the 50 ms
budget when the server is paused, killed or given the wrong password, and URL rules."""
from __future__ import annotations

import threading
import time

import pytest

from cache.venue_store import RedisVenueStore, SharedConfigError, SharedUnavailable, check_url
from vocab.spec import entry_key, replay_key

from .conftest import PASSWORD

REF = "ab" * 16


def _store(srv, terminal="T1", **kw):
    return RedisVenueStore(srv.url, PASSWORD, terminal=terminal, **kw)


def _raw(srv):
    import redis
    return redis.Redis(host="127.0.0.1", port=srv.port, password=PASSWORD, decode_responses=True)


def test_claim_won_mine_lost_and_the_spec_keys(redis_server):
    a, b = _store(redis_server, "T1"), _store(redis_server, "T2")
    rk = replay_key("V1", bytes.fromhex("0011223344556677"))
    assert rk == "vt:V1:rp:0011223344556677"
    assert a.claim(rk, 390, None, None, 0).replay == "won"
    assert a.claim(rk, 390, None, None, 0).replay == "mine"
    assert b.claim(rk, 390, None, None, 0).replay == "lost"
    r = _raw(redis_server)
    assert r.get(rk) == "T1" and 385 <= r.ttl(rk) <= 390
    # a lost claim counts no entry
    ek = entry_key("V1", REF, "2026-12-03")
    assert ek == f"vt:V1:en:{REF}:2026-12-03"
    res = b.claim(rk, 390, ek, 1, int(time.time()) + 86400)
    assert (res.replay, res.counted) == ("lost", None) and r.get(ek) is None


def test_entry_limit_counts_atomically_and_never_goes_over(redis_server):
    ek = entry_key("V1", REF, "2026-12-03")
    expire_at = int(time.time()) + 2 * 86400
    stores = [_store(redis_server, f"T{i}") for i in range(8)]
    results = []
    barrier = threading.Barrier(8)

    def go(s):
        barrier.wait()
        results.append((s.claim(None, 0, ek, 2, expire_at, f"claim-{id(s)}").counted, s))
    threads = [threading.Thread(target=go, args=(s,)) for s in stores]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(c for c, _ in results) == [False] * 6 + [True] * 2
    winner = next(s for c, s in results if c)
    r = _raw(redis_server)
    assert r.scard(ek) == 2                              # the ones over the limit were taken back
    assert abs(r.expiretime(ek) - expire_at) <= 1        # one day after the period ends
    # another venue's key is another count
    assert stores[0].claim(None, 0, entry_key("V2", REF, "2026-12-03"), 2, expire_at, "c1").counted is True
    # one claim written twice (a timed-out call that ran later, then its write-back) counts once
    assert winner.claim(None, 0, ek, 2, expire_at, f"claim-{id(winner)}").counted is True
    assert r.scard(ek) == 2


def test_pending_claims_collide_or_not(redis_server):
    a, b = _store(redis_server, "T1"), _store(redis_server, "T2")
    rk = replay_key("V1", b"\x01" * 8)
    now = time.time()
    assert a.write_pending(rk, "rp", None, int(now) + 60, now) is False      # first: no collision
    assert a.write_pending(rk, "rp", None, int(now) + 60, now) is False      # our own claim again
    assert b.write_pending(rk, "rp", None, int(now) + 60, now) is True       # another gate had it
    assert _raw(redis_server).ttl(rk) > 86000                                # kept a day for late gates
    ek = entry_key("V1", REF, "2026-12-03")
    assert a.write_pending(ek, "en", 1, int(now) + 86400, now, "c-a") is False
    assert a.write_pending(ek, "en", 1, int(now) + 86400, now, "c-a") is False   # the same claim again
    assert b.write_pending(ek, "en", 1, int(now) + 86400, now, "c-b") is True    # the second entry of the day


def test_a_paused_server_costs_the_budget_once_then_nothing(redis_server):
    s = _store(redis_server)
    assert s.ping() and s.state == "ok"
    redis_server.pause()
    try:
        t0 = time.perf_counter()
        with pytest.raises(SharedUnavailable, match="50 ms"):
            s.claim(replay_key("V1", b"\x02" * 8), 90, None, None, 0)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        with pytest.raises(SharedUnavailable):
            s.claim(replay_key("V1", b"\x03" * 8), 90, None, None, 0)
        second = time.perf_counter() - t0
    finally:
        redis_server.resume()
    assert first < 0.1 and second < 0.01, (first, second)
    assert s.state == "unavailable"
    time.sleep(1.05)                              # the cooldown is over: the next call goes through
    assert s.claim(replay_key("V1", b"\x04" * 8), 90, None, None, 0).replay == "won"


def test_killed_and_restarted_server(redis_server):
    s = _store(redis_server, cooldown=0.0)
    assert s.claim(replay_key("V1", b"\x05" * 8), 90, None, None, 0).replay == "won"
    redis_server.kill()
    t0 = time.perf_counter()
    with pytest.raises(SharedUnavailable):
        s.claim(replay_key("V1", b"\x06" * 8), 90, None, None, 0)
    assert time.perf_counter() - t0 < 0.1
    redis_server.restart()
    # the keys died with it (no persistence): the store answers again and counts afresh
    assert s.claim(replay_key("V1", b"\x05" * 8), 90, None, None, 0).replay == "won"


def test_wrong_password_is_unavailable_in_one_line(redis_server):
    s = RedisVenueStore(redis_server.url, "not-the-password", terminal="T1")
    with pytest.raises(SharedUnavailable, match="refused the password"):
        s.claim(replay_key("V1", b"\x07" * 8), 90, None, None, 0)
    assert not RedisVenueStore(redis_server.url, None, terminal="T1").ping()


@pytest.mark.parametrize("url,why", [
    ("redis://:secret@10.0.0.5:6379/0", "never the URL"),
    ("redis://user:secret@10.0.0.5/0", "never the URL"),
    ("http://10.0.0.5:6379", "redis://"),
    ("redis://", "redis://"),
    ("redis://10.0.0.5:6379/0?password=x", "no query"),
    ("redis://10.0.0.5:99999/0", "port"),
    ("", "redis://"),
])
def test_urls_refused(url, why):
    with pytest.raises(SharedConfigError, match=why):
        check_url(url)


def test_urls_accepted():
    assert check_url(" rediss://venue-store.park.local:6380/2 ") == "rediss://venue-store.park.local:6380/2"
    assert check_url("redis://127.0.0.1") == "redis://127.0.0.1"
