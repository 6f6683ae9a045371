"""Reading configuration files for the core: the pinned root key, trust and revocation files,
venue policies. This module does I/O; the core modules it feeds do not.

Errors are `ConfigError` with a one-line message naming the file.
"""
from __future__ import annotations

import functools

import stat
import tomllib
from pathlib import Path

from .policy import PolicyError, VenuePolicy, policy_from_mapping
from .trust import (RevocationDelta, RevocationList, TrustDataError, TrustList, load_root_key,
                    parse_revocations, parse_trust_list, verify_signed)
from .verify import TrustSnapshot

ASSETS = Path(__file__).resolve().parent.parent / "assets"
POLICY_DIR = ASSETS / "policies"


class ConfigError(Exception):
    """A configuration file that cannot be used (one line, names the file)."""


# Size caps as the spec sets them for the same data over the network (section 6).
MAX_FILE = 1 << 20                   # root keys, trust lists, policies, settings, DCC trust
MAX_REVOCATIONS_FILE = 64 << 20


def read_file(path: str | Path, what: str, limit: int = MAX_FILE) -> bytes:
    """The bytes of a configuration file: a regular file (not a directory, FIFO or device, which
    could block or never end) of at most `limit` bytes; else ConfigError naming the file."""
    p = Path(path)
    try:
        st = p.stat()
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"{what} {path} is not a regular file")
        if st.st_size > limit:
            raise ConfigError(f"{what} {path} is larger than {limit} bytes")
        with p.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except ValueError as exc:                       # e.g. an embedded NUL in the path
        raise ConfigError(f"cannot read {what} {path!r}: {exc}") from None
    if len(data) > limit:
        raise ConfigError(f"{what} {path} is larger than {limit} bytes")
    if not data:
        raise ConfigError(f"{what} {path} is empty")
    return data


_read = read_file


def load_root(path: str | Path):
    try:
        return load_root_key(_read(path, "root key"))
    except TrustDataError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def load_trust_list(path: str | Path, root_key) -> TrustList:
    try:
        return parse_trust_list(verify_signed(_read(path, "trust list"), root_key))
    except TrustDataError as exc:
        raise ConfigError(f"trust list {path}: {exc}") from None


def load_revocations(path: str | Path, root_key) -> RevocationList:
    try:
        rl = parse_revocations(verify_signed(_read(path, "revocation list", MAX_REVOCATIONS_FILE), root_key))
    except TrustDataError as exc:
        raise ConfigError(f"revocation list {path}: {exc}") from None
    if isinstance(rl, RevocationDelta):
        raise ConfigError(f"revocation list {path}: is a delta, a full list is needed here")
    return rl


def load_snapshot(root_key_path: str | Path, trust_list_path: str | Path,
                  revocations_path: str | Path | None = None, dcc=None) -> TrustSnapshot:
    root = load_root(root_key_path)
    tl = load_trust_list(trust_list_path, root)
    if revocations_path is not None:
        rl = load_revocations(revocations_path, root)
        return TrustSnapshot(trust_list=tl, revocations=rl, revocations_next=rl.next, dcc=dcc)
    return TrustSnapshot(trust_list=tl, revocations=RevocationList(seq=0, iat=0, next=2**63), dcc=dcc)


@functools.lru_cache(maxsize=16)
def venue_zone(name: str) -> "ZoneInfo":
    """The venue's time zone (a policy's `timezone`: entry-limit days begin at its midnight)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(f"unknown time zone {name!r} (an IANA name such as Asia/Shanghai)") from None


def load_policy(path: str | Path) -> VenuePolicy:
    """A venue policy from a TOML file, or by name from assets/policies/ (e.g. "park-senior")."""
    p = Path(path)
    if not p.exists() and not p.suffix and (POLICY_DIR / f"{p.name}.toml").exists():
        p = POLICY_DIR / f"{p.name}.toml"
    raw = _read(p, "policy")
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"policy {p}: not valid TOML ({exc})") from None
    try:
        policy = policy_from_mapping(doc, source=str(p))
    except PolicyError as exc:
        raise ConfigError(f"policy {p}: {exc}") from None
    try:                                     # the zone must exist now, not at the first limited entry
        venue_zone(policy.timezone)
    except ConfigError as exc:
        raise ConfigError(f"policy {p}: {exc}") from None
    return policy
