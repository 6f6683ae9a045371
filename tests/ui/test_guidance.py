"""Guidance that says what to do next: the public reads (and hears) neutral words per reason and
per policy rule, Chinese first with English below; the staff line keeps the technical reason."""
from __future__ import annotations

import re

import pytest

from vocab import reasons as R
from terminal.verdict import Verdict
from ui import texts as T

from test_modes import texts_of      # same folder (pytest prepends it to sys.path)

ACCUSING = ("伪造", "冒用", "可能", "forged", "fake", "fraud", "possibly", "invalid signature")


def test_every_reason_and_warning_has_neutral_guidance():
    for reason in R.ALL_REASONS:
        zh, en = T.public_guidance(Verdict(valid=reason == R.OK, reason=reason))
        assert zh and en, reason
        assert "请" in zh and "lease" in en, (reason, zh, en)              # each says what to do next
        assert not any(a in zh or a.lower() in en.lower() for a in ACCUSING), (reason, zh, en)
        assert not re.search(r"[a-z]+_[a-z_]+", zh + en), (reason, zh, en)  # no support codes for the public
    for w in T.WARNING_GUIDANCE:
        v = Verdict(valid=True, reason=R.OK, warnings=(w,))
        zh, en = T.public_guidance(v)
        assert "请" in zh and "lease" in en, w
    # the technical words stay for staff: a bad signature is still called that on the staff line
    assert "签名无效（可能伪造）" in T.staff_line(Verdict(valid=False, reason=R.BAD_SIGNATURE), True)


@pytest.mark.parametrize("mode", ["gate", "kiosk", "counter"])
def test_a_forged_code_is_not_called_forged_in_public(qtbot, make_app, service, cases, mode):
    rt = make_app(mode, "images:/nonexistent", start=False)
    v = service.scan(cases["tampered_payload"]["code"])
    assert v.reason == R.BAD_SIGNATURE
    rt.window.show_verdict(v, 0.0)
    p = rt.window.view.panel
    assert (p.reason.text(), p.reason_en.text()) == (
        "此码无法验证，请到人工窗口办理", "This code cannot be verified. Please go to the staffed counter.")
    shown = "\n".join(t for t in texts_of(rt.window) if t)
    if mode == "kiosk":           # nothing technical at all on the public's screen
        assert "伪造" not in shown and "bad_signature" not in shown and not p.staff_line.isVisible()
    else:                          # the staff's line keeps the technical reason and its code
        assert p.staff_line.isVisible()
        assert p.staff_line.text() == "签名无效（可能伪造） / Invalid signature (possibly forged) · bad_signature"


@pytest.mark.parametrize("policy,code,rule,zh,en_part", [
    ("park-senior", "enterprise_ok", "accept:enterprise", "本入口只接受居民码，请到售票处办理", "resident codes only"),
    ("park-student-teacher", "resident_es256_ok", "admit_any:student|teacher",
     "本入口限持学生证或教师资格证者优惠入园，请到售票处购买全价票", "student card"),
])
def test_a_policy_rule_explains_itself(qtbot, make_app, service, cases, policy, code, rule, zh, en_part):
    service.set_policy(policy)
    rt = make_app("kiosk", "images:/nonexistent", start=False)
    v = service.scan(cases[code]["code"])
    assert (v.reason, v.policy_rule) == (R.POLICY_DENIED, rule)
    rt.window.show_verdict(v, 0.0)
    p = rt.window.kiosk.panel
    assert p.reason.text() == zh and en_part in p.reason_en.text()
    rt.window.set_language("en")
    assert en_part in p.reason.text() and not p.reason_en.isVisible()


def test_park_senior_explains_its_free_entry_rule(qtbot, make_app, service):
    """The issue's example, word for word, on the gate's public line; the rule on the staff line."""
    service.set_policy("park-senior")
    v = Verdict(valid=False, reason=R.POLICY_DENIED, policy_rule="admit_any:senior|senior_certificate|disability")
    rt = make_app("gate", "images:/nonexistent", start=False)
    rt.window.show_verdict(v, 0.0)
    p = rt.window.gate.panel
    assert p.reason.text() == "本入口限60岁以上老人或持残疾人证者免费入园，请到售票处购票"
    assert "admit_any:senior|senior_certificate|disability" in p.staff_line.text()
    service.set_policy("general")          # no explanation for this rule: the generic words
    rt.window.show_verdict(v, 0.0)
    assert p.reason.text() == "本入口不能为您放行，请到人工窗口办理"
