"""The frozen result of verifying one code, and the holder summary it carries.

A verdict never holds raw `sub`, birth dates or full ID numbers for EZ1/EP1: only what the
credential itself carries for display (masked name, masked id). `holder_sub` is kept apart,
for the scan log's keyed `holder_ref`, and is excluded from `to_dict()`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vocab import reasons

from .outcome import decide

_new = object.__new__
_setattr = object.__setattr__


@dataclass(frozen=True)
class LinkedCert:
    t: str               # catalogue type, or the raw unknown value
    no: str              # masked number
    exp: int | None = None
    iss: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"t": self.t, "no": self.no, "exp": self.exp, "iss": self.iss}


@dataclass(frozen=True)
class CredentialSummary:
    """What the holder's code says, for display. For HC1, `dcc` holds name, birth date and entry."""

    typ: str                      # resident | enterprise | dcc
    name: str                     # masked person name, enterprise name, or DCC holder name
    idm: str                      # masked id / social credit code / DCC uvci
    age: tuple[int, ...] = ()
    certs: tuple[LinkedCert, ...] = ()
    issuer: str = ""              # iss claim (EZ1) or country (HC1)
    kid: str = ""                 # hex of the signing key id
    exp: int | None = None
    iat: int | None = None
    nbf: int | None = None
    cti: str = ""                 # hex credential id
    dcc: dict[str, Any] | None = None
    alg: str = ""                 # signing algorithm of the credential: ES256, EdDSA, SM2 (HC1: PS256 too)
    authority: str = ""           # the issuer's display name from its trust-list entry (`name`), if any

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "typ": self.typ, "name": self.name, "idm": self.idm, "age": list(self.age),
            "certs": [c.to_dict() for c in self.certs], "issuer": self.issuer, "kid": self.kid,
            "exp": self.exp, "iat": self.iat, "nbf": self.nbf, "cti": self.cti,
            "alg": self.alg or None, "authority": self.authority or None,
        }
        if self.dcc is not None:
            d["dcc"] = self.dcc
        return d


@dataclass(frozen=True)
class Verdict:
    valid: bool
    reason: str
    profile: str = ""                       # EZ1 | EP1 | HC1 | "" when the prefix is unknown
    warnings: tuple[str, ...] = ()
    credential: CredentialSummary | None = None
    detail: str = ""                        # one technical line for logs (never personal data)
    policy_rule: str = ""                   # the rule that failed, for policy_denied
    presentation_cti: bytes | None = field(default=None, repr=False)
    holder_sub: str | None = field(default=None, repr=False)   # never leaves the device
    decided: reasons.Outcome | None = None  # set by verify() under the venue policy (terminal.outcome)
    next_entry: int | None = None           # entry_limit_reached: when the next entry period begins (Unix s)

    @property
    def outcome(self) -> reasons.Outcome:
        """The outcome decided under the policy; for a verdict made outside verify() (unreadable,
        internal_error), the spec's default decision."""
        return self.decided if self.decided is not None else decide(self.valid, self.reason, self.warnings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "reason": self.reason,
            "profile": self.profile,
            "warnings": list(self.warnings),
            "outcome": self.outcome.value,
            "policy_rule": self.policy_rule or None,
            "detail": self.detail or None,
            "credential": self.credential.to_dict() if self.credential else None,
            **({"next_entry": self.next_entry} if self.next_entry is not None else {}),
        }


# Constructors for the verifier's hot path. A frozen dataclass's __init__ sets every field with
# object.__setattr__ (Verdict 1.7 µs, CredentialSummary 2.5 µs, each LinkedCert 0.9 µs per scan);
# these fill the instance dict in one step instead (~0.5 µs each). They build the same objects:
# equality, hash, repr, dataclasses.replace and to_dict cannot tell them apart
# (tests/core/test_fastpaths.py compares each with the dataclass constructor, field by field).
# Every field is passed: a field added to a class must be added here too (that test fails until it is).

def build_linked_cert(t: str, no: str, exp: int | None, iss: str | None) -> LinkedCert:
    obj = _new(LinkedCert)
    _setattr(obj, "__dict__", {"t": t, "no": no, "exp": exp, "iss": iss})
    return obj


def build_summary(typ: str, name: str, idm: str, age: tuple[int, ...], certs: tuple[LinkedCert, ...],
                  issuer: str, kid: str, exp: int | None, iat: int | None, nbf: int | None, cti: str,
                  dcc: dict[str, Any] | None, alg: str = "", authority: str = "") -> CredentialSummary:
    obj = _new(CredentialSummary)
    _setattr(obj, "__dict__", {"typ": typ, "name": name, "idm": idm, "age": age, "certs": certs, "issuer": issuer,
                               "kid": kid, "exp": exp, "iat": iat, "nbf": nbf, "cti": cti, "dcc": dcc,
                               "alg": alg, "authority": authority})
    return obj


def build_verdict(valid: bool, reason: str, profile: str, warnings: tuple[str, ...],
                  credential: CredentialSummary | None, detail: str, policy_rule: str,
                  presentation_cti: bytes | None, holder_sub: str | None,
                  decided: reasons.Outcome | None = None, next_entry: int | None = None) -> Verdict:
    obj = _new(Verdict)
    _setattr(obj, "__dict__", {"valid": valid, "reason": reason, "profile": profile, "warnings": warnings,
                               "credential": credential, "detail": detail, "policy_rule": policy_rule,
                               "presentation_cti": presentation_cti, "holder_sub": holder_sub,
                               "decided": decided, "next_entry": next_entry})
    return obj
