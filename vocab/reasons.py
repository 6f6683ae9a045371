"""Reason codes, warning codes and outcomes (credential-format.md section 5, version 2).

The codes are API: they appear in the CLI's JSON, the scan log, the platform's reports and
the UI. Words for people live in the CLI (terminal/commands/words.py) and the UI, never here.
"""
from __future__ import annotations

from enum import Enum


class Outcome(str, Enum):
    """What gate staff do: admit (green), refuse (red), or check by hand (amber)."""

    ADMIT = "admit"
    REFUSE = "refuse"
    CHECK = "check"


OK = "ok"
UNKNOWN_FORMAT = "unknown_format"
BAD_ENCODING = "bad_encoding"
TOO_LARGE = "too_large"
UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
UNKNOWN_ISSUER = "unknown_issuer"
BAD_SIGNATURE = "bad_signature"
ISSUER_REVOKED = "issuer_revoked"
ISSUER_KEY_EXPIRED = "issuer_key_expired"
ISSUER_NOT_AUTHORISED = "issuer_not_authorised"
NOT_YET_VALID = "not_yet_valid"
EXPIRED = "expired"
REVOKED = "revoked"
HOLDER_SIGNATURE_INVALID = "holder_signature_invalid"
STALE_PRESENTATION = "stale_presentation"
REPLAYED = "replayed"
POLICY_DENIED = "policy_denied"
ENTRY_LIMIT_REACHED = "entry_limit_reached"
TRUST_LIST_EXPIRED = "trust_list_expired"
# Not in the spec's list but needed by a terminal: no code could be read from the frame
# or image, and an internal error (never green, shown amber).
UNREADABLE = "unreadable"
INTERNAL_ERROR = "internal_error"
# EU DCC only: the document signer's extended key usage does not cover this certificate type.
WRONG_KEY_USAGE = "wrong_key_usage"

REASONS = (OK, UNKNOWN_FORMAT, BAD_ENCODING, TOO_LARGE, UNSUPPORTED_ALGORITHM, UNKNOWN_ISSUER, BAD_SIGNATURE,
           ISSUER_REVOKED, ISSUER_KEY_EXPIRED, ISSUER_NOT_AUTHORISED, NOT_YET_VALID, EXPIRED, REVOKED,
           HOLDER_SIGNATURE_INVALID, STALE_PRESENTATION, REPLAYED, POLICY_DENIED, ENTRY_LIMIT_REACHED,
           TRUST_LIST_EXPIRED, UNREADABLE, INTERNAL_ERROR, WRONG_KEY_USAGE)
ALL_REASONS = frozenset(REASONS)

# Warnings carried on a verdict (valid or not).
TRUST_STALE = "trust_stale"
CLOCK_SUSPECT = "clock_suspect"
BOUND_CREDENTIAL_STATIC = "bound_credential_static"
SHARED_STATE_UNAVAILABLE = "shared_state_unavailable"
SAME_ADMISSION = "same_admission"      # ours: a re-scan the policy counts as the earlier admission
WARNINGS = (TRUST_STALE, CLOCK_SUSPECT, BOUND_CREDENTIAL_STATIC, SHARED_STATE_UNAVAILABLE, SAME_ADMISSION)

# Reasons that mean "we could not check", not "the code is bad": amber, see staff.
CANNOT_VERIFY = frozenset({UNREADABLE, INTERNAL_ERROR, TRUST_LIST_EXPIRED})
