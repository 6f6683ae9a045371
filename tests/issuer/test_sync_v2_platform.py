"""Spec v2 section 6 on the reference platform, against the real server on loopback: one-time
enrolment codes, tokens bound to one terminal, revocation, per-event rejections that never
block the others, the audited hash chain, size limits and 4xx for malformed requests."""
from __future__ import annotations

import json
import socket
import uuid

import pytest
import requests

from vocab.events import GENESIS, event_hash


def _enrol(h, venue="V-1"):
    code = h.platform.add_terminal_code(venue)
    tid = str(uuid.uuid4())
    r = requests.post(h.url + "/v1/enrol", json={"code": code, "terminal": tid}, timeout=10)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["terminal"] == tid and body["venue"] == venue and len(body["token"]) >= 32
    return tid, {"Authorization": f"Bearer {body['token']}"}, code


def _chain(tid, n, venue="V-1", start=GENESIS):
    """n correctly chained scan events of terminal tid."""
    out, prev = [], start
    for k in range(n):
        ev = {"id": str(uuid.uuid4()), "ts": f"2026-12-02T01:{k // 60 % 60:02d}:{k % 60:02d}.000Z", "terminal": tid,
              "venue": venue, "mode": "gate", "profile": "EZ1", "typ": "resident", "valid": True, "reason": "ok",
              "issuer": "0a1b", "holder_ref": "ab" * 16, "policy": "general-admission", "prev": prev}
        ev["hash"] = event_hash(ev)
        prev = ev["hash"]
        out.append(ev)
    return out


def _post(h, auth, terminal, events, **kw):
    return requests.post(h.url + "/v1/scan-events", headers=auth, json={"terminal": terminal, "events": events},
                         timeout=30, **kw)


def test_an_enrolment_code_works_once(platform_server):
    h = platform_server
    tid, auth, code = _enrol(h)
    again = requests.post(h.url + "/v1/enrol", json={"code": code, "terminal": str(uuid.uuid4())}, timeout=10)
    assert again.status_code == 400
    assert requests.get(h.url + "/v1/trust-list", headers=auth, timeout=10).status_code == 200
    # only a hash of the token and of the code is kept
    db = _all_stored_bytes(h.platform)
    assert auth["Authorization"][7:].encode() not in db and code.encode() not in db


def _all_stored_bytes(plat) -> bytes:
    """Every byte the platform's database holds: the SQLite file, or every row of every table."""
    if plat.db_path is not None:
        return plat.db_path.read_bytes()
    tables = [t for t, in plat.store.read("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]
    assert "terminals" in tables and "enrol_codes" in tables
    return b"".join(str(row).encode() for t in tables for row in plat.store.read(f'SELECT * FROM "{t}"'))


def test_uploading_as_another_terminal_is_403_and_a_revoked_terminal_401(platform_server):
    h = platform_server
    a, auth_a, _ = _enrol(h)
    b, _, _ = _enrol(h)
    assert _post(h, auth_a, b, _chain(b, 1)).status_code == 403
    assert _post(h, auth_a, a, _chain(a, 1)).status_code == 200
    h.platform.revoke_terminal(a)
    assert _post(h, auth_a, a, _chain(a, 1)).status_code == 401
    assert requests.get(h.url + "/v1/trust-list", headers=auth_a, timeout=10).status_code == 401


def test_a_poisoned_batch_rejects_one_and_accepts_the_rest(platform_server):
    h = platform_server
    tid, auth, _ = _enrol(h)
    events = _chain(tid, 500)
    events[250] = {**events[250], "venue": "王芳 370102199001011234"}     # schema-invalid, in the middle
    r = _post(h, auth, tid, events)
    assert r.status_code == 200
    ans = r.json()
    assert len(ans["accepted"]) == 499 and ans["duplicates"] == []
    assert ans["rejected"] == [{"id": events[250]["id"], "error": "schema", "detail": ans["rejected"][0]["detail"]}]
    ids = {e["id"] for e in _chain(tid, 0)} | set(ans["accepted"]) | {x["id"] for x in ans["rejected"]}
    assert ids == {e["id"] for e in events}                             # every id in exactly one list
    later = _chain(tid, 3, start=events[-1]["hash"])
    assert _post(h, auth, tid, later).json()["accepted"] == [e["id"] for e in later]


def test_edited_deleted_and_reordered_events_are_chain_breaks(platform_server):
    h = platform_server
    plat = h.platform
    cases = {}
    for kind in ("edited", "missing", "reordered"):
        tid, auth, _ = _enrol(h)
        ev = _chain(tid, 4)
        if kind == "edited":
            ev[2] = {**ev[2], "reason": "expired", "valid": False}       # content changed, hash kept
            batch = ev
        elif kind == "missing":
            batch = ev[:1] + ev[2:]
        else:
            batch = [ev[0], ev[2], ev[1], ev[3]]
        ans = _post(h, auth, tid, batch).json()
        assert len(ans["accepted"]) == len(batch), ans                 # the events are still kept
        cases[kind] = plat.chain_breaks(tid)
    assert [b["kind"] for b in cases["edited"]] == ["edited"]
    assert [b["kind"] for b in cases["missing"]] == ["missing"]
    assert "reordered" in [b["kind"] for b in cases["reordered"]]
    tid, auth, _ = _enrol(h)
    assert _post(h, auth, tid, _chain(tid, 5)).status_code == 200 and plat.chain_breaks(tid) == []


def test_same_id_other_content_is_a_conflict(platform_server):
    h = platform_server
    tid, auth, _ = _enrol(h)
    [ev] = _chain(tid, 1)
    assert _post(h, auth, tid, [ev]).json()["accepted"] == [ev["id"]]
    assert _post(h, auth, tid, [ev]).json()["duplicates"] == [ev["id"]]
    other = {**ev, "reason": "expired", "valid": False}
    other["hash"] = event_hash({k: v for k, v in other.items() if k != "hash"})
    assert _post(h, auth, tid, [other]).json()["rejected"] == [{"id": ev["id"], "error": "conflict"}]


def _raw(h, method, path, body=b"", headers=None):
    """One raw HTTP/1.1 request (no client-side checks); the status code."""
    host, port = h.url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=20) as s:
        head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        for k, v in (headers or {}).items():
            head += f"{k}: {v}\r\n"
        if body is not None:
            head += f"Content-Length: {len(body)}\r\n"
        s.sendall(head.encode("latin-1") + b"\r\n")
        try:
            s.sendall(body or b"")
        except (ConnectionResetError, BrokenPipeError):
            pass                                # the server answered early (413) and closed
        data = b""
        try:
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
        assert data, "no answer"
    return int(data.split(b" ", 2)[1])


def test_every_malformed_request_gets_a_4xx(platform_server):
    h = platform_server
    tid, auth, _ = _enrol(h)
    a = {**auth, "Content-Type": "application/json"}
    good = _chain(tid, 1)[0]
    bodies = [b"", b"not json", b"[1, 2]", b"null", b"{}", b'{"terminal": 5, "events": []}',
              json.dumps({"terminal": tid}).encode(), json.dumps({"terminal": tid, "events": {}}).encode(),
              json.dumps({"terminal": tid, "events": [], "x": 1}).encode(), b"[" * 100_000 + b"]" * 100_000,
              b'{"terminal": "' + b"\xff\xfe" + b'", "events": []}', json.dumps({"terminal": tid, "events": [good] * 501}).encode(),
              json.dumps({"terminal": "", "events": []}).encode(), b'{"terminal": "T", "events": [' + b"1," * 10 + b"1]}"]
    statuses = [_raw(h, "POST", "/v1/scan-events", b, a) for b in bodies]
    enrol_bodies = [b"", b"{}", b'{"code": 1, "terminal": 2}', b'{"code": "x", "terminal": "not-a-uuid"}',
                    json.dumps({"code": "a" * 10_000, "terminal": str(uuid.uuid4())}).encode(),
                    b'{"code": "abc", "terminal": "' + str(uuid.uuid4()).upper().encode() + b'"}', b"[" * 50_000]
    statuses += [_raw(h, "POST", "/v1/enrol", b, {"Content-Type": "application/json"}) for b in enrol_bodies]
    for q in ("since=%C2%B2", "since=-1", "since=1e3", "since=" + "9" * 40, "since=", "since=0x10", "since=%00"):
        statuses.append(_raw(h, "GET", "/v1/revocations?" + q, None, auth))
    statuses.append(_raw(h, "POST", "/v1/scan-events", b"{}", {**a, "Content-Length": "99999999999"}))
    statuses.append(_raw(h, "GET", "/v1/trust-list", None, {"Authorization": "Bearer " + "x" * 5000}))
    statuses.append(_raw(h, "GET", "/v1/trust-list", None, {"Authorization": "Bearer \u00e9".encode().decode("latin-1")}))
    statuses.append(_raw(h, "POST", "/v1/scan-events", json.dumps({"terminal": tid, "events": []}).encode(),
                         {"Content-Type": "application/json"}))
    assert len(statuses) >= 30
    assert all(400 <= s < 500 for s in statuses), list(zip(range(len(statuses)), statuses))


def test_a_body_over_4_mib_is_413(platform_server):
    h = platform_server
    tid, auth, _ = _enrol(h)
    big = b'{"terminal": "' + tid.encode() + b'", "events": [], "pad": "' + b"x" * (5 << 20) + b'"}'
    assert _raw(h, "POST", "/v1/scan-events", big, {**auth, "Content-Type": "application/json"}) == 413


def test_the_fleet_view_shows_sync_state_and_flags_silent_terminals(platform_server, tmp_path):
    """`venue-issuer terminal DIR list`: the seqs delivered at each sync, events received and
    quarantined (refused), the chain state, and a terminal silent past --stale-after flagged."""
    import subprocess
    import sys
    import time

    from issuer.testing import REPO_ROOT
    h = platform_server
    venue = f"FLEET-{uuid.uuid4().hex[:6]}"
    synced, auth, _ = _enrol(h, venue)
    silent, _, _ = _enrol(h, venue)
    revoked, _, _ = _enrol(h, venue)
    h.platform.revoke_terminal(revoked)
    assert requests.get(h.url + "/v1/trust-list", headers=auth, timeout=10).status_code == 200
    assert requests.get(h.url + "/v1/revocations?since=0", headers=auth, timeout=10).status_code == 200
    evs = _chain(synced, 4, venue=venue)
    evs[3] = {**evs[3], "venue": "not a venue!"}                      # refused: quarantined on the terminal
    assert len(_post(h, auth, synced, evs).json()["accepted"]) == 3
    plat = h.platform
    trust_seq, rev_seq = plat.document("trust").seq, plat.document("revocations").seq

    def fleet(*extra):
        proc = subprocess.run([sys.executable, "-m", "issuer.cli", "terminal", str(h.dir), "list", *extra],
                              capture_output=True, text=True, cwd=str(REPO_ROOT), timeout=60)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    later = int(time.time()) + 7200                                     # two hours from now
    data = json.loads(fleet("--json", "--stale-after", "1h", "--at", str(later)))
    rows = {t["terminal"]: t for t in data["terminals"] if t["venue"] == venue}
    assert data["trust_list_seq"] == trust_seq and data["revocations_seq"] == rev_seq
    s, q, r = rows[synced], rows[silent], rows[revoked]
    assert (s["trust_seq"], s["revocations_seq"], s["trust_behind"], s["revocations_behind"]) == (trust_seq, rev_seq, 0, 0)
    assert (s["events"], s["quarantined"], s["chain"]) == (3, 1, "intact")
    assert s["stale"] and q["stale"] and not r["stale"]                 # a revoked terminal is not missed
    assert q["last_seen"] is None and q["trust_seq"] is None and q["events"] == 0
    fresh = {t["terminal"]: t for t in json.loads(fleet("--json", "--stale-after", "3h", "--at", str(later)))["terminals"]}
    assert not fresh[synced]["stale"] and not fresh[silent]["stale"]
    table = fleet("--stale-after", "1h", "--at", str(later))
    line = next(x for x in table.splitlines() if x.startswith(synced))
    assert "STALE" in line and "2h ago" in line and " 3 " in line and "intact" in line
    assert "REVOKED" in next(x for x in table.splitlines() if x.startswith(revoked))
    assert next(x for x in table.splitlines() if x.startswith(silent)).split()[3] == "never"
