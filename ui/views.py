"""The three screens: gate (staff glance), kiosk (self-service, elderly users), counter (clerks).

Each view takes verdicts, frames and counts through plain methods called by the main window,
and re-reads its words in `retranslate()` after a language switch.

Threads: GUI thread only.
"""
from __future__ import annotations

import json
import time
from datetime import datetime

from terminal.verdict import Verdict

from . import a11y, theme
from . import texts as T
from .counter import CopyButton, FitTable, IdleClear, Summary, both, print_summary, printers_available, \
    save_summary_pdf, word
from .qt import (QT_TRANSLATE_NOOP, QApplication, QBoxLayout, QColor, QFileDialog, QFormLayout, QGridLayout, QGroupBox,
                 QGuiApplication, QHBoxLayout, QLabel, QMenu, QPainter, QPixmap, QPushButton,
                 QStackedWidget, Qt, QTimer, QVBoxLayout,
                 QWidget, Signal)
from .widgets import PreviewWidget, Scaler, VerdictPanel, font


ALG_DISPLAY = {"SM2": "国密 SM2", "ES256": "ECDSA P-256", "EdDSA": "Ed25519", "PS256": "RSA-PSS"}


def issuer_line(c, names: dict[str, str] | None = None) -> str:
    """The counter's issuer field: the authority's display name (trust list `name`: the signing
    key's entry, else another entry of the same issuer id), the id only when no entry names it;
    and the signing algorithm (国密 SM2 / ECDSA P-256 / Ed25519)."""
    who = c.authority or (names or {}).get(c.issuer) or c.issuer or "—"
    alg = ALG_DISPLAY.get(c.alg, c.alg)
    return f"{who} · {alg}" if alg else who


def fmt_date(ts: int | None) -> str:
    if ts is None:
        return "—"
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d")


def scan_icon(size: int = 220) -> QPixmap:
    """A stylised phone showing a code: three finder squares and a few blocks (nothing a camera
    could decode)."""
    from .qt import QRectF
    pm = QPixmap(size, size)
    pm.fill(QColor(0, 0, 0, 0))
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    dark, white = QColor("#263238"), QColor("white")
    s = float(size)
    p.setBrush(dark)
    p.drawRoundedRect(QRectF(s * 0.22, s * 0.02, s * 0.56, s * 0.96), s * 0.07, s * 0.07)
    scr = QRectF(s * 0.27, s * 0.2, s * 0.46, s * 0.46)
    p.setBrush(white)
    p.drawRect(scr)
    cell = scr.width() / 9

    def block(cx, cy, w, h, colour):
        p.setBrush(colour)
        p.drawRect(QRectF(scr.x() + cell * (cx + 0.5), scr.y() + cell * (cy + 0.5), cell * w, cell * h))

    for cx, cy in ((0, 0), (5, 0), (0, 5)):
        block(cx, cy, 3, 3, dark)
        block(cx + 0.5, cy + 0.5, 2, 2, white)
        block(cx + 1, cy + 1, 1, 1, dark)
    for cx, cy in ((4, 4), (5, 6), (6, 4), (7, 7), (4, 7), (6, 5)):
        block(cx, cy, 1, 1, dark)
    p.setBrush(QColor("#90a4ae"))
    p.drawRoundedRect(QRectF(s * 0.42, s * 0.82, s * 0.16, s * 0.05), s * 0.02, s * 0.02)
    p.end()
    return pm


def hold_verdict(view, seconds: float) -> None:
    """Start the verdict's countdown and give the panel the keyboard focus (Enter / Space / Escape
    dismiss it; a screen reader reads it), remembering where the focus was."""
    focus = view.window().focusWidget()          # (also while a dialog or another window is active)
    if focus is not view.panel:
        view.focus_before = focus
    view.panel.start_hold(seconds)
    view.panel.setFocus(Qt.FocusReason.OtherFocusReason)


def release_focus(view) -> None:
    """The verdict is gone: the focus goes back where it was (a control a person had tabbed to)."""
    before, view.focus_before = view.focus_before, None
    if view.panel.hasFocus() and before is not None and before.isVisible() and before.isEnabled():
        before.setFocus(Qt.FocusReason.OtherFocusReason)


class GateView(QWidget):
    """Full screen: live preview with the code outlined; a verdict fills the screen for ~2 s
    with a countdown, or until a tap or Enter / Space / Escape. A new scan replaces the verdict
    at once, so the next person never waits."""

    def __init__(self, *, language, verdict_seconds: float = 2.0, parent: QWidget | None = None):
        super().__init__(parent)
        self._lang = language
        self.verdict_seconds = verdict_seconds
        self.scaler = Scaler()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.stack = QStackedWidget()
        live = QWidget()
        ll = QVBoxLayout(live)
        ll.setContentsMargins(0, 0, 0, 0)
        self.preview = PreviewWidget()
        self.hint = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.scaler.add(self.hint, 30, True)
        self.hint.setWordWrap(True)              # a narrow screen: two lines, never cut off

        ll.addWidget(self.preview, 1)
        ll.addWidget(self.hint)
        self.panel = VerdictPanel(big=120, reason_pt=44, icon_pt=150, language=language, staff_pt=18,
                                  design=(1280, 640), hold=True)
        self.panel.finished.connect(self.ready)
        self.focus_before = None
        self.stack.addWidget(live)
        self.stack.addWidget(self.panel)
        lay.addWidget(self.stack, 1)
        bar = QWidget()
        self.bar = bar
        bl = QHBoxLayout(bar)
        bl.setSpacing(48)
        self.admitted = QLabel()
        self.refused = QLabel()
        for w, name in ((self.admitted, QT_TRANSLATE_NOOP("A11y", "Admitted today")),
                        (self.refused, QT_TRANSLATE_NOOP("A11y", "Refused today"))):
            self.scaler.add(w, 24, True)
            a11y.name(w, name)
            bl.addWidget(w)
        bl.addStretch(1)
        lay.addWidget(bar)
        self._counts = (0, 0)
        self.apply_theme(False)
        self.retranslate()

    def apply_theme(self, high_contrast: bool) -> None:
        """Normal or high-contrast colours (ui/theme.py; settings large_type)."""
        c = theme.colours(high_contrast)
        self.hint.setStyleSheet(f"background: {c['hint_bg']}; color: {c['hint_fg']}; padding: 10px;")
        self.bar.setStyleSheet(f"background: {c['bar_bg']};")
        self.admitted.setStyleSheet(f"color: {c['admitted']};")
        self.refused.setStyleSheet(f"color: {c['refused']};")
        self.panel.set_high_contrast(high_contrast)

    def set_frame(self, img, corners, t_in) -> None:
        self.preview.set_frame(img, corners, t_in)

    def set_scale(self, s: float) -> None:
        """The window's size relative to the design size (widgets.window_scale): the hint and the
        counts follow it; the verdict panel fits itself to its area."""
        self.scaler.apply(s)

    def show_verdict(self, v: Verdict, t_in: float) -> None:
        self.panel.show_verdict(v, t_in)
        self.stack.setCurrentWidget(self.panel)
        hold_verdict(self, self.verdict_seconds)

    def ready(self, _why: str = "") -> None:
        self.panel.stop_hold()
        release_focus(self)                      # before the panel hides (that moves the focus on)
        self.stack.setCurrentIndex(0)

    @property
    def showing_verdict(self) -> bool:
        return self.stack.currentWidget() is self.panel

    def set_counts(self, admitted: int, refused: int) -> None:
        self._counts = (admitted, refused)
        self.admitted.setText(self.tr("Admitted today: %1").replace("%1", str(admitted)))
        self.refused.setText(self.tr("Refused today: %1").replace("%1", str(refused)))

    def retranslate(self) -> None:
        hint = self.tr("Show your code to the camera")
        sec = self._lang.secondary("Show your code to the camera")
        self.hint.setText(hint + (f"  ·  {sec}" if sec else ""))
        self.set_counts(*self._counts)
        self.panel.retranslate()


class KioskView(QWidget):
    """Self-service: very large type, Chinese first with an English toggle, plain words and icons.
    Idle screen after a while without scans; the admin PIN is the only way out."""

    toggle_language = Signal()
    admin_requested = Signal()
    woken = Signal()                    # a touch or a key woke the idle screen (the guide is spoken)

    def __init__(self, *, language, verdict_seconds: float = 3.0, idle_seconds: float = 30.0,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self._lang = language
        self.verdict_seconds = verdict_seconds    # kiosk_verdict_seconds: older users read slower than staff glance
        self.scaler = sc = Scaler(min_pt=12)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        top = QWidget()
        self.top = top
        tl = QHBoxLayout(top)
        self.title = QLabel()
        sc.add(self.title, 32, True)

        self.lang_button = QPushButton()
        sc.add(self.lang_button, 28, True)
        self.lang_button.setMinimumHeight(72)
        sc.on(lambda s: self.lang_button.setMinimumHeight(max(48, round(72 * s))))   # a finger's width at least

        self.lang_button.clicked.connect(self.toggle_language)
        self.lang_button.setAutoDefault(True)        # Enter presses the focused button too (Tab, then Enter)
        self.admin_button = QPushButton("⚙")
        sc.add(self.admin_button, 20)

        a11y.name(self.admin_button, QT_TRANSLATE_NOOP("A11y", "Administrator settings"))
        self.admin_button.clicked.connect(self.admin_requested)
        self.admin_button.setAutoDefault(True)
        tl.addWidget(self.title, 1)
        tl.addWidget(self.lang_button)
        tl.addWidget(self.admin_button)
        lay.addWidget(top)

        self.stack = QStackedWidget()
        # idle: big icon and the guide
        idle = QWidget()
        il = QVBoxLayout(idle)
        il.addStretch(1)
        self.idle_icon = icon = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        icon.setPixmap(scan_icon(240))          # sized to the screen in resizeEvent
        a11y.name(icon, QT_TRANSLATE_NOOP("A11y", "A phone showing a code"))
        self.idle_guide = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        sc.add(self.idle_guide, 48, True)
        self.idle_guide.setWordWrap(True)
        self.idle_guide_en = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        sc.add(self.idle_guide_en, 28)
        self.idle_guide_en.setWordWrap(True)

        il.addWidget(icon)
        il.addWidget(self.idle_guide)
        il.addWidget(self.idle_guide_en)
        il.addStretch(1)
        # guide: the live preview and the guide
        guide = QWidget()
        gl = QVBoxLayout(guide)
        self.preview = PreviewWidget()
        self.guide = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        sc.add(self.guide, 40, True)
        self.guide.setWordWrap(True)
        gl.addWidget(self.preview, 1)
        gl.addWidget(self.guide)
        self.panel = VerdictPanel(big=80, reason_pt=40, icon_pt=160, language=language, staff=False,
                                  design=(1280, 700), hold=True)
        self.panel.finished.connect(self._after_result)
        self.focus_before = None
        for w in (idle, guide, self.panel):
            self.stack.addWidget(w)
        self.idle_page, self.guide_page = idle, guide
        lay.addWidget(self.stack, 1)

        self._idle_timer = QTimer(self, singleShot=True)
        self._idle_timer.setInterval(int(idle_seconds * 1000))
        self._idle_timer.timeout.connect(self.go_idle)
        self.apply_theme(False)
        self.retranslate()
        self.go_idle()

    def apply_theme(self, high_contrast: bool) -> None:
        """Normal or high-contrast colours (ui/theme.py; settings large_type)."""
        c = theme.colours(high_contrast)
        self.top.setStyleSheet(f"background: {c['top_bg']};")
        self.title.setStyleSheet(f"color: {c['title']};")
        self.lang_button.setStyleSheet(theme.kiosk_button(c["lang_fg"], c["lang_bg"], c["ring"]))
        self.admin_button.setStyleSheet(theme.kiosk_button(c["admin_fg"], "transparent", c["ring"], padding="2px 8px"))
        self.idle_guide_en.setStyleSheet(f"color: {c['guide_en']};")
        self.panel.set_high_contrast(high_contrast)

    def set_scale(self, s: float) -> None:
        """The window's size relative to the design size (widgets.window_scale)."""
        self.scaler.apply(s)

    def resizeEvent(self, ev) -> None:
        # the idle picture: a third of the height, less than half the width (large on a portrait screen)
        px = round(max(96, min(420, self.width() * 0.45, self.height() * 0.34)))
        if px != self.idle_icon.pixmap().width():
            self.idle_icon.setPixmap(scan_icon(px))
        super().resizeEvent(ev)

    def go_idle(self) -> None:
        if self.stack.currentWidget() is not self.panel:
            self.stack.setCurrentWidget(self.idle_page)

    def _after_result(self, _why: str = "") -> None:
        self.panel.stop_hold()
        release_focus(self)
        self.stack.setCurrentWidget(self.guide_page)
        self._idle_timer.start()

    def set_frame(self, img, corners, t_in) -> None:
        self.preview.set_frame(img, corners, t_in)
        if corners and self.stack.currentWidget() is self.idle_page:
            self.stack.setCurrentWidget(self.guide_page)      # someone is holding up a code: wake
            self._idle_timer.start()

    def show_verdict(self, v: Verdict, t_in: float) -> None:
        self.panel.show_verdict(v, t_in)
        self.stack.setCurrentWidget(self.panel)
        self._idle_timer.stop()
        hold_verdict(self, self.verdict_seconds)

    @property
    def showing_verdict(self) -> bool:
        return self.stack.currentWidget() is self.panel

    def set_counts(self, admitted: int, refused: int) -> None:
        pass

    def wake(self) -> bool:
        """A person touched the screen or pressed a key: from the idle screen to the guide."""
        if self.stack.currentWidget() is not self.idle_page:
            return False
        self.stack.setCurrentWidget(self.guide_page)
        self._idle_timer.start()
        self.woken.emit()
        return True

    def mousePressEvent(self, ev) -> None:
        if not self.wake():
            super().mousePressEvent(ev)

    def keyPressEvent(self, ev) -> None:
        if not self.wake():
            super().keyPressEvent(ev)

    def retranslate(self) -> None:
        self.title.setText(self.tr("Venue check"))
        # the toggle names the other language in that language
        self.lang_button.setText("English" if self._lang.chinese else "中文")
        a11y.name(self.lang_button, QT_TRANSLATE_NOOP("A11y", "Switch language: English / 中文"))
        self.idle_guide.setText(self.tr("Hold your resident code up to the camera"))
        self.idle_guide_en.setText(self._lang.secondary("Hold your resident code up to the camera"))
        self.guide.setText(self.tr("Hold your resident code up to the camera"))
        self.panel.retranslate()


class CounterView(QWidget):
    """Service counter: the holder's masked details, each with a copy button, linked certificates,
    the day's scans; copy/export as JSON and a one-page summary to print or save (ui/counter.py).
    The holder's details leave the screen (and the copy buffers) after `clear_after_s` without a
    scan or an interaction.

    terminal_id: () -> this terminal's id for the summary (None: not enrolled);
    authority_names: () -> {issuer id: display name} from the trust list held."""

    FIELDS = ("type", "name", "id", "age", "valid_until", "issuer")

    def __init__(self, *, language, parent: QWidget | None = None, terminal_id=None, authority_names=None,
                 clear_after_s: float = 0.0):
        super().__init__(parent)
        self._lang = language
        self._terminal_id = terminal_id
        self._authority_names = authority_names
        self.clear_after_s = clear_after_s
        self.verdict: Verdict | None = None
        self.shown_at: datetime | None = None      # when the verdict on screen came in (the summary's time)
        self._recent: list[dict] = []
        self._copied: set[str] = set()             # what this view put on the clipboard (cleared with the holder)
        self.scaler = sc = Scaler(min_pt=10)
        self.portrait: bool | None = None
        self.grid = grid = QGridLayout(self)
        # left: preview + verdict (side by side on a portrait screen)
        self.left = QWidget()
        self.left_layout = left = QBoxLayout(QBoxLayout.Direction.TopToBottom, self.left)
        left.setContentsMargins(0, 0, 0, 0)
        self.preview = PreviewWidget()
        self.panel = VerdictPanel(big=36, reason_pt=18, icon_pt=64, language=language, staff_pt=13,
                                  design=(380, 300))
        left.addWidget(self.preview, 4)
        left.addWidget(self.panel, 5)
        # middle: details
        self.mid = QWidget()
        mid = QVBoxLayout(self.mid)
        mid.setContentsMargins(0, 0, 0, 0)
        self.details_box = QGroupBox()
        sc.add(self.details_box, 13, True)
        self.form = form = QFormLayout(self.details_box)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.fields: dict[str, tuple[QLabel, QLabel]] = {}
        self.copy_buttons: dict[str, CopyButton] = {}
        names = {"type": QT_TRANSLATE_NOOP("A11y", "Code type"), "name": QT_TRANSLATE_NOOP("A11y", "Name"),
                 "id": QT_TRANSLATE_NOOP("A11y", "ID number"), "age": QT_TRANSLATE_NOOP("A11y", "Age thresholds met"),
                 "valid_until": QT_TRANSLATE_NOOP("A11y", "Valid until"), "issuer": QT_TRANSLATE_NOOP("A11y", "Issuer")}
        for key in self.FIELDS:
            lab, val = QLabel(), QLabel()
            sc.add(val, 15)
            val.setWordWrap(True)               # a long issuer line wraps in a narrow column
            val.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            a11y.name(val, names[key])
            sc.add(lab, 13)
            cell = QWidget()
            row = QHBoxLayout(cell)
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(val, 1)
            b = CopyButton(val.text, chinese=lambda: self._lang.chinese, name=names[key])
            b.copied.connect(self._on_copied)
            sc.add(b, 11)
            row.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
            lab.setBuddy(b)
            form.addRow(lab, cell)
            self.fields[key] = (lab, val)
            self.copy_buttons[key] = b
        self.empty_note = QLabel()
        self.empty_note.setWordWrap(True)
        sc.add(self.empty_note, 13)
        self.empty_note.setStyleSheet("color: #555;")
        form.addRow(self.empty_note)
        mid.addWidget(self.details_box)
        self.certs = FitTable(4)
        a11y.name(self.certs, QT_TRANSLATE_NOOP("A11y", "Linked certificates"))
        sc.add(self.certs, 13)
        mid.addWidget(self.certs, 1)
        self.dcc_box = QGroupBox()
        self.dcc_form = QFormLayout(self.dcc_box)
        self.dcc_box.hide()
        mid.addWidget(self.dcc_box)
        buttons = QGridLayout()
        self.copy_button = QPushButton()
        self.export_button = QPushButton()
        self.summary_button = QPushButton()
        a11y.name(self.summary_button, QT_TRANSLATE_NOOP("A11y", "Print or save the summary"))
        self.summary_menu = QMenu(self)
        self.save_pdf_action = self.summary_menu.addAction("", lambda: self.save_summary())
        self.print_action = self.summary_menu.addAction("", lambda: self.print_summary())
        for b in (self.copy_button, self.export_button, self.summary_button):
            sc.add(b, 13)
            b.setEnabled(False)
        a11y.name(self.copy_button, QT_TRANSLATE_NOOP("A11y", "Copy JSON"))
        a11y.name(self.export_button, QT_TRANSLATE_NOOP("A11y", "Export JSON…"))
        buttons.addWidget(self.copy_button, 0, 0)
        buttons.addWidget(self.export_button, 0, 1)
        buttons.addWidget(self.summary_button, 1, 0, 1, 2)
        self.copy_button.clicked.connect(self.copy_json)
        self.export_button.clicked.connect(self.export_json)
        self.summary_button.clicked.connect(self.open_summary)
        mid.addLayout(buttons)
        # right: the day's scans
        self.right = QWidget()
        right = QVBoxLayout(self.right)
        right.setContentsMargins(0, 0, 0, 0)
        self.log_title = QLabel()
        self.log_title.setWordWrap(True)
        sc.add(self.log_title, 13, True)
        self.log = FitTable(4)
        a11y.name(self.log, QT_TRANSLATE_NOOP("A11y", "Today's scans at this terminal"))
        sc.add(self.log, 12)
        right.addWidget(self.log_title)
        right.addWidget(self.log, 1)
        self.last_json = ""
        self.idle = IdleClear(self, self.clear_holder)
        self.set_portrait(False)
        self.retranslate()

    def set_portrait(self, portrait: bool) -> None:
        """Three columns side by side on a landscape screen; stacked (camera and verdict side by side,
        then the holder, then the day's scans) on a portrait one, so nothing is squeezed over
        anything else."""
        if portrait == self.portrait:
            return
        self.portrait = portrait
        g = self.grid
        for w in (self.left, self.mid, self.right):
            g.removeWidget(w)
        for i in range(3):
            g.setRowStretch(i, 0)
            g.setColumnStretch(i, 0)
        if portrait:
            self.left_layout.setDirection(QBoxLayout.Direction.LeftToRight)
            for row, (w, stretch) in enumerate(((self.left, 3), (self.mid, 4), (self.right, 3))):
                g.addWidget(w, row, 0)
                g.setRowStretch(row, stretch)
            g.setColumnStretch(0, 1)
        else:
            self.left_layout.setDirection(QBoxLayout.Direction.TopToBottom)
            # the holder's column gets the most: its certificate table wraps rather than cut its text
            for col, (w, stretch) in enumerate(((self.left, 3), (self.mid, 7), (self.right, 3))):
                g.addWidget(w, 0, col)
                g.setColumnStretch(col, stretch)
            g.setRowStretch(0, 1)

    def set_scale(self, s: float) -> None:
        """The window's size relative to the design size: a clerk sits close, so the counter's type
        shrinks less than the gate's (never under 85 %)."""
        self.scaler.apply(max(0.85, min(1.3, s)))

    def resizeEvent(self, ev) -> None:
        self.set_portrait(self.height() > self.width())
        super().resizeEvent(ev)

    def set_frame(self, img, corners, t_in) -> None:
        self.preview.set_frame(img, corners, t_in)

    def set_counts(self, admitted: int, refused: int) -> None:
        pass

    def show_verdict(self, v: Verdict, t_in: float) -> None:
        self.verdict = v
        self.shown_at = datetime.now().astimezone()
        self.panel.show_verdict(v, t_in)
        self._fill()
        self.idle.arm(self.clear_after_s)

    def set_clear_after(self, seconds: float) -> None:
        """counter_clear_after_s (0: never); a change starts the wait again."""
        self.clear_after_s = seconds
        if self.verdict is not None:
            self.idle.arm(seconds)
        else:
            self.idle.disarm()

    def clear_holder(self) -> None:
        """Privacy: the holder's details and certificates off the screen, out of the JSON buffer and
        off the clipboard when what is there came from this view. The day's scans stay (they hold
        no personal data), and so does the verdict panel (an outcome, never a name)."""
        self.idle.disarm()
        self.verdict = None
        self.shown_at = None
        self.last_json = ""
        cb = QGuiApplication.clipboard()
        if self._copied and cb.text() in self._copied:
            cb.clear()
        self._copied.clear()
        self._fill()

    def _on_copied(self, text: str) -> None:
        self._copied.add(text)

    def verdict_json(self) -> str:
        if self.verdict is None:
            return ""
        d = self.verdict.to_dict()
        if not self.verdict.valid:
            d["credential"] = None        # details of a refused code stay off the clipboard too
        return json.dumps(d, ensure_ascii=False, indent=2)

    def copy_json(self) -> None:
        self.last_json = self.verdict_json()
        if self.last_json:
            QGuiApplication.clipboard().setText(self.last_json)
            self._copied.add(self.last_json)

    def export_json(self, path: str | None = None) -> str | None:
        if self.verdict is None:
            return None
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Export verdict"), "verdict.json", "JSON (*.json)",
                                                  options=QFileDialog.Option.DontUseNativeDialog)
        if not path or self.verdict is None:      # (cleared while the dialog was open)
            return None
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self.verdict_json())
        return path

    # ------------------------------------------------------------------ the summary sheet (ui/counter.py)
    def names(self) -> dict[str, str]:
        """Issuer id -> display name: the trust list's, and the verdict's own authority."""
        try:
            names = dict(self._authority_names()) if self._authority_names is not None else {}
        except Exception:  # noqa: BLE001 - the id is shown instead of a name
            names = {}
        c = self.verdict.credential if self.verdict is not None else None
        if c is not None and c.authority and c.issuer:
            names[c.issuer] = c.authority
        return names

    def summary(self) -> Summary | None:
        """The sheet for the verdict on screen: verdict, time, terminal, the holder's fields as shown,
        the linked certificates (None: nothing on screen)."""
        v = self.verdict
        if v is None:
            return None
        zh = self._lang.chinese
        tid = None
        try:
            tid = self._terminal_id() if self._terminal_id is not None else None
        except Exception:  # noqa: BLE001 - the sheet says "not enrolled" rather than fail
            tid = None
        when = (self.shown_at or datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M:%S %Z").strip()
        rows = [(both("verdict"), f"{T.outcome_word(v.outcome)} · {T.staff_line(v, zh)}"),
                (both("time"), when), (both("terminal"), tid or word("not_enrolled", zh))]
        holder = self._holder_shown()
        certs: tuple = ()
        dcc: tuple = ()
        if holder:
            for key in self.FIELDS:
                lab, val = self.fields[key]
                if self.form.isRowVisible(lab) and val.text():
                    rows.append((lab.text(), val.text()))
            certs = tuple(tuple(self.certs.item(i, j).text() for j in range(self.certs.columnCount()))
                          for i in range(self.certs.rowCount()))
            c = v.credential
            if c.typ == "dcc" and c.dcc:
                dcc = tuple(T.dcc_rows(c.dcc, zh))
        heads = tuple(self.certs.horizontalHeaderItem(j).text() for j in range(self.certs.columnCount()))
        return Summary(rows=tuple(rows), cert_headers=heads, certs=certs, holder=holder, dcc=dcc)

    def save_summary(self, path: str | None = None) -> str | None:
        """The summary as a one-page A4 PDF; without a path the clerk picks one (QFileDialog)."""
        if self.verdict is None:
            return None
        if path is None:
            stamp = (self.shown_at or datetime.now()).strftime("%Y%m%d-%H%M%S")
            path, _ = QFileDialog.getSaveFileName(self, word("save_title", self._lang.chinese),
                                                  f"summary-{stamp}.pdf", "PDF (*.pdf)",
                                                  options=QFileDialog.Option.DontUseNativeDialog)
            if path and not path.lower().endswith(".pdf"):
                path += ".pdf"
        s = self.summary()                        # (None: cleared while the dialog was open)
        if not path or s is None:
            return None
        return save_summary_pdf(s, path)

    def print_summary(self, printer=None) -> bool:
        """The summary on a printer: the one given, or one the clerk picks (QPrintDialog)."""
        from .qt import QPrintDialog, QPrinter
        if self.verdict is None or QPrinter is None:
            return False
        if printer is None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            dlg = QPrintDialog(printer, self)
            if dlg.exec() != QPrintDialog.DialogCode.Accepted:
                return False
        s = self.summary()
        if s is None:
            return False
        print_summary(s, printer)
        return True

    def open_summary(self) -> None:
        """打印/保存摘要: straight to saving a PDF when there is no printer; else a choice of the two."""
        if not printers_available():
            self.save_summary()
            return
        self.summary_menu.exec(self.summary_button.mapToGlobal(self.summary_button.rect().bottomLeft()))

    # ------------------------------------------------------------------ filling
    def _holder_shown(self) -> bool:
        v = self.verdict
        return v is not None and v.valid and v.credential is not None

    def _fill(self) -> None:
        v = self.verdict
        show = self._holder_shown()
        for _lab, val in self.fields.values():
            val.setText("")
            val.setToolTip("")
        for key, b in self.copy_buttons.items():
            b.setEnabled(show)
        self.form.setRowVisible(self.fields["age"][0], True)
        self.certs.setRowCount(0)
        while self.dcc_form.rowCount():
            self.dcc_form.removeRow(0)
        self.dcc_box.hide()
        for b in (self.copy_button, self.export_button, self.summary_button):
            b.setEnabled(v is not None)
        if v is None:
            self.empty_note.setText(self.tr("Scan a code to see its details."))
            return
        if not show:
            self.empty_note.setText(self.tr("No holder details are shown for a code that was not accepted."))
            return
        self.empty_note.setText("")
        c = v.credential
        ent = c.typ == "enterprise"
        names = self.names()
        self.fields["name"][0].setText(self.tr("Enterprise") if ent else self.tr("Name"))
        self.fields["id"][0].setText(self.tr("Credit code") if ent else T.dcc_field_label("entry.ci")
                                     if c.typ == "dcc" else self.tr("ID number"))   # a DCC's uvci, not a person's id
        self.fields["type"][1].setText(f"{T.code_type_name(c.typ)} ({v.profile})")
        self.fields["name"][1].setText(c.name)
        self.fields["id"][1].setText(c.idm)
        # age thresholds are a person's: an enterprise (or a DCC, whose birth date is below) has none
        self.form.setRowVisible(self.fields["age"][0], c.typ == "resident")
        self.fields["age"][1].setText("  ".join(f"≥{a}" for a in c.age) or "—")
        self.fields["valid_until"][1].setText(fmt_date(c.exp))
        self.fields["issuer"][1].setText(issuer_line(c, names))
        self.fields["issuer"][1].setToolTip(c.issuer)
        now = time.time()
        rows, colours = [], {}
        for i, cert in enumerate(c.certs):
            expired = cert.exp is not None and cert.exp < now
            rows.append((T.cert_type_name(cert.t), cert.no,
                         fmt_date(cert.exp) + (" ⚠ " + self.tr("expired") if expired else ""),
                         names.get(cert.iss, cert.iss) if cert.iss else "—"))
            if expired:
                colours[(i, 2)] = "#c62828"
        self.certs.fill(rows, colours)
        if c.typ == "dcc" and c.dcc:
            for label, val in T.dcc_rows(c.dcc, self._lang.chinese):
                self.dcc_form.addRow(QLabel(label), QLabel(val))
            self.dcc_box.show()

    def set_recent(self, events: list[dict]) -> None:
        self._recent = events
        rows, colours = [], {}
        for i, ev in enumerate(events):
            ts = str(ev.get("ts", ""))
            hhmm = ts[11:19] if len(ts) >= 19 else ts
            try:
                hhmm = datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone().strftime("%H:%M:%S")
            except ValueError:
                pass
            valid = bool(ev.get("valid"))
            reason = str(ev.get("reason", ""))
            word = self.tr("Valid") if valid else T.reason_word(reason, self._lang.chinese)
            rows.append((hhmm, "✓" if valid else "✗", word, T.code_type_name(str(ev.get("typ") or "—"))))
            colours[(i, 1)] = "#1b8a3a" if valid else "#c62828"
        self.log.fill(rows, colours)

    def retranslate(self) -> None:
        self.details_box.setTitle(self.tr("Holder"))
        labels = {"type": self.tr("Code type"), "name": self.tr("Name"), "id": self.tr("ID number"),
                  "age": self.tr("Age thresholds met"), "valid_until": self.tr("Valid until"),
                  "issuer": self.tr("Issuer")}
        for k, (lab, _v) in self.fields.items():
            lab.setText(labels[k])
        self.certs.setHorizontalHeaderLabels([self.tr("Certificate"), self.tr("Number"), self.tr("Expires"),
                                              self.tr("Issued by")])
        self.certs.fit_columns()
        self.dcc_box.setTitle(self.tr("EU DCC details"))
        self.copy_button.setText(self.tr("Copy JSON"))
        self.export_button.setText(self.tr("Export JSON…"))
        zh = self._lang.chinese
        self.summary_button.setText(word("summary", zh))
        self.save_pdf_action.setText(word("save_pdf", zh))
        self.print_action.setText(word("print", zh))
        self.print_action.setEnabled(printers_available())
        for b in self.copy_buttons.values():
            b.retranslate()
        self.log_title.setText(self.tr("Today's scans at this terminal"))
        self.log.setHorizontalHeaderLabels([self.tr("Time"), "", self.tr("Result"), self.tr("Type")])
        self.log.fit_columns()
        self.panel.retranslate()
        self._fill()
        self.set_recent(self._recent)

