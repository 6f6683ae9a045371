"""Reusable widgets: camera preview with the code outlined, the full-colour verdict panel, the
status strip and the offline banner.

Threads: GUI thread only (they receive data through queued signals from the workers).
"""
from __future__ import annotations

import math
import time

from vocab.reasons import Outcome
from terminal.verdict import Verdict

from . import a11y
from . import texts as T
from . import theme
from .qt import (QT_TRANSLATE_NOOP, QColor, QCoreApplication, QElapsedTimer, QFont, QFontMetrics, QFrame, QHBoxLayout,
                 QImage, QLabel, QPainter, QPen, QPointF, QPolygonF, QRect, QRectF, QSize, QSizePolicy, Qt, QTimer,
                 QVBoxLayout, QWidget, Signal)


def font(pt: float, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSizeF(pt)
    f.setBold(bold)
    return f


DESIGN_SIZE = (1280, 800)     # the window size the views' point sizes were chosen for
SMALLEST_FULL = (1024, 680)   # the smallest window in which they still fit at full size


def window_scale(width: int, height: int, lo: float = 0.5, hi: float = 1.6) -> float:
    """How much larger or smaller than designed the views' type should be in a window of this size:
    full size from SMALLEST_FULL up to DESIGN_SIZE, smaller below (800x480: 0.71), larger above
    (1920x1080: 1.35); the tighter of the two directions, so a portrait screen goes by its width."""
    s = min(width / SMALLEST_FULL[0], height / SMALLEST_FULL[1])
    if s >= 1:
        s = max(1.0, min(width / DESIGN_SIZE[0], height / DESIGN_SIZE[1]))
    return max(lo, min(hi, s))


class Scaler:
    """The fonts (and a few pixel sizes) of a view, given at DESIGN_SIZE, applied at a scale.
    add(widget, pt, bold): that widget's font is pt * scale (never under `min_pt`);
    on(callback): called with the scale (pixmaps, minimum heights)."""

    def __init__(self, min_pt: float = 9.0):
        self.min_pt = min_pt
        self.scale = 1.0
        self._fonts: list[tuple[QWidget, float, bool]] = []
        self._calls: list = []

    def add(self, w: QWidget, pt: float, bold: bool = False) -> QWidget:
        self._fonts.append((w, pt, bold))
        w.setFont(font(pt, bold))
        return w

    def on(self, fn) -> None:
        self._calls.append(fn)

    def apply(self, s: float) -> None:
        if abs(s - self.scale) < 0.01:
            return
        self.scale = s
        for w, pt, bold in self._fonts:
            w.setFont(font(max(self.min_pt, pt * s), bold))
        for fn in self._calls:
            fn(s)


class PreviewWidget(QWidget):
    """The live camera picture, aspect-fit, with each detected code outlined for a moment."""

    OUTLINE_SECONDS = 0.6

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._img: QImage | None = None
        self._corners: list = []
        self._corners_at = 0.0
        self.frames_shown = 0
        self.first_paint_at: float | None = None     # perf_counter of the first camera picture painted
        self.setMinimumSize(160, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        a11y.name(self, QT_TRANSLATE_NOOP("A11y", "Camera picture"))

    def set_frame(self, img: QImage, corners: list, t_in: float = 0.0) -> None:
        self._img = img
        now = time.monotonic()
        if corners:
            self._corners, self._corners_at = corners, now
        elif now - self._corners_at > self.OUTLINE_SECONDS:
            self._corners = []
        self.frames_shown += 1
        self.update()

    @property
    def outlined(self) -> list:
        return list(self._corners)

    def paintEvent(self, _ev) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#101418"))
        if self._img is None or self._img.isNull():
            p.setPen(QColor("#8a9199"))
            p.setFont(font(14))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("No camera picture"))
            return
        iw, ih = self._img.width(), self._img.height()
        s = min(self.width() / iw, self.height() / ih)
        w, h = iw * s, ih * s
        x0, y0 = (self.width() - w) / 2, (self.height() - h) / 2
        p.drawImage(QRectF(x0, y0, w, h), self._img)
        if self.first_paint_at is None:
            self.first_paint_at = time.perf_counter()
        if self._corners:
            pen = QPen(QColor("#37d67a"))
            pen.setWidth(5)
            p.setPen(pen)
            for quad in self._corners:
                p.drawPolygon(QPolygonF([QPointF(x0 + x * s, y0 + y * s) for x, y in quad]))


class OutcomeIcon(QWidget):
    """A drawn icon: ✓ in a circle (admit), ✗ (refuse), ! (see staff). Drawn, not a font glyph,
    so it looks the same with any installed font."""

    def __init__(self, size: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.outcome: Outcome | None = None
        self.colour = QColor("white")
        self.resize(size, size)                # the verdict panel sizes it to the space it has

    def set_outcome(self, outcome: Outcome, colour: str) -> None:
        self.outcome, self.colour = outcome, QColor(colour)
        a11y.name_as(self, a11y.chinese(T.OUTCOME_WORD[outcome], "Outcome"), T.OUTCOME_WORD[outcome])
        self.update()

    def paintEvent(self, _ev) -> None:
        if self.outcome is None:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        s = float(min(self.width(), self.height()))
        w = max(3.0, s * 0.09)
        pen = QPen(self.colour)
        pen.setWidthF(w)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        r = QRectF(w, w, s - 2 * w, s - 2 * w)
        p.drawEllipse(r)
        c = s / 2
        if self.outcome is Outcome.ADMIT:
            p.drawPolyline(QPolygonF([QPointF(s * 0.28, s * 0.52), QPointF(s * 0.44, s * 0.68),
                                      QPointF(s * 0.73, s * 0.35)]))
        elif self.outcome is Outcome.REFUSE:
            a, b = s * 0.33, s * 0.67
            p.drawLine(QPointF(a, a), QPointF(b, b))
            p.drawLine(QPointF(a, b), QPointF(b, a))
        else:
            p.drawLine(QPointF(c, s * 0.25), QPointF(c, s * 0.58))
            p.setBrush(self.colour)
            p.drawEllipse(QPointF(c, s * 0.72), w * 0.35, w * 0.35)
        p.end()


class VerdictPanel(QWidget):
    """A verdict filling its area: colour, icon, one big word, and what to do next in plain words
    (ui.texts.public_guidance: neutral, the venue policy's own explanation for its rules). Never
    personal data. `staff`: also a staff line with the technical reason, its code and the rule
    (gate and counter); the kiosk's panel has none (nothing technical for the public).

    The sizes given are for a panel of about `design` pixels; the panel scales everything (icon,
    fonts, margins) to the largest size at which it all fits its area, up to `grow` times those
    sizes on a large screen: the icon stacked above the word (never over it), the word on one line,
    the guidance wrapped (fit_scale; 800x480 to 1920x1080 and portrait, tests/ui/test_layout.py).

    `policy_source`: a callable giving the venue policy in force (for its explanations), or None.
    `painted` fires on the first paint after a verdict is set (for the latency bench).

    `hold`: the verdict stays for a while and then the view goes back to scanning (gate, kiosk).
    `start_hold(seconds)` shows the countdown at the bottom (a thin shrinking bar and "3 秒后继续 ·
    轻触跳过 / Next in 3 s · tap to skip"); `finished` fires with "timeout" when it runs out, or
    "dismissed" on a tap or Enter / Space / Escape (keys reach the panel only after the wedge filter
    in ui/window.py has let them through as a person's: a scanner's burst is never a dismissal)."""

    painted = Signal(object, float, float)    # verdict, t_in, perf_counter at paint
    finished = Signal(str)                    # the hold ended: "timeout" | "dismissed"

    DISMISS_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space, Qt.Key.Key_Escape)
    TICK_MS = 100

    MARGIN = 24
    SPACING = 8
    MIN_SCALE = 0.15

    def __init__(self, *, big: int = 96, reason_pt: int = 40, icon_pt: int = 160, parent: QWidget | None = None,
                 language=None, staff: bool = True, staff_pt: int = 16, design: tuple[int, int] = (1280, 640),
                 grow: float = 1.5, hold: bool = False):
        super().__init__(parent)
        self._lang = language
        self.staff = staff
        self.policy_source = None
        self.verdict: Verdict | None = None
        self.outcome: Outcome | None = None
        self.gate_fault: str | None = None      # an admission the gate did not open for (show_gate_fault)
        self.guidance: tuple[str, str] = ("", "")
        self._t_in = 0.0
        self._pending_paint = False
        self._design, self._grow = design, grow
        self.boost = 1.0                       # large type (settings large_type): everything this much larger
        self.colours = (T.OUTCOME_COLOUR, T.OUTCOME_TEXT_COLOUR)    # (background, text) per outcome
        self.scale = 1.0                       # the scale of the last fit (1: the sizes given)
        self._fitted_for = None
        self.setAutoFillBackground(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.icon = OutcomeIcon(icon_pt, self)
        self.word = QLabel(self, alignment=Qt.AlignmentFlag.AlignCenter)
        self.word_en = QLabel(self, alignment=Qt.AlignmentFlag.AlignCenter)
        self.reason = QLabel(self, alignment=Qt.AlignmentFlag.AlignCenter)
        self.reason.setWordWrap(True)
        self.reason_en = QLabel(self, alignment=Qt.AlignmentFlag.AlignCenter)
        self.reason_en.setWordWrap(True)
        # the staff's line: technical reason, support code (e.g. "bad_signature") and rule
        self.staff_line = QLabel(self, alignment=Qt.AlignmentFlag.AlignCenter)
        self.staff_line.setWordWrap(True)
        self.staff_line.setVisible(staff)
        # (widget, design size in pt (px for the icon), bold, wraps); top to bottom
        self._items = [(self.icon, icon_pt, False, False), (self.word, big, True, False),
                       (self.word_en, max(16, big // 3), True, True), (self.reason, reason_pt, True, True),
                       (self.reason_en, max(14, reason_pt // 2), False, True), (self.staff_line, staff_pt, True, True)]
        for w, pt, bold, _wrap in self._items[1:]:
            w.setFont(font(pt, bold))
        a11y.name(self, QT_TRANSLATE_NOOP("A11y", "Verdict"))
        # the hold: countdown text and bar (gate, kiosk)
        self.hold = hold
        self.hold_seconds = 0.0
        self._hold_clock = QElapsedTimer()
        self._tick = QTimer(self)
        self._tick.setInterval(self.TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self.countdown = QLabel(self, alignment=Qt.AlignmentFlag.AlignCenter)
        self.countdown.hide()
        if hold:
            self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)    # Enter / Space / Escape dismiss it

    # ------------------------------------------------------------------ fitting
    def sizeHint(self) -> QSize:
        return QSize(*self._design)

    def minimumSizeHint(self) -> QSize:
        return QSize(120, 90)                  # it scales itself down: the layout may give it little

    def _shown_items(self):
        return [it for it in self._items if it[0] is self.icon or (it[0].text() and not it[0].isHidden())]

    def _heights(self, s: float, width: int) -> list[int] | None:
        """Each shown item's height at scale s in `width` px, or None when something does not fit."""
        out = []
        for w, pt, bold, wrap in self._shown_items():
            if w is self.icon:
                out.append(max(8, round(pt * s)))
                continue
            f = font(pt, bold)
            f.setPointSizeF(pt * s)
            flags = int(Qt.AlignmentFlag.AlignCenter.value) | (int(Qt.TextFlag.TextWordWrap.value) if wrap else 0)
            r = QFontMetrics(f).boundingRect(QRect(0, 0, width, 1 << 20), flags, w.text())
            if r.width() > width:
                return None                    # a word (or the one-line verdict word) longer than the line
            out.append(r.height())
        return out

    def fit_scale(self, width: int, height: int) -> float:
        """The largest scale (MIN_SCALE .. grow) at which everything fits width x height."""
        dw, dh = self._design
        # start from the area's share of the design area (a tall portrait panel grows too: the word
        # is then limited by the width, the icon and the wrapped lines use the height)
        b = self.boost
        s = max(self.MIN_SCALE, min(self._grow * b, max(1.0, (width * height / (dw * dh)) ** 0.5) * b))
        while True:
            m, sp = self._margins(s)
            hs = self._heights(s, width - 2 * m)
            if hs is not None and sum(hs) + sp * (len(hs) - 1) <= height - 2 * m:
                return s
            if s <= self.MIN_SCALE:
                return s
            s = max(self.MIN_SCALE, s * 0.93)

    def _margins(self, s: float) -> tuple[int, int]:
        return max(4, round(self.MARGIN * min(1.0, s))), max(2, round(self.SPACING * s))

    # ------------------------------------------------------------------ the hold and its countdown
    @property
    def holding(self) -> bool:
        return self._tick.isActive()

    @property
    def remaining(self) -> float:
        """Seconds left of the hold (0 when none runs)."""
        if not self.holding:
            return 0.0
        return max(0.0, self.hold_seconds - self._hold_clock.elapsed() / 1000.0)

    def start_hold(self, seconds: float) -> None:
        self.hold_seconds = max(0.05, float(seconds))
        self._hold_clock.start()
        self._tick.start()
        self._show_countdown()

    def stop_hold(self) -> None:
        self._tick.stop()
        self.countdown.hide()
        self.update()

    def dismiss(self) -> bool:
        """A person is done with the verdict (tap, Enter, Space, Escape): end the hold now."""
        if not self.holding:
            return False
        self.stop_hold()
        self.finished.emit("dismissed")
        return True

    def _on_tick(self) -> None:
        if self.remaining <= 0:
            self.stop_hold()
            self.finished.emit("timeout")
            return
        self._show_countdown()

    def countdown_text(self) -> str:
        n = str(max(1, math.ceil(self.remaining - 1e-6)))
        chinese = self._lang.chinese if self._lang is not None else False
        main = QCoreApplication.translate("VerdictPanel", COUNTDOWN).replace("%1", n)
        return main + (f"  ·  {COUNTDOWN.replace('%1', n)}" if chinese else "")

    def _show_countdown(self) -> None:
        text = self.countdown_text()
        if text != self.countdown.text():
            self.countdown.setText(text)
            self._place_countdown()
        self.countdown.setVisible(self.hold)
        bar_h = self._strip()[1]                       # the bar shrinks: repaint its strip only
        self.update(QRect(0, self.height() - bar_h, self.width(), bar_h))

    def _strip(self) -> tuple[int, int]:
        """The countdown's (text height, bar height) at the panel's bottom; (0, 0) without a hold."""
        if not self.hold:
            return 0, 0
        px = max(11, min(30, round(self.height() * 0.04)))
        return round(px * 1.45), max(4, px // 3)

    def _place_countdown(self) -> None:
        text_h, bar_h = self._strip()
        if not text_h:
            return
        width = max(40, self.width() - 16)
        px = round(text_h / 1.45)
        f = font(10, True)
        while True:                                     # one line, smaller on a narrow panel
            f.setPixelSize(px)
            if QFontMetrics(f).horizontalAdvance(self.countdown.text()) <= width or px <= 8:
                break
            px -= 1
        self.countdown.setFont(f)
        self.countdown.setGeometry(8, self.height() - bar_h - text_h, width, text_h)

    def fit(self) -> None:
        """Scale and place the icon and the lines for the panel's current size and texts."""
        key = (self.width(), self.height(), tuple(w.text() for w, *_ in self._shown_items()[1:]))
        if key == self._fitted_for:
            return
        self._fitted_for = key
        self._place_countdown()
        strip = sum(self._strip())
        s = self.scale = self.fit_scale(self.width(), self.height() - strip)
        m, sp = self._margins(s)
        width = self.width() - 2 * m
        items = self._shown_items()
        hs = self._heights(s, width) or [0] * len(items)
        y = max(m, (self.height() - strip - (sum(hs) + sp * (len(hs) - 1))) // 2)
        for (w, pt, bold, _wrap), h in zip(items, hs):
            if w is self.icon:
                w.setGeometry((self.width() - h) // 2, y, h, h)
            else:
                f = font(pt, bold)
                f.setPointSizeF(pt * s)
                w.setFont(f)
                w.setGeometry(m, y, width, h)
            y += h + sp

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        self.fit()

    def showEvent(self, ev) -> None:
        super().showEvent(ev)
        self.fit()

    def show_verdict(self, v: Verdict, t_in: float = 0.0) -> None:
        self.verdict, self._t_in = v, t_in
        self.gate_fault = None
        self.outcome = T.ui_outcome(v)
        self._pending_paint = True
        self.retranslate()
        a11y.announce(self)                    # screen readers say the new verdict now

    def show_gate_fault(self, fault: str | None) -> None:
        """The admission shown was not followed by the gate opening (`fault`: the actuator's one
        line): amber, "please see staff"; None: it opened after all, back to the verdict."""
        if self.verdict is None or fault == self.gate_fault:
            return
        self.gate_fault = fault
        self.outcome = Outcome.CHECK if fault is not None else T.ui_outcome(self.verdict)
        self.retranslate()
        self.update()
        a11y.announce(self)

    def _policy(self):
        try:
            return self.policy_source() if self.policy_source is not None else None
        except Exception:  # noqa: BLE001 - no explanation is better than no verdict
            return None

    def retranslate(self) -> None:
        v = self.verdict
        if v is None:
            return
        out = self.outcome
        bg, fg = self.colours[0][out], self.colours[1][out]
        self.setStyleSheet(f"VerdictPanel {{ background: {bg}; }} QLabel {{ color: {fg}; background: transparent; }}")
        pal = self.palette()
        pal.setColor(self.backgroundRole(), QColor(bg))
        self.setPalette(pal)
        self.icon.set_outcome(out, fg)
        self.word.setText(T.outcome_word(out))
        chinese = self._lang.chinese if self._lang is not None else False
        self.guidance = T.GATE_FAULT if self.gate_fault is not None else T.public_guidance(v, self._policy())
        zh, en = self.guidance
        self.reason.setText(zh if chinese else en)
        self.word_en.setText(T.OUTCOME_WORD[out] if chinese else "")
        self.reason_en.setText(en if chinese else "")
        self.word_en.setVisible(chinese)
        self.reason_en.setVisible(chinese)
        line = T.gate_fault_line(self.gate_fault, chinese) if self.gate_fault is not None else T.staff_line(v, chinese)
        self.staff_line.setText(line if self.staff else "")
        self.staff_line.setVisible(self.staff and bool(self.staff_line.text()))
        a11y.name_as(self, f"{a11y.chinese('Verdict')}：{a11y.chinese(T.OUTCOME_WORD[out], 'Outcome')}。{zh}",
                     f"Verdict: {T.OUTCOME_WORD[out]}. {en}")
        self.countdown.setStyleSheet(f"color: {fg};")
        if self.holding:
            self._show_countdown()
        self.fit()

    def set_high_contrast(self, on: bool) -> None:
        """Large type and the high-contrast verdict colours (ui/theme.py), applied at once."""
        from . import theme
        self.boost = theme.BOOST if on else 1.0
        self.colours = (theme.HC_OUTCOME_COLOUR, theme.HC_OUTCOME_TEXT_COLOUR) if on else \
            (T.OUTCOME_COLOUR, T.OUTCOME_TEXT_COLOUR)
        self._fitted_for = None
        self.retranslate()
        self.fit()
        self.update()

    def colour(self) -> str:
        return self.colours[0][self.outcome] if self.outcome else ""

    def paintEvent(self, ev) -> None:
        p = QPainter(self)
        if self.outcome is not None:
            p.fillRect(self.rect(), QColor(self.colours[0][self.outcome]))
            if self.holding:                           # the bar shrinks towards the centre as the hold runs out
                bar_h, w = self._strip()[1], self.bar_width()
                p.fillRect(QRect((self.width() - w) // 2, self.height() - bar_h, w, bar_h),
                           QColor(self.colours[1][self.outcome]))
        p.end()
        if self._pending_paint:
            self._pending_paint = False
            self.painted.emit(self.verdict, self._t_in, time.perf_counter())


    def bar_width(self) -> int:
        """The countdown bar's width in px now (0 without a hold)."""
        return round(self.width() * self.remaining / self.hold_seconds) if self.holding else 0

    def mousePressEvent(self, ev) -> None:
        if not self.dismiss():
            super().mousePressEvent(ev)

    def keyPressEvent(self, ev) -> None:
        if ev.key() in self.DISMISS_KEYS and self.dismiss():
            return
        super().keyPressEvent(ev)


COUNTDOWN = QT_TRANSLATE_NOOP("VerdictPanel", "Next in %1 s · tap to skip")


class Banner(QLabel):
    """A one-line coloured banner across the window (offline, trust data stale...)."""

    def __init__(self, kind: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.kind = kind                                # "bad" (red) or "warn" (amber): ui/theme.py
        self.setFont(font(StaffAlerts.PT, True))       # staff read it from 2 m
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.apply_theme(False)
        self.setWordWrap(True)
        self.hide()

    def apply_theme(self, high_contrast: bool) -> None:
        self.setStyleSheet(theme.row(self.kind, high_contrast, "6px"))

    def set_scale(self, s: float) -> None:
        self.setFont(font(StaffAlerts.PT * StaffAlerts.scale_for(s), True))


class StatusStrip(QWidget):
    """Online/offline, trust data age, events waiting for upload, camera state."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 0)
        self.online = QLabel()
        self.trust = QLabel()
        self.pending = QLabel()
        self.camera = QLabel()
        for w, name in ((self.online, QT_TRANSLATE_NOOP("A11y", "Network state")),
                        (self.trust, QT_TRANSLATE_NOOP("A11y", "Trust data age")),
                        (self.pending, QT_TRANSLATE_NOOP("A11y", "Events waiting for upload")),
                        (self.camera, QT_TRANSLATE_NOOP("A11y", "Camera state"))):
            w.setFont(font(12))
            a11y.name(w, name)
            lay.addWidget(w)
            self._labels = [self.online, self.trust, self.pending, self.camera]
            sep = QFrame()
            sep.setFrameShape(QFrame.Shape.VLine)
            lay.addWidget(sep)
        lay.addStretch(1)
        self.high_contrast = False
        self._kinds: dict[QLabel, str | None] = {}

    def apply_theme(self, high_contrast: bool) -> None:
        """Normal or high-contrast colours for the texts shown and those to come (ui/theme.py)."""
        self.high_contrast = high_contrast
        for lab, kind in self._kinds.items():
            lab.setStyleSheet(theme.status_text(kind, high_contrast))

    def _show(self, lab: QLabel, text: str, kind: str | None) -> None:
        """kind: ok / bad / warn / muted (theme.status_text), None: the window's own text colour."""
        lab.setText(text)
        self._kinds[lab] = kind
        lab.setStyleSheet(theme.status_text(kind, self.high_contrast))

    def duration(self, seconds: float) -> str:
        return duration_text(seconds)

    def set_scale(self, s: float) -> None:
        for w in self._labels:
            w.setFont(font(12 * max(0.85, min(1.3, s))))

    def show_status(self, st, camera_state: str, now: float | None = None) -> None:
        """st: terminal.service.Status (or None before the first poll)."""
        self.trust_warning = ""
        if st is None:
            return
        if now is None:   # the service's clock (tests and demos pin it), not ours
            now = st.trust_iat + st.trust_age_s if st.trust_iat is not None and st.trust_age_s is not None \
                else time.time()
        if not st.enrolled:
            self._show(self.online, self.tr("Not enrolled (local files)"), "muted")
        elif st.online is False:
            self._show(self.online, "● " + self.tr("Offline"), "bad")
        elif st.online is None:
            self._show(self.online, "○ " + self.tr("Not synced yet"), "muted")
        else:
            self._show(self.online, "● " + self.tr("Online"), "ok")
        if st.trust_iat is None:
            self._show(self.trust, self.tr("No trust data"), "bad")
            self.trust_warning = "none"
        elif st.trust_stale:
            self._show(self.trust, "⚠ " + self.tr("Trust data out of date"), "bad")
            self.trust_warning = "stale"
        else:
            age = self.tr("Trust data %1 old").replace("%1", self.duration(st.trust_age_s or 0))
            left = (st.trust_next or now) - now
            span = max(1, (st.trust_next or now) - st.trust_iat)
            if left < max(3600, 0.2 * span):
                self._show(self.trust, "⚠ " + age + " · " + self.tr("expires in %1").replace("%1", self.duration(left)),
                           "warn")
                self.trust_warning = "soon"
            else:
                self._show(self.trust, age, None)
        self.pending.setText(self.tr("Waiting for upload: %1").replace("%1", str(st.events_pending)))
        cam = {
            "live": self.tr("Camera: live"), "opening": self.tr("Camera: starting"),
            "no_signal": self.tr("Camera: no picture"), "ended": self.tr("Camera: video ended"),
            "reconnecting": self.tr("Camera: reconnecting"),
        }.get(camera_state.split(":")[0], self.tr("Camera: error"))
        self._show(self.camera, cam, None if camera_state in ("live", "opening", "ended") else "bad")


class StaffAlerts(QWidget):
    """What staff must act on, large enough to read from 2 m (gate and counter; never the kiosk):
    the gate's actuator failing, the venue's shared store (the other gates) out of reach, trust
    data about to expire, a suspect clock, no camera picture, scan events waiting for upload while
    the platform cannot be reached. One bold row each, coloured by urgency; hidden when all
    is well. `kinds` lists the alerts shown (for tests and the screenshots).

    Threads: GUI thread (fed by MainWindow from the status worker's results)."""

    PT = 22
    CAMERA_DOWN = ("no_signal", "reconnecting", "failed", "error")
    BACKLOG = 1000          # this many events waiting is worth a word even while online
    URGENCY = {"gate": "bad", "venue": "bad", "trust_soon": "warn", "clock": "bad", "camera": "bad", "backlog": "warn"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.rows: dict[str, QLabel] = {}
        for kind in self.URGENCY:
            lab = QLabel()
            lab.setFont(font(self.PT, True))
            lab.setWordWrap(True)
            lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lab.hide()
            lay.addWidget(lab)
            self.rows[kind] = lab
        self.apply_theme(False)
        self.kinds: list[str] = []
        self.hide()

    def apply_theme(self, high_contrast: bool) -> None:
        """Each row red or amber by its urgency, in the normal or the high-contrast look (ui/theme.py)."""
        for kind, lab in self.rows.items():
            lab.setStyleSheet(theme.row(self.URGENCY[kind], high_contrast, "4px 10px"))

    @staticmethod
    def scale_for(s: float) -> float:
        """Staff read these from 2 m: they shrink with a small window, but less than the rest."""
        return max(0.75, min(1.3, s))

    def set_scale(self, s: float) -> None:
        for lab in self.rows.values():
            lab.setFont(font(self.PT * self.scale_for(s), True))

    def show_status(self, st, camera_state: str, *, language, public: bool, now: float | None = None,
                    gate_fault: str | None = None) -> None:
        """st: terminal.service.Status or None; public: the kiosk (nothing is shown there);
        gate_fault: the gate actuator's fault (ui.gate_link), None while it works or there is none."""
        texts: dict[str, str] = {}
        if gate_fault and not public:
            src = "Gate fault: %1. Admissions show amber: check the gate, or open it by hand (Staff menu)"
            texts["gate"] = self._two(language, self.tr("Gate fault: %1. Admissions show amber: check the gate, or "
                                                        "open it by hand (Staff menu)"), src, gate_fault)
        if st is not None and not public:
            if getattr(st, "venue_store", None) and st.venue_store_state == "unavailable":
                src = ("The other gates cannot be reached: valid codes show amber, check each holder "
                       "(%1 to write back)")
                texts["venue"] = self._two(language, self.tr("The other gates cannot be reached: valid codes show "
                                                             "amber, check each holder (%1 to write back)"),
                                           src, str(st.venue_store_pending))
            if now is None:
                now = st.trust_iat + st.trust_age_s if st.trust_iat is not None and st.trust_age_s is not None \
                    else time.time()
            if st.trust_iat is not None and not st.trust_stale and st.trust_next:
                left, span = st.trust_next - now, max(1, st.trust_next - st.trust_iat)
                if left < max(3600, 0.2 * span):
                    src = "Trust data expires in %1: connect the terminal so it can sync"
                    texts["trust_soon"] = self._two(language, self.tr("Trust data expires in %1: connect the terminal "
                                                                      "so it can sync"), src, duration_text(left),
                                                    duration_text(left, english=True))
            if st.clock_suspect:
                skew, skew_en = duration_text(abs(st.clock_skew_s or 0)), duration_text(abs(st.clock_skew_s or 0), True)
                src = "The terminal clock may be wrong (%1 from the platform): set the time"
                texts["clock"] = self._two(language, self.tr("The terminal clock may be wrong (%1 from the platform): "
                                                             "set the time"), src, skew, skew_en)
            if st.enrolled and st.events_pending and (st.online is False or st.events_pending >= self.BACKLOG):
                src = "%1 scan records waiting for upload: check the network"
                texts["backlog"] = self._two(language, self.tr("%1 scan records waiting for upload: check the network"),
                                             src, str(st.events_pending))
        if not public and camera_state.split(":")[0] in self.CAMERA_DOWN:
            src = "No camera picture: check the camera and its cable"
            texts["camera"] = self._two(language, self.tr("No camera picture: check the camera and its cable"), src, "")
        for kind, lab in self.rows.items():
            lab.setText(texts.get(kind, ""))
            lab.setVisible(kind in texts)
            lab.setAccessibleName(texts.get(kind, "").split("\n")[0])
        self.kinds = [k for k in self.rows if k in texts]
        self.setVisible(bool(texts))

    @staticmethod
    def _two(language, translated: str, source: str, arg: str, arg_en: str | None = None) -> str:
        """The text in the app's language, with the English below it when that is Chinese."""
        main = translated.replace("%1", arg)
        sec = language.secondary(source).replace("%1", arg if arg_en is None else arg_en) if language else ""
        return main + (f"\n{sec}" if sec else "")


_DURATION = (QT_TRANSLATE_NOOP("Duration", "under a minute"), QT_TRANSLATE_NOOP("Duration", "%1 min"),
             QT_TRANSLATE_NOOP("Duration", "%1 h"), QT_TRANSLATE_NOOP("Duration", "%1 d"))


def duration_text(seconds: float, english: bool = False) -> str:
    """A rough duration in words: under a minute, 5 min, 3 h, 2 d (`english`: the source words,
    for the English line under Chinese)."""
    s = max(0, int(seconds))
    i, n = (0, 0) if s < 60 else (1, s // 60) if s < 3600 else (2, s // 3600) if s < 48 * 3600 else (3, s // 86400)
    text = _DURATION[i] if english else QCoreApplication.translate("Duration", _DURATION[i])
    return text.replace("%1", str(n))
