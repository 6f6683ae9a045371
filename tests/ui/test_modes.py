"""Frames from an image folder or a video reach the screen as the right colour and words in
every mode, within a bounded number of frames; refused codes never show personal data."""
from __future__ import annotations

import pytest

from vocab import reasons as R
from ui import texts as T
from ui.qt import QAbstractButton, QLabel, QLineEdit, QTableWidget, QWidget

GREEN, RED, AMBER = T.OUTCOME_COLOUR.values()


def collect_shown(rt):
    """Every verdict as painted: (reason code, panel colour, big word, reason line, frames decoded)."""
    shown = []

    def on_paint(v, t_in, t_paint):
        p = rt.window.view.panel
        shown.append((v.reason, p.colour(), p.word.text(), p.reason.text(), rt.capture.frames_decoded))
    rt.window.verdict_shown.connect(on_paint)
    return shown


EXPECT = [
    ("resident_es256_ok", R.OK, GREEN, "通过", "请通行"),
    ("expired", R.EXPIRED, RED, "拒绝", "此码已过期，请在手机上更新后重新出示"),
    ("not_a_code_url", R.UNKNOWN_FORMAT, RED, "拒绝", "这不是可核验的码，请出示居民码或企业码"),
    ("blank", R.UNREADABLE, AMBER, "请联系工作人员", "未能识别，请将码放平，对准摄像头并保持不动"),
]


@pytest.mark.parametrize("mode", ["gate", "kiosk", "counter"])
def test_images_show_colour_and_reason(qtbot, make_app, image_dir, mode):
    # images 0.15 s apart (the fixture's): each verdict must be painted, even when two arrive a few
    # ms apart after a slow first scan (MainWindow.show_verdict repaints at once, 89c4953)
    rt = make_app(mode, image_dir([e[0] for e in EXPECT]))
    shown = collect_shown(rt)
    qtbot.waitUntil(lambda: len(shown) >= len(EXPECT), timeout=20000)
    assert [s[0] for s in shown] == [e[1] for e in EXPECT]
    for (reason, colour, word, line, frames), (_n, _r, want_colour, want_word, want_line) in zip(shown, EXPECT):
        assert colour == want_colour, reason
        assert word == want_word
        assert line == want_line
        assert frames <= len(EXPECT)       # one image, one frame, one verdict
    assert rt.window.view.panel.isVisible()


@pytest.mark.parametrize("mode", ["gate", "kiosk", "counter"])
def test_video_source(qtbot, make_app, cases, tmp_path, mode):
    """A simulated camera: a valid code, then a foreign URL code, in a real MJPG video."""
    import numpy as np
    from scanner import synth
    rng = np.random.default_rng(7)
    frames = []
    for name in ("resident_es256_ok", "not_a_code_url"):
        f = synth.make_frame("clean", rng, size=(640, 480), payloads=[cases[name]["code"]])
        frames += [f.gray] * 12
        frames += [synth.make_frame("empty", rng, size=(640, 480)).gray] * 6
    video = synth.write_video(tmp_path / "cam.avi", frames, fps=30)
    rt = make_app(mode, f"video:{video}")
    shown = collect_shown(rt)
    qtbot.waitUntil(lambda: len(shown) >= 2, timeout=15000)
    assert [(s[0], s[1]) for s in shown[:2]] == [(R.OK, GREEN), (R.UNKNOWN_FORMAT, RED)]
    # the first code is on screen from frame 0: its verdict needs at most a few frames
    assert shown[0][4] <= 6
    qtbot.waitUntil(lambda: rt.window.camera_state == "ended", timeout=15000)
    if mode == "gate":
        assert (rt.window.gate.admitted.text(), rt.window.gate.refused.text()) == ("今日通过：1", "今日拒绝：1")
    assert len(shown) == 2        # held codes are one scan each, not one per frame


def texts_of(root: QWidget) -> list[str]:
    out = [root.windowTitle(), root.accessibleName(), root.accessibleDescription()]
    for w in root.findChildren(QWidget):
        out += [w.accessibleName(), w.accessibleDescription(), w.toolTip()]
        if isinstance(w, (QLabel, QAbstractButton, QLineEdit)):
            out.append(w.text())
        if isinstance(w, QTableWidget):
            for r in range(w.rowCount()):
                for c in range(w.columnCount()):
                    item = w.item(r, c)
                    if item is not None:
                        out.append(item.text())
    return out


@pytest.mark.parametrize("mode", ["gate", "kiosk", "counter"])
def test_red_screen_holds_no_personal_data(qtbot, make_app, service, cases, mode):
    """A revoked code still carries a name and ID in its verdict; none of it reaches a widget,
    not even after a valid code showed its holder's details in counter mode."""
    rt = make_app(mode, "images:/nonexistent", start=False)
    ok = service.scan(cases["resident_es256_ok"]["code"])
    bad = service.scan(cases["revoked"]["code"])
    assert bad.reason == R.REVOKED and bad.credential is not None and bad.credential.name
    rt.window.show_verdict(ok, 0.0)
    if mode == "counter":
        assert ok.credential.name in texts_of(rt.window)      # the test can see a name when one is shown
    rt.window.show_verdict(bad, 0.0)
    assert rt.window.view.panel.colour() == RED
    texts = "\n".join(texts_of(rt.window))
    for secret in (bad.credential.name, bad.credential.idm, *[c.no for c in bad.credential.certs]):
        assert secret not in texts
    if mode == "counter":
        rt.window.counter.copy_json()
        assert bad.credential.name not in rt.window.counter.last_json


def test_counter_shows_details_and_certificate_names(qtbot, make_app, service, cases):
    rt = make_app("counter", "images:/nonexistent", start=False)
    v = service.scan(cases["resident_es256_ok"]["code"])
    rt.window.show_verdict(v, 0.0)
    c = rt.window.counter
    assert c.fields["name"][1].text() == v.credential.name
    assert c.fields["id"][1].text() == v.credential.idm
    types = [c.certs.item(r, 0).text() for r in range(c.certs.rowCount())]
    for cert, shown in zip(v.credential.certs, types):
        assert shown == (T.cert_type_name(cert.t))
    assert "身份证" in types or not any(cert.t == "id_card" for cert in v.credential.certs)
    assert T.cert_type_name("fishing_licence") == "fishing_licence"      # unknown types shown raw
    c.copy_json()
    assert '"reason": "ok"' in c.last_json and v.credential.name in c.last_json
    assert c.log.rowCount() == 1


def test_counter_shows_dcc_details(qtbot, make_app):
    from terminal.verdict import CredentialSummary, Verdict
    dcc = {"ver": "1.3.0", "dob": "1964-08-12", "name": {"fn": "Mustermann", "gn": "Erika"}, "kind": "vaccination",
           "entry": {"tg": "840539006", "dn": 2, "sd": 2, "dt": "2021-05-29", "co": "AT", "ci": "URN:UVCI:01:AT:X"}}
    v = Verdict(valid=True, reason=R.OK, profile="HC1",
                credential=CredentialSummary(typ="dcc", name="Mustermann, Erika", idm="URN:UVCI:01:AT:X",
                                             issuer="AT", dcc=dcc))
    rt = make_app("counter", "images:/nonexistent", start=False)
    rt.window.show_verdict(v, 0.0)
    c = rt.window.counter
    assert c.dcc_box.isVisible()
    texts = texts_of(c.dcc_box)
    for want in ("疫苗接种", "接种日期", "2021-05-29", "出生日期", "1964-08-12", "国家", "AT"):
        assert want in texts, want
    assert c.fields["type"][1].text() == "欧盟数字新冠证书 (HC1)"


def test_only_ui_qt_imports_the_binding():
    """Layering: one module imports PySide6; terminal/, scanner/ and cache/ never import Qt or ui
    at module level (the gui/demo commands import ui inside the function that runs it)."""
    import ast
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]

    def top_imports(path):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Import):
                yield from (a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield node.module

    def all_imports(path):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                yield from (a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                yield node.module

    for p in sorted((root / "ui").glob("*.py")):
        qt = [m for m in all_imports(p) if m.startswith("PySide6")]
        if p.name == "qt.py":
            assert qt
        else:
            assert not qt, f"{p.name} imports {qt}: take Qt names from ui.qt"
    for pkg in ("terminal", "scanner", "cache"):
        for p in sorted((root / pkg).rglob("*.py")):
            bad = [m for m in top_imports(p) if m.startswith("PySide6") or m == "ui" or m.startswith("ui.")]
            assert not bad, f"{p.relative_to(root)} imports {bad} at module level"
            if "commands" not in p.parts:
                assert not [m for m in all_imports(p) if m.startswith(("PySide6", "ui."))], p


def test_damaged_code_in_front_of_the_camera_is_amber(qtbot, make_app, tmp_path):
    """A QR symbol the camera sees but nobody can read still gets an outcome: amber, once."""
    import numpy as np
    from scanner import synth
    img = synth.qr_image("EZ1:" + "ABCDEFGHIJ" * 30, scale=4)
    h, w = img.shape
    rng = np.random.default_rng(1)
    img[int(h * .35):int(h * .65), int(w * .3):int(w * .7)] = \
        rng.integers(0, 2, (int(h * .65) - int(h * .35), int(w * .7) - int(w * .3))).astype(np.uint8) * 255
    frame = np.full((480, 640), 180, np.uint8)
    frame[40:40 + h, 100:100 + w] = img
    empty = np.full((480, 640), 180, np.uint8)
    video = synth.write_video(tmp_path / "cam.avi", [empty] * 3 + [frame] * 75 + [empty] * 5, fps=30)
    rt = make_app("gate", f"video:{video}")
    shown = collect_shown(rt)
    qtbot.waitUntil(lambda: rt.window.camera_state == "ended", timeout=15000)
    qtbot.waitUntil(lambda: len(shown) >= 1, timeout=2000)
    assert [(s[0], s[1]) for s in shown] == [(R.UNREADABLE, AMBER)]
