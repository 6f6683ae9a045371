"""The counter for clerks (issue 11, 免填写): a copy button per field, a one-page summary to print or
save as PDF, authority names from the trust list, certificate tables that never cut their text, no
age row for an enterprise, and the holder's details cleared after an idle time.

The trust data is an SM2 conformance world (issuer.world): its trust list names two of the SD-RC
keys (山东省大数据局, 山东省公安厅) and none of SD-EC's, so a name and the id fallback are both seen.
"""
from __future__ import annotations

import dataclasses
import json

import pytest
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QLabel, QStyle

from terminal.service import TerminalService
from terminal.verdict import CredentialSummary, LinkedCert, Verdict
from ui import counter as K
from vocab import reasons as R


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from issuer.world import build_world
    d = tmp_path_factory.mktemp("sm2world")
    build_world(d, "counter", images=False, alg="sm2")
    doc = json.loads((d / "cases.json").read_text())
    return d, doc["now"], {c["name"]: c for c in doc["cases"]}


@pytest.fixture
def named(world):
    d, now, _ = world
    svc = TerminalService.from_files(root_key=d / "root.pem", trust_list=d / "trust-list.cose",
                                     revocations=d / "revocations.cose", clock=lambda: now)
    yield svc
    svc.close()


@pytest.fixture
def scan(world, named):
    return lambda name: named.scan(world[2][name]["code"])


@pytest.fixture
def counter(make_app, named):
    rt = make_app("counter", "images:/nonexistent", start=False, service=named)
    return rt


def shown_texts(w) -> str:
    out = [lab.text() for lab in w.findChildren(QLabel) if lab.isVisible()]
    for t in (w.counter.certs, w.counter.log):
        out += [t.item(r, c).text() for r in range(t.rowCount()) for c in range(t.columnCount()) if t.item(r, c)]
    return "\n".join(out)


def pdf_text(path) -> tuple[int, QSize, str]:
    doc = QPdfDocument()
    assert doc.load(str(path)) == QPdfDocument.Error.None_
    text = "\n".join(doc.getAllText(i).text() for i in range(doc.pageCount()))
    size = doc.pagePointSize(0).toSize()
    n = doc.pageCount()
    doc.close()
    return n, size, text


# ---------------------------------------------------------------------------------- copy per field

def test_each_copy_button_puts_its_fields_exact_value_on_the_clipboard(qtbot, counter, scan):
    v = scan("sm2_uid_issuer_ok")
    counter.window.show_verdict(v, 0.0)
    c = counter.window.counter
    cb = QGuiApplication.clipboard()
    want = {"name": v.credential.name, "id": v.credential.idm, "age": "≥18  ≥60  ≥65",
            "issuer": "山东省公安厅 · 国密 SM2"}
    for key, value in want.items():
        cb.setText("")
        b = c.copy_buttons[key]
        assert b.isEnabled() and b.text() == "复制"
        qtbot.mouseClick(b, Qt.MouseButton.LeftButton)
        assert cb.text() == value, key
        assert b.text() == "已复制" and b.showing_copied
    qtbot.waitUntil(lambda: c.copy_buttons["issuer"].text() == "复制", timeout=5000)   # the feedback goes


def test_copy_buttons_work_from_the_keyboard(qtbot, counter, scan):
    v = scan("sm2_uid_issuer_ok")
    counter.window.show_verdict(v, 0.0)
    c = counter.window.counter
    b = c.copy_buttons["id"]
    assert b.focusPolicy() & Qt.FocusPolicy.TabFocus
    QGuiApplication.clipboard().setText("")
    b.setFocus()
    qtbot.keyClick(b, Qt.Key.Key_Space)      # (a printable key: the wedge listener holds it a moment first)
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == v.credential.idm, timeout=5000)
    assert (b.accessibleName(), b.accessibleDescription()) == ("复制 证件号码", "Copied: ID number")


def test_no_copy_for_a_refused_code(qtbot, counter, scan):
    counter.window.show_verdict(scan("revoked"), 0.0)
    c = counter.window.counter
    assert not any(b.isEnabled() for b in c.copy_buttons.values())


# ---------------------------------------------------------------------------------- summary sheet

def test_summary_pdf_is_one_a4_page_with_the_holder_certificates_and_terminal(qtbot, counter, scan, tmp_path, named):
    w = counter.window
    w.status = dataclasses.replace(named.status(), terminal_id="T-COUNTER-7")
    v = scan("unknown_cert_type_ok")
    w.show_verdict(v, 0.0)
    path = w.counter.save_summary(str(tmp_path / "summary.pdf"))
    pages, size, text = pdf_text(path)
    assert pages == 1
    assert size == QSize(595, 842)                                   # A4 in points
    for want in (v.credential.name, v.credential.idm, "T-COUNTER-7", "核验摘要", "通过", named.authority_names()["SD-RC"],
                 "潍坊市人力资源和社会保障局", "SD-LN-****02", "fishing_licence", "老年人优待证", "年龄条件"):
        assert want in text, want


def test_summary_of_a_refused_code_has_no_holder_details(qtbot, counter, scan, tmp_path):
    v = scan("revoked")
    assert v.credential is not None and v.credential.name
    counter.window.show_verdict(v, 0.0)
    pages, _size, text = pdf_text(counter.window.counter.save_summary(str(tmp_path / "r.pdf")))
    assert pages == 1 and "拒绝" in text and "未通过核验的码不显示持码人信息" in text
    for secret in (v.credential.name, v.credential.idm, *[c.no for c in v.credential.certs]):
        assert secret not in text


def test_printing_renders_the_same_one_page_sheet(qtbot, counter, scan, tmp_path):
    """The print path (QPrintDialog's printer) on a printer that writes PDF: no printer needed."""
    v = scan("sm2_uid_issuer_ok")
    counter.window.show_verdict(v, 0.0)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert counter.window.counter.print_summary(printer)
    pages, size, text = pdf_text(tmp_path / "printed.pdf")
    assert pages == 1 and size == QSize(595, 842) and v.credential.name in text


def test_a_long_summary_still_fits_one_page(qtbot, tmp_path):
    rows = tuple((f"字段 {i}", "很长的内容 " * 20) for i in range(30))
    certs = tuple(("身份证", "3701**********1234", "2030-01-01", "某某市某某局" * 4) for _ in range(40))
    s = K.Summary(rows=rows, cert_headers=("证照", "证号", "有效期至", "发证机关"), certs=certs)
    pages, _size, text = pdf_text(K.save_summary_pdf(s, str(tmp_path / "long.pdf")))
    assert pages == 1 and "字段 29" in text


# ---------------------------------------------------------------------------------- names and rows

def test_authority_names_from_the_trust_list_not_ids(qtbot, counter, scan, named):
    names = named.authority_names()
    assert names["SD-RC"] in ("山东省大数据局", "山东省公安厅") and "SD-EC" not in names   # SD-EC: no entry names it
    c = counter.window.counter
    counter.window.show_verdict(scan("sm2_issuer_ok"), 0.0)               # the signing key's own entry names it
    assert c.fields["issuer"][1].text() == "山东省大数据局 · 国密 SM2"
    counter.window.show_verdict(scan("sm2_uid_issuer_ok"), 0.0)
    assert c.fields["issuer"][1].text() == "山东省公安厅 · 国密 SM2"
    counter.window.show_verdict(scan("resident_es256_ok"), 0.0)          # its key has no name, SD-RC's others do
    assert c.fields["issuer"][1].text().startswith(names["SD-RC"] + " · ")
    assert "SD-RC" not in shown_texts(counter.window)
    counter.window.show_verdict(scan("enterprise_ok"), 0.0)              # no name anywhere: the id
    assert c.fields["issuer"][1].text().startswith("SD-EC · ")


def test_a_certificate_issued_by_a_listed_authority_shows_its_name(qtbot, counter, named):
    cred = CredentialSummary(typ="resident", name="王*", idm="3701**********0000", age=(18,),
                             certs=(LinkedCert("senior", "SD-LN-****01", None, "SD-RC"),
                                    LinkedCert("student", "XS-****9", None, "某某大学")), issuer="SD-RC")
    counter.window.show_verdict(Verdict(valid=True, reason=R.OK, profile="EZ1", credential=cred), 0.0)
    t = counter.window.counter.certs
    assert [t.item(r, 3).text() for r in range(t.rowCount())] == [named.authority_names()["SD-RC"], "某某大学"]


def test_enterprise_has_no_age_row_resident_keeps_it(qtbot, counter, scan, tmp_path):
    c = counter.window.counter
    age_label = c.fields["age"][0]
    counter.window.show_verdict(scan("enterprise_ok"), 0.0)
    assert not c.form.isRowVisible(age_label) and not age_label.isVisible()
    assert "年龄条件" not in shown_texts(counter.window)
    assert "年龄条件" not in pdf_text(c.save_summary(str(tmp_path / "e.pdf")))[2]
    counter.window.show_verdict(scan("resident_ed25519_ok"), 0.0)
    assert c.form.isRowVisible(age_label) and age_label.isVisible()
    assert c.fields["age"][1].text() == "≥18  ≥60  ≥65"


# ---------------------------------------------------------------------------------- idle clear

def test_idle_clear_takes_the_holder_off_the_screen_and_the_clipboard(qtbot, counter, scan):
    w = counter.window
    counter.apply_settings(counter.settings.with_(counter_clear_after_s=0.3))
    v = scan("sm2_uid_issuer_ok")
    w.show_verdict(v, 0.0)
    c = w.counter
    assert v.credential.name in shown_texts(w)
    qtbot.mouseClick(c.copy_buttons["name"], Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == v.credential.name
    qtbot.waitUntil(lambda: c.verdict is None, timeout=5000)
    texts = shown_texts(w)
    for secret in (v.credential.name, v.credential.idm, *[x.no for x in v.credential.certs]):
        assert secret not in texts
    assert c.certs.rowCount() == 0 and c.log.rowCount() == 1           # the day's scans stay (no personal data)
    assert QGuiApplication.clipboard().text() == "" and c.verdict_json() == "" and c.last_json == ""
    assert not c.summary_button.isEnabled() and c.save_summary("/nonexistent/x.pdf") is None


def test_an_interaction_restarts_the_wait_and_zero_never_clears(qtbot, counter, scan):
    w = counter.window
    c = w.counter
    c.set_clear_after(30)
    w.show_verdict(scan("sm2_uid_issuer_ok"), 0.0)
    qtbot.wait(300)
    before = c.idle._timer.remainingTime()
    qtbot.keyClick(c.copy_buttons["name"], Qt.Key.Key_Tab)
    assert c.idle._timer.remainingTime() > before                     # started again from 30 s
    qtbot.wait(300)
    before = c.idle._timer.remainingTime()
    qtbot.mouseClick(c.certs.viewport(), Qt.MouseButton.LeftButton)
    assert c.idle._timer.remainingTime() > before
    c.set_clear_after(0)
    assert not c.idle.armed
    w.show_verdict(scan("sm2_uid_issuer_ok"), 0.0)
    assert not c.idle.armed and c.verdict is not None


def test_clear_after_is_a_setting():
    from terminal.settings import Settings, SettingsError
    assert Settings().counter_clear_after_s == 120
    assert Settings().with_(counter_clear_after_s=0).counter_clear_after_s == 0
    with pytest.raises(SettingsError):
        Settings().with_(counter_clear_after_s=-1)


# ---------------------------------------------------------------------------------- no truncated cells

def cut_cells(table) -> list[str]:
    """Every cell and header label whose text (wrapped as the delegate draws it) does not fit its rect."""
    probs = []
    fm = QFontMetrics(table.font())
    m = K.text_margin(table)
    flags = int((Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap).value)
    for r in range(table.rowCount()):
        for col in range(table.columnCount()):
            item = table.item(r, col)
            if item is None or not item.text():
                continue
            rect = table.visualRect(table.model().index(r, col)).adjusted(m, 0, -m, 0)
            br = fm.boundingRect(rect, flags, item.text())
            if br.width() > rect.width() + 1 or br.height() > rect.height() + 1:
                probs.append(f"{item.text()!r} needs {br.width()}x{br.height()}, has {rect.width()}x{rect.height()}")
    hh = table.horizontalHeader()
    hfm = QFontMetrics(hh.font())
    hm = table.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, table)   # SE_HeaderLabel's margin
    for col in range(table.columnCount()):
        head = table.horizontalHeaderItem(col)
        if head is None or not head.text():
            continue
        rect = QRect(0, 0, hh.sectionSize(col) - 2 * hm, hh.height() - 2 * hm)
        br = hfm.boundingRect(rect, int((Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap).value), head.text())
        if br.width() > rect.width() + 1 or br.height() > rect.height() + 1:
            probs.append(f"header {head.text()!r} needs {br.width()}x{br.height()}, has {rect.width()}x{rect.height()}")
    return probs


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("size", [(800, 480), (1280, 800)])
def test_no_certificate_cell_is_cut(qtbot, make_app, named, scan, language, size):
    rt = make_app("counter", "images:/nonexistent", start=False, service=named, language=language)
    w = rt.window
    w.resize(*size)
    qtbot.waitUntil(lambda: w.size() == QSize(*size), timeout=3000)
    for name in ("sm2_uid_issuer_ok", "enterprise_ok", "unknown_cert_type_ok", "expired_linked_cert_ok"):
        w.show_verdict(scan(name), 0.0)
        qtbot.wait(10)
        c = w.counter
        assert c.certs.rowCount() > 0
        assert cut_cells(c.certs) == [], (name, size, language)
        assert cut_cells(c.log) == [], (name, size, language)
        if size == (1280, 800) or name in ("sm2_uid_issuer_ok", "enterprise_ok"):
            # sideways scrolling only when a single word is wider than the table leaves it
            # (fishing_licence, a raw unknown type, at 800x480)
            assert not c.certs.horizontalScrollBar().isVisible(), (name, size, language)
