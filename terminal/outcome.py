"""What a person sees: admit, check or refuse, decided once from a verdict and the venue
policy (credential-format.md section 5, version 2). Every output renders this value: the
CLI's JSON and exit code, the scan log, the demo and every screen. Pure.

- A valid code with no warning: admit. Each warning has an outcome that the policy sets;
  the defaults are check for trust_stale and clock_suspect (and shared_state_unavailable),
  admit for bound_credential_static and same_admission. The strictest outcome wins.
- trust_list_expired, unreadable and internal_error: check. Every other reason: refuse.
- A policy can make an outcome stricter, never turn a refusal into an admission.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from vocab import reasons as R
from vocab.reasons import Outcome

# The strictness order: a later outcome is stricter than an earlier one.
_RANK = {Outcome.ADMIT: 0, Outcome.CHECK: 1, Outcome.REFUSE: 2}

DEFAULT_WARNING_OUTCOMES: Mapping[str, Outcome] = MappingProxyType({
    R.TRUST_STALE: Outcome.CHECK,
    R.CLOCK_SUSPECT: Outcome.CHECK,
    R.SHARED_STATE_UNAVAILABLE: Outcome.CHECK,
    R.BOUND_CREDENTIAL_STATIC: Outcome.ADMIT,
    R.SAME_ADMISSION: Outcome.ADMIT,
})


def stricter(a: Outcome, b: Outcome) -> Outcome:
    return a if _RANK[a] >= _RANK[b] else b


def decide(valid: bool, reason: str, warnings: Iterable[str],
           warning_outcomes: Mapping[str, Outcome] = DEFAULT_WARNING_OUTCOMES) -> Outcome:
    """The outcome of one verdict. An unknown warning counts as check: never a silent admit."""
    if valid:
        out = Outcome.ADMIT
    elif reason in R.CANNOT_VERIFY:
        out = Outcome.CHECK
    else:
        out = Outcome.REFUSE
    for w in warnings:
        out = stricter(out, warning_outcomes.get(w, DEFAULT_WARNING_OUTCOMES.get(w, Outcome.CHECK)))
    return out
