"""What the province measures, from the scan events the platform holds (issue 14).

    >>> rep = build_report(plat, date(2026, 12, 1), date(2026, 12, 7), venue=None, tz="Asia/Shanghai")
    >>> rep["substitution"]["rate"]          # 电子证照替代率: verifications by code / (by code + by hand)
    >>> print(to_csv(rep)); print(to_text(rep))

Days are calendar days in `tz` (default Asia/Shanghai, the zone the spec's venue periods use):
the database groups events by 15-minute bucket of their `ts` (every zone's offset is a multiple
of 15 minutes) and the buckets are put into local days here, so the same SQL runs on SQLite and
PostgreSQL and a zone with daylight saving counts right.

Counted: scans by day, venue, mode, code type (`profile`: EZ1, EP1, HC1; none when no code was
read), credential type (`typ`), outcome and reason; manual checks by certificate type and
result; the substitution rate; disputes by code, each with the reason of the scan it contests.
Outcome is what the code's verdict was: `valid`, `invalid`, or `not_checked` (a reason in
vocab.reasons.CANNOT_VERIFY: unreadable, trust list expired, internal error); the admit /
refuse / check decision is the venue policy's, on the terminal, and not in the events.
No personal data: the events hold none (no names, no ID numbers, no `sub`), and the report
leaves out even the pseudonymous `holder_ref` and `operator`.
"""
from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vocab.events import ms_to_ts
from vocab.reasons import CANNOT_VERIFY

from .platform import Platform, PlatformError

BUCKET_MS = 15 * 60 * 1000
DEFAULT_TZ = "Asia/Shanghai"
MAX_DAYS = 3660
SCAN_KEYS = ("day", "venue", "mode", "code_type", "typ", "outcome", "reason")


def outcome_of(valid: Any, reason: str | None) -> str:
    if reason in CANNOT_VERIFY:
        return "not_checked"
    return "valid" if valid else "invalid"


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PlatformError(f"unknown time zone {name!r:.60} (an IANA name such as Asia/Shanghai)") from None


def _bounds(d_from: date, d_to: date, tz: ZoneInfo) -> tuple[int, int]:
    """[start, end) of local days d_from..d_to in Unix ms; PlatformError at the calendar's ends."""
    try:
        start = datetime.combine(d_from, time(0), tz).astimezone(timezone.utc)
        end = datetime.combine(d_to + timedelta(days=1), time(0), tz).astimezone(timezone.utc)
    except (OverflowError, ValueError):
        raise PlatformError("dates must lie between 0001-01-02 and 9999-12-30") from None
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def build_report(plat: Platform, d_from: date, d_to: date, *, venue: str | None = None,
                 tz: str = DEFAULT_TZ) -> dict:
    """The report for local days d_from..d_to (inclusive) in `tz`, all venues or one.
    Raises PlatformError for a reversed or over-long range or an unknown zone."""
    if d_to < d_from:
        raise PlatformError("--to is before --from")
    if (d_to - d_from).days >= MAX_DAYS:
        raise PlatformError(f"a report covers at most {MAX_DAYS} days")
    zi = zone(tz)
    lo, hi = _bounds(d_from, d_to, zi)
    def within(t: str = "") -> str:
        return f"{t}ts_ms >= ? AND {t}ts_ms < ?" + (f" AND {t}venue = ?" if venue is not None else "")

    where, args = within(), [lo, hi] + ([venue] if venue is not None else [])
    day_cache: dict[int, str] = {}

    def day(bucket: int) -> str:
        if bucket not in day_cache:
            day_cache[bucket] = datetime.fromtimestamp(bucket * BUCKET_MS / 1000, zi).date().isoformat()
        return day_cache[bucket]

    b = f"ts_ms / {BUCKET_MS}"
    scans: Counter = Counter()
    for bucket, ven, mode, profile, typ, valid, reason, n in plat.store.read(
            f"SELECT {b}, venue, mode, profile, typ, valid, reason, count(*) FROM events "
            f"WHERE kind = 'scan' AND {where} GROUP BY {b}, venue, mode, profile, typ, valid, reason", args):
        scans[(day(bucket), ven, mode, profile, typ, outcome_of(valid, reason), reason)] += n
    manual: Counter = Counter()
    for bucket, ven, cert, valid, n in plat.store.read(
            f"SELECT {b}, venue, cert, valid, count(*) FROM events WHERE kind = 'manual' AND {where} "
            f"GROUP BY {b}, venue, cert, valid", args):
        manual[(day(bucket), ven, cert, bool(valid))] += n
    others: Counter = Counter()
    for kind, n in plat.store.read(f"SELECT kind, count(*) FROM events WHERE kind NOT IN ('scan', 'manual') "
                                   f"AND {where} GROUP BY kind", args):
        others[kind] += n
    disputes = []
    for ts_ms, ven, terminal, code, eid, ref_reason, ref_valid in plat.store.read(
            f"SELECT d.ts_ms, d.venue, d.terminal, d.code, d.id, s.reason, s.valid FROM events d "
            f"LEFT JOIN events s ON s.id = d.ref AND s.terminal = d.terminal WHERE d.kind = 'dispute' AND "
            f"{within('d.')} ORDER BY d.ts_ms, d.n", args):
        disputes.append({"ts": ms_to_ts(ts_ms), "day": datetime.fromtimestamp(ts_ms / 1000, zi).date().isoformat(),
                         "venue": ven, "terminal": terminal, "code": code, "event": eid,
                         "scan_reason": ref_reason,
                         "scan_outcome": None if ref_reason is None else outcome_of(ref_valid, ref_reason)})
    return _assemble(d_from, d_to, venue, tz, scans, manual, others, disputes)


def _rate(by_code: int, by_hand: int) -> float | None:
    return None if by_code + by_hand == 0 else round(by_code / (by_code + by_hand), 4)


def _assemble(d_from, d_to, venue, tz, scans: Counter, manual: Counter, others: Counter, disputes: list) -> dict:
    scan_rows = [dict(zip(SCAN_KEYS, k), count=n) for k, n in sorted(scans.items(), key=lambda kv: tuple(
        "" if x is None else str(x) for x in kv[0]))]
    by = {key: Counter() for key in SCAN_KEYS}
    for k, n in scans.items():
        for key, v in zip(SCAN_KEYS, k):
            by[key][v if v is not None else "none"] += n
    certs: dict[str, dict[str, int]] = defaultdict(lambda: {"valid": 0, "invalid": 0, "total": 0})
    for (_, _, cert, valid), n in manual.items():
        certs[cert]["valid" if valid else "invalid"] += n
        certs[cert]["total"] += n
    # 替代率: a verification by code is a scan in which a code was read (a profile known);
    # a verification by hand is a `manual` event (staff checked a paper certificate)
    code_by: dict[tuple, int] = Counter()
    hand_by: dict[tuple, int] = Counter()
    for (d, v, _m, profile, *_), n in scans.items():
        if profile is not None:
            code_by[(d, v)] += n
    for (d, v, _c, _ok), n in manual.items():
        hand_by[(d, v)] += n
    by_code, by_hand = sum(code_by.values()), sum(hand_by.values())

    def rates(index: int) -> dict:
        out: dict[str, dict] = {}
        for key in sorted({k[index] for k in (*code_by, *hand_by)}):
            c = sum(n for k, n in code_by.items() if k[index] == key)
            h = sum(n for k, n in hand_by.items() if k[index] == key)
            out[key] = {"by_code": c, "by_hand": h, "rate": _rate(c, h)}
        return out

    return {
        "from": d_from.isoformat(), "to": d_to.isoformat(), "timezone": tz, "venue": venue,
        "totals": {"scans": sum(scans.values()), "manual": sum(manual.values()), "disputes": len(disputes),
                   **{k: others[k] for k in sorted(others) if k != "dispute"}},
        "scans": scan_rows,
        "scans_by": {key: dict(sorted(c.items())) for key, c in by.items()},
        "manual": {"by_cert": {c: certs[c] for c in sorted(certs)},
                   "rows": [{"day": d, "venue": v, "cert": c, "valid": ok, "count": n}
                            for (d, v, c, ok), n in sorted(manual.items())]},
        "substitution": {"by_code": by_code, "by_hand": by_hand, "rate": _rate(by_code, by_hand),
                         "by_day": rates(0), "by_venue": rates(1)},
        "disputes": {"by_code": dict(sorted(Counter(d["code"] for d in disputes).items())), "items": disputes},
    }


CSV_COLUMNS = ("section", "day", "venue", "mode", "code_type", "typ", "outcome", "reason", "cert", "code", "count",
               "rate")


def to_csv(rep: dict) -> str:
    """One long table: a row per scan group, manual group, dispute and substitution day."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, CSV_COLUMNS, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in rep["scans"]:
        w.writerow({"section": "scan", **{k: ("" if v is None else v) for k, v in r.items()}})
    for r in rep["manual"]["rows"]:
        w.writerow({"section": "manual", "day": r["day"], "venue": r["venue"], "cert": r["cert"],
                    "outcome": "valid" if r["valid"] else "invalid", "count": r["count"]})
    for d in rep["disputes"]["items"]:
        w.writerow({"section": "dispute", "day": d["day"], "venue": d["venue"], "code": d["code"], "count": 1,
                    "reason": d["scan_reason"] or "", "outcome": d["scan_outcome"] or ""})
    for d, s in rep["substitution"]["by_day"].items():
        w.writerow({"section": "substitution", "day": d, "count": s["by_code"] + s["by_hand"],
                    "rate": "" if s["rate"] is None else s["rate"]})
    return buf.getvalue()


def to_text(rep: dict) -> str:
    """A short summary for a person at a terminal window."""
    t, s = rep["totals"], rep["substitution"]
    pct = "-" if s["rate"] is None else f"{s['rate'] * 100:.1f}%"
    lines = [f"report {rep['from']} .. {rep['to']} ({rep['timezone']})" + (f", venue {rep['venue']}" if rep["venue"] else ""),
             f"scans {t['scans']}, manual checks {t['manual']}, disputes {t['disputes']}",
             f"电子证照替代率 substitution rate {pct} (by code {s['by_code']}, by hand {s['by_hand']})"]
    for key in ("day", "venue", "code_type", "outcome", "reason"):
        lines.append(f"  by {key}: " + ", ".join(f"{k} {n}" for k, n in rep["scans_by"][key].items()))
    for cert, c in rep["manual"]["by_cert"].items():
        lines.append(f"  manual {cert}: {c['total']} ({c['valid']} valid, {c['invalid']} invalid)")
    for code, n in rep["disputes"]["by_code"].items():
        lines.append(f"  dispute {code}: {n}")
    return "\n".join(lines)
