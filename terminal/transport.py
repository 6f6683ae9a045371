"""The platform API over HTTP (spec section 6): `HttpRemote`, the terminal.ports.Remote that
terminal.sync uses by default.

    from terminal.transport import HttpRemote
    remote = HttpRemote(timeout=(3.05, 10.0), retries=4)
    remote.configure(identity)                       # URL, Bearer token, CA bundle
    signed = remote.fetch_trust_list(etag=None)      # ports.Signed, or None for 304
    answer = remote.upload_events("T-1", events)     # ports.UploadAnswer
    remote.close()

It knows HTTP and nothing about trust: it returns the body and content type of signed
documents as sent and the platform's JSON answer to an upload; the round (terminal.sync)
decides what to accept.

Network errors, timeouts, 429 and 5xx are retried with exponential backoff and jitter,
bounded both by `retries` and by `max_retry_time` seconds per request; `sleep` is
injectable so tests do not wait. Every request has a (connect, read) timeout. TLS
verification is always on; `identity.ca_bundle` names a CA bundle for pilot platforms
with a private CA. Every answer's Date header updates `clock_skew_s`.

Raises (ports.SyncError subclasses, each from its cause): SyncTimeout, SyncNetworkError
(also TLS verification failures, not retried), SyncAuthError (401/403, not retried),
SyncProtocolError (other statuses, an upload answer that is not the spec's JSON),
SyncConfigError (a CA bundle that does not exist, an unusable URL).

Threads: not thread-safe (one requests.Session); use from one thread at a time.
"""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import requests
import urllib3

from .ports import (Signed, SyncAuthError, SyncConfigError, SyncError, SyncNetworkError, SyncProtocolError,
                    SyncNotPublished, SyncTimeout, SyncTooLarge, UploadAnswer)

if TYPE_CHECKING:
    from cache import Identity

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (3.05, 10.0)          # (connect, read) seconds for every request
DEFAULT_RETRIES = 4                     # retries after the first attempt
DEFAULT_BACKOFF = 0.5                   # first retry delay (s), doubled each time
DEFAULT_MAX_BACKOFF = 8.0               # one delay is at most this (s)
DEFAULT_MAX_RETRY_TIME = 30.0           # no new attempt starts later than this after the first (s)
USER_AGENT = "venue-terminal-sync/2"
# Spec section 6: refuse an answer over 1 MiB (trust lists, JSON) or 64 MiB (revocations), counted
# on the bytes read, with no automatic decompression (Accept-Encoding: identity).
MAX_ANSWER = 1 << 20
MAX_REVOCATIONS_ANSWER = 64 << 20
_CHUNK = 64 << 10


MAX_ANSWER_SECONDS = 60.0                # a slow-drip answer: the whole body within this


def read_bounded(resp: requests.Response, limit: int, what: str, max_seconds: float | None = None) -> bytes:
    """The body of a streamed response, at most `limit` bytes as they arrive on the wire and
    within `max_seconds` in all (the read timeout bounds each wait, not a drip of single bytes);
    SyncProtocolError for more, or for a compressed body (we asked for identity)."""
    enc = resp.headers.get("Content-Encoding", "identity").strip().lower()
    if enc not in ("", "identity"):
        resp.close()
        raise SyncProtocolError(f"{what}: answer is {enc}-encoded although identity was asked for")
    declared = resp.headers.get("Content-Length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        resp.close()
        raise SyncProtocolError(f"{what}: answer of {declared} bytes is over the {limit}-byte limit")
    if max_seconds is None:
        max_seconds = MAX_ANSWER_SECONDS
    chunks, size = [], 0
    started = time.monotonic()
    try:
        while True:
            # read1: whatever has arrived (up to a chunk), so a drip of single bytes still
            # comes back to this loop and meets the deadline
            chunk = resp.raw.read1(_CHUNK, decode_content=False)
            if not chunk:
                break
            if time.monotonic() - started > max_seconds:
                resp.close()
                raise requests.Timeout(f"{what}: the answer took over {max_seconds:g} s")
            size += len(chunk)
            if size > limit:
                resp.close()
                raise SyncProtocolError(f"{what}: answer is over the {limit}-byte limit")
            chunks.append(chunk)
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.Timeout(str(exc)) from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:     # a cut or broken body
        raise requests.ConnectionError(str(exc)) from exc
    body = b"".join(chunks)
    if declared.isascii() and declared.isdigit() and size != int(declared):
        raise requests.ConnectionError(f"{what}: body cut after {size} of {declared} bytes")
    resp._content = body                     # so resp.content / resp.json() see what was read
    resp._content_consumed = True
    return body


def exchange_code(platform_url: str, code: str, terminal_id: str, ca_bundle: str | None = None, *,
                  timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
                  session: requests.Session | None = None) -> dict:
    """POST /v1/enrol {"code", "terminal"} -> {"terminal", "venue", "token"} (spec section 6); one try,
    no token sent. Raises SyncAuthError for a refused code (400/401/403), other SyncErrors as request()."""
    remote = HttpRemote(session, timeout=timeout, retries=0)
    try:
        remote.base_url = platform_url.rstrip("/") + "/"
        remote.verify = ca_bundle or True
        remote.session.verify = remote.verify
        remote.session.headers.update({"User-Agent": USER_AGENT})
        try:
            resp = remote.request("POST", "/v1/enrol", ok=(200,), json={"code": code, "terminal": terminal_id})
        except SyncProtocolError as exc:
            if " 400 " in f" {exc} ":
                raise SyncAuthError("the platform refused the enrolment code (unknown, used or expired)") from None
            raise
        try:
            answer = resp.json()
        except ValueError as exc:
            raise SyncProtocolError("POST /v1/enrol: answer is not JSON") from exc
        return answer if isinstance(answer, dict) else {}
    finally:
        remote.close()


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _content_type(resp: requests.Response) -> str:
    return resp.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()


class HttpRemote:
    """terminal.ports.Remote over requests. `session`: a requests.Session to use (tests,
    proxies; not closed by close()); by default one is made. `clock` gives Unix seconds (for
    the skew), `sleep` waits between retries, `rng` gives jitter in [0, 1)."""

    def __init__(self, session: requests.Session | None = None, *,
                 timeout: float | tuple[float, float] = DEFAULT_TIMEOUT, retries: int = DEFAULT_RETRIES,
                 backoff: float = DEFAULT_BACKOFF, max_backoff: float = DEFAULT_MAX_BACKOFF,
                 max_retry_time: float = DEFAULT_MAX_RETRY_TIME, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, rng: Callable[[], float] = random.random):
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.backoff, self.max_backoff, self.max_retry_time = backoff, max_backoff, max_retry_time
        self.clock, self.sleep, self.rng = clock, sleep, rng
        self._owns_session = session is None
        self.session = session or requests.Session()
        self.base_url: str | None = None
        self.verify: bool | str = True
        self.clock_skew_s: float | None = None

    def configure(self, identity: Identity) -> None:
        if identity.ca_bundle and not Path(identity.ca_bundle).is_file():
            raise SyncConfigError(f"CA bundle {identity.ca_bundle} does not exist")
        self.base_url = identity.platform_url.rstrip("/") + "/"
        # never turned off: a pilot platform with a private CA uses a CA bundle instead.
        # Passed on every request too: requests lets REQUESTS_CA_BUNDLE override session.verify.
        self.verify = identity.ca_bundle or True
        self.session.verify = self.verify
        self.session.headers.update({"Authorization": f"Bearer {identity.token}", "User-Agent": USER_AGENT})
        self.clock_skew_s = None

    def close(self) -> None:
        if self._owns_session:
            self.session.close()

    # ------------------------------------------------------------------ the endpoints
    def fetch_trust_list(self, etag: str | None) -> Signed | None:
        headers = {"If-None-Match": etag} if etag else {}
        resp = self.request("GET", "/v1/trust-list", ok=(200, 304), headers=headers)
        if resp.status_code == 304:
            return None
        return Signed(resp.content, _content_type(resp), resp.headers.get("ETag"))

    def fetch_dcc_trust(self, etag: str | None) -> Signed | None:
        """GET /v1/dcc-trust (spec section 6: at most 1 MiB, like the trust list); None for 304;
        SyncNotPublished when the platform has no DCC trust list (404)."""
        headers = {"If-None-Match": etag} if etag else {}
        resp = self.request("GET", "/v1/dcc-trust", ok=(200, 304, 404), headers=headers, limit=MAX_ANSWER)
        if resp.status_code == 304:
            return None
        if resp.status_code == 404:
            raise SyncNotPublished("GET /v1/dcc-trust: the platform publishes no DCC trust list (404)")
        return Signed(resp.content, _content_type(resp), resp.headers.get("ETag"))

    def fetch_revocations(self, since: int) -> Signed:
        resp = self.request("GET", f"/v1/revocations?since={int(since)}", limit=MAX_REVOCATIONS_ANSWER)
        return Signed(resp.content, _content_type(resp), resp.headers.get("ETag"))

    def upload_events(self, terminal: str, events: list[dict[str, Any]]) -> UploadAnswer:
        resp = self.request("POST", "/v1/scan-events", ok=(200, 413), json={"terminal": terminal, "events": events})
        if resp.status_code == 413:
            raise SyncTooLarge(f"POST /v1/scan-events: batch of {len(events)} events too large (413)")
        try:
            answer = resp.json()
        except ValueError as exc:
            raise SyncProtocolError("POST /v1/scan-events: answer is not JSON") from exc
        if not isinstance(answer, Mapping):
            raise SyncProtocolError("POST /v1/scan-events: answer is not a JSON object")
        acc, dup, rej = answer.get("accepted", []), answer.get("duplicates", []), answer.get("rejected", [])
        if not isinstance(acc, list) or not isinstance(dup, list) or not isinstance(rej, list):
            raise SyncProtocolError("POST /v1/scan-events: 'accepted'/'duplicates'/'rejected' are not arrays")
        rej = [r for r in rej if isinstance(r, Mapping) and isinstance(r.get("id"), str)]
        return UploadAnswer(accepted=acc, duplicates=dup, rejected=rej)

    # ------------------------------------------------------------------ HTTP with retries
    def _delay(self, attempt: int, resp: requests.Response | None) -> float:
        base = min(self.max_backoff, self.backoff * (2 ** attempt))
        delay = base / 2 + self.rng() * base / 2           # "equal jitter": never 0, never in lockstep
        if resp is not None and resp.headers.get("Retry-After", "").strip().isdigit():
            delay = max(delay, min(float(resp.headers["Retry-After"]), self.max_backoff))
        return delay

    def _note_date(self, resp: requests.Response, sent_at: float) -> None:
        date = resp.headers.get("Date")
        if not date:
            return
        try:
            server = parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            log.warning("unparseable Date header from the platform: %r", date)
            return
        # Date has 1 s resolution and is truncated: +0.5 centres it; the midpoint of the
        # exchange is the best guess of when the server read its clock.
        local = (sent_at + self.clock()) / 2
        self.clock_skew_s = round(server + 0.5 - local, 3)

    def request(self, method: str, path: str, *, ok: tuple[int, ...] = (200,), limit: int = MAX_ANSWER,
                **kw: Any) -> requests.Response:
        """One platform call with timeout, retries and backoff. Returns a response whose
        status is in `ok`; raises SyncTimeout, SyncNetworkError, SyncAuthError,
        SyncProtocolError or SyncConfigError (each from the underlying exception)."""
        if self.base_url is None:
            raise SyncConfigError("the HTTP transport has no identity (configure() first)")
        url = urljoin(self.base_url, path.lstrip("/"))
        extra_headers = kw.pop("headers", None) or {}
        what = f"{method} {path.split('?', 1)[0]}"
        started = time.monotonic()
        slept = 0.0                      # with an injected sleep, real time does not pass
        attempt = 0
        while True:
            resp: requests.Response | None = None
            error: SyncError | None = None
            sent_at = self.clock()
            try:
                headers = {"Accept-Encoding": "identity", **extra_headers}
                got = self.session.request(method, url, timeout=self.timeout, verify=self.verify,
                                           allow_redirects=False, stream=True, headers=headers, **kw)
                # read the whole body inside the try (a cut body is a network error), bounded;
                # `resp` is set only once the body is complete
                read_bounded(got, limit, what)
                resp = got
            except requests.exceptions.SSLError as exc:
                # Not retried: a certificate problem does not fix itself in seconds.
                raise SyncNetworkError(f"{what}: TLS verification failed: {one_line(exc)}") from exc
            except requests.Timeout as exc:
                error = SyncTimeout(f"{what}: no answer within {self.timeout} s")
                error.__cause__ = exc
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as exc:
                error = SyncNetworkError(f"{what}: {type(exc).__name__}: {one_line(exc)}")
                error.__cause__ = exc
            except requests.RequestException as exc:     # invalid URL and the like: not retried
                raise SyncConfigError(f"{what}: {one_line(exc)}") from exc
            if resp is not None:
                self._note_date(resp, sent_at)
                if resp.status_code in ok:
                    return resp
                if resp.status_code in (401, 403):
                    raise SyncAuthError(f"unauthorised: re-enrol ({what} answered {resp.status_code})")
                if resp.status_code == 429 or resp.status_code >= 500:
                    error = SyncNetworkError(f"{what}: server answered {resp.status_code}")
                else:
                    body = resp.text[:200].strip().replace("\n", " ")
                    raise SyncProtocolError(f"{what}: unexpected answer {resp.status_code} {body}".rstrip())
            assert error is not None
            delay = self._delay(attempt, resp)
            spent = max(time.monotonic() - started, slept)
            if attempt >= self.retries or spent + delay > self.max_retry_time:
                log.warning("%s (giving up after %d attempts)", error, attempt + 1)
                raise error
            log.info("%s; retry %d in %.2f s", error, attempt + 1, delay)
            self.sleep(delay)
            slept += delay
            attempt += 1
