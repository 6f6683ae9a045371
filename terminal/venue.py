"""The venue's calendar for entry limits (spec v2 section 7): periods are calendar days in the
venue's time zone (the policy's `timezone`, default Asia/Shanghai), whatever zone the device is
set to. Not part of the pure core: it reads the zone database (zoneinfo).

    zone = venue_zone("Asia/Shanghai")
    p = entry_period(time.time(), zone)
    p.name        # "2026-12-03": the key's period (vt:{venue}:en:{holder_ref}:{period})
    p.next_start  # Unix seconds when the next free entry can be had
    p.expires_at  # the count's expiry: one day after the period ends
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from vocab.spec import ENTRY_KEY_GRACE_S

from .config import ConfigError, read_file, venue_zone

__all__ = ["EntryPeriod", "entry_period", "venue_zone", "open_venue_store", "read_password"]


@dataclass(frozen=True)
class EntryPeriod:
    name: str
    next_start: int
    expires_at: int


def entry_period(now: float, zone: ZoneInfo, per: str = "day") -> EntryPeriod:
    """The period holding `now` (per = "day": the venue's calendar day)."""
    local = datetime.fromtimestamp(now, zone)
    day = local.date()
    nxt = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
    end = int(nxt.timestamp())
    return EntryPeriod(day.isoformat(), end, end + ENTRY_KEY_GRACE_S)


PASSWORD_ENV = "VT_VENUE_STORE_PASSWORD"
PASSWORD_MAX = 512


def read_password(password_file: str | None) -> str | None:
    """The venue store's password: from the file (first line), else the environment, else None.
    Never from a command-line argument (other users see those in the process list)."""
    import os
    if password_file:
        raw = read_file(password_file, "venue store password file", limit=4 * PASSWORD_MAX)
        try:
            text = raw.decode("utf-8").splitlines()[0] if raw.strip() else ""
        except UnicodeDecodeError:
            raise ConfigError(f"venue store password file {password_file} is not UTF-8 text") from None
        if not text or len(text) > PASSWORD_MAX or not text.isprintable():
            raise ConfigError(f"venue store password file {password_file}: one line of 1-{PASSWORD_MAX} "
                              "printable characters")
        return text
    return os.environ.get(PASSWORD_ENV) or None


def open_venue_store(url: str, password_file: str | None, *, terminal: str):
    """A RedisVenueStore for this terminal (nothing is connected yet: a store that is down shows
    as shared_state_unavailable on the first scan, not as a failure to start)."""
    from cache.venue_store import RedisVenueStore, SharedConfigError
    try:
        return RedisVenueStore(url, read_password(password_file), terminal=terminal)
    except SharedConfigError as exc:
        raise ConfigError(str(exc)) from None
    except ImportError:
        raise ConfigError("the venue store needs redis-py (pip install redis hiredis; scripts/bootstrap.sh)") from None
