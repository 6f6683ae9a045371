"""The app service: one scanned text in, one verdict out, logged durably. It wires the pure
core (terminal.verify) to the stores (cache/) and the clock; the UI, the demo and the CLI
all scan through it.

    svc = TerminalService.from_files(root_key="root.pem", trust_list="tl.cose", revocations="rl.cose")
    svc = TerminalService.from_home(home, mode="gate")      # an enrolled terminal
    verdict = svc.scan("EZ1:...")

Threads: every public method takes an internal lock, so a scan worker thread and the GUI
thread may share one service. The SQLite connection is opened with check_same_thread=False
and only ever used under that lock. Sync runs elsewhere (terminal.sync) with its own
connection; call reload_trust() after it wrote new trust data.

The store is anything with the shape of terminal.ports.StorePort (cache.Store); the last sync
round's outcome is read from it as a typed cache.SyncState (`store.sync_state.load()`).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vocab import reasons as R
from vocab.events import ALERT, DISPUTE, DISPUTE_CODES, DOUBLE_USE, MANUAL, NOT_WALKED, SCAN, SESSION, event_kind
from vocab.reasons import Outcome
from vocab.spec import GATE, KIOSK, MODES, VENUE_SECRET_LEN, entry_key, replay_key

from cache.shared_pending import PendingClaim
from cache.venue_store import SharedUnavailable

from .config import ConfigError, load_policy, load_snapshot
from .outcome import decide
from .pins import STAFF, PinGuard, needs_rehash
from .admission import RecentAdmissions
from .policy import DEFAULT_POLICY, ENTRY_LIMIT_RULE, VenuePolicy
from .staff import StaffError, StaffRoster
from .trust import RevocationList, TrustDataError, load_root_key, parse_trust_list, verify_signed
from .verdict import Verdict
from .venue import EntryPeriod, entry_period, venue_zone
from .verify import TrustSnapshot, verify

if TYPE_CHECKING:
    from .pins import PinCheck
    from .ports import StorePort

log = logging.getLogger(__name__)

DEFAULT_CLOCK_SKEW_BOUND = 120.0     # seconds between our clock and the platform's Date before clock_suspect
RECONCILE_INTERVAL_S = 1.0           # how often claims made while the venue store was down are retried
ADMITTED_KEPT = 256                  # admissions whose counted entry can be given back (not walked through)


@dataclass(frozen=True)
class Status:
    enrolled: bool
    terminal_id: str | None
    venue: str | None
    mode: str
    policy_name: str
    trust_seq: int | None
    trust_iat: int | None
    trust_next: int | None
    trust_stale: bool
    trust_age_s: float | None
    revocation_seq: int | None
    revocation_count: int | None
    events_pending: int
    events_uploaded: int
    last_sync: float | None
    last_sync_error: str | None
    online: bool | None
    clock_skew_s: float | None
    clock_suspect: bool
    clock_skew_bound_s: float = DEFAULT_CLOCK_SKEW_BOUND
    events_quarantined: int = 0          # rejected by the platform: kept, shown, never sent again
    dcc_seq: int | None = None           # the synced DCC trust list (spec section 6), if one is held
    dcc_next: int | None = None
    dcc_stale: bool = False
    dcc_count: int = 0                   # DSCs the HC1 path uses (synced and from files)
    quarantine_errors: dict[str, int] = field(default_factory=dict)   # the platform's error code -> events
    quarantine_detail: str | None = None  # the platform's words on the newest quarantined event
    operator: str | None = None          # the staff code signed in (staff screens only, never the kiosk's)
    venue_store: str | None = None       # the venue's shared store (spec section 7): its URL, or None
    venue_store_state: str | None = None # "ok" | "unavailable" | "unknown"
    venue_store_error: str | None = None
    venue_store_pending: int = 0         # claims made while it was down, not yet written there

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class _Locked:
    """The store's staff port, each call under the service's lock (its connection is shared across threads)."""

    def __init__(self, staff: Any, lock: threading.RLock):
        self._staff, self._lock = staff, lock

    def load(self) -> dict:
        with self._lock:
            return self._staff.load()

    def save(self, staff: dict) -> None:
        with self._lock:
            self._staff.save(staff)


class _MemoryReplay:
    """Presentation ids accepted during this process (terminals without a store)."""

    def __init__(self) -> None:
        self._seen: dict[bytes, float] = {}

    def seen(self, cti: bytes, now: float) -> bool:
        exp = self._seen.get(cti)
        return exp is not None and exp >= now

    def record(self, cti: bytes, expires_at: float, now: float | None = None) -> bool:
        new = cti not in self._seen
        self._seen[cti] = expires_at
        return new


@dataclass(frozen=True)
class _Counted:
    """An admission's counted entry: what a gate whose holder never walked through gives back."""
    holder_ref: str
    period: str
    claim_id: str
    shared_key: str | None       # the venue store's entry key (None: this terminal's store only)


@dataclass(frozen=True)
class _Admitted:
    """An admission kept by its scan event's id, for admission_not_walked."""
    verdict: Verdict
    entry: _Counted | None       # None: no entry limit, nothing counted


class _MemoryEntries:
    """Entry counts during this process (terminals without a store)."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], int] = {}

    def count(self, ref: str, period: str, limit: int | None) -> bool:
        held = self._counts.get((ref, period), 0)
        if limit is not None and held >= limit:
            return False
        if len(self._counts) > 100_000:          # bounded: a long-running unenrolled terminal
            self._counts.clear()
        self._counts[(ref, period)] = held + 1
        return True


def holder_ref(venue_secret: bytes, sub: str) -> str:
    """HMAC-SHA-256 of `sub` under the venue secret, first 16 bytes hex (spec section 6)."""
    return hmac.new(venue_secret, sub.encode("utf-8"), hashlib.sha256).digest()[:16].hex()


def _event_ts(unix_seconds: float) -> str:
    return datetime.fromtimestamp(unix_seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _printable(text: object, limit: int) -> str:
    return "".join(c if c.isprintable() else "?" for c in str(text)[:limit])


def check_platform_url(url: str) -> str:
    """terminal.enrolment.check_platform_url with the service's ConfigError."""
    from .enrolment import check_platform_url as check
    try:
        return check(url)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _policy(policy: VenuePolicy | str | Path | None) -> VenuePolicy:
    if policy is None:
        return DEFAULT_POLICY
    if isinstance(policy, VenuePolicy):
        return policy
    return load_policy(policy)


class NotEnrolled(ConfigError):
    """The terminal home holds no enrolment."""


def open_service(*, home: str | Path | None = None, use_home: bool = True, root_key: str | Path | None = None,
                 trust_list: str | Path | None = None, revocations: str | Path | None = None, dcc: Any = None,
                 mode: str = "gate", policy: VenuePolicy | str | Path | None = None,
                 clock: Callable[[], float] = time.time, allow_unenrolled: bool = False,
                 clock_skew_bound: float | None = None, venue_store: str | None = None,
                 venue_store_password_file: str | None = None) -> "TerminalService":
    """The one way the app, the CLI and the demo build a terminal service.

    Trust files given (root key, trust list, revocations): a terminal that is not enrolled,
    checking against them. Else the enrolled home (`use_home`; None is the default home).
    Else, with `allow_unenrolled` (the GUI: it runs and its banner says why every code is an
    unknown issuer) or with HC1 trust only, a service without trust data; otherwise NotEnrolled.
    """
    if venue_store and not use_home:
        raise ConfigError("a venue store is shared by enrolled terminals: it needs an enrolled --home")
    if root_key is not None or trust_list is not None or revocations is not None:
        if venue_store:
            raise ConfigError("a venue store is shared by enrolled terminals: not with trust files")
        return TerminalService.from_files(root_key=root_key, trust_list=trust_list, revocations=revocations,
                                          policy=policy, mode=mode, dcc=dcc, clock=clock)
    if use_home:
        try:
            return TerminalService.from_home(home, mode=mode, policy=policy, dcc=dcc, clock=clock,
                                             clock_skew_bound=clock_skew_bound, venue_store=venue_store,
                                             venue_store_password_file=venue_store_password_file)
        except NotEnrolled:
            if not (allow_unenrolled or dcc is not None):
                raise
    elif not (allow_unenrolled or dcc is not None):
        raise NotEnrolled("no trust data: give trust files or an enrolled home")
    return TerminalService.from_files(policy=policy, mode=mode, dcc=dcc, clock=clock)


class TerminalService:
    def __init__(self, *, snapshot: TrustSnapshot, policy: VenuePolicy = DEFAULT_POLICY, mode: str = "gate",
                 store: StorePort | None = None, clock: Callable[[], float] = time.time,
                 clock_skew_bound: float | None = None, home: Path | None = None,
                 root_key: Any = None, dcc: Any = None, shared: Any = None):
        if mode not in MODES:
            raise ConfigError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if shared is not None and store is None:
            raise ConfigError("a venue store is shared by enrolled terminals of one venue: enrol this terminal first")
        self._lock = threading.RLock()
        self._operator: str | None = None      # the staff code signed in here (sign_in), in every event
        self._snapshot = snapshot
        self._policy = policy
        self._mode = mode
        self._store = store
        self._clock = clock
        self._skew_bound = clock_skew_bound
        self._home = home
        self._root_key = root_key
        self._dcc = dcc
        self._replay = store.replay if store is not None else _MemoryReplay()
        self._entries = _MemoryEntries()
        self._identity = store.identity.load_identity() if store is not None else None
        # holder_ref's key: the venue's secret (the same at every gate of the venue, section 7), or
        # for a terminal that is not enrolled a random one of this process
        self._venue_secret = self._identity.venue_secret if self._identity is not None else os.urandom(VENUE_SECRET_LEN)
        self._recent = RecentAdmissions()
        self._shared = shared                  # cache.venue_store.RedisVenueStore, or None
        self._stop = threading.Event()
        if shared is not None:
            threading.Thread(target=self._reconcile_loop, name="venue-store-reconcile", daemon=True).start()
        self._logged_id: str | None = None     # the id of the scan event the current scan() logged (scan_logged)
        self._admitted: OrderedDict[str, _Admitted] = OrderedDict()   # event id -> admission (ADMITTED_KEPT)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_files(cls, *, root_key: str | Path | None = None, trust_list: str | Path | None = None,
                   revocations: str | Path | None = None, policy: VenuePolicy | str | Path | None = None,
                   mode: str = "gate", dcc: Any = None, clock: Callable[[], float] = time.time) -> "TerminalService":
        """A terminal that is not enrolled: trust data from files, replay cache in memory, no scan log."""
        if trust_list is not None:
            if root_key is None:
                raise ConfigError("--trust-list needs --root-key (the pinned platform key)")
            snap = load_snapshot(root_key, trust_list, revocations, dcc=dcc)
        else:
            if revocations is not None:
                raise ConfigError("--revocations needs --trust-list and --root-key")
            snap = TrustSnapshot(trust_list=None, revocations=RevocationList(0, 0, 2**63), dcc=dcc)
        return cls(snapshot=snap, policy=_policy(policy), mode=mode, clock=clock, dcc=dcc)

    @classmethod
    def from_home(cls, home: str | Path | None, *, mode: str = "gate", policy: VenuePolicy | str | Path | None = None,
                  dcc: Any = None, clock: Callable[[], float] = time.time,
                  clock_skew_bound: float | None = None, venue_store: str | None = None,
                  venue_store_password_file: str | None = None) -> "TerminalService":
        """An enrolled terminal: trust data, replay cache and scan log in the home's database.
        The venue store (spec section 7) is the argument, else the settings' venue_store ("" or
        None: none); its password from the argument's or the settings' file, else
        VT_VENUE_STORE_PASSWORD.
        The clock-skew bound is the argument, else the home's settings file, else the value an
        older version kept in the store, else the default."""
        from cache import Store
        store = Store.open(home, check_same_thread=False)
        ident = store.identity.load_identity()
        if ident is None:
            store.close()
            raise NotEnrolled(f"terminal home {home or 'default'} is not enrolled (run venue-terminal enroll)")
        try:
            root = load_root_key(ident.root_key_pem)
        except TrustDataError as exc:
            store.close()
            raise ConfigError(f"enrolment root key: {exc}") from None
        from .settings import SETTINGS_FILE, Settings, SettingsError
        try:
            settings, keys = Settings.load_with_keys(store.home / SETTINGS_FILE)
        except SettingsError as exc:
            store.close()
            raise ConfigError(str(exc)) from None
        shared = None
        url = settings.venue_store if venue_store is None else venue_store
        if url:
            from .venue import open_venue_store
            try:
                shared = open_venue_store(url, venue_store_password_file or settings.venue_store_password_file,
                                          terminal=ident.terminal_id)
            except ConfigError:
                store.close()
                raise
        if clock_skew_bound is None:
            if "clock_skew_bound_s" in keys:
                clock_skew_bound = settings.clock_skew_bound_s
            if dcc is None and settings.dcc_trust:
                from .trust_files import load_dcc_file
                try:
                    dcc = load_dcc_file(settings.dcc_trust)
                except ConfigError:
                    store.close()
                    raise
        svc = cls(snapshot=TrustSnapshot(None, RevocationList(0, 0, 2**63), dcc=dcc), policy=_policy(policy),
                  mode=mode, store=store, clock=clock, home=Path(home) if home else None, root_key=root, dcc=dcc,
                  clock_skew_bound=clock_skew_bound, shared=shared)
        svc.reload_trust()
        return svc

    # ------------------------------------------------------------------ trust data
    def reload_trust(self) -> None:
        """Re-read trust data from the store (after a sync). Files-based terminals keep theirs."""
        if self._store is None:
            return
        with self._lock:
            held = self._store.trust.load_trust_list()
            tl = None
            if held is not None:
                raw, _meta = held
                try:
                    tl = parse_trust_list(verify_signed(raw, self._root_key))
                except TrustDataError as exc:   # the store only holds verified data; say so loudly if not
                    log.error("held trust list does not verify: %s", exc)
            rmeta = self._store.revocations.meta()
            dcc, dcc_next = self._held_dcc()
            self._snapshot = TrustSnapshot(trust_list=tl, revocations=self._store.revocations,
                                           revocations_next=rmeta.next if rmeta else None, dcc=dcc,
                                           dcc_next=dcc_next)

    def _held_dcc(self) -> tuple[Any, int | None]:
        """The HC1 path's DSCs: the synced DCC trust list (verified again under the pinned key),
        then the ones from files (a kid in both: the platform's entry is used); and the synced
        list's `next` (its staleness). (file DSCs or None, None) when no list is held."""
        held = self._store.dcc_trust.load_trust_list() if self._store is not None else None
        if held is None:
            return self._dcc, None
        from .hc1.trust import parse_dcc_trust_list
        try:
            synced = parse_dcc_trust_list(verify_signed(held[0], self._root_key))
        except TrustDataError as exc:          # the store only holds verified data; say so loudly if not
            log.error("held DCC trust list does not verify: %s", exc)
            return self._dcc, None
        for line in synced.trust.skipped:
            log.warning("DCC trust list: left out %s", line)
        trust = synced.trust if self._dcc is None else synced.trust.merged(self._dcc)
        return trust, synced.next

    def set_dcc(self, dcc: Any) -> None:
        """Use these DCC trust entries from files (terminal.hc1.DccTrust, or None) from the next
        scan on, beside the synced DCC trust list (the Settings dialog's dcc_trust file)."""
        with self._lock:
            self._dcc = dcc
            if self._store is not None:
                self.reload_trust()
            else:
                self._snapshot = replace(self._snapshot, dcc=dcc)

    @property
    def snapshot(self) -> TrustSnapshot:
        return self._snapshot

    @property
    def policy(self) -> VenuePolicy:
        return self._policy

    def set_policy(self, policy: VenuePolicy | str | Path) -> None:
        with self._lock:
            self._policy = _policy(policy)
            self._recent.forget()              # what was the same admission under the old rules may not be

    @property
    def home(self) -> Path | None:
        """The terminal home whose database this service uses (None: not store-backed). A sync
        round for this terminal (terminal.sync.Syncer) opens its own connection there."""
        if self._store is not None:
            return Path(self._store.home)
        return self._home

    # ------------------------------------------------------------------ platform address
    def platform_url(self) -> str | None:
        """The enrolled identity's platform URL as stored, or None for a terminal that is not enrolled."""
        with self._lock:
            if self._store is None:
                return None
            ident = self._store.identity.load_identity()
            return ident.platform_url if ident is not None else None

    def set_platform_url(self, url: str) -> str:
        """Change the path of the enrolled platform's URL (e.g. a reverse proxy's prefix). The host
        cannot change here: the token must never go to a host the terminal did not enrol with
        (spec section 6), so another scheme, host or port needs `venue-terminal enroll` again and
        the token is not moved. terminal.sync.Syncer re-reads the identity at the start of each
        round. Returns the stored URL. Raises ConfigError (bad URL, another host, not enrolled)."""
        from .enrolment import same_origin
        url = check_platform_url(url)
        with self._lock:
            ident = self._store.identity.load_identity() if self._store is not None else None
            if ident is None:
                raise ConfigError("this terminal is not enrolled: its platform is set by venue-terminal enroll")
            if ident.platform_url != url:
                if not same_origin(ident.platform_url, url):
                    raise ConfigError("another platform host means enrolling again (venue-terminal enroll "
                                      "--code): the token is not sent to a new host")
                ident = replace(ident, platform_url=url)
                self._store.identity.save_identity(ident)
                log.info("platform URL set to %s", url)
            self._identity = ident
            return url

    # ------------------------------------------------------------------ scanning
    def _clock_suspect(self) -> bool:
        if self._store is None:
            return False
        skew = self._store.sync_state.load().clock_skew_s
        return skew is not None and abs(skew) > self.clock_skew_bound()

    def clock_skew_bound(self) -> float:
        """Seconds the platform's clock may differ from ours: the constructor's value (from the
        settings file, see from_home), else what an older version kept in the store, else
        DEFAULT_CLOCK_SKEW_BOUND."""
        if self._skew_bound is not None:
            return self._skew_bound
        if self._store is not None:
            held = self._store.sync_state.skew_bound()
            if held is not None:
                return held
        return DEFAULT_CLOCK_SKEW_BOUND

    def scan(self, text: str, source: str = "camera", *, held: bool = False) -> Verdict:
        """Verify one code and log it. Never raises. `held`: the camera saw this code stay in
        view since its last scan (terminal.admission: the same presentation shows its verdict
        again, logged and counted once)."""
        with self._lock:
            now_f = self._clock()
            now = int(now_f)
            again = self._recent.before_verify(text, now_f, held)
            if again is not None:
                return again
            try:
                v = verify(text, self._snapshot, now, self._policy,
                           replay_seen=lambda cti: self._replay.seen(cti, now),
                           clock_suspect=self._clock_suspect())
            except Exception:  # noqa: BLE001 - the outermost scan handler: amber, never a crash or a green
                log.exception("verification failed unexpectedly")
                v = Verdict(valid=False, reason=R.INTERNAL_ERROR, detail="unexpected error in verification")
            try:
                same = self._recent.after_verify(v, now_f)
                if same is not None and self._claim_quietly(v, now):
                    return same
                v = self._record(v, now, now_f)
                self._recent.remember(text, v, now_f, self._policy)
            except Exception:  # noqa: BLE001 - a verdict we could not record is not shown as green
                log.exception("could not record the scan")
                v = Verdict(valid=False, reason=R.INTERNAL_ERROR, profile=v.profile, warnings=v.warnings,
                            detail="scan could not be logged")
            return v

    # ------------------------------------------------------------------ claims (spec section 7)
    def _claim_ttl(self, now: int) -> int:
        p = self._policy
        return p.presentation_max_age + p.presentation_max_future + p.skew_seconds

    def _claim_quietly(self, v: Verdict, now: int) -> bool:
        """A new presentation of a credential admitted here moments ago: claim its id (so no other
        gate admits a copy of it) without a new event or count. False when another terminal or
        process holds it (the scan then goes the normal way and is refused as replayed)."""
        ttl = self._claim_ttl(now)
        if self._shared is not None:
            try:
                res = self._shared.claim(replay_key(self._identity.venue_id, v.presentation_cti), ttl, None, None, 0)
                if res.replay == "lost":
                    return False
            except SharedUnavailable:
                pass
        return self._replay.record(v.presentation_cti, now + ttl, now)

    def _entry_plan(self, v: Verdict, now: float) -> tuple[str, EntryPeriod] | None:
        """(holder_ref, period) when this verdict meets the policy's entry limit: a valid code
        that would otherwise be admitted (or checked by staff), whose holder is known."""
        limit = self._policy.entry_limit
        if limit is None or not v.valid or v.holder_sub is None or v.outcome is Outcome.REFUSE:
            return None
        return holder_ref(self._venue_secret, v.holder_sub), entry_period(now, venue_zone(self._policy.timezone),
                                                                          limit.per)

    def scan_logged(self, text: str, source: str = "camera", held: bool = False) -> tuple[Verdict, str | None]:
        """scan(), and the id of the scan event it logged (None: no scan log, or not logged). The
        gate pulses an admission under this id, so what follows (not walked through) refers to it."""
        with self._lock:                      # re-entrant: scan() takes it too; no other scan in between
            self._logged_id = None
            v = self.scan(text, source, held=held)
            return v, self._logged_id

    def _record(self, v: Verdict, now: int, now_f: float) -> Verdict:
        """Claim a valid presentation's nonce, count the holder's entry and log the scan,
        atomically. The decisions are the claims: a presentation that another process, thread or
        gate claimed first between verify() and here becomes `replayed` (or the same admission, if
        the policy says so), an entry over the limit `entry_limit_reached`, and that is what is
        logged and shown. With a venue store the claims are made there first (one atomic script);
        when it fails or is slow the terminal's own store decides and the verdict carries
        shared_state_unavailable, and the claims are kept to be written there later."""
        p = self._policy
        ttl = self._claim_ttl(now)
        claim = (v.presentation_cti, now + ttl, now) if v.valid and v.presentation_cti is not None else None
        plan = self._entry_plan(v, now_f)
        limit = p.entry_limit.max if plan is not None else None
        local_limit = limit
        fallback = False
        claim_id = uuid.uuid4().hex
        if plan is not None and self._store is not None and self._store.entries.count(plan[0], plan[1].name) >= limit:
            # this terminal itself counted the day's entries (also when the venue store lost them)
            return self._record_refusal(self._limit_reached(v, plan[1]), now_f)
        if self._shared is not None and (claim is not None or plan is not None):
            venue = self._identity.venue_id
            rp = replay_key(venue, claim[0]) if claim is not None else None
            en = entry_key(venue, plan[0], plan[1].name) if plan is not None else None
            try:
                res = self._shared.claim(rp, ttl, en, limit, plan[1].expires_at if plan else 0, claim_id)
            except SharedUnavailable as exc:
                log.warning("venue store: %s; deciding from this terminal's own store", exc)
                fallback = True
                w = v.warnings + (R.SHARED_STATE_UNAVAILABLE,)
                v = replace(v, warnings=w, decided=decide(v.valid, v.reason, w, p.warning_outcomes))
                if v.outcome is Outcome.REFUSE:
                    plan = None
            else:
                if res.replay == "lost":
                    v, plan = self._replayed(v, "presentation claimed at another terminal of this venue"), None
                elif res.replay == "mine":
                    v = self._lost_claim(v)
                    plan = None
                elif res.counted is False:
                    v, plan = self._limit_reached(v, plan[1]), None
                local_limit = None          # the venue's count decided; this terminal keeps its own tally
        if self._store is None:
            return self._record_in_memory(v, claim, plan, local_limit, now)
        out = v

        def event(won: bool, counted: bool | None) -> dict:
            nonlocal out
            # A claim lost to a verdict that already counted the re-scan as the same admission stays that.
            if not won and R.SAME_ADMISSION not in v.warnings:
                out = self._lost_claim(v)
            elif counted is False:
                out = self._limit_reached(v, plan[1])
            else:
                out = v
            return self._event(out, now_f)

        def pending(won: bool, counted: bool | None) -> list[PendingClaim]:
            if not fallback:
                return []
            todo = []
            if claim is not None and won:
                todo.append(PendingClaim(replay_key(self._identity.venue_id, claim[0]), "rp", None, claim[1], ""))
            if plan is not None and counted:
                todo.append(PendingClaim(entry_key(self._identity.venue_id, plan[0], plan[1].name), "en", limit,
                                         plan[1].expires_at, "", claim_id))
            return todo

        entry = (plan[0], plan[1].name, local_limit, plan[1].expires_at) if plan is not None else None
        ev, _won, counted = self._store.record_scan(event, claim if v.valid else None, entry, pending)
        if out.outcome is Outcome.ADMIT:
            counted_entry = None
            if counted:
                shared = entry_key(self._identity.venue_id, plan[0], plan[1].name) if self._shared is not None else None
                counted_entry = _Counted(plan[0], plan[1].name, claim_id, shared)
            self._admitted[ev["id"]] = _Admitted(out, counted_entry)
            while len(self._admitted) > ADMITTED_KEPT:
                self._admitted.popitem(last=False)
        return out

    def _record_refusal(self, v: Verdict, now_f: float) -> Verdict:
        """Log a verdict that claims nothing."""
        if self._store is not None:
            self._store.record_scan(lambda _won, _counted: self._event(v, now_f))
        return v

    def _record_in_memory(self, v: Verdict, claim, plan, limit, now: int) -> Verdict:
        if claim is not None and v.valid and not self._replay.record(claim[0], claim[1], now) \
                and R.SAME_ADMISSION not in v.warnings:
            return self._lost_claim(v)
        if plan is not None and v.valid and not self._entries.count(plan[0], plan[1].name, limit):
            return self._limit_reached(v, plan[1])
        return v

    def _lost_claim(self, v: Verdict) -> Verdict:
        p = self._policy
        if p.rescan_same_admission:
            w = v.warnings + (R.SAME_ADMISSION,)
            return replace(v, warnings=w, decided=decide(True, R.OK, w, p.warning_outcomes))
        return self._replayed(v, "presentation claimed by another scan first")

    def _replayed(self, v: Verdict, detail: str) -> Verdict:
        return replace(v, valid=False, reason=R.REPLAYED, detail=detail,
                       decided=decide(False, R.REPLAYED, v.warnings, self._policy.warning_outcomes))

    def _limit_reached(self, v: Verdict, period: EntryPeriod) -> Verdict:
        return replace(v, valid=False, reason=R.ENTRY_LIMIT_REACHED, policy_rule=ENTRY_LIMIT_RULE,
                       detail=f"entry limit {self._policy.entry_limit.max} per {self._policy.entry_limit.per} used",
                       next_entry=period.next_start,
                       decided=decide(False, R.ENTRY_LIMIT_REACHED, v.warnings, self._policy.warning_outcomes))

    # ------------------------------------------------------------------ the venue store, when it is back
    def reconcile_shared(self, limit: int = 100) -> int:
        """Write the claims made while the venue store was down (spec section 7), oldest first,
        with NX; each collision is a `double_use` alert naming the scan event. Stops at the first
        failure (the store is still down). Returns how many were written."""
        if self._shared is None or self._store is None:
            return 0
        with self._lock:
            todo = self._store.shared_pending.oldest(limit)
        done = 0
        alerted: set[str] = set()
        for p in todo:
            try:
                collided = self._shared.write_pending(p.key, p.kind, p.limit, p.expires_at, self._clock(), p.claim_id)
            except SharedUnavailable:
                break
            with self._lock:
                if self._store is None:
                    break
                if collided and p.event_id not in alerted:   # one alert per scan (its presentation and entry)
                    alerted.add(p.event_id)
                    log.warning("venue store: a claim made while it was down collided (double_use, event %s)",
                                p.event_id)
                    self._staff_event(ALERT, code=DOUBLE_USE, ref=p.event_id)
                self._store.shared_pending.remove(p.seq)
            done += 1
        return done

    def _reconcile_loop(self) -> None:
        while not self._stop.wait(RECONCILE_INTERVAL_S):
            try:
                if self._store is not None and self._pending_count() and self._shared.ping():
                    self.reconcile_shared()
            except Exception:  # noqa: BLE001 - a background helper must never take the terminal down
                log.exception("venue store reconciliation")

    def _pending_count(self) -> int:
        with self._lock:
            return self._store.shared_pending.count() if self._store is not None else 0

    def _event(self, v: Verdict, now_f: float) -> dict:
        ident = self._identity
        cred = v.credential
        self._logged_id = str(uuid.uuid4())
        return {
            "id": self._logged_id, "ts": _event_ts(now_f),
            "terminal": ident.terminal_id, "venue": ident.venue_id, "mode": self.mode,
            "profile": v.profile or None, "typ": cred.typ if cred else None, "valid": v.valid,
            "reason": v.reason, "issuer": cred.kid or None if cred else None,
            "holder_ref": holder_ref(ident.venue_secret, v.holder_sub) if v.holder_sub else None,
            **({"warnings": list(v.warnings)} if v.warnings else {}),
            "policy": self._policy.name, **({"operator": self._operator} if self._operator else {}),
        }

    # ------------------------------------------------------------------ status and log
    def day_counts(self, now: float | None = None) -> tuple[int, int]:
        if self._store is None:
            return (0, 0)
        with self._lock:
            now = self._clock() if now is None else now
            local = datetime.fromtimestamp(now).astimezone()
            start = local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
            c = self._store.outbox.day_counts(start)
            return (c.admitted, c.refused)

    def recent(self, limit: int = 50) -> list[dict]:
        if self._store is None:
            return []
        with self._lock:
            return self._store.outbox.recent(limit)

    def authority_names(self) -> dict[str, str]:
        """Each issuer id's display name from the trust list held (an entry's `name`, spec section 4),
        for the counter: {"SD-RC": "山东省大数据局"}. An id none of whose entries has a name is left
        out (screens then show the id). Entries of one id with different names: an active entry's
        before a revoked one's, then the one with the latest nbf."""
        with self._lock:
            tl = self._snapshot.trust_list
        if tl is None:
            return {}
        names: dict[str, str] = {}
        for e in sorted(tl.issuers.values(), key=lambda e: (e.status == "active", e.nbf)):
            if e.name:
                names[e.iss] = e.name
        return names

    def status(self, *, probe: bool = True) -> Status:
        """The terminal's state. `probe`: ask the venue store (one PING, within its 50 ms budget,
        outside the scan lock) so its state is today's, not the last scan's."""
        if probe and self._shared is not None:
            self._shared.ping()
        with self._lock:
            now = self._clock()
            tl = self._snapshot.trust_list
            st = self._store
            ident = self._identity
            pending = uploaded = quarantined = 0
            q_errors: dict[str, int] = {}
            q_detail = None
            rseq = rcount = None
            last_sync = last_err = skew = online = None
            if st is not None:
                c = st.outbox.counts()
                pending, uploaded = c.pending, c.uploaded
                quarantined = st.outbox.quarantine_count()
                if quarantined:        # the platform's words: printable characters only, bounded
                    q_errors = {_printable(k, 64): n for k, n in st.outbox.quarantine_errors().items()}
                    last = st.outbox.last_quarantined()
                    q_detail = _printable(last["detail"], 200) if last and last["detail"] else None
                rmeta = st.revocations.meta()
                if rmeta is not None:
                    rseq, rcount = rmeta.seq, st.revocations.count()
                sync = st.sync_state.load()
                last_sync, last_err, skew, online = sync.last_sync_at, sync.last_error, sync.clock_skew_s, sync.last_ok
            elif isinstance(self._snapshot.revocations, RevocationList):
                rseq, rcount = self._snapshot.revocations.seq, len(self._snapshot.revocations.entries)
            return Status(
                enrolled=ident is not None, terminal_id=ident.terminal_id if ident else None,
                venue=ident.venue_id if ident else None, mode=self.mode, policy_name=self._policy.name,
                trust_seq=tl.seq if tl else None, trust_iat=tl.iat if tl else None, trust_next=tl.next if tl else None,
                trust_stale=self._snapshot.stale(int(now)), trust_age_s=(now - tl.iat) if tl else None,
                revocation_seq=rseq, revocation_count=rcount, events_pending=pending, events_uploaded=uploaded,
                events_quarantined=quarantined, quarantine_errors=q_errors, quarantine_detail=q_detail,
                operator=self._operator, last_sync=last_sync, last_sync_error=last_err or None,
                online=online, clock_skew_s=skew,
                clock_suspect=self._clock_suspect(), clock_skew_bound_s=self.clock_skew_bound(),
                **self._dcc_status(int(now)), **self._shared_status())

    def _shared_status(self) -> dict[str, Any]:
        sh = self._shared
        if sh is None:
            return {}
        return {"venue_store": sh.url, "venue_store_state": sh.state, "venue_store_error": sh.last_error,
                "venue_store_pending": self._store.shared_pending.count() if self._store is not None else 0}

    def _dcc_status(self, now: int) -> dict[str, Any]:
        snap = self._snapshot
        held = self._store.dcc_trust.load_trust_list() if self._store is not None else None
        return {"dcc_seq": held[1].seq if held else None, "dcc_next": snap.dcc_next,
                "dcc_stale": snap.dcc_next is not None and now > snap.dcc_next,
                "dcc_count": len(snap.dcc) if snap.dcc is not None else 0}

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        """Switch mode; staff signed in are signed out (in the old mode) before a switch to the
        public kiosk, so no kiosk event carries an operator."""
        if mode not in MODES:
            raise ConfigError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        with self._lock:
            if mode == KIOSK and self._operator is not None:
                self.sign_out()
            self._mode = mode

    # ------------------------------------------------------------------ staff (spec section 6 kinds)
    # Staff codes and PINs: terminal/staff.py. Hashing (~0.35 s) runs outside the lock, so a scan
    # never waits for a sign-in. Every event goes through the one outbox path (vocab.events schema).
    @property
    def operator(self) -> str | None:
        """The staff code signed in at this terminal, or None."""
        return self._operator

    def staff_roster(self) -> "StaffRoster":
        """The home's staff codes (use its hash_pin outside the lock, the rest through the service)."""
        if self._store is None:
            raise ConfigError("staff codes need an enrolled terminal home (they sign events of its scan log)")
        return StaffRoster(_Locked(self._store.staff, self._lock), PinGuard(self._store.home, clock=self._clock))

    def staff_codes(self) -> list[str]:
        return self.staff_roster().codes() if self._store is not None else []

    def add_staff(self, code: str, pin: str) -> bool:
        """Add a staff code with its own PIN (or a new PIN for it); StaffError for a bad code or PIN."""
        roster = self.staff_roster()
        return roster.put(code, roster.hash_pin(code, pin))

    def remove_staff(self, code: str) -> bool:
        """Remove a staff code; one signed in is signed out first."""
        if self._operator == code:
            self.sign_out()
        return self.staff_roster().remove(code)

    def sign_in(self, code: str, pin: str) -> "PinCheck":
        """Check a staff code's PIN (STAFF lockout, terminal/pins.py); on success sign out whoever
        was signed in, sign this code in and log a `session` sign_in. Returns the PinCheck."""
        self._staff_mode("sign in")
        roster = self.staff_roster()
        stored = roster.hash_for(code) if isinstance(code, str) else None
        res = roster.guard.check(STAFF, pin, stored)
        if res.ok and needs_rehash(stored):
            try:                        # older scrypt parameters: today's, with the same PIN
                roster.put(code, roster.hash_pin(code, pin))
            except StaffError as exc:   # a PIN today's rules refuse: it still signs in; the admin sets a new one
                log.warning("staff %s: PIN not rehashed: %s", code, exc)
        if res.ok:
            with self._lock:
                if self._operator is not None:
                    self._staff_event(SESSION, action="sign_out")
                self._operator = code
                self._staff_event(SESSION, action="sign_in")
                log.info("staff %s signed in", code)
        return res

    def sign_out(self) -> dict | None:
        """Log a `session` sign_out for the staff signed in (None when nobody is)."""
        with self._lock:
            if self._operator is None:
                return None
            try:
                return self._staff_event(SESSION, action="sign_out")
            finally:
                log.info("staff %s signed out", self._operator)
                self._operator = None

    def record_manual(self, cert: str, valid: bool) -> dict:
        """Staff checked a paper certificate by hand (线下兜底): a `manual` event with the
        certificate type (vocab.spec.CERT_TYPES) and the result, nothing about the holder. At the
        counter; and at the gate, where a valid one is how staff open the gate by hand (the app
        pulses the gate under the returned event's id): there only staff signed in may, so the
        event always names its operator."""
        from vocab.spec import CERT_TYPES
        self._staff_mode("record a paper check")
        if cert not in CERT_TYPES or not isinstance(valid, bool):
            raise ConfigError(f"a paper check needs a certificate type ({', '.join(CERT_TYPES)}) and a result")
        with self._lock:
            if self.mode == GATE and self._operator is None:
                raise ConfigError("sign in first: at the gate only staff signed in may open it by hand")
            return self._staff_event(MANUAL, cert=cert, valid=valid)

    def admission_not_walked(self, ref: str) -> dict | None:
        """The gate opened for the event `ref` (an admission's scan event, or a `manual` one) and
        its pass sensor saw nobody walk through in time: an `alert` event with code `not_walked`
        and `ref`, nothing about the holder (None: no scan log here, or `ref` is not an event of it).

        The holder app's next presentation of that credential is then a new admission (the same
        presentation held in view stays the same admission: terminal.admission). An admission not
        walked through does not count against the holder's entry limit (spec
        section 7): the entry it counted is given back, once. In the venue's shared store its claim
        id leaves the holder's set (SREM), and this terminal's own count goes down by one. While the
        shared store answers, it decides the holder's next scan; a give-back that timed out there
        still runs if the store was only slow (a paused server runs it when it wakes), one refused
        is not retried: the entry stays counted at the venue (entry_limit_reached, staff decide),
        the safe side. (An entry counted while
        the shared store was down is never given back: that verdict carries shared_state_unavailable,
        a check at best, and a check does not pulse the gate.) Returns the alert event."""
        if self._store is None or self._identity is None or not isinstance(ref, str):
            return None
        with self._lock:
            ev = self._store.outbox.get(ref)
            if ev is None or event_kind(ev) not in (SCAN, MANUAL) or ev.get("terminal") != self._identity.terminal_id:
                log.warning("not walked through: %.64s is not a scan or manual event of this terminal", ref)
                return None
            alert = self._staff_event(ALERT, code=NOT_WALKED, ref=ref)
            admitted = self._admitted.pop(ref, None)
            if admitted is not None:
                self._recent.not_walked(admitted.verdict)
        entry = admitted.entry if admitted is not None else None
        if entry is None:
            return alert
        if entry.shared_key is not None and self._shared is not None:
            try:
                self._shared.give_back(entry.shared_key, entry.claim_id)
            except SharedUnavailable as exc:
                log.warning("entry given back here, maybe not at the venue store (%s)", exc)
        with self._lock:
            if self._store is not None:
                self._store.entries.give_back(entry.holder_ref, entry.period)
        log.info("entry given back: the gate opened and nobody walked through")
        return alert

    def recent_scans(self, limit: int = 10) -> list[dict]:
        """The newest scan events of this terminal, newest first (what a dispute can refer to)."""
        if self._store is None:
            return []
        with self._lock:
            return [e for e in self._store.outbox.recent(limit * 4) if event_kind(e) == SCAN][:limit]

    def record_dispute(self, ref: str, code: str) -> dict:
        """Staff record that an earlier verdict of this terminal is contested (异议): a `dispute`
        event with `ref` (that scan event's id) and one of vocab.events.DISPUTE_CODES. No text."""
        self._staff_mode("record a dispute")
        if code not in DISPUTE_CODES:
            raise ConfigError(f"a dispute code is one of {', '.join(DISPUTE_CODES)}")
        with self._lock:
            ev = self._store.outbox.get(ref) if isinstance(ref, str) else None
            if ev is None or event_kind(ev) != SCAN or ev.get("terminal") != self._identity.terminal_id:
                raise ConfigError("a dispute refers to a scan event of this terminal")
            return self._staff_event(DISPUTE, ref=ref, code=code)

    def _staff_mode(self, what: str, modes: tuple[str, ...] = ("gate", "counter")) -> None:
        if self._store is None or self._identity is None:
            raise ConfigError(f"cannot {what}: this terminal is not enrolled (no scan log)")
        if self.mode not in modes:
            raise ConfigError(f"cannot {what} in {self.mode} mode (only {' and '.join(modes)})")

    def _staff_event(self, kind: str, **fields: Any) -> dict:
        """Append a staff event (caller holds the lock); the outbox checks it against the schema."""
        ident = self._identity
        ev = {"kind": kind, "ts": _event_ts(self._clock()), "terminal": ident.terminal_id, "venue": ident.venue_id, "mode": self.mode, **fields}
        if self._operator:
            ev["operator"] = self._operator
        return self._store.outbox.append(ev)

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            if self._shared is not None:
                self._shared.close()
            if self._store is not None:
                self._store.close()
                self._store = None

    def __enter__(self) -> "TerminalService":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

