"""The verification pipeline (spec section 5) as small named stages.

    >>> snap = TrustSnapshot(trust_list=tl, revocations=rl)
    >>> v = verify(code_text, snap, now=1795000000)
    >>> v.valid, v.reason

Each stage returns the next stage's input or raises `Fail(reason)`; the first failure is the
verdict's reason. The clock (`now`, seconds), the trust data and the replay lookup are passed
in. Every input, however hostile, yields a Verdict; no exception escapes `verify`.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from vocab import reasons as R
from vocab.spec import CLAIM_EZC, CLAIM_VC, revocation_key

from . import codec, cose
from .hc1.stages import verify_hc1
from .outcome import decide
from .policy import DEFAULT_POLICY, VenuePolicy
from .stages import (EZ1_ALGS, HC1_ALGS, Fail, check_available, check_expiry, check_not_before, check_signature,
                     is_array, is_map, is_uint, lookup_kid, payload_map, stage_algorithm, stage_cose, stage_decode, stage_prefix)
from .trust import Issuer, RevocationLookup, TrustList
from .verdict import CredentialSummary, Verdict, build_linked_cert, build_summary, build_verdict



@dataclass(frozen=True)
class TrustSnapshot:
    """The trust data one verification runs against."""

    trust_list: TrustList | None
    revocations: RevocationLookup
    revocations_next: int | None = None
    dcc: Any = None                      # DCC trust (terminal.hc1.DccTrust) for HC1, when configured
    dcc_next: int | None = None          # the synced DCC trust list's `next` (None: files only, never stale)

    def stale(self, now: int, profile: str = "") -> bool:
        """Whether a verdict on a code of `profile` carries trust_stale: a stale trust list or
        revocation list marks every verdict (spec section 4); a stale synced DCC trust list
        (section 6: the same staleness rules) marks HC1 verdicts too, and only those."""
        if profile == "HC1" and self.dcc_next is not None and now > self.dcc_next:
            return True
        if self.trust_list is not None and self.trust_list.stale(now):
            return True
        return self.revocations_next is not None and now > self.revocations_next


# NamedTuple rather than a frozen dataclass: as immutable, and built ~0.9 µs faster per scan.
class Claims(NamedTuple):
    iss: str
    sub: str
    exp: int
    iat: int
    nbf: int | None
    cti: bytes
    cnf: Mapping | None
    ezc: Mapping


class Presentation(NamedTuple):
    iat: int
    cti: bytes
    vc: bytes


# ---- stage 2: the payloads ------------------------------------------------------------------
# Stages 1-2 (prefix, base45, bounded inflate, COSE) and the helpers shared with HC1 live in
# terminal.stages; they are re-exported here (Fail, stage_prefix, stage_decode, stage_cose,
# stage_algorithm, EZ1_ALGS, HC1_ALGS) as this module's public names.

def _all_uint(items) -> bool:
    for a in items:           # a loop, not all(<generator>): this runs on every scan
        if type(a) is not int or a < 0:
            return False
    return True


def stage_claims(msg: cose.Sign1) -> Claims:
    """The EZ1 CWT claims (section 2), type-checked; unknown claims are ignored."""
    p = payload_map(msg, "credential payload")
    iss, sub, exp, iat, nbf, cti, cnf, ezc = (p.get(1), p.get(2), p.get(4), p.get(6), p.get(5), p.get(7),
                                              p.get(8), p.get(CLAIM_EZC))
    if not isinstance(iss, str) or not isinstance(sub, str):
        raise Fail(R.BAD_ENCODING, "iss/sub missing")
    # is_uint written out: these checks run on every scan
    if type(exp) is not int or exp < 0 or type(iat) is not int or iat < 0 \
            or (nbf is not None and (type(nbf) is not int or nbf < 0)):
        raise Fail(R.BAD_ENCODING, "exp/iat/nbf missing or not unsigned")
    if not isinstance(cti, bytes) or not 8 <= len(cti) <= 32:
        raise Fail(R.BAD_ENCODING, "cti missing or not 8-32 bytes")
    # is_map / is_array after `type(x) is dict / list`, what the payload reader returns: no call
    if cnf is not None and type(cnf) is not dict and not is_map(cnf):
        raise Fail(R.BAD_ENCODING, "cnf is not a map")
    if type(ezc) is not dict and not is_map(ezc):
        raise Fail(R.BAD_ENCODING, "ezc missing")
    v = ezc.get("v")
    if type(v) is not int or v != 1:
        raise Fail(R.BAD_ENCODING, "ezc.v is not 1")
    if not isinstance(ezc.get("typ"), str):
        raise Fail(R.BAD_ENCODING, "ezc.typ missing")
    if not isinstance(ezc.get("name"), str):
        raise Fail(R.BAD_ENCODING, "ezc.name missing")
    if not isinstance(ezc.get("idm"), str):
        raise Fail(R.BAD_ENCODING, "ezc.idm missing")
    age = ezc.get("age", ())
    if (type(age) is not list and not is_array(age)) or not _all_uint(age):
        raise Fail(R.BAD_ENCODING, "ezc.age is not an array of uint")
    certs = ezc.get("certs", ())
    if type(certs) is not list and not is_array(certs):
        raise Fail(R.BAD_ENCODING, "ezc.certs is not an array")
    for c in certs:
        if (type(c) is not dict and not is_map(c)) or not isinstance(c.get("t"), str) \
                or not isinstance(c.get("no"), str) or ("exp" in c and not is_uint(c["exp"])) \
                or ("iss" in c and not isinstance(c["iss"], str)):
            raise Fail(R.BAD_ENCODING, "ezc.certs entry malformed")
    return Claims(iss, sub, exp, iat, nbf, cti, cnf, ezc)


def stage_presentation(msg: cose.Sign1) -> Presentation:
    """The EP1 outer payload (section 3): a map holding vc, iat and cti."""
    p = payload_map(msg, "presentation payload")
    iat, cti, vc = p.get(6), p.get(7), p.get(CLAIM_VC)
    if not is_uint(iat) or not isinstance(cti, bytes) or not 8 <= len(cti) <= 16 or not isinstance(vc, bytes):
        raise Fail(R.BAD_ENCODING, "presentation needs iat, cti (8-16 bytes) and vc")
    if len(vc) > codec.MAX_COSE_BYTES:
        raise Fail(R.TOO_LARGE, "embedded credential too large")
    return Presentation(iat, cti, vc)


# ---- stages 3-8: the credential ---------------------------------------------------------------

def stage_issuer_key(msg: cose.Sign1, trust: TrustList | None) -> Issuer:
    if trust is None:
        raise Fail(R.TRUST_LIST_EXPIRED, "no trust list held")
    return lookup_kid(msg, trust.issuers, "kid")


def stage_signature(msg: cose.Sign1, issuer: Issuer, alg: int) -> None:
    if alg != issuer.alg:
        raise Fail(R.BAD_SIGNATURE, "algorithm differs from the trust list's")
    check_signature(msg, issuer.key, alg)


def stage_issuer_checks(claims: Claims, issuer: Issuer) -> None:
    if issuer.status == "revoked":
        raise Fail(R.ISSUER_REVOKED)
    if not issuer.nbf <= claims.iat <= issuer.exp:
        raise Fail(R.ISSUER_KEY_EXPIRED, "credential iat outside the key's window")
    if claims.iss != issuer.iss:
        raise Fail(R.ISSUER_NOT_AUTHORISED, "iss differs from the key's issuer")
    if claims.ezc["typ"] not in issuer.typ:
        raise Fail(R.ISSUER_NOT_AUTHORISED, f"key may not sign {claims.ezc['typ']!r}")


def stage_validity(claims: Claims, now: int, skew: int) -> None:
    if claims.nbf is not None:
        check_not_before(claims.nbf, now, skew)
    check_expiry(claims.exp, now, skew)


def stage_revocation(claims: Claims, revocations: RevocationLookup) -> None:
    if revocations.is_revoked(revocation_key(claims.iss, claims.cti)):
        raise Fail(R.REVOKED)


# ---- stage 9: the presentation ------------------------------------------------------------------

def stage_holder_signature(outer: cose.Sign1, claims: Claims) -> None:
    if claims.cnf is None or 1 not in claims.cnf:
        raise Fail(R.HOLDER_SIGNATURE_INVALID, "credential has no cnf key")
    try:
        key, key_alg = cose.cose_key_to_public(claims.cnf[1])
    except ValueError as exc:
        raise Fail(R.HOLDER_SIGNATURE_INVALID, str(exc)) from None
    alg = outer.alg
    if type(alg) is not int or alg not in EZ1_ALGS or alg != key_alg:
        raise Fail(R.HOLDER_SIGNATURE_INVALID, f"alg {alg!r} does not fit the cnf key")
    check_available(alg)
    check_signature(outer, key, alg, R.HOLDER_SIGNATURE_INVALID)


def stage_freshness(pres: Presentation, now: int, policy: VenuePolicy) -> None:
    if not now - policy.presentation_max_age <= pres.iat <= now + policy.presentation_max_future:
        raise Fail(R.STALE_PRESENTATION, f"iat {pres.iat - now:+d} s from now")


def stage_replay(pres: Presentation, replay_seen: Callable[[bytes], bool] | None, policy: VenuePolicy) -> tuple[str, ...]:
    if replay_seen is None or not replay_seen(pres.cti):
        return ()
    if policy.rescan_same_admission:
        return (R.SAME_ADMISSION,)
    raise Fail(R.REPLAYED)


# ---- summary and the pipeline --------------------------------------------------------------------

def summarise(claims: Claims, issuer: Issuer) -> CredentialSummary:
    ezc = claims.ezc
    certs = tuple([build_linked_cert(c["t"], c["no"], c.get("exp"), c.get("iss")) for c in ezc.get("certs", ())])
    return build_summary(ezc["typ"], ezc["name"], ezc["idm"], tuple(ezc.get("age", ())), certs, claims.iss,
                         issuer.kid.hex(), claims.exp, claims.iat, claims.nbf, claims.cti.hex(), None,
                         cose.ALG_NAMES.get(issuer.alg, ""), issuer.name or "")


class _Progress:
    """What the pipeline has learnt so far, so a failure verdict can carry it."""

    __slots__ = ("profile", "credential", "sub", "pres_cti")

    def __init__(self) -> None:
        self.profile = ""
        self.credential: CredentialSummary | None = None
        self.sub: str | None = None
        self.pres_cti: bytes | None = None


def _verify_credential(msg: cose.Sign1, claims: Claims, snap: TrustSnapshot, now: int, skew: int,
                       prog: _Progress) -> Issuer:
    """Steps 3-8 for a parsed credential."""
    alg = stage_algorithm(msg)
    issuer = stage_issuer_key(msg, snap.trust_list)
    stage_signature(msg, issuer, alg)
    # From here the content is the issuer's: safe to summarise for the counter screen.
    prog.credential, prog.sub = summarise(claims, issuer), claims.sub
    stage_issuer_checks(claims, issuer)
    stage_validity(claims, now, skew)
    stage_revocation(claims, snap.revocations)
    return issuer


def _pipeline(text: str, snap: TrustSnapshot, now: int, policy: VenuePolicy,
              replay_seen: Callable[[bytes], bool] | None, prog: _Progress) -> tuple[str, ...]:
    prefix, body = stage_prefix(text)
    prog.profile = prefix
    data = stage_decode(body)
    outer = stage_cose(data, cwt_tag=prefix == "HC1")
    extra: tuple[str, ...] = ()
    if prefix == "EZ1":
        claims = stage_claims(outer)
        _verify_credential(outer, claims, snap, now, policy.skew_seconds, prog)
        if claims.cnf is not None:
            # made for a phone, shown bare: it could be cut out of any captured presentation (section 2)
            extra = (R.BOUND_CREDENTIAL_STATIC,)
    elif prefix == "EP1":
        pres = stage_presentation(outer)
        inner = stage_cose(pres.vc)
        claims = stage_claims(inner)
        _verify_credential(inner, claims, snap, now, policy.skew_seconds, prog)
        stage_holder_signature(outer, claims)
        stage_freshness(pres, now, policy)
        prog.pres_cti = pres.cti
        extra = stage_replay(pres, replay_seen, policy)
    else:  # HC1
        if snap.dcc is None:
            # No EU DCC trust configured: no signer can be known.
            stage_algorithm(outer, HC1_ALGS)
            raise Fail(R.UNKNOWN_ISSUER, "no EU DCC trust list configured")
        prog.credential = verify_hc1(outer, snap.dcc, now, policy.skew_seconds,
                                     seen=lambda summary: setattr(prog, "credential", summary))
    if policy.stale_trust == "reject" and snap.stale(now, prefix):
        raise Fail(R.TRUST_LIST_EXPIRED, "trust data stale and the venue rejects on stale data")
    assert prog.credential is not None
    rule = policy.check(prefix, prog.credential, now)
    if rule is not None:
        raise Fail(R.POLICY_DENIED, rule)
    return extra


def verify(text: str, snap: TrustSnapshot, now: int, policy: VenuePolicy = DEFAULT_POLICY, *,
           replay_seen: Callable[[bytes], bool] | None = None, clock_suspect: bool = False) -> Verdict:
    """Verify one scanned code as of `now` (Unix seconds). Never raises."""
    prog = _Progress()
    policy_rule = ""
    extra: tuple[str, ...] = ()
    try:
        extra = _pipeline(text, snap, now, policy, replay_seen, prog)
        valid, reason, detail = True, R.OK, ""
    except Fail as f:
        valid, reason, detail = False, f.reason, f.detail
        if f.reason == R.POLICY_DENIED:
            policy_rule = f.detail
    stale = snap.stale(now, prog.profile)
    if stale or clock_suspect:
        warnings_t = ((R.TRUST_STALE,) if stale else ()) + ((R.CLOCK_SUSPECT,) if clock_suspect else ()) + extra
    else:
        warnings_t = extra                  # the usual case: the pipeline's own warnings alone
    return build_verdict(valid, reason, prog.profile, warnings_t, prog.credential, detail, policy_rule,
                         prog.pres_cti, prog.sub, decide(valid, reason, warnings_t, policy.warning_outcomes))
