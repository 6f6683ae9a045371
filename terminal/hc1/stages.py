"""The HC1 (EU Digital COVID Certificate) stages and pipeline. Pure.

    >>> trust = trust_from_certificates([dsc_der])              # terminal.hc1.trust; or parse_trust_json(...)
    >>> summary = verify_hc1(outer, trust, now=1622570400, skew=300)   # raises terminal.stages.Fail(reason)

terminal.verify runs stages 1-2 (prefix, base45, bounded inflate, COSE parse; terminal.stages)
for every profile and hands the parsed COSE_Sign1 here. The HC1 stages, each raising `Fail`
with the spec's reason code, in this order:

1. `alg` in the protected header is ES256 (-7) or PS256 (-37), or EdDSA (-8) which spec
   section 1 allows for every profile ..................................... unsupported_algorithm
2. DSC looked up by `kid` (protected header first; an unprotected kid is used only when the
   protected header has none) ................................................. unknown_issuer
3. the COSE signature under the DSC's key; an RSA DSC needs >= 2048 bits and e = 65537 (spec
   section 1); ES256 under a P-384/P-521 DSC is checked on that curve with SHA-256, as EU
   verifiers do (one member state's test codes are signed so) ................. bad_signature
4. payload: CWT claims 1 (issuer country, optional), 4 (exp), 6 (iat) and -260 `{1: hcert}`;
   the hcert holds exactly one of `v`/`t`/`r` (null members count as absent, as in the
   BG test data), a one-entry array, and `nam` .................................. bad_encoding
   (after the signature, so a code gets the same reason whether or not DCC trust is
   configured: terminal.verify answers unknown_issuer after the alg check when it is not)
5. the DSC's extended key usage covers the certificate type (no DCC OID = all types)
   ............................................................................ wrong_key_usage
6. the DSC's validity window: it must not have expired before the code was issued
   (iat <= notAfter) and must be in force now (notBefore <= now + skew) ...... issuer_key_expired
7. the issuer claim, when it is a two-letter country code, is the DSC's country (spec
   section 1; a trust file's or the DCC trust list's `country`, else the certificate's
   subject C) .............................................................. issuer_not_authorised
8. iat not in the future beyond the skew ....................................... not_yet_valid
   exp: now - skew <= exp (a clock exactly at expiry is still valid) ................. expired

Why the DSC window is checked this way: EU verifiers (hcert spec; hcert-kotlin) want the DSC
valid at signing time, i.e. notBefore <= iat <= notAfter. `iat` is declared by the issuer,
and some issuers set it to the event date rather than the signing date (the BG 4 recovery
case in the dgc test data is issued three months before its DSC's notBefore), so the lower
bound is taken at `now`: a signature cannot predate its certificate, so a DSC already in
force lets the code have been signed inside its window. A DSC not yet valid now (dgc
common/CO16) or one that expired before the code's iat (CO17) fails. A DSC that has expired
since the code was issued still verifies its codes: in the EU scheme a DSC signs only during
its private-key usage period but stays valid (and published) while what it signed is in use.

The DSCs come from terminal.hc1.trust (DccTrust) and terminal.hc1.der (DscEntry).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from vocab import reasons as R
from vocab.spec import CLAIM_EXP, CLAIM_HCERT, CLAIM_IAT, CLAIM_ISS

from .. import cose
from ..stages import (HC1_ALGS, Fail, check_expiry, check_not_before, check_signature, is_array, is_map,
                      lookup_kid, payload_map, stage_algorithm, stage_cose, stage_decode, stage_prefix)
from ..verdict import CredentialSummary
from .der import DscEntry


KINDS = {"v": "vaccination", "t": "test", "r": "recovery"}


# ---- the HC1 payload ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Hc1Claims:
    country: str                      # claim 1, "" when absent
    iat: int
    exp: int
    hcert: Mapping                    # the DCC payload (ver, nam, dob, v|t|r)
    kind: str                         # vaccination | test | recovery
    member: str                       # v | t | r
    entry: Mapping                    # the one v/t/r entry


def _time_claim(v: Any, name: str) -> int:
    # CWT NumericDate: an integer; also a float, or a tag-1 epoch date (cbor2 gives a datetime),
    # which some issuers emit.
    if type(v) is int and v >= 0:
        return v
    if type(v) is float and math.isfinite(v) and v >= 0:
        return math.floor(v)
    if isinstance(v, datetime) and v.tzinfo is not None and v.timestamp() >= 0:
        return math.floor(v.timestamp())
    raise Fail(R.BAD_ENCODING, f"CWT {name} missing or not a NumericDate")


def stage_payload(msg: cose.Sign1) -> Hc1Claims:
    p = payload_map(msg, "HC1 payload")
    iss = p.get(CLAIM_ISS)
    if iss is not None and not isinstance(iss, str):
        raise Fail(R.BAD_ENCODING, "CWT iss is not text")
    exp = _time_claim(p.get(CLAIM_EXP), "exp")
    iat = _time_claim(p.get(CLAIM_IAT), "iat")
    wrapper = p.get(CLAIM_HCERT)
    if not is_map(wrapper) or not is_map(wrapper.get(1)):
        raise Fail(R.BAD_ENCODING, "claim -260 is not {1: hcert}")
    hcert = wrapper[1]
    members = [k for k in KINDS if hcert.get(k) is not None]
    if len(members) != 1:
        raise Fail(R.BAD_ENCODING, f"hcert holds {len(members)} of v/t/r, not exactly one")
    member = members[0]
    entries = hcert[member]
    if not is_array(entries) or len(entries) != 1 or not is_map(entries[0]):
        raise Fail(R.BAD_ENCODING, f"hcert.{member} is not an array of one entry")
    nam = hcert.get("nam")
    if not is_map(nam) or not any(isinstance(nam.get(k), str) and nam.get(k)
                                  for k in ("fn", "gn", "fnt", "gnt")):
        raise Fail(R.BAD_ENCODING, "hcert.nam missing")
    dob = hcert.get("dob")
    if dob is not None and not isinstance(dob, str):
        raise Fail(R.BAD_ENCODING, "hcert.dob is not text")
    return Hc1Claims(country=iss or "", iat=iat, exp=exp, hcert=hcert, kind=KINDS[member], member=member,
                     entry=entries[0])


# ---- stages ------------------------------------------------------------------------------------

def stage_dsc(msg: cose.Sign1, trust: Mapping | None) -> DscEntry:
    if trust is None:
        raise Fail(R.UNKNOWN_ISSUER, "no DCC trust configured")
    return lookup_kid(msg, trust, "no DSC with kid")


RSA_MIN_BITS = 2048
RSA_EXPONENT = 65537
# ES256 under a DSC on another NIST curve (one member state's test codes sign with P-384):
# EU verifiers check it as ECDSA with SHA-256 on the key's curve, r || s each the curve's size.
_OTHER_EC_CURVES = (ec.SECP384R1, ec.SECP521R1)
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())


def stage_signature(msg: cose.Sign1, dsc: DscEntry, alg: int) -> None:
    key = dsc.key
    if isinstance(key, rsa.RSAPublicKey):
        # spec section 1: RSA under 2048 bits or with an exponent other than 65537 is bad_signature
        e = key.public_numbers().e
        if key.key_size < RSA_MIN_BITS or e != RSA_EXPONENT:
            raise Fail(R.BAD_SIGNATURE, f"RSA DSC of {key.key_size} bits, e = {e} (needs >= {RSA_MIN_BITS}, "
                                        f"e = {RSA_EXPONENT})")
    if alg == cose.ES256 and isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, _OTHER_EC_CURVES):
        _check_es256_other_curve(msg, key)
        return
    check_signature(msg, key, alg)


def _check_es256_other_curve(msg: cose.Sign1, key: ec.EllipticCurvePublicKey) -> None:
    size = (key.curve.key_size + 7) // 8
    sig = msg.signature
    if len(sig) != 2 * size:
        raise Fail(R.BAD_SIGNATURE, f"ES256 on {key.curve.name} needs a {2 * size}-byte signature")
    der = encode_dss_signature(int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big"))
    try:
        key.verify(der, msg.to_be_signed(), _ECDSA_SHA256)
    except InvalidSignature:
        raise Fail(R.BAD_SIGNATURE, "signature does not verify") from None


def stage_key_usage(claims: Hc1Claims, dsc: DscEntry) -> None:
    if not dsc.allows(claims.kind):
        raise Fail(R.WRONG_KEY_USAGE, f"DSC may sign {'/'.join(sorted(dsc.eku))}, not {claims.kind}")


def stage_dsc_validity(claims: Hc1Claims, dsc: DscEntry, now: int, skew: int) -> None:
    if dsc.not_after is not None and claims.iat > dsc.not_after:
        raise Fail(R.ISSUER_KEY_EXPIRED, "issued after the DSC expired")
    if dsc.not_before is not None and now + skew < dsc.not_before:
        raise Fail(R.ISSUER_KEY_EXPIRED, "DSC not yet valid")


def is_country_code(text: str) -> bool:
    """A two-letter (ISO 3166-1 alpha-2 shaped) code, as HC1 claim 1 usually holds."""
    return len(text) == 2 and text.isascii() and text.isalpha()


def stage_issuer_country(claims: Hc1Claims, dsc: DscEntry) -> None:
    """Spec section 1: when the issuer claim is a country code it MUST be the DSC's country.
    (Some states put an authority's name there instead: then the DSC's country is shown.)"""
    if is_country_code(claims.country) and claims.country.upper() != dsc.country.upper():
        raise Fail(R.ISSUER_NOT_AUTHORISED,
                   f"issuer claim {claims.country.upper()} but the DSC is of {dsc.country.upper() or 'no country'}")


def stage_times(claims: Hc1Claims, now: int, skew: int) -> None:
    check_not_before(claims.iat, now, skew, f"iat {claims.iat - now:+d} s from now")
    check_expiry(claims.exp, now, skew)


# ---- summary -----------------------------------------------------------------------------------

def json_safe(v: Any, depth: int = 0) -> Any:
    """A JSON-serialisable copy of decoded CBOR (tags, bytes, dates made text)."""
    t = type(v)
    if t is str or t is int or t is bool or v is None:
        return v
    if t is dict:
        return {str(k): json_safe(x, depth + 1) for k, x in v.items()} if depth < 32 else "…"
    if depth > 32:
        return "…"
    if isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).hex()
    if isinstance(v, datetime):
        if v.tzinfo is not None:
            v = v.astimezone(timezone.utc)
            return v.replace(tzinfo=None).isoformat() + "Z"
        return v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Mapping):
        return {str(k): json_safe(x, depth + 1) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_safe(x, depth + 1) for x in v]
    if isinstance(v, cbor2.CBORTag):
        return {"tag": v.tag, "value": json_safe(v.value, depth + 1)}
    return str(v)


def holder_name(nam: Mapping) -> str:
    """"Family, Given" from nam.fn/gn, or the ICAO-standardised fnt/gnt when those are missing."""
    def part(k: str, kt: str) -> str:
        v = nam.get(k)
        if isinstance(v, str) and v.strip():
            return v.strip()
        v = nam.get(kt)
        return v.replace("<", " ").strip() if isinstance(v, str) else ""
    fam, given = part("fn", "fnt"), part("gn", "gnt")
    return ", ".join(x for x in (fam, given) if x)


def summarise(claims: Hc1Claims, dsc: DscEntry, alg: int | None = None) -> CredentialSummary:
    nam = claims.hcert.get("nam", {})
    ci = claims.entry.get("ci")
    dcc = {
        "ver": json_safe(claims.hcert.get("ver")),
        "dob": claims.hcert.get("dob") or "",
        "name": {k: nam[k] for k in ("fn", "gn", "fnt", "gnt") if isinstance(nam.get(k), str)},
        "kind": claims.kind,
        "entry": json_safe(claims.entry),
    }
    # The country shown is the claim's when it is a country code (then it equals the DSC's once
    # stage_issuer_country has passed), else the DSC's, with the claim as the authority's name.
    named = claims.country and not is_country_code(claims.country)
    issuer = dsc.country.upper() if named or not claims.country else claims.country.upper()
    return CredentialSummary(typ="dcc", name=holder_name(nam), idm=ci if isinstance(ci, str) else "",
                             issuer=issuer, kid=dsc.kid.hex(), exp=claims.exp,
                             iat=claims.iat, dcc=dcc, alg=cose.ALG_NAMES.get(alg, ""),
                             authority=claims.country if named else "")


# ---- the pipeline ------------------------------------------------------------------------------

def verify_hc1(outer: cose.Sign1, trust: Mapping | None, now: int, skew: int, *,
               seen: Callable[[CredentialSummary], None] | None = None) -> CredentialSummary:
    """Verify a parsed HC1 COSE_Sign1; the summary on success, else `Fail(reason)`.

    `seen`, when given, receives the summary as soon as the signature has verified, so a
    verdict that fails a later check (expired, wrong key usage) can still show who it names.
    """
    alg = stage_algorithm(outer, HC1_ALGS)
    dsc = stage_dsc(outer, trust)
    stage_signature(outer, dsc, alg)
    claims = stage_payload(outer)
    summary = summarise(claims, dsc, alg)
    if seen is not None:
        seen(summary)
    stage_key_usage(claims, dsc)
    stage_dsc_validity(claims, dsc, now, skew)
    stage_issuer_country(claims, dsc)
    stage_times(claims, now, skew)
    return summary


def decode_hc1(text: str) -> tuple[cose.Sign1, Hc1Claims]:
    """Stages 1-2 and the HC1 payload, no trust: for `decode` and tests. Raises Fail."""
    prefix, body = stage_prefix(text)
    if prefix != "HC1":
        raise Fail(R.UNKNOWN_FORMAT, f"{prefix} is not HC1")
    msg = stage_cose(stage_decode(body), cwt_tag=True)
    return msg, stage_payload(msg)
