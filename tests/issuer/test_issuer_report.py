"""`venue-issuer report`: the counts equal those recomputed here from the raw events of a
generated mixed workload (every kind, three venues, days that change at Shanghai's midnight,
16:00 UTC), on SQLite and on PostgreSQL; no personal data in any form of the report."""
from __future__ import annotations

import csv
import io
import json
import random
import uuid
from collections import Counter
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from issuer.report import build_report, outcome_of, to_csv
from issuer.testing import chained_events
from issuer_helpers import NOW, issuer_cli
from vocab.events import ts_to_ms

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2026-12-01 12:00Z .. 2026-12-04 12:00Z: four UTC days, with many events within an hour of 16:00Z
START_MS = int(datetime(2026, 12, 1, 12, tzinfo=timezone.utc).timestamp() * 1000)


def _workload(plat, rng):
    events = []
    for v in ("PARK-A", "HALL-B", "MUSEUM-C"):
        for _ in range(2):
            tid = str(uuid.uuid4())
            plat.enrol(plat.add_terminal_code(v, now=NOW), tid, now=NOW)
            times = sorted(START_MS + rng.randrange(3 * 86400_000) for _ in range(150))
            times += sorted(int(datetime(2026, 12, d, 16, tzinfo=timezone.utc).timestamp() * 1000)
                            + rng.randrange(-1800_000, 1800_000) for d in (1, 2, 3) for _ in range(15))
            times.sort()
            evs = chained_events(tid, v, times, rng=rng)
            for i in range(0, len(evs), 70):
                ans = plat.store_events(tid, evs[i:i + 70], now=NOW)
                assert not ans.rejected and len(ans.accepted) == len(evs[i:i + 70])
            events += evs
    return events


def _local_day(ev) -> str:
    return datetime.fromtimestamp(ts_to_ms(ev["ts"]) / 1000, SHANGHAI).date().isoformat()


def _expected(events, d_from, d_to, venue=None):
    mine = [e for e in events if d_from <= _local_day(e) <= d_to and venue in (None, e["venue"])]
    scans = Counter((_local_day(e), e["venue"], e["mode"], e.get("profile"), e.get("typ"),
                     outcome_of(e["valid"], e["reason"]), e["reason"]) for e in mine if e["kind"] == "scan")
    certs = Counter((e["cert"], e["valid"]) for e in mine if e["kind"] == "manual")
    by_code = sum(1 for e in mine if e["kind"] == "scan" and e.get("profile"))
    by_hand = sum(1 for e in mine if e["kind"] == "manual")
    by_id = {e["id"]: e for e in events}
    disputes = [(e["id"], e["code"], by_id[e["ref"]]["reason"]) for e in mine if e["kind"] == "dispute"]
    others = Counter(e["kind"] for e in mine if e["kind"] in ("session", "alert"))
    return scans, certs, by_code, by_hand, disputes, others


def test_report_counts_equal_the_raw_events(plat):
    rng = random.Random(14)
    events = _workload(plat, rng)
    kinds = Counter(e["kind"] for e in events)
    assert all(kinds[k] > 10 for k in ("scan", "manual", "dispute", "session")) and kinds["alert"] > 0
    border = [e for e in events if abs(ts_to_ms(e["ts"]) % 86400_000 - 16 * 3600_000) < 1800_000]
    assert {_local_day(e) for e in border} >= {"2026-12-02", "2026-12-03"}      # both sides of local midnight
    for d_from, d_to, venue in (("2026-12-02", "2026-12-03", None), ("2026-12-01", "2026-12-04", "HALL-B"),
                                ("2026-12-03", "2026-12-03", "PARK-A")):
        rep = build_report(plat, date.fromisoformat(d_from), date.fromisoformat(d_to), venue=venue)
        scans, certs, by_code, by_hand, disputes, others = _expected(events, d_from, d_to, venue)
        got = Counter({(r["day"], r["venue"], r["mode"], r["code_type"], r["typ"], r["outcome"], r["reason"]): r["count"]
                       for r in rep["scans"]})
        assert got == scans and sum(scans.values()) > 0
        assert rep["totals"]["scans"] == sum(scans.values())
        assert rep["scans_by"]["day"] == dict(sorted(Counter(k[0] for k in scans.elements()).items()))
        assert rep["scans_by"]["outcome"] == dict(sorted(Counter(k[5] for k in scans.elements()).items()))
        got_certs = Counter()
        for cert, c in rep["manual"]["by_cert"].items():
            got_certs[(cert, True)], got_certs[(cert, False)] = c["valid"], c["invalid"]
        assert +got_certs == certs
        s = rep["substitution"]
        assert (s["by_code"], s["by_hand"]) == (by_code, by_hand)
        assert s["rate"] == round(by_code / (by_code + by_hand), 4)
        assert sum(x["by_code"] for x in s["by_day"].values()) == by_code
        items = rep["disputes"]["items"]
        assert [d["ts"] for d in items] == sorted(d["ts"] for d in items)                 # in time order
        assert sorted((d["event"], d["code"], d["scan_reason"]) for d in items) == sorted(disputes)
        assert rep["disputes"]["by_code"] == dict(sorted(Counter(d[1] for d in disputes).items()))
        assert {k: rep["totals"].get(k, 0) for k in ("session", "alert")} == {k: others[k] for k in ("session", "alert")}


def test_report_cli_forms_carry_no_personal_data(plat):
    events = _workload(plat, random.Random(15))
    base = ("report", str(plat.root), "--from", "2026-12-01", "--to", "2026-12-04")
    as_json = issuer_cli(*base, "--json").stdout
    as_csv = issuer_cli(*base, "--csv").stdout
    as_text = issuer_cli(*base).stdout
    rep = json.loads(as_json)
    assert rep["totals"]["scans"] == sum(1 for e in events if e["kind"] == "scan")
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert sum(int(r["count"]) for r in rows if r["section"] == "scan") == rep["totals"]["scans"]
    assert sum(1 for r in rows if r["section"] == "dispute") == rep["totals"]["disputes"]
    assert "电子证照替代率" in as_text and f"{rep['substitution']['rate'] * 100:.1f}%" in as_text
    secrets = {e["holder_ref"] for e in events if "holder_ref" in e} | {"staff-07"}
    secrets |= {e["issuer"] for e in events if "issuer" in e}
    for text in (as_json, as_csv, as_text):
        assert not any(s in text for s in secrets)
    proc = issuer_cli("report", str(plat.root), "--from", "2026-12-04", "--to", "2026-12-01", check=False)
    assert proc.returncode == 2 and "before" in proc.stderr
    proc = issuer_cli(*base, "--tz", "Mars/Olympus", check=False)
    assert proc.returncode == 2 and "time zone" in proc.stderr and "Traceback" not in proc.stderr


def test_hostile_report_requests_get_one_line_or_a_4xx(plat, platform_server):
    for args in (("--from", "9999-12-31", "--to", "9999-12-31"), ("--from", "0001-01-01", "--to", "0001-01-01"),
                 ("--from", "2026-02-30", "--to", "2026-03-01"), ("--from", "2026-12-01", "--to", "2026-12-02",
                                                                   "--venue", "张三的店")):
        proc = issuer_cli("report", str(plat.root), *args, check=False)
        last = proc.stderr.strip().splitlines()[-1]        # argparse puts its usage lines above
        assert proc.returncode == 2 and last.startswith("venue-issuer") and "Traceback" not in proc.stderr, proc.stderr
    import requests
    admin = {"Authorization": f"Bearer {platform_server.admin_token}"}
    for day in ("9999-12-31", "0001-01-01", "2026-13-01", "x" * 5000, "2026-12-01T00:00"):
        r = requests.get(platform_server.url + "/dashboard/data", params={"day": day}, headers=admin, timeout=10)
        assert r.status_code == 400, (day, r.status_code)
    assert requests.get(platform_server.url + "/dashboard/data", headers=platform_server.auth, timeout=10).status_code == 401
    r = requests.get(platform_server.url + "/dashboard/data", params={"day": "2026-12-02"}, headers=admin, timeout=10)
    assert r.status_code == 200 and len(r.json()["hourly"]) == 24
