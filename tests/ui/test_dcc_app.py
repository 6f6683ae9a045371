"""EU DCC in the app (issue 11 defect 5): the counter shows a real HC1 certificate's fields in people's
words from the shipped EU value sets (never the raw codes 840539006 or EU/1/20/1528), Chinese first
and in English on the toggle; gui's --dcc-cert/--dcc-trust and the Settings dialog's DCC trust file
feed the HC1 path. Real DSCs and signatures (tests/dcc/hc1kit.py), a real TerminalService, a real window.
"""
from __future__ import annotations

import base64
import importlib.util
import json
from pathlib import Path

import pytest

from terminal.service import TerminalService
from terminal.settings import Settings
from ui import dcc_values
from ui.qt import QAbstractButton, QLabel, QLineEdit, QWidget
from vocab import reasons as R

_spec = importlib.util.spec_from_file_location("hc1kit", Path(__file__).resolve().parents[1] / "dcc" / "hc1kit.py")
K = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(K)

KEY = K.key("ec", 21)
DSC = K.make_dsc(KEY, country="AT")
RAW_CODES = ("840539006", "1119349007", "EU/1/20/1528", "ORG-100030215", "LP6464-4", "260415000")


def shown(root: QWidget) -> str:
    parts = []
    for w in root.findChildren(QWidget):
        if isinstance(w, (QLabel, QAbstractButton, QLineEdit)) and w.isVisible():
            parts.append(w.text())
    return "\n".join(parts)


def scan_into_counter(rt, svc: TerminalService, member: str) -> str:
    v = svc.scan(K.sign_hc1(KEY, DSC, K.claims(member, country="AT")))
    assert v.valid, v
    rt.window.show_verdict(v, 0.0)
    return shown(rt.window.counter.dcc_box)


@pytest.fixture
def dcc_service():
    svc = TerminalService.from_files(dcc=K.trust_of(DSC), clock=lambda: K.T0)
    yield svc
    svc.close()


def test_value_sets_are_shipped_with_their_licence():
    assert (dcc_values.VALUESET_DIR / "LICENSE").read_text().startswith(" " * 33 + "Apache License")
    for file, _vid in dcc_values.FIELD_SETS.values():
        assert dcc_values.english(file), file
    assert dcc_values.english("vaccine-medicinal-product.json")["EU/1/20/1507"] == "Spikevax"
    assert dcc_values.english("disease-agent-targeted.json")["840539006"] == "COVID-19"
    # every Chinese name is for a code the EU sets have (no invented codes)
    for field, (file, vid) in dcc_values.FIELD_SETS.items():
        assert set(dcc_values.chinese().get(vid, {})) <= set(dcc_values.english(file)), field


def test_the_counter_names_a_vaccination_in_chinese_then_english(qtbot, make_app, dcc_service):
    rt = make_app("counter", "images:/nonexistent", start=False, service=dcc_service)
    text = scan_into_counter(rt, dcc_service, "v")
    for want in ("疫苗接种", "新型冠状病毒感染", "COVID-19", "新冠病毒 mRNA 疫苗", "Comirnaty",
                 "Biontech Manufacturing GmbH", "接种日期", "2021-06-01", "剂次"):
        assert want in text, want
    assert not any(code in text for code in RAW_CODES), text
    assert rt.window.counter.fields["id"][0].text() == "证书编号"          # the certificate's id, not a person's
    rt.window.set_language("en")
    text = shown(rt.window.counter.dcc_box)
    for want in ("Vaccination", "Disease", "COVID-19", "Vaccine type", "SARS-CoV-2 mRNA vaccine", "Comirnaty"):
        assert want in text, want
    assert "新冠" not in text and not any(code in text for code in RAW_CODES)


def test_the_counter_names_a_test_result(qtbot, make_app, dcc_service):
    rt = make_app("counter", "images:/nonexistent", start=False, service=dcc_service)
    text = scan_into_counter(rt, dcc_service, "t")
    for want in ("检测", "核酸检测", "阴性，未检出", "Not detected", "检测结果"):
        assert want in text, want
    assert not any(code in text for code in RAW_CODES), text


def test_a_code_no_value_set_knows_is_shown_as_it_is():
    from ui import texts as T
    rows = dict(T.dcc_rows({"kind": "test", "entry": {"ma": "1232", "mp": "EU/1/99/0000"}}, chinese=False))
    assert "1232" in rows.values() and "EU/1/99/0000" in rows.values()


def test_gui_options_and_the_settings_file_feed_the_hc1_path(qtbot, tmp_path):
    from ui.app import AppOptions, build
    pem = tmp_path / "at.pem"
    pem.write_bytes(K.pem(DSC))
    code = K.sign_hc1(KEY, DSC, K.claims(country="AT"))
    rt = build(AppOptions(mode="counter", source="images:/nonexistent", settings_path=tmp_path / "s.json",
                          fullscreen=False, dcc_cert=(str(pem),), clock=lambda: K.T0, sync=False))
    qtbot.addWidget(rt.window)
    try:
        assert rt.service.scan(code).valid
    finally:
        rt.window.shutdown()
        rt.stop()
    # the same DSC from the dcc_trust setting (a trust JSON file), and a Settings change that drops it
    trust = tmp_path / "t.json"
    trust.write_text(json.dumps([{"country": "AT", "certificate": base64.b64encode(DSC).decode()}]))
    Settings().with_(dcc_trust=str(trust)).save(tmp_path / "s2.json")
    rt = build(AppOptions(mode="counter", source="images:/nonexistent", settings_path=tmp_path / "s2.json",
                          fullscreen=False, clock=lambda: K.T0, sync=False))
    qtbot.addWidget(rt.window)
    try:
        assert rt.service.scan(code).valid
        rt.apply_settings(rt.settings.with_(dcc_trust=""))
        assert rt.service.scan(code).reason == R.UNKNOWN_ISSUER
        assert json.loads((tmp_path / "s2.json").read_text())["dcc_trust"] == ""
    finally:
        rt.window.shutdown()
        rt.stop()


def test_the_settings_dialog_has_the_dcc_trust_file(qtbot, tmp_path):
    from ui.dialogs import SettingsDialog
    dlg = SettingsDialog(Settings(), None, platform_url=None, cameras=[("camera 0", "camera:0")])
    qtbot.addWidget(dlg)
    assert (dlg.dcc_trust.accessibleName(), dlg.dcc_trust.accessibleDescription()) == (
        "欧盟数字新冠证书（DCC）信任文件", "EU DCC trust file")
    dlg.dcc_trust.setText(str(tmp_path / "missing.json"))
    assert not dlg.try_save() and "dcc_trust" in dlg.error.text() and "missing.json" in dlg.error.text()
    pem = tmp_path / "at.pem"
    pem.write_bytes(K.pem(DSC))
    dlg.dcc_trust.setText(str(pem))
    assert dlg.try_save() and dlg.result_settings.dcc_trust == str(pem)
