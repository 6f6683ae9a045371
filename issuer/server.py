"""The platform API (credential-format.md section 6) over FastAPI, with fault injection for tests.

    >>> app = create_app(Platform(dir), ServerOptions(clock_offset=-600))
    >>> uvicorn.Server(uvicorn.Config(app, date_header=False)).run(sockets=[sock])

Endpoints (all under Bearer-token auth; 401 without it or with a wrong token):
  GET  /dashboard, /dashboard/data    the operator's read-only dashboard (issuer/dashboard.py); the
                                      data behind the admin token
  GET  /v1/trust-list                 application/cose, ETag, 304 on If-None-Match
  GET  /v1/dcc-trust                  application/cose: the EU DCC trust list (DSCs by country, signed by
                                      the trust-list key; issuer.dcc), ETag, 304 on If-None-Match
  GET  /v1/revocations?since=SEQ      application/cose: delta from SEQ, the full list when SEQ is
                                      0/absent/too old/ahead of us, an empty delta when SEQ is current
  POST /v1/enrol  (no token)          {"code", "terminal"} -> {"terminal", "venue", "token"}; 400 for an
                                      unknown, used or expired code
  POST /v1/scan-events                {"terminal", "events"} -> {"accepted", "duplicates", "rejected"};
                                      committed before answering; each event checked alone (a rejected
                                      one never blocks the others); 403 for a batch naming another
                                      terminal than the token's; 400 for a malformed envelope; 413 over 4 MiB
A terminal token (from /v1/enrol) is bound to its terminal; a revoked terminal gets 401. The
platform's shared token of version 1 still reads trust data and uploads without a chain check.
Reference-platform extension, admin token only, and only when started with `--test-faults`
(ServerOptions.test_faults; 404 otherwise) (see FAULT_KEYS):
  GET/POST/DELETE /_admin/faults

All state is in the platform's database (the faults too), so `serve --workers N` runs N
processes that answer alike. Database work runs in the threadpool (run_in_threadpool), off the
event loop; each call borrows its own connection, so the CLI may revoke or mint while the
server runs and the next request serves the new state.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

import cbor2

from terminal import cose

from . import dcc
from .platform import EventError, Platform, PlatformError, validate_batch

COSE_TYPE = "application/cose"

# Fault keys accepted by POST /_admin/faults and `serve --fault KEY=JSON`. Doc: what each does.
FAULT_KEYS: dict[str, str] = {
    "fail_next_upload_with": "HTTP status (e.g. 500, 503) answered to scan-event uploads without storing them",
    "fail_upload_after": "let this many uploads through before fail_next_upload_with applies (default 0)",
    "fail_upload_times": "how many uploads fail (default 1), then the fault clears itself",
    "after_commit_drop_connection": "true: the next upload is committed, then the connection is cut "
                                    "after the status line and headers (the terminal never reads the answer)",
    "delay_seconds": "sleep this long before answering every /v1 request (timeouts)",
    "trust_list_mode": "normal | rollback (seq-1, validly signed) | bad_signature | truncated (half the body, "
                       "valid HTTP) | cut (connection dropped mid-body) | wrong_content_type (the real bytes "
                       "labelled text/html) | captive_portal (200 text/html login page) | server_error (503) | "
                       "gzip_bomb (2 MB of gzip that inflates to 2 GB, Content-Encoding: gzip) | oversized (a "
                       "70 MiB body) | slow_drip (the real bytes, one every 0.5 s)",
    "revocations_mode": "the same modes for GET /v1/revocations (rollback: a full list with seq-1)",
    "dcc_trust_mode": "the same modes for GET /v1/dcc-trust",
    "clock_offset": "seconds added to the Date header (clock-skew detection)",
    "upload_body_limit": "bytes: answer 413 to a scan-event upload with a larger body (batch halving)",
}
FAULT_MODES = ("normal", "rollback", "bad_signature", "truncated", "cut", "wrong_content_type", "captive_portal",
               "server_error", "gzip_bomb", "oversized", "slow_drip")
PORTAL_HTML = b"<!doctype html><html><body><h1>Wi-Fi login</h1><form>Phone: <input name=p></form></body></html>"


@dataclass
class ServerOptions:
    clock_offset: float = 0.0
    auto_refresh: bool = False
    faults: dict[str, Any] = field(default_factory=dict)    # starting faults (needs test_faults)
    test_faults: bool = False                               # serve /_admin/faults and honour faults
    tz: str = "Asia/Shanghai"                               # the dashboard's calendar days


class FaultError(ValueError):
    pass


def check_faults(update: Any) -> dict[str, Any]:
    """Validate a faults update; a null value clears that fault."""
    if not isinstance(update, dict):
        raise FaultError("faults must be a JSON object")
    for k, v in update.items():
        if k not in FAULT_KEYS:
            raise FaultError(f"unknown fault '{k}' (known: {', '.join(FAULT_KEYS)})")
        if v is None:
            continue
        if k == "fail_next_upload_with" and not (isinstance(v, int) and 400 <= v <= 599):
            raise FaultError("fail_next_upload_with must be an HTTP error status 400-599")
        if k in ("fail_upload_after", "fail_upload_times") and not (isinstance(v, int) and v >= 0):
            raise FaultError(f"{k} must be a non-negative integer")
        if k == "after_commit_drop_connection" and not isinstance(v, bool):
            raise FaultError("after_commit_drop_connection must be true or false")
        if k in ("delay_seconds", "clock_offset") and not (isinstance(v, (int, float)) and not isinstance(v, bool)):
            raise FaultError(f"{k} must be a number of seconds")
        if k == "delay_seconds" and v < 0:
            raise FaultError("delay_seconds must be >= 0")
        if k == "upload_body_limit" and not (isinstance(v, int) and not isinstance(v, bool) and v > 0):
            raise FaultError("upload_body_limit must be a positive number of bytes")
        if k in ("trust_list_mode", "revocations_mode", "dcc_trust_mode") and v not in FAULT_MODES:
            raise FaultError(f"{k} must be one of {', '.join(FAULT_MODES)}")
    return update


class _Flags:
    """Per-request instructions from a route to the outer ASGI wrapper."""

    __slots__ = ("drop_body", "cut_at")

    def __init__(self) -> None:
        self.drop_body = False          # send status and headers, then close the connection
        self.cut_at: int | None = None  # send this many body bytes, then close the connection


class _Outer:
    """Outermost ASGI layer: our Date header (with the clock offset), delays, connection cuts.

    It sits outside Starlette's error middleware so that a response it leaves incomplete
    makes uvicorn close the connection (uvicorn: "ASGI callable returned without completing
    response") instead of being turned into a 500.
    """

    def __init__(self, app: Any, state: "_State"):
        self.app, self.state = app, state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        flags = _Flags()
        scope["vt_flags"] = flags
        faults = scope["vt_faults"] = (await run_in_threadpool(self.state.plat.faults)
                                       if self.state.opts.test_faults else {})
        delay = faults.get("delay_seconds")
        if delay and scope["path"].startswith("/v1/"):
            await asyncio.sleep(float(delay))
        sent = {"body": 0, "closed": False}

        async def wrapped(msg):
            if sent["closed"]:
                return
            if msg["type"] == "http.response.start":
                headers = [(k, v) for k, v in msg.get("headers", []) if k.lower() != b"date"]
                headers.append((b"date", formatdate(time.time() + self.state.clock_offset(faults), usegmt=True).encode()))
                await send({**msg, "headers": headers})
                if flags.drop_body:
                    sent["closed"] = True
                return
            if msg["type"] == "http.response.body" and flags.cut_at is not None:
                body = msg.get("body", b"")
                room = flags.cut_at - sent["body"]
                if len(body) >= room:
                    await send({"type": "http.response.body", "body": body[:room], "more_body": True})
                    sent["closed"] = True
                    return
                sent["body"] += len(body)
            await send(msg)

        await self.app(scope, receive, wrapped)


class _State:
    def __init__(self, plat: Platform, opts: ServerOptions):
        self.plat = plat
        self.opts = opts
        self.token = plat.token
        self.admin_token = plat.admin_token
        if opts.faults:
            if not opts.test_faults:
                raise FaultError("faults need the explicit test flag (serve --test-faults)")
            plat.set_faults(check_faults(dict(opts.faults)), replace=True)

    def clock_offset(self, faults: dict) -> float:
        return float(faults.get("clock_offset", self.opts.clock_offset) or 0)


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


MAX_BODY = 4 << 20           # spec section 6: a platform MUST refuse a request body over 4 MiB (413)


async def _json_body(request: Request, limit: int = 0) -> Any:
    """The request's JSON, read with a 4 MiB cap counted on the bytes received; a Response (413
    or 400) for a body that is too large, not UTF-8 JSON, or nested too deep."""
    limit = min(limit or MAX_BODY, MAX_BODY)
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isascii() or not declared.isdigit() or int(declared) > limit):
        return JSONResponse({"error": f"request body over {limit} bytes"}, status_code=413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return JSONResponse({"error": f"request body over {limit} bytes"}, status_code=413)
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return JSONResponse({"error": "body is not JSON (or nested too deep)"}, status_code=400)


def _unauthorised() -> JSONResponse:
    return JSONResponse({"error": "unauthorized"}, status_code=401, headers={"WWW-Authenticate": "Bearer"})


def _etag(raw: bytes, seq: int) -> str:
    return f'"{seq}-{hashlib.sha256(raw).hexdigest()[:16]}"'


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return etag in tags


def _flip_signature(raw: bytes) -> bytes:
    msg = cose.parse_sign1(raw)
    sig = bytearray(msg.signature)
    sig[len(sig) // 2] ^= 0x01
    body = [msg.protected_bstr, dict(msg.unprotected), msg.payload, bytes(sig)]
    return cbor2.dumps(cbor2.CBORTag(cose.COSE_SIGN1_TAG, body) if msg.tagged else body)


def _rolled_back(plat: Platform, raw: bytes) -> bytes:
    """The same document, validly signed, one seq lower (what a replayed old copy looks like)."""
    payload = dict(cbor2.loads(cose.parse_sign1(raw).payload))
    payload["seq"] = max(0, payload["seq"] - 1)
    return plat.sign_trust_data(payload)


_BOMB: list[bytes] = []


def _gzip_bomb() -> bytes:
    """About 2 MB of gzip that inflates to 2 GB of zeros (made once, in 16 MiB steps)."""
    if not _BOMB:
        import zlib
        c = zlib.compressobj(9, zlib.DEFLATED, 31)
        block = bytes(16 << 20)
        _BOMB.append(b"".join(c.compress(block) for _ in range(128)) + c.flush())
    return _BOMB[0]


async def _zeros(n: int):
    block = bytes(1 << 20)
    while n > 0:
        yield block[:n]
        n -= len(block)


async def _drip(raw: bytes):
    for i in range(len(raw)):
        await asyncio.sleep(0.5)
        yield raw[i:i + 1]


def _serve_document(request: Request, state: _State, raw: bytes, mode: str | None,
                    etag: str | None = None) -> Response:
    mode = mode or "normal"
    if mode == "server_error":
        return JSONResponse({"error": "injected fault"}, status_code=503)
    if mode == "captive_portal":
        return Response(PORTAL_HTML, media_type="text/html; charset=utf-8")
    if mode == "rollback":
        raw = _rolled_back(state.plat, raw)
        etag = None
    elif mode == "bad_signature":
        raw = _flip_signature(raw)
        etag = None
    elif mode == "truncated":
        raw = raw[: len(raw) // 2]
        etag = None
    elif mode == "cut":
        request.scope["vt_flags"].cut_at = len(raw) // 2
    elif mode == "gzip_bomb":
        return Response(_gzip_bomb(), media_type=COSE_TYPE, headers={"Content-Encoding": "gzip"})
    elif mode == "oversized":
        return StreamingResponse(_zeros(70 << 20), media_type=COSE_TYPE, headers={"Content-Length": str(70 << 20)})
    elif mode == "slow_drip":
        return StreamingResponse(_drip(raw), media_type=COSE_TYPE, headers={"Content-Length": str(len(raw))})
    media = "text/html; charset=utf-8" if mode == "wrong_content_type" else COSE_TYPE
    headers = {"Cache-Control": "no-cache"}
    if etag is not None:
        headers["ETag"] = etag
        if _etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
    return Response(raw, media_type=media, headers=headers)


def create_app(plat: Platform, opts: ServerOptions | None = None) -> Any:
    """The ASGI application (FastAPI wrapped in the fault/Date layer)."""
    state = _State(plat, opts or ServerOptions())
    app = FastAPI(title="Venue Terminal reference platform", docs_url=None, redoc_url=None, openapi_url=None)

    def caller(request: Request) -> str | None:
        """The terminal id a request's token is bound to; "" for the platform's shared (version 1)
        token; None for no token, an unknown one or a revoked terminal (all answered 401)."""
        got = _bearer(request)
        if got is None:
            return None
        if hmac.compare_digest(got.encode(), state.token.encode()):
            return ""
        found = plat.terminal_for_token(got)
        if found is None or found[1]:
            return None
        return found[0]

    def faults_of(request: Request) -> dict:
        return request.scope.get("vt_faults") or {}

    def admin(request: Request) -> bool:
        got = _bearer(request)
        return got is not None and hmac.compare_digest(got.encode(), state.admin_token.encode())

    @app.get("/v1/trust-list")
    async def trust_list(request: Request) -> Response:
        who = await run_in_threadpool(caller, request)
        if who is None:
            return _unauthorised()
        if state.opts.auto_refresh:
            await run_in_threadpool(plat.refresh_if_due)
        doc = await run_in_threadpool(plat.document, "trust")
        if who:
            await run_in_threadpool(lambda: plat.seen(who, trust_seq=doc.seq))
        return _serve_document(request, state, doc.cose, faults_of(request).get("trust_list_mode"),
                               _etag(doc.cose, doc.seq))

    @app.get("/v1/dcc-trust")
    async def dcc_trust(request: Request) -> Response:
        if await run_in_threadpool(caller, request) is None:
            return _unauthorised()
        doc = await run_in_threadpool(lambda: dcc.current(plat, refresh=state.opts.auto_refresh))
        return _serve_document(request, state, doc.cose, faults_of(request).get("dcc_trust_mode"), _etag(doc.cose, doc.seq))

    @app.get("/v1/revocations")
    async def revocations(request: Request) -> Response:
        who = await run_in_threadpool(caller, request)
        if who is None:
            return _unauthorised()
        since_raw = request.query_params.get("since")
        since: int | None = None
        if since_raw is not None:
            if not (since_raw.isascii() and since_raw.isdigit()) or len(since_raw) > 18:    # "²".isdigit()
                return JSONResponse({"error": "since must be a non-negative integer"}, status_code=400)
            since = int(since_raw)
        if state.opts.auto_refresh:
            await run_in_threadpool(plat.refresh_if_due)
        mode = faults_of(request).get("revocations_mode")
        raw, kind = await run_in_threadpool(plat.revocations_since, since)
        if mode == "rollback":          # an older full list, validly signed
            raw, kind = plat.document("revocations").cose, "full"
        if who:
            seq = (await run_in_threadpool(plat.document, "revocations")).seq
            await run_in_threadpool(lambda: plat.seen(who, revocations_seq=seq))
        resp = _serve_document(request, state, raw, mode)
        resp.headers["X-Revocations"] = kind
        return resp

    @app.post("/v1/enrol")
    async def enrol(request: Request) -> Response:
        body = await _json_body(request)
        if isinstance(body, Response):
            return body
        if not isinstance(body, dict) or set(body) != {"code", "terminal"}:
            return JSONResponse({"error": "body must be {\"code\", \"terminal\"}"}, status_code=400)
        try:
            answer = await run_in_threadpool(plat.enrol, body["code"], body["terminal"])
        except PlatformError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(answer)

    @app.post("/v1/scan-events")
    async def scan_events(request: Request) -> Response:
        who = await run_in_threadpool(caller, request)
        if who is None:
            return _unauthorised()
        faults = faults_of(request)
        if faults.get("fail_next_upload_with"):
            status = await run_in_threadpool(plat.take_upload_fault)
            if status:
                return JSONResponse({"error": "injected fault"}, status_code=status)
        body = await _json_body(request, int(faults.get("upload_body_limit") or MAX_BODY))
        if isinstance(body, Response):
            return body
        try:
            terminal, events = validate_batch(body)
        except EventError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        if who and terminal != who:
            return JSONResponse({"error": "the batch names another terminal than the token's"}, status_code=403)
        answer = await run_in_threadpool(plat.store_events, terminal, events)
        if faults.get("after_commit_drop_connection") and \
                await run_in_threadpool(plat.take_fault, "after_commit_drop_connection"):
            request.scope["vt_flags"].drop_body = True
        return JSONResponse(answer.to_json())

    @app.get("/dashboard")
    async def dashboard_page(request: Request) -> Response:
        from .dashboard import PAGE
        return Response(PAGE, media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                                 "Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline'; "
                                                            "style-src 'unsafe-inline'; img-src 'self' data:"})

    @app.get("/dashboard/data")
    async def dashboard_data(request: Request) -> Response:
        from datetime import date

        from .dashboard import dashboard_data as build
        if not admin(request):
            return _unauthorised()
        day_raw = request.query_params.get("day")
        day = None
        if day_raw is not None:
            try:
                day = date.fromisoformat(day_raw) if len(day_raw) == 10 else None
            except ValueError:
                day = None
            if day is None:
                return JSONResponse({"error": "day must be YYYY-MM-DD"}, status_code=400)
        try:
            data = await run_in_threadpool(lambda: build(plat, day, tz=state.opts.tz))
        except PlatformError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(data, headers={"Cache-Control": "no-store"})

    if not state.opts.test_faults:
        return _Outer(app, state)

    @app.get("/_admin/faults")
    async def get_faults(request: Request) -> Response:
        if not admin(request):
            return _unauthorised()
        return JSONResponse({"faults": await run_in_threadpool(plat.faults), "known": FAULT_KEYS})

    @app.post("/_admin/faults")
    async def set_faults(request: Request) -> Response:
        if not admin(request):
            return _unauthorised()
        try:
            update = check_faults(json.loads(await request.body() or b"{}"))
        except (ValueError, UnicodeDecodeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"faults": await run_in_threadpool(plat.set_faults, update)})

    @app.delete("/_admin/faults")
    async def clear_faults(request: Request) -> Response:
        if not admin(request):
            return _unauthorised()
        await run_in_threadpool(lambda: plat.set_faults({}, replace=True))
        return JSONResponse({"faults": {}})

    return _Outer(app, state)


SERVE_ENV = "VENUE_ISSUER_SERVE"


def app_from_env() -> Any:
    """uvicorn's app factory for `serve` (one per worker process): the platform and options come
    from the JSON in VENUE_ISSUER_SERVE, which `venue-issuer serve` sets (no password in it: a
    worker reads the password file or the environment itself)."""
    import os
    cfg = json.loads(os.environ[SERVE_ENV])
    plat = Platform(cfg["dir"], cfg.get("db"), cfg.get("password_file"))
    return create_app(plat, ServerOptions(clock_offset=cfg.get("clock_offset", 0.0),
                                          auto_refresh=cfg.get("auto_refresh", False),
                                          test_faults=cfg.get("test_faults", False),
                                          tz=cfg.get("tz", "Asia/Shanghai")))
