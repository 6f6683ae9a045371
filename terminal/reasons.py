"""Stable reason codes (credential-format.md section 5) and their plain-language words.

The codes are API: they appear in the CLI's JSON, the scan log and the UI. The words
here are for the command line; the Qt app carries its own translated strings.
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
TRUST_LIST_EXPIRED = "trust_list_expired"
# Not in the spec's list but needed by a terminal: no code could be read from the frame
# or image, and an internal error (never green, shown amber).
UNREADABLE = "unreadable"
INTERNAL_ERROR = "internal_error"
# EU DCC only: the document signer's extended key usage does not cover this certificate type.
WRONG_KEY_USAGE = "wrong_key_usage"

# Warnings carried on a verdict (valid or not).
TRUST_STALE = "trust_stale"
CLOCK_SUSPECT = "clock_suspect"
BOUND_CREDENTIAL_STATIC = "bound_credential_static"
SHARED_STATE_UNAVAILABLE = "shared_state_unavailable"
SAME_ADMISSION = "same_admission"      # ours: a re-scan the policy counts as the earlier admission
WARNINGS = (TRUST_STALE, CLOCK_SUSPECT, BOUND_CREDENTIAL_STATIC, SHARED_STATE_UNAVAILABLE, SAME_ADMISSION)

# (Chinese, English) words for each reason; plain, no personal data.
WORDS: dict[str, tuple[str, str]] = {
    OK: ("验证通过", "Valid"),
    UNKNOWN_FORMAT: ("不是可识别的码", "Not a recognised code"),
    BAD_ENCODING: ("码已损坏，无法解析", "Damaged code, cannot be read"),
    TOO_LARGE: ("码内容过大", "Code content too large"),
    UNSUPPORTED_ALGORITHM: ("不支持的签名算法", "Unsupported signature algorithm"),
    UNKNOWN_ISSUER: ("签发机构未知", "Unknown issuer"),
    BAD_SIGNATURE: ("签名无效（可能伪造）", "Invalid signature (possibly forged)"),
    ISSUER_REVOKED: ("签发密钥已吊销", "Issuer key revoked"),
    ISSUER_KEY_EXPIRED: ("签发密钥不在有效期内", "Issuer key not valid for this code"),
    ISSUER_NOT_AUTHORISED: ("签发机构无权签发此类码", "Issuer not authorised for this code"),
    NOT_YET_VALID: ("尚未生效", "Not yet valid"),
    EXPIRED: ("已过期", "Expired"),
    REVOKED: ("已被吊销", "Revoked"),
    HOLDER_SIGNATURE_INVALID: ("动态码签名无效", "Dynamic code signature invalid"),
    STALE_PRESENTATION: ("动态码已失效，请刷新", "Dynamic code out of date, please refresh"),
    REPLAYED: ("动态码已被使用", "Dynamic code already used"),
    POLICY_DENIED: ("不符合本场所入场条件", "Does not meet this venue's conditions"),
    TRUST_LIST_EXPIRED: ("信任数据已过期，请联系工作人员", "Trust data out of date, please see staff"),
    UNREADABLE: ("未能识别二维码", "No code could be read"),
    INTERNAL_ERROR: ("无法验证，请联系工作人员", "Cannot verify, please see staff"),
    WRONG_KEY_USAGE: ("签发证书无权签发此类证明", "Signer not allowed for this certificate type"),
}

WARNING_WORDS: dict[str, tuple[str, str]] = {
    TRUST_STALE: ("信任数据已过期", "trust data stale"),
    CLOCK_SUSPECT: ("终端时钟可能不准", "terminal clock suspect"),
    BOUND_CREDENTIAL_STATIC: ("手机专用码以静态码出示", "phone-bound code shown as a static code"),
    SHARED_STATE_UNAVAILABLE: ("场所共享数据不可用", "venue shared state unavailable"),
    SAME_ADMISSION: ("同一次入场的重复扫码", "re-scan of the same admission"),
}

# Reasons that mean "we could not check", not "the code is bad": amber, see staff.
CANNOT_VERIFY = frozenset({UNREADABLE, INTERNAL_ERROR, TRUST_LIST_EXPIRED})

ALL_REASONS = frozenset(WORDS)


def words(reason: str) -> tuple[str, str]:
    return WORDS.get(reason, (reason, reason))
