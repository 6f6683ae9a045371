"""Verdict rhythm and accessibility (issue 11 build): the countdown before the screen goes back to
scanning, dismissing it early by a tap or Enter / Space / Escape (never by a wedge scanner's
keys), the hold time per mode from Settings."""
from __future__ import annotations

import pytest

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from vocab import reasons as R


def key_event(kind, key, text, ts):
    ev = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text)
    ev.setTimestamp(ts)
    return ev


def press(widget, key, text="", ts=0):
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, key_event(kind, key, text, ts))


def type_burst(widget, text: str, t0: int, gap_ms: int):
    """A keyboard-wedge scanner: the code's characters gap_ms apart, then Enter."""
    t = t0
    for ch in text:
        QApplication.sendEvent(widget, key_event(QEvent.Type.KeyPress, Qt.Key.Key_Space if ch == " " else 0, ch, t))
        QApplication.sendEvent(widget, key_event(QEvent.Type.KeyRelease, Qt.Key.Key_Space if ch == " " else 0, ch,
                                                 t + 1))
        t += gap_ms
    QApplication.sendEvent(widget, key_event(QEvent.Type.KeyPress, Qt.Key.Key_Return, "\r", t))
    QApplication.sendEvent(widget, key_event(QEvent.Type.KeyRelease, Qt.Key.Key_Return, "\r", t + 1))


def focused(qtbot, w):
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=3000)
    return QApplication.focusWidget()


def number_shown(panel) -> int:
    return int(panel.countdown.text().split()[0])


@pytest.mark.parametrize("mode", ["gate", "kiosk"])
def test_countdown_is_visible_and_runs_down(qtbot, make_app, service, cases, mode):
    rt = make_app(mode, "images:/nonexistent", start=False)
    w = rt.window
    w.apply_settings(w.settings.with_(verdict_seconds=2.5, kiosk_verdict_seconds=2.5))
    view = w.view
    w.show_verdict(service.scan(cases["resident_es256_ok"]["code"]), 0.0)
    p = view.panel
    assert view.showing_verdict and p.countdown.isVisible()
    assert number_shown(p) == 3 and "秒后继续" in p.countdown.text() and "Next in 3 s" in p.countdown.text()
    width0 = p.bar_width()
    assert width0 > 0.8 * p.width()
    qtbot.waitUntil(lambda: number_shown(p) == 2, timeout=5000)
    assert 0 < p.bar_width() < width0
    assert view.showing_verdict
    # the countdown sits under the verdict's lines, never over them
    assert all(p.countdown.geometry().top() >= lab.geometry().bottom()
               for lab in (p.word, p.reason) if lab.isVisible())
    qtbot.waitUntil(lambda: not view.showing_verdict, timeout=5000)
    assert not p.countdown.isVisible() and p.bar_width() == 0


def test_english_countdown_has_no_chinese(qtbot, make_app, service, cases):
    rt = make_app("gate", "images:/nonexistent", start=False)
    rt.window.set_language("en")
    rt.window.show_verdict(service.scan(cases["expired"]["code"]), 0.0)
    assert rt.window.gate.panel.countdown.text().startswith("Next in 2 s")
    assert "秒" not in rt.window.gate.panel.countdown.text()


@pytest.mark.parametrize("key,text", [(Qt.Key.Key_Return, "\r"), (Qt.Key.Key_Space, " "), (Qt.Key.Key_Escape, "")])
def test_a_key_dismisses_the_verdict_early(qtbot, make_app, service, cases, key, text):
    rt = make_app("gate", "images:/nonexistent", start=False)
    w = rt.window
    w.apply_settings(w.settings.with_(verdict_seconds=30))
    focused(qtbot, w)
    w.show_verdict(service.scan(cases["revoked"]["code"]), 0.0)
    g = w.gate
    qtbot.waitUntil(lambda: QApplication.focusWidget() is g.panel, timeout=3000)   # the verdict has the focus
    ended = []
    g.panel.finished.connect(ended.append)
    press(QApplication.focusWidget(), key, text, ts=50_000)       # a person's key: through the wedge filter
    qtbot.waitUntil(lambda: not g.showing_verdict, timeout=3000)
    assert ended == ["dismissed"] and g.panel.remaining == 0


def test_a_tap_dismisses_the_kiosk_verdict(qtbot, make_app, service, cases):
    rt = make_app("kiosk", "images:/nonexistent", start=False)
    k = rt.window.kiosk
    rt.window.apply_settings(rt.window.settings.with_(kiosk_verdict_seconds=30))
    rt.window.show_verdict(service.scan(cases["resident_es256_ok"]["code"]), 0.0)
    assert k.showing_verdict
    qtbot.mouseClick(k.panel, Qt.MouseButton.LeftButton, pos=QPoint(k.panel.width() // 2, k.panel.height() // 2))
    assert k.stack.currentWidget() is k.guide_page and not k.panel.holding


def test_a_wedge_scan_during_a_verdict_is_a_new_code(qtbot, make_app, cases):
    """Codes contain spaces and end with Enter: a scanner's burst during a verdict is read as the
    next code and never dismisses the verdict on screen (it is replaced by the new one)."""
    rt = make_app("gate", "images:/nonexistent", start=False)
    w = rt.window
    w.apply_settings(w.settings.with_(verdict_seconds=30))
    got = []
    rt.verify.verdict.connect(lambda v, *a: got.append(v.reason))
    target = focused(qtbot, w)
    type_burst(target, cases["expired"]["code"], 10_000, 3)
    qtbot.waitUntil(lambda: got == [R.EXPIRED] and w.gate.showing_verdict, timeout=5000)
    panel = w.gate.panel
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel, timeout=3000)
    ended = []
    panel.finished.connect(ended.append)
    code = cases["revoked"]["code"]
    assert " " in code                         # the burst holds Space and Enter: both dismiss keys
    type_burst(panel, code, 20_000, 3)
    qtbot.waitUntil(lambda: got == [R.EXPIRED, R.REVOKED], timeout=5000)
    qtbot.waitUntil(lambda: w.last_verdict.reason == R.REVOKED, timeout=3000)
    qtbot.wait(200)                            # longer than the filter holds keys back
    assert ended == [] and w.gate.showing_verdict and panel.holding


def test_hold_time_from_settings_is_respected_per_mode(qtbot, make_app, service, cases):
    rt = make_app("kiosk", "images:/nonexistent", start=False)
    w = rt.window
    w.apply_settings(w.settings.with_(verdict_seconds=1.0, kiosk_verdict_seconds=6.0))
    assert (w.gate.verdict_seconds, w.kiosk.verdict_seconds) == (1.0, 6.0)
    w.show_verdict(service.scan(cases["resident_es256_ok"]["code"]), 0.0)
    assert number_shown(w.kiosk.panel) == 6 and w.kiosk.panel.hold_seconds == 6.0
    w.apply_settings(w.settings.with_(mode="gate"))
    w.show_verdict(service.scan(cases["resident_es256_ok"]["code"]), 0.0)
    assert number_shown(w.gate.panel) == 1 and w.gate.panel.hold_seconds == 1.0
    qtbot.waitUntil(lambda: not w.gate.showing_verdict, timeout=4000)
    assert w.kiosk.showing_verdict and w.kiosk.panel.remaining > 0     # still its own, longer hold


def test_hold_settings_are_in_the_dialog(qtbot):
    from terminal.settings import Settings
    from ui.dialogs import SettingsDialog
    dlg = SettingsDialog(Settings(kiosk_verdict_seconds=5.0))
    qtbot.addWidget(dlg)
    for name in ("verdict_seconds", "kiosk_verdict_seconds", "sound", "voice", "voice_volume"):
        assert name in dlg.extra
    dlg.extra["kiosk_verdict_seconds"].setValue(7.0)
    assert dlg.try_save() and dlg.result_settings.kiosk_verdict_seconds == 7.0


# ---------------------------------------------------------------------------------- accessible names

def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def unnamed_controls(root) -> list[str]:
    """Every focusable control shown under `root` whose accessible name is empty or has no Chinese."""
    from PySide6.QtWidgets import QWidget
    bad = []
    for w in [root, *root.findChildren(QWidget)]:
        if w.focusPolicy() == Qt.FocusPolicy.NoFocus or w.focusProxy() is not None or not w.isVisibleTo(root):
            continue
        if not has_cjk(w.accessibleName()) or not w.accessibleDescription():
            bad.append(f"{type(w).__name__} {w.objectName()!r} {w.accessibleName()!r} {getattr(w, 'text', str)()!r}")
    return bad


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("mode", ["gate", "kiosk", "counter"])
def test_every_control_has_a_chinese_name(qtbot, make_app, service, cases, mode, language):
    rt = make_app(mode, "images:/nonexistent", start=False)
    w = rt.window
    w.set_language(language)
    assert unnamed_controls(w) == []
    w.show_verdict(service.scan(cases["resident_es256_ok"]["code"]), 0.0)     # the verdict panel takes the focus
    assert unnamed_controls(w) == []
    assert has_cjk(w.view.panel.accessibleName()) and "通过" in w.view.panel.accessibleName()


def test_every_dialog_control_has_a_chinese_name(qtbot, tmp_path):
    """The admin's and the staff's dialogs too: Settings (with the PIN rows, staff codes, platform URL),
    the PIN keypads, staff sign-in, a disputed verdict, a paper certificate, the staff codes."""
    from cache import Store
    from cache.identity import Identity
    from terminal.pins import PinGuard
    from terminal.service import open_service
    from terminal.settings import Settings
    from ui.dialogs import NewPinDialog, PinDialog, SettingsDialog
    from ui.staff import DisputeDialog, ManualCheckDialog, SignInDialog, StaffCodesDialog
    import os
    from tests.ui.test_staff import ROOT_PEM
    home = tmp_path / "home"
    with Store.open(home) as st:
        st.identity.save_identity(Identity(terminal_id="T-1", venue_id="V-1", platform_url="http://127.0.0.1:9",
                                           token="t", venue_secret=os.urandom(32), root_key_pem=ROOT_PEM.read_bytes()))
    svc = open_service(home=home)
    guard = PinGuard(tmp_path)
    dialogs = [SettingsDialog(Settings(), platform_url="https://platform.example", pin_guard=guard,
                              open_staff=lambda parent: None),
               PinDialog(guard, ""), NewPinDialog(guard), NewPinDialog(guard, first=False)]
    dialogs += [SignInDialog(svc), DisputeDialog(svc), ManualCheckDialog(svc), ManualCheckDialog(svc, gate=True),
                    StaffCodesDialog(svc)]
    for dlg in dialogs:
        qtbot.addWidget(dlg)
        dlg.show()
        assert unnamed_controls(dlg) == [], type(dlg).__name__
    svc.close()


# ---------------------------------------------------------------------------------- announcements

@pytest.mark.parametrize("mode", ["gate", "kiosk", "counter"])
def test_a_verdict_change_is_announced(qtbot, make_app, service, cases, monkeypatch, mode):
    """Each new verdict posts NameChanged and Alert on the verdict panel, whose accessible name
    (what a screen reader reads) is the new verdict in Chinese."""
    from PySide6.QtGui import QAccessible
    real = QAccessible.updateAccessibility
    events = []

    def record(ev):
        events.append((ev.type(), ev.object(), QAccessible.queryAccessibleInterface(ev.object()).text(
            QAccessible.Text.Name)))
        real(ev)
    monkeypatch.setattr(QAccessible, "updateAccessibility", staticmethod(record))
    rt = make_app(mode, "images:/nonexistent", start=False)
    w = rt.window
    panel = w.view.panel
    events.clear()
    w.show_verdict(service.scan(cases["resident_es256_ok"]["code"]), 0.0)
    mine = [(t, name) for t, obj, name in events if obj is panel]
    assert [t for t, _ in mine] == [QAccessible.Event.NameChanged, QAccessible.Event.Alert]
    assert "核验结果" in mine[0][1] and "通过" in mine[0][1] and "请通行" in mine[0][1]
    assert "Admitted" in panel.accessibleDescription()
    events.clear()
    w.show_verdict(service.scan(cases["revoked"]["code"]), 0.0)
    mine = [(t, name) for t, obj, name in events if obj is panel]
    assert [t for t, _ in mine] == [QAccessible.Event.NameChanged, QAccessible.Event.Alert]
    assert "拒绝" in mine[0][1] and "通过" not in mine[0][1]


# ---------------------------------------------------------------------------------- the kiosk by keyboard

def tab(qtbot, backwards=False):
    w = QApplication.focusWidget()
    qtbot.keyClick(w, Qt.Key.Key_Backtab if backwards else Qt.Key.Key_Tab)
    return QApplication.focusWidget()


def ring_pixels(widget) -> int:
    """Pixels of the focus ring's colour in the widget as painted."""
    from PySide6.QtGui import QColor
    from ui import theme
    img = widget.grab().toImage()
    want = QColor(theme.FOCUS)
    n = 0
    for y in range(0, img.height()):
        for x in range(0, img.width()):
            c = img.pixelColor(x, y)
            if abs(c.red() - want.red()) + abs(c.green() - want.green()) + abs(c.blue() - want.blue()) < 40:
                n += 1
    return n


def test_kiosk_is_usable_by_keyboard(qtbot, make_app, service, cases):
    rt = make_app("kiosk", "images:/nonexistent", start=False)
    w = rt.window
    k = w.kiosk
    focused(qtbot, w)
    seen = set()
    for _ in range(4):                              # Tab goes round the kiosk's controls
        seen.add(tab(qtbot))
    assert {k.lang_button, k.admin_button} <= seen
    while QApplication.focusWidget() is not k.lang_button:
        tab(qtbot)
    # a visible focus ring on the control that has the focus, none on the others
    assert ring_pixels(k.lang_button) > 100 and ring_pixels(k.admin_button) == 0
    qtbot.keyClick(k.lang_button, Qt.Key.Key_Return)      # Enter presses it (held, then delivered by the filter)
    qtbot.waitUntil(lambda: w.language.code == "en", timeout=3000)
    assert k.lang_button.text() == "中文"
    tab(qtbot)
    assert QApplication.focusWidget() is k.admin_button and ring_pixels(k.admin_button) > 30
    opened = []

    def close_modal():
        m = QApplication.activeModalWidget()
        if m is None:
            QTimer.singleShot(20, close_modal)
            return
        opened.append(type(m).__name__)
        m.reject()
    from PySide6.QtCore import QTimer
    QTimer.singleShot(20, close_modal)
    qtbot.keyClick(k.admin_button, Qt.Key.Key_Space)       # Space presses it too: the admin PIN
    qtbot.waitUntil(lambda: bool(opened), timeout=3000)
    assert opened[0] in ("PinDialog", "NewPinDialog")
    # a verdict takes the focus; Enter dismisses it and the focus is back on the ⚙ button
    w.apply_settings(w.settings.with_(kiosk_verdict_seconds=30))
    w.activateWindow()                                      # (offscreen: closing the dialog does not)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is k.admin_button, timeout=3000)
    w.show_verdict(service.scan(cases["expired"]["code"]), 0.0)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is k.panel, timeout=3000)
    qtbot.keyClick(k.panel, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not k.showing_verdict, timeout=3000)
    assert QApplication.focusWidget() is k.admin_button


# ---------------------------------------------------------------------------------- untranslated words

def test_keypad_source_and_settings_errors_are_in_chinese(qtbot, tmp_path):
    from PySide6.QtWidgets import QApplication
    from terminal.pins import PinGuard, PinRefused
    from terminal.settings import Settings
    from ui.dialogs import PinDialog, SettingsDialog, pin_rule_text
    from ui.i18n import Language
    lang = Language(QApplication.instance(), "zh")
    try:
        pin = PinDialog(PinGuard(tmp_path), "")
        qtbot.addWidget(pin)
        assert pin.key_buttons["OK"].text() == "确定"
        assert has_cjk(pin_rule_text(PinRefused("the PIN must be 6 to 12 digits 0-9")))
        assert pin_rule_text(PinRefused("something new")).startswith("此密码不能使用")
        dlg = SettingsDialog(Settings(), cameras=[])
        qtbot.addWidget(dlg)
        for typed, want in (("video:", "视频或图片文件夹需要给出路径"), ("camera:front", "摄像头需要编号"),
                            ("", "请输入画面来源"), ("webcam:1", "无法识别的画面来源")):
            dlg.source.setEditText(typed)
            assert not dlg.try_save()
            assert want in dlg.error.text(), (typed, dlg.error.text())
        dlg.source.setEditText("camera:0")
        dlg.policy.setText(str(tmp_path / "missing.toml"))
        assert not dlg.try_save()
        assert dlg.error.text().startswith("场所规则文件（policy）无法使用：") and "missing.toml" in dlg.error.text()
    finally:
        lang.set("en")
        lang.close()
    pin = PinDialog(PinGuard(tmp_path), "")
    qtbot.addWidget(pin)
    assert pin.key_buttons["OK"].text() == "OK"


# ---------------------------------------------------------------------------------- large type, high contrast

def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours."""
    from PySide6.QtGui import QColor

    def lum(c):
        q = QColor(c)
        ch = [v / 255 for v in (q.red(), q.green(), q.blue())]
        ch = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in ch]
        return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def pixel(widget, x=None, y=None) -> str:
    img = widget.grab().toImage()
    return img.pixelColor(img.width() // 2 if x is None else x, img.height() // 2 if y is None else y).name()


def test_large_type_and_high_contrast_apply_at_once(qtbot, make_app, service, cases):
    from ui import theme
    rt = make_app("kiosk", "images:/nonexistent", start=False)
    w = rt.window
    k = w.kiosk
    qtbot.waitUntil(lambda: k.idle_guide.isVisible(), timeout=3000)
    guide_pt, title_pt = k.idle_guide.font().pointSizeF(), k.title.font().pointSizeF()
    top_before = pixel(k.top, 2, 2)
    w.show_verdict(service.scan(cases["resident_es256_ok"]["code"]), 0.0)
    word_pt = k.panel.word.font().pointSizeF()
    normal_green = k.panel.colour()
    w.apply_settings(w.settings.with_(large_type=True))            # as the Settings dialog saves it
    assert k.idle_guide.font().pointSizeF() >= 1.25 * guide_pt and k.title.font().pointSizeF() >= 1.25 * title_pt
    assert k.panel.word.font().pointSizeF() > 1.1 * word_pt         # the verdict too (as far as it fits)
    assert "background: black" in w.styleSheet()
    assert pixel(k.top, 2, 2) == "#000000" != top_before
    assert k.panel.colour() == theme.HC_OUTCOME_COLOUR[R.Outcome.ADMIT] != normal_green
    assert pixel(k.panel, 3, 3) == theme.HC_OUTCOME_COLOUR[R.Outcome.ADMIT]
    # the verdicts stay apart (three colours, far apart in lightness or hue) and readable (7:1)
    bgs = list(theme.HC_OUTCOME_COLOUR.values())
    assert len(set(bgs)) == 3
    for out, bg in theme.HC_OUTCOME_COLOUR.items():
        assert contrast(bg, theme.HC_OUTCOME_TEXT_COLOUR[out]) >= 7, out
        assert contrast(bg, "#000000") >= 1.3                      # none of them is black like the screen
    assert contrast(theme.HIGH["hint_fg"], theme.HIGH["hint_bg"]) >= 7
    assert unnamed_controls(w) == []
    w.apply_settings(w.settings.with_(large_type=False))           # and back
    assert k.idle_guide.font().pointSizeF() == pytest.approx(guide_pt)
    assert pixel(k.top, 2, 2) == top_before and k.panel.colour() == normal_green


def test_large_type_is_a_setting_in_the_dialog(qtbot):
    from terminal.settings import Settings
    from ui.dialogs import SettingsDialog
    dlg = SettingsDialog(Settings())
    qtbot.addWidget(dlg)
    box = dlg.extra["large_type"]
    assert box.accessibleName() == "大字体、高对比度"
    box.setChecked(True)
    assert dlg.try_save() and dlg.result_settings.large_type is True


def shown_text_contrasts(window) -> list[tuple[object, str, str, str, float]]:
    """Every visible QLabel with text in `window`: its text colour as the style sheets left it in
    its palette (after polishing: the window's sheet, a parent's `QLabel { color }`, its own), and
    its background measured on the window's own picture, the colour most of its rect has (what is
    painted behind it, whoever paints it). Measured, not looked up: the colour of antialiased small
    type never reaches its pixels. -> [(label, its name, text colour, background, contrast ratio)]"""
    import numpy as np
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QLabel
    img = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    px = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    px = (px[:, :img.width(), 2].astype(np.uint32) << 16) | (px[:, :img.width(), 1].astype(np.uint32) << 8) \
        | px[:, :img.width(), 0]
    out = []
    for lab in window.findChildren(QLabel):
        if not lab.isVisible() or not lab.text().strip() or lab.window() is not window:
            continue
        seen = lab.visibleRegion().boundingRect()          # (a scroll area shows part of a label, or none)
        if seen.isEmpty():
            continue
        top = lab.mapTo(window, seen.topLeft())
        crop = px[top.y():top.y() + seen.height(), top.x():top.x() + seen.width()]
        colours, counts = np.unique(crop, return_counts=True)
        bg = f"#{int(colours[counts.argmax()]):06x}"
        lab.ensurePolished()
        fg = lab.palette().color(lab.foregroundRole()).name()
        out.append((lab, f"{lab.accessibleName() or type(lab.parent()).__name__}: {lab.text()[:30]!r}",
                    fg, bg, contrast(fg, bg)))
    return out


def status_cases(service):
    """Statuses that between them give every colour of the status bar, the staff warning rows and
    the banners: offline with everything staff must act on; online with stale trust data; not
    enrolled and no trust data; not synced yet, the other gates out of reach."""
    import dataclasses
    from test_public_staff import troubled
    st = service.status()
    return [(troubled(service), "no_signal", None),
            (dataclasses.replace(st, enrolled=True, online=True, trust_stale=True), "live", None),
            (dataclasses.replace(st, enrolled=False, trust_iat=None, trust_age_s=None), "error:gone", None),
            (dataclasses.replace(st, enrolled=True, online=None, venue_store="redis://127.0.0.1:6390/0",
                                 venue_store_state="unavailable", venue_store_pending=3), "live", "relay gone")]


@pytest.mark.parametrize("mode", ["gate", "kiosk", "counter"])
def test_every_text_is_readable_in_high_contrast(qtbot, make_app, service, cases, mode):
    """Large type on: each visible text, idle and with each verdict, under each status, measured
    on the screen's own pixels at 7:1 or more against what is behind it (WCAG AAA)."""
    rt = make_app(mode, "images:/nonexistent", start=False)
    w = rt.window
    w.apply_settings(w.settings.with_(large_type=True))
    low, seen = [], set()
    staff = [w.strip.online, w.strip.trust, w.strip.camera, w.quarantine_note, w.offline_banner, w.stale_banner,
             *w.alerts.rows.values()]
    for i, (st, camera, gate_fault) in enumerate(status_cases(service)):
        w.on_status(st, (3, 1))
        w.on_camera_state(camera)
        w.on_gate_state("fault" if gate_fault else "ok", gate_fault or "")
        for show in (None, "resident_es256_ok", "revoked", "unreadable")[i % 2:]:
            if show == "unreadable":
                w.on_unreadable(0.0)
            elif show is not None:
                w.show_verdict(service.scan(cases[show]["code"]), 0.0)
            for lab, name, fg, bg, ratio in shown_text_contrasts(w):
                seen.add(lab)
                if ratio < 7:
                    low.append(f"{name} {fg} on {bg}: {ratio:.1f}")
    assert not low, "\n".join(sorted(set(low)))
    # measured: the verdict's word, and at the staff screens every status text, warning row and banner
    assert any(lab.parent() is w.view.panel for lab in seen)
    assert all(lab in seen for lab in staff) if mode != "kiosk" else not any(lab in seen for lab in staff)
