"""`venue-issuer`: the reference platform's command line.

    venue-issuer init DIR                      -> {"dir", "root_key", "token", "admin_token", ...}
    venue-issuer mint DIR --type resident --senior --count 3 --out codes.txt [--png imgdir]
    venue-issuer revoke DIR CTI_HEX [--iss SD-RC]      (and unrevoke)
    venue-issuer init DIR --db postgresql://u@h:p/db --db-password-file F   (state in PostgreSQL)
    venue-issuer migrate DIR                   -> {"from": 2, "to": 3, ...} (SQLite or PostgreSQL)
    venue-issuer serve DIR --port 0 [--workers N] [--test-faults]
                                               -> first stdout line {"url": "http://127.0.0.1:PORT"}
    venue-issuer events DIR --json
    venue-issuer terminal DIR add --venue V    -> {"code": "..."} (one-time, 24 h)
    venue-issuer terminal DIR list [--stale-after 6h] [--json]   -> the fleet: last seen, seqs delivered,
                                               events, quarantined, chain state, stale flag
    venue-issuer terminal DIR revoke ID|chain ID
    venue-issuer report DIR --from 2026-12-01 --to 2026-12-07 [--venue V] [--tz Z] [--json|--csv]
    venue-issuer world OUT_DIR --seed S [--alg sm2] [--root-alg p256|sm2|ed25519]
    venue-issuer dcc DIR add CERT --country DE  -> [{"kid", "country", ...}] (EU DCC trust list, GET /v1/dcc-trust)
    venue-issuer dcc DIR list|remove KID|refresh

Exit codes: 0 ok, 1 the operation failed, 2 usage or state error (message on stderr).
Every command prints one JSON document on stdout (serve: one line, then runs).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .platform import DEFAULT_VALIDITY, STALE_AFTER, Platform, PlatformError
from .store import StoreError, check_pg_url


def _out(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=None))


def _duration(text: str) -> int:
    """Seconds from 90, 90s, 30m, 6h or 2d."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    num, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "s")
    if not (num.isascii() and num.isdigit()) or len(num) > 9:
        raise argparse.ArgumentTypeError("a duration is a whole number with s, m, h or d (e.g. 6h)")
    return int(num) * units[unit]


def _cti(text: str) -> bytes:
    try:
        cti = bytes.fromhex(text)
    except ValueError:
        raise argparse.ArgumentTypeError("CTI_HEX must be hex") from None
    if not 1 <= len(cti) <= 32:
        raise argparse.ArgumentTypeError("CTI_HEX must be 1-32 bytes")
    return cti


def cmd_init(a) -> int:
    # --alg sm2: an SM2 platform (root, issuer keys and the non-Ed25519 holder keys); explicit
    # --root-alg / --issuer-alg still win.
    root_alg = a.root_alg or a.alg or "ed25519"
    issuer_alg = a.issuer_alg or a.alg or "p256"
    holder_alg = "sm2" if a.alg == "sm2" else "p256"
    plat, created = Platform.init(a.dir, root_kind=root_alg, issuer_kind=issuer_alg, validity=a.validity,
                                  now=a.at, token=a.token, holder_kind=holder_alg, **_db_args(a))
    _out({**plat.info(), "created": created})
    return 0


def cmd_mint(a) -> int:
    plat = Platform(a.dir)
    minted = plat.mint(a.type, senior=a.senior, disabled=a.disabled, expired=a.expired, dynamic=a.dynamic,
                       forged=a.forged, revoked=a.revoked, count=a.count, now=a.at, holder=a.holder,
                       printed=a.printed)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(m.text + "\n" for m in minted), encoding="ascii")
    rows = [m.to_json() for m in minted]
    if a.png:
        from .qr import write_png
        for n, (m, row) in enumerate(zip(minted, rows), start=1):
            path = Path(a.png) / f"{n:03d}-{m.typ}-{m.cti.hex()[:8]}.png"
            row["png"] = str(path) if write_png(m.text, path) else None
    _out({"out": str(out), "count": len(minted), "codes": rows})
    return 0


def cmd_revoke(a) -> int:
    plat = Platform(a.dir)
    res = (plat.revoke if a.cmd == "revoke" else plat.unrevoke)(a.cti, a.iss)
    _out(res)
    return 0


def cmd_present(a) -> int:
    plat = Platform(a.dir)
    text = plat.present(a.cti, now=a.at)
    row = {"code": text}
    if a.png:
        from .qr import write_png
        row["png"] = a.png if write_png(text, Path(a.png)) else None
    _out(row)
    return 0


def cmd_refresh(a) -> int:
    _out(Platform(a.dir).refresh(a.at, validity=a.validity))
    return 0


def cmd_issuer(a) -> int:
    plat = Platform(a.dir)
    if a.action == "list":
        rows = plat.issuers()
        for r in rows:
            r["spki"] = r["spki"].hex()
        _out(rows)
    elif a.action in ("revoke", "activate"):
        if not a.kid:
            raise PlatformError("give the issuer key's kid (hex)")
        plat.set_issuer_status(a.kid, "revoked" if a.action == "revoke" else "active")
        _out({"kid": a.kid, "status": "revoked" if a.action == "revoke" else "active",
              "trust_list_seq": plat.document("trust").seq})
    else:  # rotate
        if not a.iss:
            raise PlatformError("give --iss")
        typ = ["resident"] if a.iss == "SD-RC" else ["enterprise"] if a.iss == "SD-EC" else a.typ
        if not typ:
            raise PlatformError("give --typ for an issuer other than SD-RC/SD-EC")
        kid = plat.add_issuer_key(a.iss, typ if isinstance(typ, list) else [typ], a.alg)
        _out({"kid": kid, "iss": a.iss, "trust_list_seq": plat.document("trust").seq})
    return 0


def cmd_events(a) -> int:
    events = Platform(a.dir).events()
    if a.json:
        _out(events)
    else:
        for ev in events:
            print(f"{ev['ts']}  {ev['terminal']:<12} {ev['mode']:<7} {'VALID' if ev['valid'] else 'refused':<7} "
                  f"{ev['reason']:<24} {ev.get('typ') or '-'}")
    return 0


def cmd_terminal(a) -> int:
    """Terminals of the fleet (spec v2 section 6): enrolment codes, the list, revocation, chain breaks."""
    plat = Platform(a.dir)
    if a.action == "add":
        if not a.venue:
            raise PlatformError("terminal add needs --venue V")
        code = plat.add_terminal_code(a.venue)
        _out({"venue": a.venue, "code": code, "valid_hours": 24})
    elif a.action == "list":
        fleet = plat.fleet(now=a.at, stale_after=a.stale_after)
        if a.json:
            _out(fleet)
        else:
            print(_fleet_table(fleet))
    elif a.action in ("revoke", "chain"):
        if not a.id:
            raise PlatformError(f"terminal {a.action} needs the terminal ID")
        if a.action == "revoke":
            plat.revoke_terminal(a.id)
            _out({"terminal": a.id, "revoked": True})
        else:
            if a.id not in {t.id for t in plat.terminals()}:
                raise PlatformError(f"no terminal {a.id}")
            breaks = plat.chain_breaks(a.id)
            _out({"terminal": a.id, "chain": "intact" if not breaks else "broken", "breaks": breaks})
            return 0 if not breaks else 1
    return 0


def cmd_dcc(a) -> int:
    """The EU DCC trust list (spec v2 section 6): DSCs by country, signed like the trust list."""
    from . import dcc
    plat = Platform(a.dir)
    if a.action == "add":
        if not a.arg or not a.country:
            raise PlatformError("dcc add needs CERT (PEM/DER/base64) and --country XX")
        try:
            data = Path(a.arg).read_bytes()
        except OSError as exc:
            raise PlatformError(f"cannot read {a.arg}: {exc.strerror or exc}") from None
        rows = dcc.add_dsc(plat, data, a.country)
        _out({"added": rows, "dcc_trust_seq": dcc.current(plat).seq})
    elif a.action == "remove":
        if not a.arg:
            raise PlatformError("dcc remove needs the DSC's KID (hex or base64)")
        dcc.remove_dsc(plat, a.arg)
        _out({"removed": a.arg, "dcc_trust_seq": dcc.current(plat).seq})
    elif a.action == "refresh":
        _out({"dcc_trust_seq": dcc.refresh(plat).seq})
    else:
        _out({"dscs": dcc.dscs(plat), "dcc_trust_seq": dcc.current(plat).seq})
    return 0


def _db_args(a) -> dict:
    """Platform(...) keyword arguments from --db / --db-password-file (refused: a password in the URL)."""
    if getattr(a, "db", None):
        try:
            check_pg_url(a.db)
        except StoreError as exc:
            raise PlatformError(str(exc)) from None
    return {"db": getattr(a, "db", None), "password_file": getattr(a, "db_password_file", None)}


def cmd_migrate(a) -> int:
    """Bring the platform's schema (SQLite file or PostgreSQL database) to this version's."""
    from .platform import migrate
    from .store import open_store
    kw = _db_args(a)
    try:
        store = open_store(Path(a.dir), kw["db"], kw["password_file"])
        if store is None:
            raise PlatformError(f"{a.dir} is not an initialised platform directory (run venue-issuer init)")
        before, after = migrate(store)
    except StoreError as exc:
        raise PlatformError(str(exc)) from None
    _out({"db": store.describe(), "backend": store.kind, "from": before, "to": after, "changed": before != after})
    return 0


def _date(text: str):
    from datetime import date
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("a date is YYYY-MM-DD") from None


def cmd_report(a) -> int:
    """Counts for the province: scans, manual checks, the substitution rate, disputes."""
    from .report import build_report, to_csv, to_text
    from vocab.spec import is_ident
    if a.venue is not None and not is_ident(a.venue):
        raise PlatformError("--venue must be an identifier (1-64 of A-Z a-z 0-9 _ . : -)")
    rep = build_report(Platform(a.dir), a.date_from, a.date_to, venue=a.venue, tz=a.tz)
    if a.json:
        _out(rep)
    elif a.csv:
        sys.stdout.write(to_csv(rep))
    else:
        print(to_text(rep))
    return 0


def _ago(seconds: int | None) -> str:
    if seconds is None:
        return "never"
    for unit, n in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= n:
            return f"{seconds // n}{unit} ago"
    return f"{max(seconds, 0)}s ago"


def _fleet_table(fleet: dict) -> str:
    """The fleet as a table for people (terminal list without --json)."""
    head = (f"{'terminal':<36}  {'venue':<14} {'state':<8} {'last seen':<10} {'trust':>5} {'revoc':>5} "
            f"{'events':>8} {'quar.':>6}  chain")
    lines = [f"trust list seq {fleet['trust_list_seq']}, revocations seq {fleet['revocations_seq']}; "
             f"stale after {_ago(fleet['stale_after']).replace(' ago', '')} without a sync", head]
    for t in fleet["terminals"]:
        state = "REVOKED" if t["revoked"] else "STALE" if t["stale"] else "ok"
        seen = _ago(t["since_seen"]) if t["last_seen"] is not None else "never"
        seq = lambda v: "-" if v is None else str(v)  # noqa: E731
        lines.append(f"{t['terminal']:<36}  {t['venue'][:14]:<14} {state:<8} {seen:<10} {seq(t['trust_seq']):>5} "
                     f"{seq(t['revocations_seq']):>5} {t['events']:>8} {t['quarantined']:>6}  {t['chain']}"
                     + (f" ({t['chain_breaks']} breaks)" if t["chain_breaks"] else ""))
    lines.append(f"{len(fleet['terminals'])} terminals, {fleet['stale']} stale, {fleet['broken_chains']} with chain breaks")
    return "\n".join(lines)


def cmd_serve(a) -> int:
    import os
    import socket

    import uvicorn

    from .server import SERVE_ENV, check_faults

    kw = _db_args(a)
    plat = Platform(a.dir, **kw)
    if bool(a.tls_cert) != bool(a.tls_key):
        raise PlatformError("--tls-cert and --tls-key go together")
    if a.workers < 1:
        raise PlatformError("--workers must be at least 1")
    from .report import zone
    zone(a.tz)
    faults = {}
    for item in a.fault or ():
        key, sep, value = item.partition("=")
        if not sep:
            raise PlatformError(f"--fault wants KEY=JSON, got {item!r}")
        try:
            faults[key] = json.loads(value)
        except ValueError:
            faults[key] = value
    if faults and not a.test_faults:
        raise PlatformError("--fault needs --test-faults (fault injection is for tests only)")
    try:
        check_faults(faults)
    except ValueError as exc:
        raise PlatformError(str(exc)) from None
    if a.test_faults:
        plat.set_faults(faults, replace=True)     # once, here: the workers share them through the database
    plat.store.close()                            # each worker opens its own connections
    family = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # accepted sockets inherit this: without it uvicorn's separate header and body writes meet
    # the client's delayed ACK and every answer takes ~40 ms
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((a.host, a.port))
    except OSError as exc:
        print(f"venue-issuer: cannot listen on {a.host}:{a.port}: {exc.strerror}", file=sys.stderr)
        return 1
    sock.listen(1024)         # connections queue from now on, before uvicorn starts accepting
    port = sock.getsockname()[1]
    host = f"[{a.host}]" if family == socket.AF_INET6 else a.host
    scheme = "https" if a.tls_cert else "http"
    os.environ[SERVE_ENV] = json.dumps({"dir": str(plat.root.resolve()), **kw, "clock_offset": a.clock_offset,
                                        "auto_refresh": a.auto_refresh, "test_faults": a.test_faults, "tz": a.tz})
    _out({"url": f"{scheme}://{host}:{port}", "pid": os.getpid(), "dir": str(plat.root.resolve()),
          "db": plat.store.describe(), "workers": a.workers})
    sys.stdout.flush()
    config = uvicorn.Config("issuer.server:app_from_env", factory=True, workers=a.workers, log_level=a.log_level,
                            access_log=a.access_log, date_header=False, lifespan="off", timeout_graceful_shutdown=2,
                            ssl_certfile=a.tls_cert, ssl_keyfile=a.tls_key)
    if a.workers == 1:
        uvicorn.Server(config).run(sockets=[sock])
    else:
        from uvicorn.supervisors import Multiprocess
        Multiprocess(config, sockets=[sock]).run()
    return 0


def cmd_world(a) -> int:
    from .world import build_world
    summary = build_world(Path(a.out_dir), a.seed, alg=a.alg, root_alg=a.root_alg)
    _out(summary)
    return 0


def _db_options(s: argparse.ArgumentParser) -> None:
    s.add_argument("--db", metavar="URL", help="postgresql://user@host:port/dbname (no password in it); default: "
                   "DIR/database.json if init made one, else DIR/platform.db (SQLite)")
    s.add_argument("--db-password-file", metavar="FILE",
                   help="the database password, first line (or VENUE_ISSUER_DB_PASSWORD; never on the command line)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="venue-issuer", description="Reference platform for Venue Terminal: "
                                "keys, trust data, codes, the sync API and conformance worlds.")
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("init", help="create a platform directory (idempotent)")
    s.add_argument("dir")
    s.add_argument("--alg", choices=("ed25519", "p256", "sm2"),
                   help="one algorithm for the root and issuer keys (sm2: SM2 holder keys too)")
    s.add_argument("--root-alg", choices=("ed25519", "p256", "sm2"), help="trust-list signing key (default ed25519)")
    s.add_argument("--issuer-alg", choices=("ed25519", "p256", "sm2"), help="SD-RC and SD-EC keys (default p256)")
    s.add_argument("--validity", type=int, default=DEFAULT_VALIDITY, help="seconds from iat to next (default 7 days)")
    s.add_argument("--token", help="use this enrolment token instead of a random one")
    s.add_argument("--at", type=int, help="pin the clock (Unix seconds)")
    _db_options(s)
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("migrate", help="bring the platform's database (SQLite or PostgreSQL) to this version's schema")
    s.add_argument("dir")
    _db_options(s)
    s.set_defaults(func=cmd_migrate)

    s = sub.add_parser("mint", help="issue codes, one per line")
    s.add_argument("dir")
    s.add_argument("--type", choices=("resident", "enterprise"), required=True)
    s.add_argument("--senior", action="store_true", help="ages [18, 60, 65] and a senior certificate")
    s.add_argument("--disabled", action="store_true", help="a disability certificate")
    s.add_argument("--expired", action="store_true", help="expired an hour ago")
    s.add_argument("--dynamic", action="store_true", help="EP1 presentations signed by the holder key")
    s.add_argument("--print", dest="printed", action="store_true",
                   help="credentials for print (no cnf: elderly holders without a phone, paper fallback)")
    s.add_argument("--forged", action="store_true", help="signed by a key outside the trust list, real kid")
    s.add_argument("--revoked", action="store_true", help="revoke right after minting")
    s.add_argument("--count", type=int, default=1)
    s.add_argument("--holder", type=int, help="demo holder key id (default: round robin)")
    s.add_argument("--at", type=int, help="pin the clock (Unix seconds): iat, and the EP1 time")
    s.add_argument("--out", required=True, help="file for the codes, one per line")
    s.add_argument("--png", metavar="DIR", help="also write a QR PNG per code here")
    s.set_defaults(func=cmd_mint)

    for name, help_ in (("revoke", "list a credential in the revocation list"),
                        ("unrevoke", "take a credential off the revocation list")):
        s = sub.add_parser(name, help=help_)
        s.add_argument("dir")
        s.add_argument("cti", type=_cti, metavar="CTI_HEX")
        s.add_argument("--iss", help="issuer id (default: looked up among the codes minted here)")
        s.set_defaults(func=cmd_revoke)

    s = sub.add_parser("present", help="a fresh EP1 presentation of a minted credential")
    s.add_argument("dir")
    s.add_argument("cti", type=_cti, metavar="CTI_HEX")
    s.add_argument("--at", type=int, help="pin the presentation time")
    s.add_argument("--png", metavar="FILE")
    s.set_defaults(func=cmd_present)

    s = sub.add_parser("refresh", help="re-issue the trust list and revocation list (new seq, iat, next)")
    s.add_argument("dir")
    s.add_argument("--validity", type=int, help="new validity in seconds")
    s.add_argument("--at", type=int)
    s.set_defaults(func=cmd_refresh)

    s = sub.add_parser("issuer", help="list, revoke, activate or rotate issuer keys (re-signs the trust list)")
    s.add_argument("dir")
    s.add_argument("action", choices=("list", "revoke", "activate", "rotate"))
    s.add_argument("kid", nargs="?")
    s.add_argument("--iss")
    s.add_argument("--typ")
    s.add_argument("--alg", choices=("ed25519", "p256", "sm2"), default="p256")
    s.set_defaults(func=cmd_issuer)

    s = sub.add_parser("serve", help="run the platform API")
    s.add_argument("dir")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8443)
    s.add_argument("--clock-offset", type=float, default=0.0, help="shift the Date header by this many seconds")
    _db_options(s)
    s.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (all state is in the database)")
    s.add_argument("--test-faults", action="store_true",
                   help="tests only: serve /_admin/faults and honour injected faults (never in production)")
    s.add_argument("--fault", action="append", metavar="KEY=JSON",
                   help="start with a fault set (see /_admin/faults; needs --test-faults)")
    s.add_argument("--auto-refresh", action="store_true", help="re-issue trust data past half its validity")
    s.add_argument("--tz", default="Asia/Shanghai", help="the dashboard's calendar days (IANA zone)")
    s.add_argument("--tls-cert", metavar="PEM", help="serve HTTPS with this certificate chain")
    s.add_argument("--tls-key", metavar="PEM", help="... and this private key")
    s.add_argument("--log-level", default="warning")
    s.add_argument("--access-log", action="store_true")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("terminal", help="enrolment codes, the fleet, revoking a terminal, its chain breaks")
    s.add_argument("dir")
    s.add_argument("action", choices=("add", "list", "revoke", "chain"))
    s.add_argument("id", nargs="?", help="terminal id (revoke, chain)")
    s.add_argument("--venue", help="venue of the new terminal (add)")
    s.add_argument("--stale-after", type=_duration, default=STALE_AFTER, metavar="DURATION",
                   help="list: flag a terminal without a sync for this long (e.g. 30m, 6h, 2d; default 24h)")
    s.add_argument("--at", type=int, help="list: pin the clock (Unix seconds)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_terminal)

    s = sub.add_parser("dcc", help="the EU DCC trust list: add, list or remove document signer certificates")
    s.add_argument("dir")
    s.add_argument("action", choices=("add", "list", "remove", "refresh"))
    s.add_argument("arg", nargs="?", metavar="CERT|KID", help="certificate file (add) or kid (remove)")
    s.add_argument("--country", help="ISO 3166-1 alpha-2 code of the DSC's state (add)")
    s.set_defaults(func=cmd_dcc)
    s = sub.add_parser("report", help="counts by day, venue, mode, code type, outcome, reason; manual checks, "
                       "the substitution rate (电子证照替代率), disputes")
    s.add_argument("dir")
    s.add_argument("--from", dest="date_from", type=_date, required=True, metavar="YYYY-MM-DD")
    s.add_argument("--to", dest="date_to", type=_date, required=True, metavar="YYYY-MM-DD",
                   help="last day included")
    s.add_argument("--venue", help="one venue only")
    s.add_argument("--tz", default="Asia/Shanghai", help="whose calendar days (IANA zone; default Asia/Shanghai)")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--json", action="store_true")
    g.add_argument("--csv", action="store_true", help="one long table: section, day, venue, ..., count, rate")
    s.set_defaults(func=cmd_report)

    s = sub.add_parser("events", help="the scan events received")
    s.add_argument("dir")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_events)

    s = sub.add_parser("world", help="write a conformance world like shared/spec/vectors")
    s.add_argument("out_dir")
    s.add_argument("--seed", default="public")
    s.add_argument("--alg", choices=("p256", "sm2"), default="p256",
                   help="kind of the issuer and holder keys that are P-256 in the default world")
    s.add_argument("--root-alg", choices=("ed25519", "p256", "sm2"),
                   help="trust-list key (default: from the seed; sm2 for --alg sm2); mixed worlds: "
                        "--alg sm2 --root-alg p256, --alg p256 --root-alg sm2")
    s.set_defaults(func=cmd_world)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (PlatformError, StoreError) as exc:
        print(f"venue-issuer: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
