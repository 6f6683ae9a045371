"""Facts of credential-format.md (version 2) that more than one layer needs: code prefixes,
CWT claim keys, terminal modes, the identifier pattern, the revocation key.

A leaf module: it imports nothing of ours, so the core, the stores, the UI and the
reference platform all take these from here.
"""
from __future__ import annotations

import hashlib
import re

SPEC_VERSION = 2

# Section 1: `PREFIX ":" base45(zlib(COSE_Sign1))`.
EZ1, EP1, HC1 = "EZ1", "EP1", "HC1"
PREFIXES = (EZ1, EP1, HC1)

# Section 2-3: CWT claim keys (RFC 8392) and the private ones of this spec.
CLAIM_ISS, CLAIM_SUB, CLAIM_EXP, CLAIM_NBF, CLAIM_IAT, CLAIM_CTI, CLAIM_CNF = 1, 2, 4, 5, 6, 7, 8
CLAIM_EZC = -65537     # the credential body map
CLAIM_VC = -65538      # EP1: the embedded credential (COSE_Sign1 bytes)
CLAIM_HCERT = -260     # HC1 (EU DCC): the health certificate container

# Section 6: what a terminal is set up as.
GATE, KIOSK, COUNTER = "gate", "kiosk", "counter"
MODES = (GATE, KIOSK, COUNTER)

# Section 6: text fields of events are identifiers, never free text.
IDENT_MAX = 64
IDENT = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
OPERATOR = re.compile(r"[A-Za-z0-9_-]{1,32}")

# Section 4: a revocation entry is the first 16 bytes of SHA-256(iss || 0x00 || cti).
REVOCATION_KEY_LEN = 16


def is_ident(value: object) -> bool:
    """True for a spec identifier: 1-64 of [A-Za-z0-9_.:-]."""
    return isinstance(value, str) and IDENT.fullmatch(value) is not None


def revocation_key(iss: str, cti: bytes) -> bytes:
    """The 16-byte revocation key of a credential: SHA-256(iss || 0x00 || cti)[:16]."""
    return hashlib.sha256(iss.encode("utf-8") + b"\x00" + bytes(cti)).digest()[:REVOCATION_KEY_LEN]


# Section 6: the DCC trust list (GET /v1/dcc-trust). A DSC's country is ISO 3166-1 alpha-2; its
# kid is the first 8 bytes of SHA-256 over the certificate's DER (the EU DCC rule, as codes carry it).
DCC_COUNTRY = re.compile(r"[A-Z]{2}")
DCC_KID_LEN = 8


def dcc_kid(der: bytes) -> bytes:
    """The EU DCC kid of a document signer certificate: SHA-256(DER certificate)[:8]."""
    return hashlib.sha256(bytes(der)).digest()[:DCC_KID_LEN]


# Section 2: the first batch of linked certificate types `t` (extendable: unknown values are
# shown raw, never rejected). The words for them live in the UI and the issuer's data.
CERT_TYPES = ("id_card", "household", "social_security", "driving_licence", "marriage", "senior", "disability",
              "student", "teacher", "degree", "property", "business_licence", "food_permit", "industrial_permit")
# Section 2: the code types `ezc.typ` of this spec, and the one HC1 summaries carry.
CODE_TYPES = ("resident", "enterprise")


# Section 7: state shared by the gates of one venue. Keys are exactly the spec's.
VENUE_SECRET_LEN = 32                 # bytes, the HMAC key of holder_ref; never sent to the platform
SHARED_BUDGET_S = 0.05                # a shared-store call slower than this counts as failed (no retries)
DEFAULT_VENUE_TZ = "Asia/Shanghai"    # entry-limit periods are calendar days in the venue's time zone
ENTRY_PERIODS = ("day",)
ENTRY_KEY_GRACE_S = 86400             # an entry count expires one day after its period ends


def replay_key(venue: str, cti: bytes) -> str:
    """`vt:{venue}:rp:{cti hex}`: the presentation's claim; its value is the terminal id."""
    return f"vt:{venue}:rp:{bytes(cti).hex()}"


def entry_key(venue: str, holder_ref: str, period: str) -> str:
    """`vt:{venue}:en:{holder_ref}:{period}`: entries of one holder at one venue in one period."""
    return f"vt:{venue}:en:{holder_ref}:{period}"
