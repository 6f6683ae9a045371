"""Every user-facing word the app shows for a reason code, outcome, certificate type or code type.

Source strings are English; the Chinese comes from Qt Linguist (assets/i18n/venue_zh_CN.ts,
compiled to .qm). Chinese is the default language; English is the secondary line and the toggle.
Reason and warning words are not in the Qt catalogue: they are the (Chinese, English) pairs of
terminal/commands/words.py, shared with the CLI. Those are the technical words, for staff (the
gate's and the counter's staff line, the counter's log). What the public reads and hears is
GUIDANCE below: neutral (a code is never called forged in front of its holder) and saying what
to do next; a policy_denied verdict uses the venue policy's own explanation ([policy.explain]).

Threads: GUI thread (translation lookups use the installed QTranslator).
"""
from __future__ import annotations

from datetime import datetime

from vocab import reasons as R
from vocab.reasons import Outcome

from terminal.commands.words import REASON_WORDS, WARNING_WORDS, warning_words, words
from terminal.verdict import Verdict

from .qt import QCoreApplication, QT_TRANSLATE_NOOP

# Outcome: one big word for gate staff, and an icon glyph.
OUTCOME_WORD = {
    Outcome.ADMIT: QT_TRANSLATE_NOOP("Outcome", "Admitted"),
    Outcome.REFUSE: QT_TRANSLATE_NOOP("Outcome", "Refused"),
    Outcome.CHECK: QT_TRANSLATE_NOOP("Outcome", "Please see staff"),
}
OUTCOME_ICON = {Outcome.ADMIT: "✓", Outcome.REFUSE: "✗", Outcome.CHECK: "!"}
OUTCOME_COLOUR = {Outcome.ADMIT: "#1b8a3a", Outcome.REFUSE: "#c62828", Outcome.CHECK: "#f0a202"}
OUTCOME_TEXT_COLOUR = {Outcome.ADMIT: "#ffffff", Outcome.REFUSE: "#ffffff", Outcome.CHECK: "#1a1a1a"}

# Reason and warning words come from the one table the CLI prints too (terminal/commands/words.py):
# (Chinese, English) pairs, so the screen and the command line can never drift apart.
REASON = {code: pair[1] for code, pair in REASON_WORDS.items()}      # English, the secondary line
WARNING = {code: pair[1] for code, pair in WARNING_WORDS.items()}

# Spec section 2, catalogue of linked certificate types. Unknown types are shown raw.
CERT_TYPE = {
    "id_card": QT_TRANSLATE_NOOP("Certs", "ID card"),
    "household": QT_TRANSLATE_NOOP("Certs", "Household register"),
    "social_security": QT_TRANSLATE_NOOP("Certs", "Social security card"),
    "driving_licence": QT_TRANSLATE_NOOP("Certs", "Driving licence"),
    "marriage": QT_TRANSLATE_NOOP("Certs", "Marriage certificate"),
    "senior": QT_TRANSLATE_NOOP("Certs", "Senior citizen card"),
    "disability": QT_TRANSLATE_NOOP("Certs", "Disability certificate"),
    "student": QT_TRANSLATE_NOOP("Certs", "Student card"),
    "teacher": QT_TRANSLATE_NOOP("Certs", "Teacher qualification"),
    "degree": QT_TRANSLATE_NOOP("Certs", "Academic degree certificate"),
    "property": QT_TRANSLATE_NOOP("Certs", "Real estate title"),
    "business_licence": QT_TRANSLATE_NOOP("Certs", "Business licence"),
    "food_permit": QT_TRANSLATE_NOOP("Certs", "Food business permit"),
    "industrial_permit": QT_TRANSLATE_NOOP("Certs", "Industrial product permit"),
}

CODE_TYPE = {
    "resident": QT_TRANSLATE_NOOP("Certs", "Resident code"),
    "enterprise": QT_TRANSLATE_NOOP("Certs", "Enterprise code"),
    "dcc": QT_TRANSLATE_NOOP("Certs", "EU Digital COVID Certificate"),
}


# EU DCC fields (flattened keys of CredentialSummary.dcc); unknown keys are shown raw.
DCC_FIELD = {
    "ver": QT_TRANSLATE_NOOP("Dcc", "Schema version"),
    "dob": QT_TRANSLATE_NOOP("Dcc", "Date of birth"),
    "kind": QT_TRANSLATE_NOOP("Dcc", "Certificate kind"),
    "entry.tg": QT_TRANSLATE_NOOP("Dcc", "Disease"),
    "entry.vp": QT_TRANSLATE_NOOP("Dcc", "Vaccine type"),
    "entry.mp": QT_TRANSLATE_NOOP("Dcc", "Product"),
    "entry.ma": QT_TRANSLATE_NOOP("Dcc", "Manufacturer"),
    "entry.dn": QT_TRANSLATE_NOOP("Dcc", "Dose number"),
    "entry.sd": QT_TRANSLATE_NOOP("Dcc", "Doses in series"),
    "entry.dt": QT_TRANSLATE_NOOP("Dcc", "Date of vaccination"),
    "entry.tt": QT_TRANSLATE_NOOP("Dcc", "Test type"),
    "entry.nm": QT_TRANSLATE_NOOP("Dcc", "Test name"),
    "entry.sc": QT_TRANSLATE_NOOP("Dcc", "Sample taken"),
    "entry.tr": QT_TRANSLATE_NOOP("Dcc", "Test result"),
    "entry.tc": QT_TRANSLATE_NOOP("Dcc", "Test centre"),
    "entry.fr": QT_TRANSLATE_NOOP("Dcc", "First positive test"),
    "entry.df": QT_TRANSLATE_NOOP("Dcc", "Valid from"),
    "entry.du": QT_TRANSLATE_NOOP("Dcc", "Valid until"),
    "entry.co": QT_TRANSLATE_NOOP("Dcc", "Country"),
    "entry.is": QT_TRANSLATE_NOOP("Dcc", "Certificate issuer"),
    "entry.ci": QT_TRANSLATE_NOOP("Dcc", "Certificate id"),
}
DCC_KIND = {            # CredentialSummary.dcc["kind"] (terminal.hc1.KINDS values)
    "vaccination": QT_TRANSLATE_NOOP("Dcc", "Vaccination"),
    "test": QT_TRANSLATE_NOOP("Dcc", "Test"),
    "recovery": QT_TRANSLATE_NOOP("Dcc", "Recovery"),
}


# What the public is told, and what to do next: (Chinese, English). Shown under the big outcome
# word on public screens (kiosk, the gate's verdict) and spoken. Never an accusation, never a
# reason code; the staff line keeps the technical reason (REASON_WORDS).
SEE_COUNTER = ("此码无法验证，请到人工窗口办理", "This code cannot be verified. Please go to the staffed counter.")
WAIT_FOR_STAFF = ("请稍候，工作人员将为您核验", "Please wait: a member of staff will check your code.")
REFRESH = ("此码无法读取，请刷新后重新出示", "This code cannot be read. Please refresh it and show it again.")
GUIDANCE: dict[str, tuple[str, str]] = {
    R.OK: ("请通行", "Please go ahead."),
    R.UNKNOWN_FORMAT: ("这不是可核验的码，请出示居民码或企业码",
                       "This is not a code we can check. Please show your resident or enterprise code."),
    R.BAD_ENCODING: REFRESH,
    R.TOO_LARGE: REFRESH,
    R.UNSUPPORTED_ALGORITHM: SEE_COUNTER,
    R.UNKNOWN_ISSUER: SEE_COUNTER,
    R.BAD_SIGNATURE: SEE_COUNTER,
    R.ISSUER_REVOKED: SEE_COUNTER,
    R.ISSUER_KEY_EXPIRED: SEE_COUNTER,
    R.ISSUER_NOT_AUTHORISED: SEE_COUNTER,
    R.HOLDER_SIGNATURE_INVALID: SEE_COUNTER,
    R.WRONG_KEY_USAGE: SEE_COUNTER,
    R.NOT_YET_VALID: ("此码尚未生效，请到人工窗口办理", "This code is not valid yet. Please go to the staffed counter."),
    R.EXPIRED: ("此码已过期，请在手机上更新后重新出示", "This code has expired. Please renew it in your app and show it again."),
    R.REVOKED: ("此码已失效，请到人工窗口办理", "This code is no longer valid. Please go to the staffed counter."),
    R.STALE_PRESENTATION: ("动态码已过时，请刷新后重新出示",
                           "The dynamic code is out of date. Please refresh it and show it again."),
    R.REPLAYED: ("此动态码已使用过，请刷新后重新出示", "This dynamic code was already used. Please refresh it and show it again."),
    R.POLICY_DENIED: ("本入口不能为您放行，请到人工窗口办理", "This entrance cannot admit you. Please go to the staffed counter."),
    R.ENTRY_LIMIT_REACHED: ("今日入场次数已用完，如有疑问请到人工窗口",
                            "Today's entries are used up. Please ask at the staffed counter."),
    R.TRUST_LIST_EXPIRED: WAIT_FOR_STAFF,
    R.UNREADABLE: ("未能识别，请将码放平，对准摄像头并保持不动",
                   "The code could not be read. Please hold it flat and still in front of the camera."),
    R.INTERNAL_ERROR: WAIT_FOR_STAFF,
}
# A valid code that a warning made amber or red, and the re-scan of an admission.
WARNING_GUIDANCE: dict[str, tuple[str, str]] = {
    R.CLOCK_SUSPECT: WAIT_FOR_STAFF,
    R.TRUST_STALE: WAIT_FOR_STAFF,
    R.SHARED_STATE_UNAVAILABLE: WAIT_FOR_STAFF,
    R.BOUND_CREDENTIAL_STATIC: ("请出示手机上的动态码", "Please show the dynamic code from your phone."),
    R.SAME_ADMISSION: ("已核验，请通行", "Already checked. Please go ahead."),
}


# An admission whose gate did not open (the actuator is unplugged, failing or timing out): the
# verdict turns amber with these words; staff see the fault (gate_fault_line) and can open by hand.
GATE_FAULT = ("闸机未能打开，请联系工作人员", "The gate did not open. Please see staff.")


def gate_fault_line(fault: str, chinese: bool) -> str:
    """The staff line under an admission the gate did not open for: the actuator's one-line fault."""
    return ("闸机故障 / Gate fault: " if chinese else "Gate fault: ") + fault


def public_guidance(v: Verdict, policy=None) -> tuple[str, str]:
    """(Chinese, English): what the holder is told for this verdict and what to do next.
    `policy`: the venue policy the verdict was made under; its [policy.explain] words replace
    the generic line for the rule that refused the code."""
    out = ui_outcome(v)
    if v.valid:
        if out is Outcome.ADMIT:
            return WARNING_GUIDANCE[R.SAME_ADMISSION] if R.SAME_ADMISSION in v.warnings else GUIDANCE[R.OK]
        for w in (R.CLOCK_SUSPECT, R.TRUST_STALE, R.SHARED_STATE_UNAVAILABLE, *v.warnings):
            if w in v.warnings and w != R.SAME_ADMISSION:
                return WARNING_GUIDANCE.get(w, WAIT_FOR_STAFF if out is Outcome.CHECK else SEE_COUNTER)
        return WAIT_FOR_STAFF if out is Outcome.CHECK else SEE_COUNTER
    if v.reason == R.ENTRY_LIMIT_REACHED:
        return entry_limit_guidance(v, policy)
    if v.reason == R.POLICY_DENIED and policy is not None and v.policy_rule:
        own = policy.explanation(v.policy_rule)
        if own:
            return own
    return GUIDANCE.get(v.reason, WAIT_FOR_STAFF if out is Outcome.CHECK else SEE_COUNTER)


def entry_limit_guidance(v: Verdict, policy=None) -> tuple[str, str]:
    """entry_limit_reached in people's words: today's entry at this venue was already used (the
    venue's own words if its policy has [policy.explain] entry_limit), and when the next one is,
    in the venue's time zone."""
    limit = getattr(policy, "entry_limit", None)
    own = policy.explanation("entry_limit") if policy is not None else None
    if own:
        zh, en = own
    elif limit is not None and limit.max > 1:
        zh, en = (f"您今天在本场所的{limit.max}次入场已用完", f"Your {limit.max} entries at this venue today are used up.")
    else:
        zh, en = ("您今天已在本场所入场过，今日入场次数已用完", "Today's entry at this venue has already been used.")
    zh, en = zh.rstrip("。."), en.rstrip(".")
    if v.next_entry is None:
        return f"{zh}，如有疑问请到人工窗口", f"{en}. Please ask at the staffed counter if in doubt."
    from terminal.config import ConfigError, venue_zone
    try:
        zone = venue_zone(policy.timezone) if policy is not None else None
    except ConfigError:
        zone = None
    when = datetime.fromtimestamp(v.next_entry, zone)
    return (f"{zh}。请于{when.month}月{when.day}日 {when:%H:%M} 起再来",
            f"{en}. Please come back from {when:%d %b %H:%M}.")


# The kiosk's idle guide, spoken when someone wakes the kiosk or switches the language.
IDLE_PROMPT = ("请将居民码对准摄像头", "Please hold your resident code up to the camera.")


def spoken_prompt(v: Verdict, policy=None) -> tuple[str, str]:
    """(Chinese, English) said for a verdict: the screen's public words; an admission is named
    first ("通过，请通行"), a refusal or a check is not (what to do next is enough, and kinder)."""
    zh, en = public_guidance(v, policy)
    if ui_outcome(v) is Outcome.ADMIT:
        return f"通过，{zh}", f"Admitted. {en}"
    return zh, en


def staff_line(v: Verdict, chinese: bool) -> str:
    """The staff's line under a verdict: the technical reason (Chinese / English), the support code
    and the rule that refused it, e.g. "签名无效（可能伪造） / Invalid signature (possibly forged) · bad_signature"."""
    zh, en = _shown_words(v)
    parts = [f"{zh} / {en}" if chinese else en, v.reason, v.policy_rule, *v.warnings]
    return " · ".join(dict.fromkeys(p for p in parts if p))


def dcc_field_label(key: str) -> str:
    return lookup("Dcc", DCC_FIELD[key]) if key in DCC_FIELD else key


def dcc_rows(dcc: dict, chinese: bool = True) -> list[tuple[str, str]]:
    """(label, value) rows for an EU DCC summary; the holder's name is shown elsewhere. Codes
    from the EU value sets (disease, vaccine, product, manufacturer, test type and result) are
    shown by name (ui.dcc_values); a code no shipped value set knows is shown as it is."""
    from .dcc_values import name_for
    rows = []

    def flat(d, prefix=""):
        for k, v in d.items():
            key = f"{prefix}{k}"
            if isinstance(v, dict):
                yield from flat(v, key + ".")
            else:
                yield key, v
    for key, val in flat(dcc):
        if key.startswith("name."):
            continue
        label = dcc_field_label(key)
        if key == "kind" and val in DCC_KIND:
            val = lookup("Dcc", DCC_KIND[val])
        else:
            val = name_for(key, val, chinese_first=chinese) or val
        rows.append((label, "" if val is None else str(val)))
    return rows


def lookup(context: str, text: str) -> str:
    return QCoreApplication.translate(context, text)


def ui_outcome(v: Verdict) -> Outcome:
    """What the screen shows: the outcome the core decided (terminal.outcome), never re-decided here."""
    return v.outcome


def outcome_word(out: Outcome) -> str:
    return lookup("Outcome", OUTCOME_WORD[out])


def _shown_words(v: Verdict) -> tuple[str, str]:
    out = ui_outcome(v)
    if v.valid and out is not Outcome.ADMIT:
        # the warning that made a valid code amber or red (a suspect clock first: it explains the rest)
        for w in (R.CLOCK_SUSPECT, R.TRUST_STALE, R.SHARED_STATE_UNAVAILABLE, *v.warnings):
            if w in v.warnings:
                return warning_words(w)
    return words(v.reason)


def reason_source(v: Verdict) -> str:
    """The English short reason for a verdict shown on screen (the secondary line under Chinese)."""
    return _shown_words(v)[1]


def reason_text(v: Verdict, chinese: bool) -> str:
    """The short reason for a verdict in the app's language."""
    zh, en = _shown_words(v)
    return zh if chinese else en


def reason_word(reason: str, chinese: bool) -> str:
    zh, en = words(reason)
    return zh if chinese else en


def cert_type_name(t: str) -> str:
    src = CERT_TYPE.get(t)
    return lookup("Certs", src) if src else t


def code_type_name(typ: str) -> str:
    src = CODE_TYPE.get(typ)
    return lookup("Certs", src) if src else typ
