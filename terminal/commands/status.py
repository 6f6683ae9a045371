"""`venue-terminal status`: what an enrolled terminal holds and how its last sync went.

    venue-terminal --home DIR status [--json] [--check-chain]

Exit: 0 enrolled and the last sync succeeded, 1 not enrolled / last sync failed /
chain broken, 2 usage error.
"""
from __future__ import annotations

import json
import time
from datetime import datetime

from ._common import UsageError


def register(sub) -> None:
    p = sub.add_parser("status", help="show trust data, pending events and the last sync",
                       description="Show the enrolled terminal's trust list and revocation list, the scan-log "
                                   "backlog, the last sync and its error, and the clock skew.")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.add_argument("--check-chain", action="store_true", help="also verify the scan log's hash chain")
    p.set_defaults(func=run)


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(abs(seconds))
    text = f"{s // 86400}d {s % 86400 // 3600}h" if s >= 86400 else f"{s // 3600}h {s % 3600 // 60}m" \
        if s >= 3600 else f"{s // 60}m {s % 60}s"
    return text if seconds >= 0 else f"in {text}"


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).astimezone().strftime("%Y-%m-%d %H:%M:%S %z") if ts else "never"


def _alive(pid) -> bool:
    import os
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
        return True
    except PermissionError:
        return True
    except OSError:
        return False


def without_password(text: str) -> str:
    """A URL (or a source spec holding one, camera:rtsp://user:pw@host/...) without its user:password."""
    import re
    return re.sub(r"(://)[^/@\s]*@", r"\1", text or "")


def shared_store(st) -> dict | None:
    """The venue's shared store as the service reports it (Status.venue_store*), its URL without any
    password; None when there is none."""
    if not getattr(st, "venue_store", None):
        return None
    return {"url": without_password(st.venue_store), "state": st.venue_store_state,
            "error": st.venue_store_error, "pending": st.venue_store_pending}


def runtime_fields(home, st) -> dict:
    """What the running app reports (ui/health.py's runtime.json beside the settings): the app, the
    camera, the last frame time, the gate actuator; and the venue's shared store from the service.
    Without a fresh report the app is not running (or hangs): camera and last frame are null and the
    actuator is the configured one with state "unknown"."""
    import os
    from ..settings import RUNTIME_FILE, RUNTIME_STALE_S, Settings, SettingsError, settings_path
    spath = settings_path(home)
    try:
        settings = Settings.load(spath)
    except SettingsError:
        settings = Settings()
    snap = None
    try:
        with open(spath.parent / RUNTIME_FILE, "rb") as f:
            snap = json.loads(f.read(1 << 20))
        if not isinstance(snap, dict):
            snap = None
    except (OSError, ValueError):
        snap = None
    updated = snap.get("updated_at") if snap else None
    fresh = isinstance(updated, (int, float)) and time.time() - updated <= RUNTIME_STALE_S and _alive(snap.get("pid"))
    actuator = snap.get("actuator") if fresh else None
    if actuator is None and settings.actuator:
        from gate.actuators import ActuatorSpecError, parse_actuator
        try:
            spec = parse_actuator(settings.actuator)
            actuator = {"kind": spec.kind, "target": spec.target, "state": "unknown"} if spec else None
        except ActuatorSpecError as exc:
            actuator = {"kind": None, "target": settings.actuator[:100], "state": "fault", "fault": str(exc)}
    return {"app": {"running": bool(fresh), "pid": snap.get("pid") if fresh else None, "updated_at": updated,
                    "healthy": snap.get("healthy") if fresh else None, "health": snap.get("health") if fresh else None,
                    "health_port": settings.health_port or None},
            "camera": snap.get("camera") if fresh else None,
            "last_frame_at": snap.get("last_frame_at") if fresh else None,
            "actuator": actuator, "shared_store": shared_store(st)}


def run(args) -> int:
    from cache import Store
    from ..config import ConfigError
    from ..service import TerminalService
    with Store.open(args.home) as store:
        enrolled = store.identity.load_identity() is not None
        chain = store.outbox.verify_chain() if args.check_chain else None
        checkpoint = store.outbox.checkpoint()
        ok_at = store.sync_state.load().last_ok_at
    if not enrolled:
        if args.json:
            print(json.dumps({"enrolled": False}))
        else:
            print("not enrolled (run venue-terminal enroll)")
        return 1
    try:
        svc = TerminalService.from_home(args.home)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    with svc:
        st = svc.status()
    d = st.to_dict()
    d.update(runtime_fields(args.home, st))
    d["last_sync_ok_at"] = ok_at
    d["events_pruned"] = checkpoint.pruned
    if chain is not None:
        d["chain_ok"], d["chain_problem"] = chain
    failed = (st.online is False) or (chain is not None and not chain[0]) or st.venue_store_state == "unavailable"
    if args.json:
        print(json.dumps(d, ensure_ascii=False))
        return 1 if failed else 0
    now = time.time()
    lines = [
        f"terminal     {st.terminal_id}  venue {st.venue}  mode {st.mode}  policy {st.policy_name}",
        f"trust list   " + (f"seq {st.trust_seq}, issued {_age(st.trust_age_s)} ago, "
                            f"{'STALE' if st.trust_stale else 'fresh'} (next update due {_when(st.trust_next)})"
                            if st.trust_seq is not None else "none held (sync first)"),
        f"revocations  " + (f"seq {st.revocation_seq}, {st.revocation_count} entries"
                            if st.revocation_seq is not None else "none held"),
        f"EU DCC trust " + (f"seq {st.dcc_seq}, {st.dcc_count} DSCs, {'STALE' if st.dcc_stale else 'fresh'} "
                            f"(next update due {_when(st.dcc_next)})" if st.dcc_seq is not None
                            else f"{st.dcc_count} DSCs from files" if st.dcc_count else "none held"),
        f"scan log     {st.events_pending} pending, {st.events_uploaded} uploaded, {checkpoint.pruned} pruned",
        f"last sync    {_when(st.last_sync)}"
        + (f" ({_age(now - st.last_sync)} ago)" if st.last_sync else "")
        + ("" if st.online is None else " ok" if st.online else " FAILED"),
    ]
    if st.venue_store is not None:
        lines.append(f"venue store  {st.venue_store} " + (
            "ok" if st.venue_store_state == "ok" else f"UNAVAILABLE ({st.venue_store_error or 'no answer'}): "
            "verdicts come from this terminal's own store and carry shared_state_unavailable")
            + (f"; {st.venue_store_pending} claims to write there when it is back" if st.venue_store_pending else ""))
    else:
        lines.append("venue store  none (replay and entry limits are this terminal's own)")
    app, cam, act = d["app"], d["camera"], d["actuator"]
    lines.append("app          " + (f"running (pid {app['pid']}), {'healthy' if app['healthy'] else 'NOT HEALTHY'}: "
                                    f"{app['health']}" if app["running"] else "not running (no fresh report)"))
    if cam is not None:
        lines.append(f"camera       {cam.get('source')} {cam.get('state')}, last frame {_when(d['last_frame_at'])}")
    if act is not None:
        lines.append(f"gate         {act.get('kind')} {act.get('target')}: {act.get('state')}"
                     + (f" ({act['fault']})" if act.get("fault") else "")
                     + (f", {act['pulses']} pulses" if "pulses" in act else ""))
    if st.events_quarantined:
        errors = ", ".join(f"{code} {n}" for code, n in st.quarantine_errors.items())
        lines.append(f"quarantine   {st.events_quarantined} events rejected by the platform, kept and not sent again"
                     f" ({errors})" + (f"; newest: {st.quarantine_detail}" if st.quarantine_detail else ""))
    if st.last_sync_error:
        lines.append(f"sync error   {st.last_sync_error}")
    if ok_at and not st.online:
        lines.append(f"last good    {_when(ok_at)}")
    if st.clock_skew_s is not None:
        lines.append(f"clock skew   {st.clock_skew_s:+.1f} s (platform minus this terminal; "
                     f"bound {st.clock_skew_bound_s:g} s)" + ("  CLOCK SUSPECT" if st.clock_suspect else ""))
    if chain is not None:
        lines.append("scan chain   " + ("verifies" if chain[0] else f"BROKEN: {chain[1]}"))
    print("\n".join(lines))
    return 1 if failed else 0
