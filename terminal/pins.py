"""Admin and staff PINs: which PINs are allowed, how they are hashed, and the lockout.

    guard = PinGuard(directory)                  # pin.key and pin-lockout.json live there, both 0600
    stored = guard.hash_new("739164")            # PinRefused (one line) for a PIN outside the rules
    res = guard.check(ADMIN, "739164", stored)   # PinCheck(ok, wait_s, legacy)
    admin_pin_state(settings.pin_hash, guard)    # UNSET / SET / LEGACY

Rules: 6 to 12 ASCII digits (str.isdigit also takes '²' and Arabic-Indic digits, which a
keypad cannot type back), not one digit repeated and not a run up or down (123456, 987654).

Hash: scrypt (hashlib, OpenSSL's) with N = 2^17, r = 8, p = 1: 128 MiB of memory and about
0.35 s per guess on this VM's core, so a GPU is held by memory bandwidth, not arithmetic.
Even so a 6-digit space is only 10^6 guesses: no stretching that a kiosk can afford makes
that alone impractical. So the PIN is first keyed with HMAC-SHA-256 under a 32-byte random
pepper kept in its own file (`pin.key`), apart from the settings file and the database that
hold the hashes: a copied settings file or database (a backup, a support bundle) gives
nothing to search. Stored form: `scrypt$17$8$1$<salt hex>$<key hex>` (log2 N, r, p).
A hash read from a file may carry other parameters; they are bounded (a hostile file cannot
ask for gigabytes or minutes), and `needs_rehash` says when they are not today's.

Older versions stored `pbkdf2_sha256$ITER$SALT$KEY` with a published default PIN 2580. That
hash counts as no PIN at all (`admin_pin_state` UNSET: the first opening of Settings sets a
new one); another PBKDF2 hash still opens Settings once (LEGACY), and then a new PIN must be
set, since 50,000 PBKDF2 rounds over at most 12 digits never resisted an offline search.
A missing `pin.key` beside a scrypt hash also counts as UNSET: who can delete that file can
edit the settings file too, and it is the recovery path for a forgotten admin PIN.

Lockout: 5 wrong PINs are free; each further one locks that purpose (ADMIN, STAFF) for
30 s, doubling up to an hour (30, 60, 120 ... 3600 s). A right PIN resets it. The state is
in `pin-lockout.json`, written before the answer is given, so a restart (or pulling the
power) does not reset it; a lock is never longer than the cap even if the clock went back.
While locked no PIN is checked at all.

Threads: any; a PinGuard is cheap and holds no open files. Hashing takes ~0.35 s: not on a
path that scanning waits for.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

ADMIN, STAFF = "admin", "staff"                 # lockout purposes: one counter each
UNSET, SET, LEGACY = "unset", "set", "legacy"

PIN_MIN, PIN_MAX = 6, 12
PIN_RE = re.compile(r"[0-9]{%d,%d}" % (PIN_MIN, PIN_MAX))
SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P, DKLEN, SALT_LEN = 17, 8, 1, 32, 16
# Bounds for parameters read from a file: at most 256 MiB and a few seconds per check.
_LOG_N_RANGE, _R_RANGE, _P_RANGE = (10, 18), (1, 16), (1, 4)
_MAXMEM = 300 * 1024 * 1024
LEGACY_DEFAULT_PIN = "2580"                     # published default of the first release
_PBKDF2_MAX_ITER = 1_000_000

PIN_KEY_FILE = "pin.key"
LOCKOUT_FILE = "pin-lockout.json"
FREE_TRIES = 5
FIRST_LOCK_S = 30.0
MAX_LOCK_S = 3600.0


class PinRefused(ValueError):
    """A new PIN that breaks the rules; the message says which (one line, no PIN in it)."""


@dataclass(frozen=True)
class PinCheck:
    ok: bool
    wait_s: float = 0.0        # > 0: locked, nothing was checked; try again after this many seconds
    legacy: bool = False       # ok against an old PBKDF2 hash: set a new PIN now


def check_new_pin(pin: str) -> str:
    """`pin` if it follows the rules, else PinRefused saying which rule."""
    if not isinstance(pin, str) or not PIN_RE.fullmatch(pin):
        raise PinRefused(f"the PIN must be {PIN_MIN} to {PIN_MAX} digits 0-9")
    if len(set(pin)) == 1:
        raise PinRefused("the PIN must not be one digit repeated")
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:])}
    if steps in ({1}, {9}):
        raise PinRefused("the PIN must not be a run of digits up or down")
    return pin


def _scrypt(keyed: bytes, salt: bytes, log_n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(keyed, salt=salt, n=1 << log_n, r=r, p=p, maxmem=_MAXMEM, dklen=DKLEN)


def _parse_scrypt(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return None
    try:
        log_n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, dk = bytes.fromhex(parts[4]), bytes.fromhex(parts[5])
    except ValueError:
        return None
    if not (_LOG_N_RANGE[0] <= log_n <= _LOG_N_RANGE[1] and _R_RANGE[0] <= r <= _R_RANGE[1]
            and _P_RANGE[0] <= p <= _P_RANGE[1] and 8 <= len(salt) <= 64 and len(dk) == DKLEN):
        return None
    return log_n, r, p, salt, dk


def _parse_pbkdf2(stored: str) -> tuple[int, bytes, bytes] | None:
    parts = stored.split("$")
    if len(parts) != 4 or parts[0] != "pbkdf2_sha256":
        return None
    try:
        iters, salt, dk = int(parts[1]), bytes.fromhex(parts[2]), bytes.fromhex(parts[3])
    except ValueError:
        return None
    if not (1 <= iters <= _PBKDF2_MAX_ITER and 1 <= len(salt) <= 64 and 16 <= len(dk) <= 64):
        return None
    return iters, salt, dk


def is_stored_form(stored: str) -> bool:
    """True for "" (no PIN), a scrypt hash within bounds, or an old PBKDF2 hash (settings check)."""
    return stored == "" or _parse_scrypt(stored) is not None or _parse_pbkdf2(stored) is not None


def is_legacy(stored: str) -> bool:
    return _parse_pbkdf2(stored) is not None


def needs_rehash(stored: str) -> bool:
    """An old PBKDF2 hash or scrypt parameters other than today's."""
    parsed = _parse_scrypt(stored)
    return parsed is None or parsed[:3] != (SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P)


def _legacy_ok(pin: str, stored: str) -> bool:
    parsed = _parse_pbkdf2(stored)
    if parsed is None:
        return False
    iters, salt, want = parsed
    return hmac.compare_digest(hashlib.pbkdf2_hmac("sha256", pin.encode("ascii", "replace"), salt, iters, len(want)),
                               want)


def _write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically, owner read/write only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


class PinGuard:
    """Hashing, checking and the persisted lockout for the PINs kept under one directory (the
    terminal home, or the folder of the settings file). See the module docstring."""

    def __init__(self, directory: str | os.PathLike[str], *, clock: Callable[[], float] = time.time):
        self.directory = Path(directory)
        self._clock = clock

    # ----------------------------------------------------------------- pepper
    @property
    def key_path(self) -> Path:
        return self.directory / PIN_KEY_FILE

    def has_key(self) -> bool:
        """A usable pepper is there (a file of another size counts as none)."""
        try:
            return self.key_path.stat().st_size == 32
        except OSError:
            return False

    def _key(self, create: bool) -> bytes | None:
        try:
            raw = self.key_path.read_bytes()
        except FileNotFoundError:
            raw = b""
        if len(raw) == 32:
            return raw
        if raw:
            log.error("%s is not a 32-byte key: PINs hashed under it cannot be checked", self.key_path)
            return None if not create else self._new_key()
        return self._new_key() if create else None

    def _new_key(self) -> bytes:
        """A new pepper. O_EXCL first: another process (the staff command beside the app) that
        made one a moment ago keeps its key; only a broken file is replaced."""
        key = secrets.token_bytes(32)
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            held = self.key_path.read_bytes()
            if len(held) == 32:
                return held
            _write_private(self.key_path, key)
            return key
        try:
            os.write(fd, key)
            os.fsync(fd)
        finally:
            os.close(fd)
        return key

    # ----------------------------------------------------------------- hashing
    def hash_new(self, pin: str) -> str:
        """The stored form of a new PIN (checked against the rules first: PinRefused)."""
        check_new_pin(pin)
        key = self._key(create=True)
        salt = secrets.token_bytes(SALT_LEN)
        dk = _scrypt(hmac.new(key, pin.encode("ascii"), hashlib.sha256).digest(), salt,
                     SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P)
        return f"scrypt${SCRYPT_LOG_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${dk.hex()}"

    def matches(self, pin: str, stored: str) -> bool:
        """Whether `pin` matches `stored` (scrypt under this guard's key, or an old PBKDF2
        hash). No lockout here: use check(). Non-ASCII-digit input never matches."""
        if not isinstance(pin, str) or not re.fullmatch(r"[0-9]{1,%d}" % PIN_MAX, pin):
            return False
        parsed = _parse_scrypt(stored or "")
        if parsed is None:
            return _legacy_ok(pin, stored or "")
        key = self._key(create=False)
        if key is None:
            return False
        log_n, r, p, salt, want = parsed
        return hmac.compare_digest(_scrypt(hmac.new(key, pin.encode("ascii"), hashlib.sha256).digest(), salt,
                                           log_n, r, p), want)

    def burn(self) -> None:
        """Spend the time of one check (an unknown staff code answers as slowly as a known one)."""
        _scrypt(b"\x00" * 32, b"\x00" * SALT_LEN, SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P)

    # ----------------------------------------------------------------- lockout
    @property
    def lockout_path(self) -> Path:
        return self.directory / LOCKOUT_FILE

    def _load(self) -> dict:
        try:
            doc = json.loads(self.lockout_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            # Fail closed but mildly: an unreadable file counts as the free tries used up.
            log.error("lockout file %s unreadable (%s): counting the free tries as used", self.lockout_path, exc)
            return {p: {"failures": FREE_TRIES, "until": self._clock() + FIRST_LOCK_S} for p in (ADMIN, STAFF)}
        return doc if isinstance(doc, dict) else {}

    def _entry(self, doc: dict, purpose: str) -> tuple[int, float]:
        e = doc.get(purpose)
        if not isinstance(e, dict):
            return 0, 0.0
        f, u = e.get("failures"), e.get("until")
        f = f if isinstance(f, int) and not isinstance(f, bool) and 0 <= f < 10**6 else FREE_TRIES
        u = float(u) if isinstance(u, (int, float)) and not isinstance(u, bool) else 0.0
        return f, u

    def failures(self, purpose: str) -> int:
        return self._entry(self._load(), purpose)[0]

    def locked_for(self, purpose: str) -> float:
        """Seconds until the next PIN may be tried for this purpose (0: now)."""
        _f, until = self._entry(self._load(), purpose)
        now = self._clock()
        return max(0.0, min(until, now + MAX_LOCK_S) - now)

    @staticmethod
    def lock_after(failures: int) -> float:
        """Seconds locked after this many wrong PINs in a row: 0 for the free tries, then 30 s
        doubling to the cap of an hour."""
        if failures < FREE_TRIES:
            return 0.0
        return min(MAX_LOCK_S, FIRST_LOCK_S * 2 ** min(failures - FREE_TRIES, 20))

    def _save(self, purpose: str, failures: int, until: float) -> None:
        doc = self._load()
        doc[purpose] = {"failures": failures, "until": until}
        _write_private(self.lockout_path, json.dumps(doc, sort_keys=True).encode("utf-8"))

    def record_failure(self, purpose: str) -> float:
        """Count one wrong PIN (persisted before returning); the lock that follows, in seconds."""
        failures = self._entry(self._load(), purpose)[0] + 1
        lock = self.lock_after(failures)
        self._save(purpose, failures, self._clock() + lock if lock else 0.0)
        return lock

    def record_success(self, purpose: str) -> None:
        if self._entry(self._load(), purpose)[0]:
            self._save(purpose, 0, 0.0)

    def check(self, purpose: str, pin: str, stored: str | None) -> PinCheck:
        """Check `pin` against `stored` under the lockout of `purpose`. `stored` None (an unknown
        staff code) spends the same time and fails."""
        wait = self.locked_for(purpose)
        if wait > 0:
            return PinCheck(False, wait_s=wait)
        if stored is None:
            self.burn()
            ok = False
        else:
            ok = self.matches(pin, stored)
        if not ok:
            return PinCheck(False, wait_s=self.record_failure(purpose))
        self.record_success(purpose)
        return PinCheck(True, legacy=is_legacy(stored))


def admin_pin_state(stored: str, guard: PinGuard) -> str:
    """UNSET (no PIN, the published default 2580, or a scrypt hash whose key file is gone: the
    first opening of Settings sets one), LEGACY (an old PBKDF2 hash of another PIN: it opens
    Settings once, then a new PIN is set) or SET."""
    if not stored or not is_stored_form(stored):
        return UNSET
    if is_legacy(stored):
        return UNSET if _legacy_ok(LEGACY_DEFAULT_PIN, stored) else LEGACY
    return SET if guard.has_key() else UNSET
