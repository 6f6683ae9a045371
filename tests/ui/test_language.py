"""Chinese first, English on the toggle; the catalogue stays in sync with the code."""
from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from vocab import reasons as R
from ui import i18n_build

PLACEHOLDER = re.compile(r"%(?:\d+|n)")


def test_language_toggle_in_kiosk(qtbot, make_app, service, cases):
    rt = make_app("kiosk", "images:/nonexistent", start=False)
    k = rt.window.kiosk
    assert k.idle_guide.text() == "将居民码对准摄像头"
    assert k.idle_guide_en.text() == "Hold your resident code up to the camera"      # English secondary
    rt.window.show_verdict(service.scan(cases["expired"]["code"]), 0.0)
    assert k.panel.word.text() == "拒绝" and k.panel.reason.text() == "此码已过期，请在手机上更新后重新出示"
    k.lang_button.click()
    assert rt.language.code == "en"
    assert k.idle_guide.text() == "Hold your resident code up to the camera"
    assert k.panel.word.text() == "Refused" and k.panel.reason.text() == \
        "This code has expired. Please renew it in your app and show it again."
    assert not k.panel.reason_en.isVisible()
    assert rt.window.windowTitle() == "Venue Terminal"
    assert k.lang_button.text() == "中文"
    k.lang_button.click()
    assert k.panel.reason.text() == "此码已过期，请在手机上更新后重新出示" and rt.window.windowTitle() == "场所核验终端"


def test_kiosk_type_is_large(qtbot, make_app):
    rt = make_app("kiosk", "images:/nonexistent", start=False)
    k = rt.window.kiosk
    for w in (k.idle_guide, k.guide, k.lang_button, k.panel.word, k.panel.reason):
        assert w.font().pointSize() >= 28, w


def test_every_reason_code_has_words():
    from ui import texts as T
    assert set(T.REASON) >= set(R.ALL_REASONS)


def _messages(ts: Path) -> dict[tuple[str, str], ET.Element]:
    root = ET.parse(ts).getroot()
    return {(ctx.findtext("name"), m.findtext("source")): m for ctx in root.iter("context") for m in ctx.iter("message")}


def test_ts_matches_sources_and_is_finished(tmp_path):
    fresh = tmp_path / "fresh.ts"
    i18n_build.lupdate(fresh)
    have, want = _messages(i18n_build.TS), _messages(fresh)
    assert set(want) == set(have), "run: .venv/bin/python -m ui.i18n_build"
    for key, m in have.items():
        tr = m.find("translation")
        assert tr.get("type") is None and (tr.text or "").strip(), f"unfinished: {key}"


def test_translations_keep_their_placeholders():
    for (ctx, src), m in _messages(i18n_build.TS).items():
        tr = m.find("translation").text or ""
        assert sorted(PLACEHOLDER.findall(src)) == sorted(PLACEHOLDER.findall(tr)), (ctx, src, tr)


def test_qm_is_compiled_from_ts(tmp_path):
    qm = tmp_path / "check.qm"
    i18n_build.lrelease(i18n_build.TS, qm)
    assert qm.read_bytes() == i18n_build.QM.read_bytes(), "run: .venv/bin/python -m ui.i18n_build"


def test_qt_standard_buttons_follow_the_language(qapp):
    """The settings dialog's Save/Cancel come from Qt's own catalogue: Chinese in Chinese."""
    from ui.i18n import Language
    from ui.qt import QDialogButtonBox
    lang = Language(qapp, "zh")
    try:
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        assert box.button(QDialogButtonBox.StandardButton.Save).text().replace("&", "").startswith("保存")
        lang.set("en")
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save)
        assert box.button(QDialogButtonBox.StandardButton.Save).text().replace("&", "") == "Save"
    finally:
        lang.close()
