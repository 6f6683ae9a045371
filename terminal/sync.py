"""Platform sync (spec section 6), the round's logic: what to fetch (trust list, revocations, the
DCC trust list), what to accept and store,
what to upload, how to treat rejections. The platform is a terminal.ports.Remote: over HTTP
terminal.transport.HttpRemote (the default), in tests an in-memory fake.

    from terminal.sync import Syncer
    with Syncer(home) as syncer:                 # or Syncer(store) to share an open cache.Store
        report = syncer.run_once()               # trust list, revocations, DCC trust, upload; never raises
        print(report.ok, report.error)
    # or, in a background thread:  syncer.run_forever(interval=60, stop_event=threading.Event())
    Syncer(store, remote=FakeRemote(...))        # any ports.Remote

The three steps can be called alone and then raise (`sync_trust`, `sync_revocations`,
`upload_events`); `run_once` catches, saves the outcome as a typed `cache.SyncState`
(`store.sync_state.save`: when, ok, error, last good round, clock skew, held seqs, last
upload), which TerminalService.status() reads back with `store.sync_state.load()`, and
returns a `SyncReport`.

Errors are grouped by what the caller can do about them; each keeps its cause
(`raise SyncTimeout(...) from exc`). They are defined in terminal.ports (the Remote raises
the first, third, fifth and sixth) and re-exported here:

    SyncError            base class
      SyncNetworkError   platform unreachable, connection cut, 5xx after the retries: try later
        SyncTimeout      no answer within the timeout (after the retries): try later
      SyncAuthError      401/403: the token is no longer accepted: re-enrol (never retried)
      SyncRefused        trust data that must not be used (bad signature, wrong content type,
                         truncated, rollback): nothing saved, the last good data stays
      SyncProtocolError  an answer the spec does not allow (other 4xx, bad JSON): report it
      SyncConfigError    the terminal is not enrolled or its identity is unusable

Retries with backoff, timeouts and TLS belong to the transport (terminal.transport); the
Syncer passes its `timeout`, `retries`, `backoff`, `max_backoff`, `max_retry_time`, `sleep`
and `rng` on to the HttpRemote it makes. A round stops at the first network, auth or config
error (the platform is unreachable or refuses us); a refused list does not stop the others.

Uploads are safe to repeat: the platform is idempotent per event id, so a batch whose
answer never arrived is simply sent again and comes back as `duplicates`, and both
`accepted` and `duplicates` are marked uploaded.

Threads: a Syncer uses one Store connection and is not thread-safe: use it from one
thread at a time (it may be created in one thread and run in another). The app service
has its own connection; call `TerminalService.reload_trust()` after a sync that changed
trust data (`SyncReport.trust_changed`), or pass `on_sync=` to run_forever.
"""
from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .hc1.trust import parse_dcc_trust_list
from .ports import (Remote, Signed, SyncAuthError, SyncConfigError, SyncError, SyncNetworkError, SyncNotPublished,
                    SyncProtocolError, SyncRefused, SyncTimeout, SyncTooLarge, UploadAnswer)
from .transport import (DEFAULT_BACKOFF, DEFAULT_MAX_BACKOFF, DEFAULT_MAX_RETRY_TIME, DEFAULT_RETRIES,
                        DEFAULT_TIMEOUT, one_line as _one_line)
from .trust import (RevocationDelta, RevocationList, TrustDataError, load_root_key, parse_revocations,
                    parse_trust_list, verify_signed)

if TYPE_CHECKING:
    import requests

    from .ports import StorePort

log = logging.getLogger(__name__)

__all__ = ["Syncer", "SyncReport", "UploadResult", "sync_home", "SyncError", "SyncNetworkError", "SyncTimeout",
           "SyncAuthError", "SyncRefused", "SyncProtocolError", "SyncConfigError", "Remote", "Signed",
           "UploadAnswer"]

COSE_TYPE = "application/cose"
DEFAULT_BATCH = 500
DEFAULT_RETAIN_DAYS = 30.0


# ----------------------------------------------------------------------------- report

@dataclass
class SyncReport:
    """What one run_once did. `error` is the first failure (one line) or None."""

    ok: bool = False
    trust: str = "skipped"              # updated / not_modified / refused / failed / skipped
    trust_seq: int | None = None
    revocations: str = "skipped"        # full / delta / up_to_date / refused / failed / skipped
    revocation_seq: int | None = None
    revocation_count: int | None = None
    dcc: str = "skipped"                # DCC trust list: updated / not_modified / not_published / refused / failed / skipped
    dcc_seq: int | None = None
    upload: str = "skipped"             # done / failed / skipped
    uploaded: int = 0                   # events the platform accepted now
    duplicates: int = 0                 # events it already had (a re-sent batch)
    pending: int = 0                    # events still waiting afterwards
    pruned: int = 0                     # uploaded events deleted by retention
    quarantined: int = 0                # events the platform rejected in this round (kept, never re-sent)
    clock_skew_s: float | None = None
    error: str | None = None
    error_kind: str | None = None       # network / timeout / auth / refused / protocol / config
    errors: list[str] = field(default_factory=list)
    finished_at: float | None = None

    @property
    def trust_changed(self) -> bool:
        return self.trust == "updated" or self.revocations in ("full", "delta") or self.dcc == "updated"

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["trust_changed"] = self.trust_changed
        return d


@dataclass(frozen=True)
class UploadResult:
    uploaded: int
    duplicates: int
    batches: int
    pending: int
    pruned: int
    quarantined: int = 0                # rejected by the platform now (kept, never sent again)


def _kind(exc: SyncError) -> str:
    for cls, name in ((SyncTimeout, "timeout"), (SyncNetworkError, "network"), (SyncAuthError, "auth"),
                      (SyncRefused, "refused"), (SyncProtocolError, "protocol"), (SyncConfigError, "config")):
        if isinstance(exc, cls):
            return name
    return "error"


# ----------------------------------------------------------------------------- syncer

class Syncer:
    """Syncs one enrolled terminal home with its platform.

        syncer = Syncer("/var/lib/venue-terminal")
        report = syncer.run_once()
        syncer.close()

    `store_or_home`: an open cache.Store (or any ports.StorePort; not closed by the Syncer)
    or a home directory (a Store is opened here and closed by close()). `remote`: the
    platform (a ports.Remote; not closed by close()); by default a
    terminal.transport.HttpRemote over `session` (a requests.Session, for tests and
    proxies) with `timeout`, `retries`, `backoff`, `max_backoff`, `max_retry_time`, `sleep`
    and `rng`. `clock` gives Unix seconds. `retain_days`: after a successful upload, delete
    uploaded events older than this (None: keep everything).

    Raises SyncConfigError if the home is not enrolled or the pinned root key is unusable.
    """

    def __init__(self, store_or_home: Any, session: requests.Session | None = None, *,
                 remote: Remote | None = None,
                 timeout: float | tuple[float, float] = DEFAULT_TIMEOUT, retries: int = DEFAULT_RETRIES,
                 backoff: float = DEFAULT_BACKOFF, max_backoff: float = DEFAULT_MAX_BACKOFF,
                 max_retry_time: float = DEFAULT_MAX_RETRY_TIME, batch_size: int = DEFAULT_BATCH,
                 retain_days: float | None = DEFAULT_RETAIN_DAYS, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, rng: Callable[[], float] = random.random):
        from cache import Store
        self._owns_store = self._owns_remote = False
        self.store: StorePort
        if isinstance(store_or_home, (str, os.PathLike)) or store_or_home is None:
            self.store = Store.open(store_or_home, check_same_thread=False)
            self._owns_store = True
        else:
            self.store = store_or_home
        self.batch_size = batch_size
        self.retain_days = retain_days
        self.clock, self.rng = clock, rng
        try:
            ident = self.store.identity.load_identity()
            if ident is None:
                raise SyncConfigError(f"terminal home {self.store.home} is not enrolled (run venue-terminal enroll)")
            try:
                self.root_key = load_root_key(ident.root_key_pem)
            except TrustDataError as exc:
                raise SyncConfigError(f"enrolment root key: {exc}") from exc
            if remote is None:
                from .transport import HttpRemote
                remote = HttpRemote(session, timeout=timeout, retries=retries, backoff=backoff,
                                    max_backoff=max_backoff, max_retry_time=max_retry_time, clock=clock,
                                    sleep=sleep, rng=rng)
                self._owns_remote = True
            self.remote: Remote = remote
            self.remote.configure(ident)
            self.identity = ident
        except BaseException:
            self.close()
            raise

    @property
    def last_skew(self) -> float | None:
        """The platform's clock minus ours, as last measured by the remote (None: not this round)."""
        return self.remote.clock_skew_s

    def reload_identity(self) -> None:
        """Pick up a re-enrolment (new token, URL, root key) made by another process."""
        ident = self.store.identity.load_identity()
        if ident is None:
            raise SyncConfigError(f"terminal home {self.store.home} is no longer enrolled")
        if ident != self.identity:
            try:
                root = load_root_key(ident.root_key_pem)
            except TrustDataError as exc:
                raise SyncConfigError(f"enrolment root key: {exc}") from exc
            self.remote.configure(ident)
            self.identity = ident
            self.root_key = root

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        if getattr(self, "_owns_remote", False):
            self.remote.close()
            self._owns_remote = False
        if getattr(self, "_owns_store", False):
            self.store.close()
            self._owns_store = False

    def __enter__(self) -> Syncer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ accepting signed data
    def _signed_payload(self, got: Signed, what: str) -> bytes:
        """The verified payload of a signed document, or SyncRefused (wrong type, bad signature)."""
        if got.content_type != COSE_TYPE:
            raise SyncRefused(f"{what} refused: content type {got.content_type or 'missing'!r}, "
                              f"expected {COSE_TYPE}")
        try:
            return verify_signed(got.body, self.root_key)
        except TrustDataError as exc:
            raise SyncRefused(f"{what} refused: {exc}") from exc

    # ------------------------------------------------------------------ trust list, DCC trust list
    def sync_trust(self) -> tuple[str, int | None]:
        """Fetch the trust list (If-None-Match); verify and save a new one.

        Returns ("updated" | "not_modified", held seq). Raises SyncRefused (nothing saved)
        for a wrong content type, a bad signature or structure, or a lower seq (rollback);
        the network errors of `request`."""
        return self._sync_list(self.store.trust, self.remote.fetch_trust_list, "trust list", "/v1/trust-list",
                               parse_trust_list)

    def sync_dcc_trust(self) -> tuple[str, int | None]:
        """Fetch the DCC trust list (GET /v1/dcc-trust, spec section 6): signed by the trust-list
        key, kept like the trust list, with the same rollback rule. ("skipped", None) for a
        Remote that has no such call; SyncNotPublished when the platform has none (404)."""
        fetch = getattr(self.remote, "fetch_dcc_trust", None)
        if fetch is None:
            return "skipped", None
        return self._sync_list(self.store.dcc_trust, fetch, "DCC trust list", "/v1/dcc-trust", parse_dcc_trust_list)

    def _sync_list(self, store: Any, fetch: Callable[[str | None], Signed | None], what: str, path: str,
                   parse: Callable[[Any], Any]) -> tuple[str, int | None]:
        held = store.load_trust_list()
        got = fetch(held[1].etag if held and held[1].etag else None)
        if got is None:
            if held is None:
                raise SyncProtocolError(f"GET {path}: 304 Not Modified but no {what} is held")
            return "not_modified", held[1].seq
        raw = got.body
        payload = self._signed_payload(got, what)
        try:
            parsed = parse(payload)
        except TrustDataError as exc:
            raise SyncRefused(f"{what} refused: {exc}") from exc
        if held is not None and parsed.seq < held[1].seq:
            raise SyncRefused(f"{what} refused: seq {parsed.seq} is lower than the held seq "
                              f"{held[1].seq} (rollback)")
        if held is not None and parsed.seq == held[1].seq and raw != held[0]:
            # seq is strictly increasing (spec section 4): other content under the held seq is
            # not a newer list. The same payload re-signed is harmless and kept as held.
            try:
                same = verify_signed(held[0], self.root_key) == payload
            except TrustDataError:
                same = False
            if not same:
                raise SyncRefused(f"{what} refused: different content under the held seq {parsed.seq}")
        from cache import RollbackRefused, StoreError
        try:
            store.save_trust_list(raw, payload, got.etag, received_at=int(self.clock()))
        except RollbackRefused as exc:       # another process saved a newer list meanwhile
            raise SyncRefused(f"{what} refused: {exc} (rollback)") from exc
        except StoreError as exc:
            raise SyncRefused(f"{what} refused: {exc}") from exc
        return "updated", parsed.seq

    # ------------------------------------------------------------------ revocations
    def _fetch_revocations(self, since: int) -> RevocationList | RevocationDelta:
        payload = self._signed_payload(self.remote.fetch_revocations(since), "revocation list")
        try:
            return parse_revocations(payload)
        except TrustDataError as exc:
            raise SyncRefused(f"revocation list refused: {exc}") from exc

    def _apply_full(self, rl: RevocationList, held: int | None) -> str:
        from cache import RollbackRefused, StoreError
        if held is not None and rl.seq < held:
            raise SyncRefused(f"revocation list refused: seq {rl.seq} is lower than the held seq {held} (rollback)")
        if held is not None and rl.seq == held:
            # the same seq must mean the same list (seq is strictly increasing)
            store = self.store.revocations
            if store.count() == len(rl.entries) and all(store.contains(k) for k in rl.entries):
                return "up_to_date"
            raise SyncRefused(f"revocation list refused: different content under the held seq {held}")
        try:
            self.store.revocations.apply_full(rl.seq, rl.next, rl.iat, sorted(rl.entries), now=int(self.clock()))
        except RollbackRefused as exc:
            raise SyncRefused(f"revocation list refused: {exc} (rollback)") from exc
        except StoreError as exc:
            raise SyncRefused(f"revocation list refused: {exc}") from exc
        return "full"

    def sync_revocations(self) -> tuple[str, int | None]:
        """Fetch revocations since the held seq (0: none held) and apply the full list or
        delta. A delta that does not start at the held seq makes it fetch the full list
        (since=0). Returns ("full" | "delta" | "up_to_date", held seq); raises SyncRefused
        (nothing changed) or the network errors of `request`."""
        from cache import DeltaMismatch, RollbackRefused, StoreError
        held = self.store.revocations.seq()
        got = self._fetch_revocations(held or 0)
        if isinstance(got, RevocationList):
            return self._apply_full(got, held), got.seq
        if held is not None and got.from_seq == held and got.seq == held:
            if got.add or got.remove:
                raise SyncRefused(f"revocation delta refused: changes entries but keeps seq {held}")
            return "up_to_date", held
        if held is not None and got.from_seq == held:
            try:
                self.store.revocations.apply_delta(got.from_seq, got.seq, got.next, got.iat, got.add, got.remove,
                                                   now=int(self.clock()))
                return "delta", got.seq
            except DeltaMismatch:
                pass                          # held seq moved meanwhile: fall back to the full list
            except RollbackRefused as exc:
                raise SyncRefused(f"revocation delta refused: {exc} (rollback)") from exc
            except StoreError as exc:
                raise SyncRefused(f"revocation delta refused: {exc}") from exc
        log.info("revocation delta from seq %s does not apply to held seq %s: fetching the full list",
                 got.from_seq, held)
        full = self._fetch_revocations(0)
        if not isinstance(full, RevocationList):
            raise SyncRefused("revocation list refused: since=0 answered a delta instead of the full list")
        return self._apply_full(full, self.store.revocations.seq()), full.seq

    # ------------------------------------------------------------------ scan events
    def upload_events(self, batch_size: int | None = None) -> UploadResult:
        """POST pending events oldest first in batches; mark accepted and duplicate ids as
        uploaded; then prune uploaded events older than `retain_days`. A batch whose answer
        never arrived stays pending and is sent again next time (the platform answers
        `duplicates` for what it already holds). Raises the errors of `request`, and
        SyncProtocolError for a malformed answer or a batch the platform acknowledges none of."""
        size = batch_size or self.batch_size
        outbox = self.store.outbox
        accepted_n = dup_n = batches = quarantined_n = 0
        terminal = self.identity.terminal_id
        while True:
            batch = outbox.pending(size)
            if not batch:
                break
            ids = {ev["id"] for ev in batch}
            try:
                answer = self.remote.upload_events(terminal, batch)
            except SyncTooLarge:
                if size > 1:
                    size = max(1, size // 2)            # spec: 413 halves the batch
                    continue
                # one event alone is too large for the platform: it can never be taken
                quarantined_n += outbox.quarantine({batch[0]["id"]: ("too_large", "413 for a single event")},
                                                   at=self.clock())
                continue
            acc, dup = answer.accepted, answer.duplicates
            acc_ids = ids.intersection(str(i) for i in acc)
            acked = acc_ids | ids.intersection(str(i) for i in dup)
            if acked:
                outbox.mark_uploaded(acked, at=self.clock())
            rejected = {str(r["id"]): (str(r.get("error") or "schema"), r.get("detail"))
                        for r in answer.rejected if str(r["id"]) in ids and str(r["id"]) not in acked}
            if rejected:
                quarantined_n += outbox.quarantine(rejected, at=self.clock())
                log.warning("the platform rejected %d events (moved to the quarantine): %s", len(rejected),
                            ", ".join(sorted({e for e, _ in rejected.values()})))
            accepted_n += len(acc_ids)
            dup_n += len(acked) - len(acc_ids)
            batches += 1
            if len(acked) + len(rejected) < len(ids):
                # The platform kept some events back without saying why: stop rather than
                # send them forever; they stay pending and the next run tries again.
                missing = len(ids) - len(acked) - len(rejected)
                raise SyncProtocolError(f"POST /v1/scan-events: the platform acknowledged {len(ids) - missing} "
                                        f"of {len(ids)} events ({missing} in none of accepted, duplicates, rejected)")
        pruned = self.prune()
        return UploadResult(uploaded=accepted_n, duplicates=dup_n, batches=batches,
                            pending=outbox.counts().pending, pruned=pruned, quarantined=quarantined_n)

    def prune(self) -> int:
        """Delete uploaded events older than `retain_days` (the chain keeps a checkpoint)."""
        if self.retain_days is None:
            return 0
        return self.store.outbox.prune_uploaded(older_than=self.clock() - self.retain_days * 86400)

    # ------------------------------------------------------------------ one round
    def run_once(self) -> SyncReport:
        """Trust list, revocations, then upload; record the outcome in the state table.

        Never raises a SyncError: a refused list does not stop the other steps; a network
        or auth error stops the round (the platform is unreachable or refuses us)."""
        rep = SyncReport()
        self.remote.clock_skew_s = None

        def fail(step: str, exc: SyncError) -> None:
            msg = _one_line(exc)
            rep.errors.append(msg)
            if rep.error is None:
                rep.error, rep.error_kind = msg, _kind(exc)
            setattr(rep, step, "refused" if isinstance(exc, SyncRefused) else "failed")
            (log.warning if isinstance(exc, SyncRefused) else log.info)("sync %s: %s", step, msg)

        try:
            try:
                self.reload_identity()
            except SyncConfigError as exc:
                fail("trust", exc)
                return rep
            for step in ("trust", "revocations", "dcc", "upload"):
                try:
                    if step == "trust":
                        rep.trust, rep.trust_seq = self.sync_trust()
                    elif step == "revocations":
                        rep.revocations, rep.revocation_seq = self.sync_revocations()
                    elif step == "dcc":
                        try:
                            rep.dcc, rep.dcc_seq = self.sync_dcc_trust()
                        except SyncNotPublished:
                            rep.dcc = "not_published"
                    else:
                        up = self.upload_events()
                        rep.upload = "done"
                        rep.uploaded, rep.duplicates, rep.pruned = up.uploaded, up.duplicates, up.pruned
                        rep.quarantined = up.quarantined
                except (SyncNetworkError, SyncAuthError, SyncConfigError) as exc:
                    fail(step, exc)
                    break
                except SyncError as exc:
                    fail(step, exc)
        finally:
            self._record(rep)
        return rep

    def _record(self, rep: SyncReport) -> None:
        held = self.store.trust.held_seq()
        rep.trust_seq = held if rep.trust_seq is None else rep.trust_seq
        rep.dcc_seq = self.store.dcc_trust.held_seq() if rep.dcc_seq is None else rep.dcc_seq
        rep.revocation_seq = self.store.revocations.seq()
        rep.revocation_count = self.store.revocations.count()
        rep.pending = self.store.outbox.counts().pending
        rep.clock_skew_s = self.last_skew
        rep.ok = rep.error is None
        rep.finished_at = self.clock()
        from cache import SyncState
        prev = self.store.sync_state.load()
        self.store.sync_state.save(SyncState(
            last_sync_at=rep.finished_at, last_ok=rep.ok, last_error=rep.error, last_error_kind=rep.error_kind,
            last_ok_at=rep.finished_at if rep.ok else prev.last_ok_at,
            clock_skew_s=self.last_skew if self.last_skew is not None else prev.clock_skew_s,
            trust_seq=rep.trust_seq, revocation_seq=rep.revocation_seq,
            last_upload_at=rep.finished_at if rep.upload == "done" else prev.last_upload_at))

    def run_forever(self, interval: float, stop_event: threading.Event | None = None, *,
                    on_sync: Callable[[SyncReport], None] | None = None) -> SyncReport | None:
        """run_once every `interval` seconds (with ±10 % jitter) until `stop_event` is set,
        or until the platform refuses our token (SyncAuthError: retrying will not help).
        `on_sync(report)` is called after each round (e.g. to reload the service's trust).
        Returns the last report."""
        stop_event = stop_event or threading.Event()
        last: SyncReport | None = None
        while not stop_event.is_set():
            last = self.run_once()
            if on_sync is not None:
                try:
                    on_sync(last)
                except Exception:  # noqa: BLE001 - a callback bug must not end the sync loop
                    log.exception("on_sync callback failed")
            if last.error_kind in ("auth", "config"):
                log.error("sync stopped: %s", last.error)
                break
            stop_event.wait(max(0.0, interval * (0.9 + 0.2 * self.rng())))
        return last


def sync_home(home: str | os.PathLike[str], **kw: Any) -> SyncReport:
    """One sync round for an enrolled home (opens and closes its own Store)."""
    with Syncer(home, **kw) as s:
        return s.run_once()
