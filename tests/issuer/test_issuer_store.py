"""The platform's two stores (issuer/store.py): the same answers on SQLite and PostgreSQL, chain
checks that hold under concurrent uploads, migrations, the database URL and password rules, and
fault injection only with the explicit test flag. PostgreSQL is a real throwaway cluster
(conftest.pg_cluster), SQLite a real file."""
from __future__ import annotations

import json
import threading
import uuid

import requests

from issuer.platform import SCHEMA_VERSION, Platform
from issuer.store import open_store
from issuer.testing import prepare_server
from issuer_helpers import NOW, issuer_cli
from vocab.events import GENESIS, event_hash


def _chain(tid: str, n: int, start: str = GENESIS, venue: str = "V-1") -> list[dict]:
    out, prev = [], start
    for k in range(n):
        ev = {"id": str(uuid.uuid4()), "ts": f"2026-12-02T0{k // 3600 % 10}:{k // 60 % 60:02d}:{k % 60:02d}Z",
              "terminal": tid, "venue": venue, "mode": "gate", "profile": "EZ1", "typ": "resident",
              "valid": k % 5 != 0, "reason": "ok" if k % 5 else "expired", "issuer": "0a1b",
              "holder_ref": "ab" * 16, "policy": "default", "prev": prev}
        ev["hash"] = event_hash(ev)
        prev = ev["hash"]
        out.append(ev)
    return out


def _enrolled(plat: Platform, n: int, venue: str = "V-1") -> list[str]:
    tids = []
    for _ in range(n):
        tid = str(uuid.uuid4())
        plat.enrol(plat.add_terminal_code(venue, now=NOW), tid, now=NOW)
        tids.append(tid)
    return tids


def test_concurrent_uploads_of_many_terminals_keep_every_chain(plat):
    """12 terminals, each uploading 4 chained batches from two threads at once (the second a
    retry of the first, as after a timeout): every event stored once, no chain break, the
    counters right. Without the per-terminal lock, a retry that finds only duplicates writes
    back the chain head it read before the other upload moved it."""
    tids = _enrolled(plat, 12)
    batches = {}
    for t in tids:                  # one chain of 100 per terminal, cut into 4 batches
        whole = _chain(t, 100)
        batches[t] = [whole[i * 25:(i + 1) * 25] for i in range(4)]
    answers: list[tuple[str, dict]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def upload(t: str) -> None:
        try:
            for b in batches[t]:
                a = plat.store_events(t, b, now=NOW + 60).to_json()
                with lock:
                    answers.append((t, a))
        except BaseException as exc:        # reported below, with the thread's failure
            errors.append(exc)

    threads = [threading.Thread(target=upload, args=(t,)) for t in tids for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert not errors, errors
    for t in tids:
        mine = [a for tt, a in answers if tt == t]
        accepted = [i for a in mine for i in a["accepted"]]
        assert sorted(accepted) == sorted(e["id"] for b in batches[t] for e in b)      # each id accepted once
        assert sum(len(a["duplicates"]) for a in mine) == 100 and not any(a["rejected"] for a in mine)
        assert plat.chain_breaks(t) == []
    rows = {r.id: r for r in plat.terminals()}
    for t in tids:
        assert rows[t].events == 100 and rows[t].rejected == 0 and rows[t].breaks == 0
        assert rows[t].chain_head == batches[t][-1][-1]["hash"]
    assert len(plat.events()) == 1200


def test_one_batch_answers_alike_on_both_backends(plat):
    """Accepted, duplicates (held and repeated in the batch), conflicts and schema rejections
    in one upload, in the order they came; breaks found for an edited and a missing event."""
    [t] = _enrolled(plat, 1)
    evs = _chain(t, 6)
    assert plat.store_events(t, evs[:2], now=NOW).accepted == [evs[0]["id"], evs[1]["id"]]
    edited = {**evs[3], "reason": "revoked"}                 # content changed after hashing
    conflict = {**evs[0], "hash": "e" * 64}
    answer = plat.store_events(t, [evs[1], evs[2], evs[2], conflict, {"id": "x"}, edited, evs[5]], now=NOW)
    assert answer.accepted == [evs[2]["id"], evs[3]["id"], evs[5]["id"]]
    assert answer.duplicates == [evs[1]["id"], evs[2]["id"]]
    assert [r["error"] for r in answer.rejected] == ["conflict", "schema"]
    assert [b["kind"] for b in plat.chain_breaks(t)] == ["edited", "missing"]
    stored = plat.store.read("SELECT kind, venue, mode, typ, valid, reason, ts_ms FROM events WHERE id = ?",
                             (evs[5]["id"],))
    assert stored == [("scan", "V-1", "gate", "resident", 0, "expired", 1_796_169_605_000)]


def _downgrade_to_2(plat: Platform) -> None:
    """Make the database look like one written by schema 2 (before the report columns)."""
    with plat.store.tx() as c:
        c.execute("DROP INDEX events_ts")
        for col in ("kind", "ts_ms", "venue", "mode", "profile", "typ", "valid", "reason", "cert", "code", "ref"):
            c.execute(f"ALTER TABLE events DROP COLUMN {col}")
        for col in ("trust_seq", "revocations_seq"):
            c.execute(f"ALTER TABLE terminals DROP COLUMN {col}")
        c.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")


def test_migrate_brings_schema_2_to_3_and_backfills(plat, backend):
    [t] = _enrolled(plat, 1)
    evs = _chain(t, 3)
    plat.store_events(t, evs, now=NOW)
    _downgrade_to_2(plat)
    if backend:        # PostgreSQL: opening refuses, only `migrate` changes a fleet's database
        proc = issuer_cli("terminal", str(plat.root), "list", check=False)
        assert proc.returncode == 2 and "run venue-issuer migrate" in proc.stderr and "Traceback" not in proc.stderr
    out = json.loads(issuer_cli("migrate", str(plat.root)).stdout)
    assert out["from"] == 2 and out["to"] == SCHEMA_VERSION and out["changed"]
    assert out["backend"] == ("postgresql" if backend else "sqlite")
    again = json.loads(issuer_cli("migrate", str(plat.root)).stdout)
    assert again["from"] == again["to"] == SCHEMA_VERSION and not again["changed"]
    rows = Platform(plat.root).store.read("SELECT kind, ts_ms, valid, reason FROM events ORDER BY n")
    assert rows == [("scan", 1_796_169_600_000, 0, "expired"), ("scan", 1_796_169_601_000, 1, "ok"),
                    ("scan", 1_796_169_602_000, 1, "ok")]


def test_database_url_and_password_rules(tmp_path, pg_cluster):
    url = pg_cluster.new_schema()
    with_pw = url.replace("postgres@", f"postgres:{pg_cluster.password}@")
    proc = issuer_cli("init", str(tmp_path / "a"), "--db", with_pw, check=False)
    assert proc.returncode == 2 and "never goes in the URL" in proc.stderr and pg_cluster.password not in proc.stderr
    assert not (tmp_path / "a").exists()
    bad = tmp_path / "wrong"
    bad.write_text("not-the-password\n")
    proc = issuer_cli("init", str(tmp_path / "b"), "--db", url, "--db-password-file", str(bad), check=False)
    assert proc.returncode == 2 and "password authentication failed" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    info = json.loads(issuer_cli("init", str(tmp_path / "c"), "--db", url, "--db-password-file",
                                 pg_cluster.password_file).stdout)
    assert info["created"]
    pointer = json.loads((tmp_path / "c" / "database.json").read_text())
    assert pointer == {"url": url, "password_file": pg_cluster.password_file}
    assert pg_cluster.password not in (tmp_path / "c" / "database.json").read_text()
    assert not (tmp_path / "c" / "platform.db").exists()
    # every later command finds the database through DIR alone
    assert json.loads(issuer_cli("terminal", str(tmp_path / "c"), "list", "--json").stdout)["terminals"] == []
    # the same database cannot hold two platforms
    proc = issuer_cli("init", str(tmp_path / "d"), "--db", url, "--db-password-file", pg_cluster.password_file,
                      check=False)
    assert proc.returncode == 2 and "already holds a platform" in proc.stderr
    assert open_store(tmp_path / "c").kind == "postgresql"


def test_fault_injection_needs_the_test_flag(tmp_path):
    h = prepare_server(tmp_path / "plat", test_faults=False)
    h.start()
    try:
        r = requests.get(h.url + "/_admin/faults", headers={"Authorization": f"Bearer {h.admin_token}"}, timeout=10)
        assert r.status_code == 404
        assert requests.get(h.url + "/v1/trust-list", headers=h.auth, timeout=10).status_code == 200
    finally:
        h.stop()
    proc = issuer_cli("serve", str(tmp_path / "plat"), "--port", "0", "--fault", "delay_seconds=1", check=False)
    assert proc.returncode == 2 and "--test-faults" in proc.stderr
