"""The venue's shared store on Redis (spec v2 section 7): presentation claims and entry counts
that all gates of one venue see, over redis-py (hiredis parses replies when installed).

    vs = RedisVenueStore("redis://10.0.0.5:6379/0", password="...", terminal=terminal_id)
    res = vs.claim(replay_key(venue, cti), ttl, entry_key(venue, ref, "2026-12-03"), 1, expire_at)
    res.replay   # "won" | "mine" (this terminal holds it) | "lost" | None (nothing to claim)
    res.counted  # True counted | False the limit was already used up | None (no entry asked)
    vs.give_back(entry_key(venue, ref, "2026-12-03"), claim_id)   # nobody walked through: SREM the claim

Every call has one budget (SHARED_BUDGET_S, 50 ms) for connecting and for each reply and is never
retried: a call that fails or times out raises SharedUnavailable, and for a second after a
failure every call raises it at once without touching the network (a down store costs the
verdict path nothing). The claim is one Lua script, so a presentation claim and its entry count
are one atomic step: the entry is counted only for a presentation this call won, and one over the
limit is taken back in the same script, so a concurrent gate never sees it. An entry count is a
set of claim ids (SCARD is the count), so a claim written twice counts once: a call that timed out
against a paused server still runs when it wakes, and its later write-back must not count again.

Keys and TTLs are the spec's (vocab.spec.replay_key, entry_key). Claims made while the store was
down are written later with `write_pending`, with NX: a collision (another terminal holds the
presentation, or the entry count went over the limit) is returned as True, for a double_use alert.

The password never comes from the URL (a URL is shown in status and settings): pass it from a
file or the environment. Threads: one instance may be used by several threads (redis-py's pool).
Imports nothing of ours but vocab; no Qt.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from vocab.spec import ENTRY_KEY_GRACE_S, SHARED_BUDGET_S

COOLDOWN_S = 1.0          # after a failure, calls fail at once for this long (then one is tried)
URL_SCHEMES = ("redis", "rediss")

# KEYS[1] presentation key or "", KEYS[2] entry key or ""; ARGV terminal, ttl s, limit (-1 none), expire-at s,
# claim id. An entry count is the set of the claims that entered (SCARD): adding one claim twice (a
# call that timed out here but ran when a paused server woke, then its write-back) counts it once.
_CLAIM = """
local state = 'none'
if KEYS[1] ~= '' then
  if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', tonumber(ARGV[2])) then
    state = 'won'
  elseif redis.call('GET', KEYS[1]) == ARGV[1] then
    return {'mine', -1}
  else
    return {'lost', -1}
  end
end
if KEYS[2] == '' then return {state, -1} end
if redis.call('SISMEMBER', KEYS[2], ARGV[5]) == 1 then return {state, 1} end
redis.call('SADD', KEYS[2], ARGV[5])
redis.call('EXPIREAT', KEYS[2], tonumber(ARGV[4]))
local lim = tonumber(ARGV[3])
if lim >= 0 and redis.call('SCARD', KEYS[2]) > lim then
  redis.call('SREM', KEYS[2], ARGV[5])
  return {state, 0}
end
return {state, 1}
"""
# An entry given back (the gate opened, nobody walked through): KEYS[1]; ARGV claim id. 1 removed, 0 none.
_GIVE_BACK = """
return redis.call('SREM', KEYS[1], ARGV[1])
"""
# A presentation claimed while the store was down: KEYS[1]; ARGV terminal, expire-at. 1 collision.
_PENDING_RP = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('EXPIREAT', KEYS[1], tonumber(ARGV[2]))
  return 0
end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 0 end
return 1
"""
# An entry counted while the store was down: KEYS[1]; ARGV expire-at, claim id. The count with it.
_PENDING_EN = """
redis.call('SADD', KEYS[1], ARGV[2])
redis.call('EXPIREAT', KEYS[1], tonumber(ARGV[1]))
return redis.call('SCARD', KEYS[1])
"""


class SharedUnavailable(Exception):
    """The shared store failed or did not answer within the budget (the message says which)."""


class SharedConfigError(ValueError):
    """A venue store address or password that cannot be used (one line)."""


def check_url(url: str) -> str:
    """A venue store URL, trimmed: redis:// or rediss:// with a host, an optional port and
    database number, no user or password (SharedConfigError otherwise)."""
    if not isinstance(url, str) or not url.strip():
        raise SharedConfigError("the venue store is a redis:// or rediss:// URL")
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise SharedConfigError(f"venue store URL: {exc} (a port is 1-65535)") from None
    if parts.scheme not in URL_SCHEMES or not parts.hostname:
        raise SharedConfigError("the venue store is a redis://HOST[:PORT][/DB] or rediss://... URL")
    if parts.username or parts.password:
        raise SharedConfigError("the venue store password comes from a file (venue_store_password_file) or the "
                                "environment (VT_VENUE_STORE_PASSWORD), never the URL")
    if parts.query or parts.fragment or parts.path.strip("/") and not parts.path.strip("/").isdigit():
        raise SharedConfigError("a venue store URL has no query or fragment; its path is a database number")
    if port == 0:
        raise SharedConfigError("the venue store's port must be 1-65535")
    return url


@dataclass(frozen=True)
class ClaimResult:
    replay: str | None         # "won" | "mine" | "lost" | None when no presentation was claimed
    counted: bool | None       # None when no entry was asked


class RedisVenueStore:
    def __init__(self, url: str, password: str | None = None, *, terminal: str, budget: float = SHARED_BUDGET_S,
                 cooldown: float = COOLDOWN_S, clock: Callable[[], float] = time.monotonic):
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry
        self.url = check_url(url)
        self._terminal = terminal
        self._cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._failed_at: float | None = None
        self.last_error: str | None = None
        self.last_ok: bool | None = None          # None: never tried
        self._errors = (redis.RedisError, OSError)
        self._r = redis.Redis.from_url(self.url, password=password or None, socket_timeout=budget,
                                       socket_connect_timeout=budget, retry=Retry(NoBackoff(), 0),
                                       retry_on_timeout=False, health_check_interval=0,
                                       client_name=None, decode_responses=True)
        self._claim = self._r.register_script(_CLAIM)
        self._pending_rp = self._r.register_script(_PENDING_RP)
        self._pending_en = self._r.register_script(_PENDING_EN)
        self._give_back = self._r.register_script(_GIVE_BACK)

    # ------------------------------------------------------------------ the calls
    def claim(self, rp_key: str | None, rp_ttl: int, en_key: str | None, en_limit: int | None,
              en_expire_at: int, claim_id: str = "-") -> ClaimResult:
        """Claim a presentation (SET NX EX ttl) and count an entry (`claim_id` added to the
        holder's set for the period, within the limit) in one atomic step. The entry is counted
        only if the presentation was won (or none was given)."""
        state, counted = self._call(self._claim, keys=[rp_key or "", en_key or ""],
                                    args=[self._terminal, max(1, int(rp_ttl)),
                                          -1 if en_limit is None else int(en_limit), int(en_expire_at), claim_id])
        return ClaimResult(None if state == "none" else state, None if int(counted) < 0 else bool(int(counted)))

    def write_pending(self, key: str, kind: str, limit: int | None, expires_at: int, now: float,
                      claim_id: str = "-") -> bool:
        """Write a claim made while the store was down; True when it collides. A presentation's
        claim is kept at least ENTRY_KEY_GRACE_S from now, so every gate that comes back within a
        day still sees it (its replay window is long over: the longer expiry admits nothing)."""
        if kind == "rp":
            exp = max(int(expires_at), int(now) + ENTRY_KEY_GRACE_S)
            return bool(int(self._call(self._pending_rp, keys=[key], args=[self._terminal, exp])))
        n = int(self._call(self._pending_en, keys=[key], args=[int(expires_at), claim_id]))
        return limit is not None and n > limit

    def give_back(self, en_key: str, claim_id: str) -> bool:
        """Take back the entry counted under `claim_id` (SREM from the holder's set): the holder's
        next scan at any gate of the venue finds it unused. False when it was not counted there."""
        return bool(int(self._call(self._give_back, keys=[en_key], args=[claim_id])))

    def ping(self) -> bool:
        """One PING within the budget (no cooldown applies): True when the store answers."""
        try:
            self._r.ping()
        except self._errors as exc:
            self._failed(exc)
            return False
        self._ok()
        return True

    @property
    def state(self) -> str:
        """"ok", "unavailable" or "unknown" (not tried yet)."""
        return "unknown" if self.last_ok is None else "ok" if self.last_ok else "unavailable"

    def close(self) -> None:
        try:
            self._r.close()
        except self._errors:
            pass

    # ------------------------------------------------------------------ internals
    def _call(self, script, *, keys: list[str], args: list):
        with self._lock:
            if self._failed_at is not None and self._clock() - self._failed_at < self._cooldown:
                raise SharedUnavailable(f"venue store unavailable ({self.last_error})")
        try:
            out = script(keys=keys, args=args)
        except self._errors as exc:
            self._failed(exc)
            raise SharedUnavailable(self.last_error) from None
        self._ok()
        return out

    def _failed(self, exc: BaseException) -> None:
        with self._lock:
            self._failed_at = self._clock()
            self.last_ok = False
            self.last_error = _describe(exc)

    def _ok(self) -> None:
        with self._lock:
            self._failed_at = None
            self.last_ok = True
            self.last_error = None


def _describe(exc: BaseException) -> str:
    name = type(exc).__name__
    text = " ".join(str(exc).split())[:160]
    if "Timeout" in name:
        return f"no answer within {int(SHARED_BUDGET_S * 1000)} ms"
    if "Authentication" in name or "NOAUTH" in text or "WRONGPASS" in text:
        return "the venue store refused the password"
    return f"{name}: {text}" if text else name
