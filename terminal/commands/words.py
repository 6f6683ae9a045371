"""Words for people: the plain (Chinese, English) text of every reason and warning code.

The one table of these words: the CLI prints them and the Qt app shows them (ui/texts.py).
The core carries only codes (vocab.reasons); no personal data is ever in these words.
"""
from __future__ import annotations

from vocab import reasons as R

# (Chinese, English) for each reason; short, plain, for a screen read from 2 m and for a line of CLI output.
REASON_WORDS: dict[str, tuple[str, str]] = {
    R.OK: ("验证通过", "Valid code"),
    R.UNKNOWN_FORMAT: ("不是可识别的码", "Not a recognised code"),
    R.BAD_ENCODING: ("码已损坏，无法解析", "Damaged code, cannot be read"),
    R.TOO_LARGE: ("码内容过大", "Code content too large"),
    R.UNSUPPORTED_ALGORITHM: ("不支持的签名算法", "Unsupported signature"),
    R.UNKNOWN_ISSUER: ("签发机构未知", "Unknown issuer"),
    R.BAD_SIGNATURE: ("签名无效（可能伪造）", "Invalid signature (possibly forged)"),
    R.ISSUER_REVOKED: ("签发密钥已吊销", "Issuer key revoked"),
    R.ISSUER_KEY_EXPIRED: ("签发密钥不在有效期内", "Issuer key not valid for this code"),
    R.ISSUER_NOT_AUTHORISED: ("签发机构无权签发此类码", "Issuer not allowed to issue this code"),
    R.NOT_YET_VALID: ("尚未生效", "Not yet valid"),
    R.EXPIRED: ("已过期", "Expired"),
    R.REVOKED: ("已被吊销", "Revoked"),
    R.HOLDER_SIGNATURE_INVALID: ("动态码签名无效", "Dynamic code signature invalid"),
    R.STALE_PRESENTATION: ("动态码已失效，请刷新", "Dynamic code out of date, please refresh"),
    R.REPLAYED: ("动态码已被使用", "Dynamic code already used"),
    R.POLICY_DENIED: ("不符合本场所入场条件", "Does not meet this venue's conditions"),
    R.ENTRY_LIMIT_REACHED: ("今日入场次数已用完", "Entry limit reached for today"),
    R.TRUST_LIST_EXPIRED: ("信任数据已过期，请联系工作人员", "Trust data out of date, please see staff"),
    R.UNREADABLE: ("未能识别二维码", "No code could be read"),
    R.INTERNAL_ERROR: ("无法验证，请联系工作人员", "Cannot verify, please see staff"),
    R.WRONG_KEY_USAGE: ("签发证书无权签发此类证明", "Signer not allowed for this certificate type"),
}

WARNING_WORDS: dict[str, tuple[str, str]] = {
    R.TRUST_STALE: ("信任数据已过期", "Trust data out of date"),
    R.CLOCK_SUSPECT: ("终端时钟可能不准", "Terminal clock may be wrong"),
    R.BOUND_CREDENTIAL_STATIC: ("手机专用码以静态码出示", "Phone-bound code shown as a static code"),
    R.SHARED_STATE_UNAVAILABLE: ("场所共享数据不可用", "Venue shared state unavailable"),
    R.SAME_ADMISSION: ("同一次入场的重复扫码", "Re-scan of the same admission"),
}


def words(reason: str) -> tuple[str, str]:
    """(Chinese, English) for a reason code; an unknown code is shown as itself."""
    return REASON_WORDS.get(reason, (reason, reason))


def warning_words(warning: str) -> tuple[str, str]:
    return WARNING_WORDS.get(warning, (warning, warning))
