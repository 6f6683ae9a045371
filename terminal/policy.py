"""Venue policy: which codes a venue accepts and on what condition (spec section 5, step 10).

A policy is declared in TOML (see assets/policies/) and parsed here from the decoded mapping;
`terminal.config.load_policy(path)` reads the file. Unknown keys are an error naming the key.

    [policy]
    name = "park-senior-free"
    accept = ["resident"]
    [[policy.admit_any]]
    rule = "senior"
    age_at_least = 60
    [policy.explain]                 # what the public is told when a rule refuses a code
    admit_any = { zh = "本入口限60岁以上老人免费入园，请到售票处购票", en = "Free entry is for people aged 60 or over. Please buy a ticket at the ticket office." }

The explanations are the venue's own words, carried as data (the core words nothing itself):
the screen shows them under a policy_denied verdict instead of the generic line.

Pure: no I/O, the clock is passed in.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from vocab import reasons as R
from vocab.reasons import Outcome
from vocab.spec import DEFAULT_VENUE_TZ, ENTRY_PERIODS, is_ident

from .outcome import DEFAULT_WARNING_OUTCOMES, stricter
from .verdict import CredentialSummary


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the offending key."""


KNOWN_TYPES = ("resident", "enterprise", "dcc")


@dataclass(frozen=True)
class Condition:
    """One admission condition; all its given parts must hold."""

    rule: str
    age_at_least: int | None = None
    cert: str | None = None              # a linked certificate type that must be present and unexpired
    typ: str | None = None               # the code type it applies to

    def holds(self, cred: CredentialSummary, now: int) -> bool:
        if self.typ is not None and cred.typ != self.typ:
            return False
        if self.age_at_least is not None and not any(a >= self.age_at_least for a in cred.age):
            return False
        if self.cert is not None and not any(
                c.t == self.cert and (c.exp is None or c.exp >= now) for c in cred.certs):
            return False
        return True


@dataclass(frozen=True)
class EntryLimit:
    """[policy.entry_limit]: at most `max` admissions per holder per period at this venue (spec
    section 7), counted only for codes that would otherwise be admitted."""

    max: int
    per: str = "day"


@dataclass(frozen=True)
class VenuePolicy:
    name: str = "default"
    title: str = ""
    accept: tuple[str, ...] = KNOWN_TYPES
    require_dynamic: bool = False
    admit_any: tuple[Condition, ...] = ()          # empty: every accepted, valid code is admitted
    stale_trust: str = "warn"                      # "warn" | "reject"
    skew_seconds: int = 300
    presentation_max_age: int = 60
    presentation_max_future: int = 30
    rescan_same_admission: bool = False            # a replayed EP1 within its freshness counts as the same admission
    entry_limit: EntryLimit | None = None          # spec section 7: entries per holder and period
    timezone: str = DEFAULT_VENUE_TZ               # the venue's zone: where an entry period (a day) begins
    # The outcome of each warning on a valid code ([policy.warnings]); never laxer than the spec's default.
    warning_outcomes: Mapping[str, Outcome] = field(default_factory=lambda: DEFAULT_WARNING_OUTCOMES, hash=False)
    # [policy.explain]: rule kind ("accept", "require_dynamic", "admit_any") -> (Chinese, English)
    explain: Mapping[str, tuple[str, str]] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    source: str = field(default="", compare=False)

    def explanation(self, rule: str) -> tuple[str, str] | None:
        """The venue's (Chinese, English) explanation for a failed rule as `check` names it
        (`accept:enterprise`, `require_dynamic`, `admit_any:senior|disability`), or None."""
        return self.explain.get(rule.partition(":")[0]) if rule else None

    def check(self, profile: str, cred: CredentialSummary, now: int) -> str | None:
        """Return the name of the rule that fails, or None when the code is admitted."""
        if cred.typ not in self.accept:
            return f"accept:{cred.typ}"
        if self.require_dynamic and profile == "EZ1":
            return "require_dynamic"
        if self.admit_any and not any(c.holds(cred, now) for c in self.admit_any):
            return "admit_any:" + "|".join(c.rule for c in self.admit_any)
        return None


_POLICY_KEYS = {"name", "title", "accept", "require_dynamic", "admit_any", "stale_trust", "skew_seconds",
                "presentation_max_age", "presentation_max_future", "rescan_same_admission", "warnings", "explain",
                "entry_limit", "timezone"}
# The rule kinds a code can fail on: check()'s, and the entry limit (entry_limit_reached)
EXPLAIN_KEYS = ("accept", "require_dynamic", "admit_any", "entry_limit")
ENTRY_LIMIT_RULE = "entry_limit"
_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]{0,30}(?:/[A-Za-z0-9_+-]{1,30}){0,2}")
EXPLAIN_MAX = 200                                                # characters per language
_WARNING_KEYS = (R.TRUST_STALE, R.CLOCK_SUSPECT, R.SHARED_STATE_UNAVAILABLE, R.BOUND_CREDENTIAL_STATIC)
_COND_KEYS = {"rule", "age_at_least", "cert", "typ"}


def _int(v: object, key: str, lo: int = 0, hi: int = 10**9) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        raise PolicyError(f"policy key '{key}' must be an integer from {lo} to {hi}")
    return v


def _bool(v: object, key: str) -> bool:
    if not isinstance(v, bool):
        raise PolicyError(f"policy key '{key}' must be true or false")
    return v


def policy_from_mapping(doc: Mapping, source: str = "") -> VenuePolicy:
    unknown_top = set(doc) - {"policy"}
    if unknown_top:
        raise PolicyError(f"unknown top-level key '{sorted(unknown_top)[0]}' (expected [policy])")
    p = doc.get("policy")
    if not isinstance(p, Mapping):
        raise PolicyError("missing [policy] table")
    unknown = set(p) - _POLICY_KEYS
    if unknown:
        raise PolicyError(f"unknown policy key '{sorted(unknown)[0]}'")
    kw: dict = {"source": source}
    if "name" in p:
        if not is_ident(p["name"]):
            # the name goes into every scan event, whose text fields are identifiers (spec section 6)
            raise PolicyError("policy key 'name' must be 1-64 of A-Z a-z 0-9 _ . : - (it is written to the scan log)")
        kw["name"] = p["name"]
    if "title" in p:
        if not isinstance(p["title"], str):
            raise PolicyError("policy key 'title' must be a string")
        kw["title"] = p["title"]
    if "accept" in p:
        acc = p["accept"]
        if not isinstance(acc, list) or not acc or any(a not in KNOWN_TYPES for a in acc):
            raise PolicyError(f"policy key 'accept' must list some of {', '.join(KNOWN_TYPES)}")
        kw["accept"] = tuple(acc)
    if "require_dynamic" in p:
        kw["require_dynamic"] = _bool(p["require_dynamic"], "require_dynamic")
    if "rescan_same_admission" in p:
        kw["rescan_same_admission"] = _bool(p["rescan_same_admission"], "rescan_same_admission")
    if "stale_trust" in p:
        if p["stale_trust"] not in ("warn", "reject"):
            raise PolicyError("policy key 'stale_trust' must be \"warn\" or \"reject\"")
        kw["stale_trust"] = p["stale_trust"]
    for key, hi in (("skew_seconds", 86400), ("presentation_max_age", 3600), ("presentation_max_future", 3600)):
        if key in p:
            kw[key] = _int(p[key], key, 0, hi)
    if "entry_limit" in p:
        kw["entry_limit"] = _entry_limit(p["entry_limit"])
    if "timezone" in p:
        if not isinstance(p["timezone"], str) or not _ZONE.fullmatch(p["timezone"]):
            raise PolicyError("policy key 'timezone' must be an IANA time zone name such as \"Asia/Shanghai\"")
        kw["timezone"] = p["timezone"]
    if "warnings" in p:
        kw["warning_outcomes"] = _warning_outcomes(p["warnings"])
    if "explain" in p:
        kw["explain"] = _explanations(p["explain"])
    if "admit_any" in p:
        conds = []
        if not isinstance(p["admit_any"], list):
            raise PolicyError("policy key 'admit_any' must be an array of tables")
        for n, c in enumerate(p["admit_any"]):
            if not isinstance(c, Mapping):
                raise PolicyError(f"admit_any #{n} is not a table")
            bad = set(c) - _COND_KEYS
            if bad:
                raise PolicyError(f"unknown key '{sorted(bad)[0]}' in admit_any #{n}")
            rule = c.get("rule")
            if not isinstance(rule, str) or not rule:
                raise PolicyError(f"admit_any #{n} needs a 'rule' name")
            cond = Condition(rule=rule,
                             age_at_least=_int(c["age_at_least"], "age_at_least", 0, 150) if "age_at_least" in c else None,
                             cert=c.get("cert"), typ=c.get("typ"))
            if cond.cert is not None and not isinstance(cond.cert, str):
                raise PolicyError(f"admit_any #{n}: 'cert' must be a string")
            if cond.typ is not None and cond.typ not in KNOWN_TYPES:
                raise PolicyError(f"admit_any #{n}: 'typ' must be one of {', '.join(KNOWN_TYPES)}")
            if cond.age_at_least is None and cond.cert is None and cond.typ is None:
                raise PolicyError(f"admit_any #{n} ('{rule}') has no condition")
            conds.append(cond)
        kw["admit_any"] = tuple(conds)
    return VenuePolicy(**kw)


def _entry_limit(table: object) -> EntryLimit:
    if not isinstance(table, Mapping) or set(table) - {"max", "per"} or "max" not in table:
        raise PolicyError("policy key 'entry_limit' must be a table { max = N, per = \"day\" }")
    per = table.get("per", "day")
    if per not in ENTRY_PERIODS:
        raise PolicyError(f"entry_limit.per must be one of {', '.join(ENTRY_PERIODS)}")
    return EntryLimit(max=_int(table["max"], "entry_limit.max", 1, 1000), per=per)


def _explanations(table: object) -> Mapping[str, tuple[str, str]]:
    """[policy.explain]: rule kind = { zh = "...", en = "..." }, both required, each 1 to
    EXPLAIN_MAX printable characters (no control, bidi or zero-width characters: the text goes
    on a public screen and into speech)."""
    if not isinstance(table, Mapping):
        raise PolicyError("policy key 'explain' must be a table of rule = { zh = \"...\", en = \"...\" }")
    out = {}
    for key, value in table.items():
        if key not in EXPLAIN_KEYS:
            raise PolicyError(f"unknown rule '{key}' in [policy.explain] (expected one of {', '.join(EXPLAIN_KEYS)})")
        if not isinstance(value, Mapping) or set(value) != {"zh", "en"}:
            raise PolicyError(f"explain.{key} must be a table with exactly zh and en")
        for lang in ("zh", "en"):
            text = value[lang]
            if not isinstance(text, str) or not text.strip() or len(text) > EXPLAIN_MAX:
                raise PolicyError(f"explain.{key}.{lang} must be a string of 1 to {EXPLAIN_MAX} characters")
            if not text.isprintable():
                raise PolicyError(f"explain.{key}.{lang} holds a control, bidi, zero-width or unusual space character")
        out[key] = (value["zh"].strip(), value["en"].strip())
    return MappingProxyType(out)


def _warning_outcomes(table: object) -> Mapping[str, Outcome]:
    """[policy.warnings]: warning = "admit" | "check" | "refuse". A setting may only be as strict
    as the spec's default or stricter (section 5: a policy never turns check into admit)."""
    if not isinstance(table, Mapping):
        raise PolicyError("policy key 'warnings' must be a table of warning = \"admit\" | \"check\" | \"refuse\"")
    out = dict(DEFAULT_WARNING_OUTCOMES)
    for key, value in table.items():
        if key not in _WARNING_KEYS:
            raise PolicyError(f"unknown warning '{key}' in [policy.warnings] (expected one of {', '.join(_WARNING_KEYS)})")
        if value not in ("admit", "check", "refuse"):
            raise PolicyError(f"warnings.{key} must be \"admit\", \"check\" or \"refuse\"")
        wanted = Outcome(value)
        if stricter(wanted, DEFAULT_WARNING_OUTCOMES[key]) is not wanted:
            raise PolicyError(f"warnings.{key} = \"{value}\" is laxer than the spec's "
                              f"\"{DEFAULT_WARNING_OUTCOMES[key].value}\" for this warning")
        out[key] = wanted
    return MappingProxyType(out)


DEFAULT_POLICY = VenuePolicy()
