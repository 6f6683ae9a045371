"""The counter's clerk tools (issue 11, 免填写): copy one field, a one-page summary to print or save
as PDF, tables that never cut their text, and clearing the holder's details after an
idle time.

    b = CopyButton(lambda: value_label.text(), chinese=lambda: lang.chinese)  # ⧉ 复制 -> 已复制 for 1.5 s
    table = FitTable(4); table.fill(rows)                                    # wraps, rows grow, no "…"
    save_summary_pdf(summary, "/tmp/s.pdf")                                   # A4, one page, CJK embedded
    print_summary(summary, printer)                                           # the same page on a QPrinter
    idle = IdleClear(view, clear); idle.arm(120)                              # any key/click/wheel restarts it

The words here are (Chinese, English) pairs like ui/texts.GUIDANCE: the summary sheet carries
both, and the buttons pick one by the screen language.

Threads: GUI thread only.
"""
from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from . import a11y
from .qt import (QAbstractItemView, QApplication, QEvent, QFont, QFontMetrics, QGuiApplication, QHeaderView,
                 QMarginsF, QObject, QPageLayout, QPageSize, QPainter, QPdfWriter, QPushButton, QRect, QStyle,
                 QTableWidget, QTableWidgetItem, QTextDocument, QTimer, Qt, Signal)

WORDS: dict[str, tuple[str, str]] = {
    "copy": ("复制", "Copy"),
    "copied": ("已复制", "Copied"),
    "summary": ("打印/保存摘要", "Print / save summary"),
    "save_pdf": ("保存为 PDF…", "Save as PDF…"),
    "print": ("打印…", "Print…"),
    "save_title": ("保存核验摘要", "Save the verification summary"),
    "title": ("核验摘要", "Verification summary"),
    "verdict": ("核验结果", "Verdict"),
    "time": ("核验时间", "Checked at"),
    "terminal": ("终端", "Terminal"),
    "not_enrolled": ("未登记的终端", "terminal not enrolled"),
    "certs": ("关联证照", "Linked certificates"),
    "no_certs": ("无关联证照", "No linked certificates"),
    "no_holder": ("未通过核验的码不显示持码人信息", "No holder details for a code that was not accepted"),
    "footnote": ("本摘要只含码上显示用的（已脱敏）信息，仅供本次办理使用。",
                 "This summary holds only the (masked) details the code carries for display, for this visit only."),
}
COPIED_MS = 1500         # how long a copy button says 已复制 / Copied


def word(key: str, chinese: bool) -> str:
    zh, en = WORDS[key]
    return zh if chinese else en


def both(key: str) -> str:
    """Chinese with English after it, for the printed sheet."""
    zh, en = WORDS[key]
    return f"{zh} {en}"


class CopyButton(QPushButton):
    """A small button beside one field: its value to the clipboard, then 已复制 / Copied for a
    moment. A real push button, so Tab reaches it and Space/Enter press it."""

    copied = Signal(str)

    def __init__(self, value: Callable[[], str], *, chinese: Callable[[], bool], name: str = ""):
        # name: the field's English name, marked for the A11y context (its Chinese is ui.a11y's)
        super().__init__()
        self._value, self._chinese, self._name = value, chinese, name
        self._reset = QTimer(self)
        self._reset.setSingleShot(True)
        self._reset.timeout.connect(self.retranslate)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAutoDefault(False)
        self.setStyleSheet("QPushButton { padding: 1px 8px; }")
        self.clicked.connect(self.copy)
        self.retranslate()

    def copy(self) -> None:
        text = self._value()
        if not text:
            return
        QGuiApplication.clipboard().setText(text)
        self.setText(word("copied", self._chinese()))
        self.setAccessibleDescription(f"{WORDS['copied'][1]}: {self._name}")
        self._reset.start(COPIED_MS)
        self.copied.emit(text)

    @property
    def showing_copied(self) -> bool:
        return self._reset.isActive()

    def retranslate(self) -> None:
        chinese = self._chinese()
        self.setText(word("copied" if self._reset.isActive() else "copy", chinese))
        zh_name = a11y.chinese(self._name) if self._name else ""
        a11y.name_as(self, f"{WORDS['copy'][0]} {zh_name}".strip(), f"{WORDS['copy'][1]} {self._name}".strip())
        self.setToolTip(f"{word('copy', chinese)}: {zh_name if chinese else self._name}" if self._name else "")

    def sizeHint(self):
        """Wide enough for both words, so the row does not move when it says 已复制."""
        hint = super().sizeHint()
        fm = QFontMetrics(self.font())
        widest = max(fm.horizontalAdvance(w) for pair in (WORDS["copy"], WORDS["copied"]) for w in pair)
        hint.setWidth(max(hint.width(), widest + 2 * fm.horizontalAdvance("  ")))
        return hint

    def minimumSizeHint(self):
        return self.sizeHint()


# ---------------------------------------------------------------------------------- certificate table

def text_margin(view: QAbstractItemView) -> int:
    """The item delegate's horizontal margin on each side of a cell's text (QCommonStyle)."""
    return view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1


_MIN_WIDTHS: dict[tuple[str, str], int] = {}


def min_wrap_width(fm: QFontMetrics, text: str, font_key: str = "") -> int:
    """The narrowest width this text wraps into without a line sticking out (its longest
    unbreakable run: a masked ID number, a date; Chinese breaks between characters). Remembered
    per font and text (`font_key`: QFont.key()), the day's log repeats its words."""
    key = (font_key, text)
    got = _MIN_WIDTHS.get(key)
    if got is not None:
        return got
    whole = fm.horizontalAdvance(text)
    if text.isascii() and " " not in text and "-" not in text:
        lo = whole                               # no break opportunity: one run
    else:
        flags = int(Qt.TextFlag.TextWordWrap.value)
        lo, hi = 1, max(1, whole)
        while lo < hi:
            mid = (lo + hi) // 2
            if fm.boundingRect(QRect(0, 0, mid, 1 << 20), flags, text).width() <= mid:
                hi = mid
            else:
                lo = mid + 1
    if len(_MIN_WIDTHS) > 4096:
        _MIN_WIDTHS.clear()
    _MIN_WIDTHS[key] = lo
    return lo


class FitTable(QTableWidget):
    """A table (the linked certificates, the day's scans) that shows every cell's whole text, wrapped inside its column, rows as tall
    as their text. Columns get at least their longest unbreakable run and share the rest by
    their one-line widths; the table scrolls sideways only when even those minimums do not fit."""

    SLACK = 3              # px per column beyond the delegate's margins (rounding, the focus frame)

    def __init__(self, columns: int = 4):
        super().__init__(0, columns)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        hh = self.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        hh.setStretchLastSection(False)
        hh.setTextElideMode(Qt.TextElideMode.ElideNone)
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)
        self.verticalHeader().hide()
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self._fitting = False
        self._fit_pending = False

    def fill(self, rows: Sequence[Sequence[str]], colours: dict[tuple[int, int], str] | None = None) -> None:
        from .qt import QColor
        self.setRowCount(len(rows))
        for i, cells in enumerate(rows):
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
                if colours and (i, j) in colours:
                    item.setForeground(QColor(colours[(i, j)]))
                self.setItem(i, j, item)
        self.fit_columns()

    def _head(self, j: int) -> str:
        head = self.horizontalHeaderItem(j)
        return head.text() if head is not None else ""

    def _texts(self, j: int) -> list[str]:
        return [self.item(i, j).text() for i in range(self.rowCount()) if self.item(i, j) is not None]

    def fit_columns(self) -> None:
        if self._fitting:
            return
        self._fitting = True
        try:
            fm = QFontMetrics(self.font())
            hfm = QFontMetrics(self.horizontalHeader().font())
            fk, hk = self.font().key(), self.horizontalHeader().font().key()
            pad = 2 * text_margin(self) + self.SLACK
            hpad = 2 * self.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, self) + self.SLACK
            mins, nats = [], []
            for j in range(self.columnCount()):
                htext = self._head(j)
                texts = self._texts(j)
                mins.append(max([min_wrap_width(hfm, htext, hk) + hpad if htext else 0]
                                + [min_wrap_width(fm, t, fk) + pad for t in texts if t]))
                nats.append(max([hfm.horizontalAdvance(htext) + hpad if htext else 0]
                                + [fm.horizontalAdvance(t) + pad for t in texts if t]))
            avail = self.viewport().width()
            if sum(mins) >= avail:
                widths = mins
            elif sum(nats) <= avail:
                extra = avail - sum(nats)
                widths = [n + (extra if j == len(nats) - 1 else 0) for j, n in enumerate(nats)]
            else:
                room, want = avail - sum(mins), sum(n - m for n, m in zip(nats, mins))
                widths = [m + (n - m) * room // max(1, want) for n, m in zip(nats, mins)]
                widths[-1] += avail - sum(widths)
            hh = self.horizontalHeader()
            for j, w in enumerate(widths):
                if hh.sectionSize(j) != w:
                    hh.resizeSection(j, w)
            self.resizeRowsToContents()
            # a header wraps too ("Issued / by"): as tall as its tallest wrapped label
            flags = int((Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap).value)
            tall = max([hfm.boundingRect(QRect(0, 0, max(1, w - hpad), 1 << 20), flags, self._head(j)).height()
                        for j, w in enumerate(widths)] + [hfm.height()])
            hh.setFixedHeight(tall + 2 * self.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, self) + 4)
        finally:
            self._fitting = False

    def _fit_later(self) -> None:
        if not self._fit_pending:
            self._fit_pending = True
            QTimer.singleShot(0, self._fit_now)

    def _fit_now(self) -> None:
        self._fit_pending = False
        self.fit_columns()

    def viewportEvent(self, ev) -> bool:
        if ev.type() == QEvent.Type.Resize:      # the table, or a scroll bar coming or going
            self.fit_columns()
        return super().viewportEvent(ev)

    def changeEvent(self, ev) -> None:
        super().changeEvent(ev)
        if ev.type() == QEvent.Type.FontChange:
            self._fit_later()


# ---------------------------------------------------------------------------------- the summary sheet

@dataclass(frozen=True)
class Summary:
    """What the printed sheet says: (label, value) rows (verdict, time, terminal, then the holder's
    fields as the counter shows them), and the linked certificates."""

    rows: tuple[tuple[str, str], ...]
    cert_headers: tuple[str, ...] = ()
    certs: tuple[tuple[str, ...], ...] = ()
    holder: bool = True                      # False: a code that was not accepted (no holder details)
    dcc: tuple[tuple[str, str], ...] = field(default=())


FONT_FAMILY = "WenQuanYi Micro Hei"        # fonts-wqy-microhei (bootstrap); Qt falls back to any CJK font


def summary_html(s: Summary) -> str:
    e = html.escape
    out = [f"<h2>{e(both('title'))}</h2>",
           '<table cellspacing="0" cellpadding="5" border="1" width="100%" style="border-collapse: collapse;">']
    for label, value in s.rows:
        out.append(f'<tr><td width="28%" bgcolor="#f0f0f0"><b>{e(label)}</b></td><td>{e(value)}</td></tr>')
    out.append("</table>")
    if s.dcc:
        out.append('<p></p><table cellspacing="0" cellpadding="4" border="1" width="100%">')
        out.extend(f'<tr><td width="28%" bgcolor="#f0f0f0">{e(k)}</td><td>{e(v)}</td></tr>' for k, v in s.dcc)
        out.append("</table>")
    if s.holder:
        out.append(f"<h3>{e(both('certs'))}</h3>")
        if s.certs:
            out.append('<table cellspacing="0" cellpadding="4" border="1" width="100%"><tr>')
            out.extend(f'<th bgcolor="#f0f0f0" align="left">{e(h)}</th>' for h in s.cert_headers)
            out.append("</tr>")
            for row in s.certs:
                out.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
            out.append("</table>")
        else:
            out.append(f"<p>{e(both('no_certs'))}</p>")
    else:
        out.append(f"<p>{e(both('no_holder'))}</p>")
    out.append(f'<p style="color:#555555; font-size: small;">{e(WORDS["footnote"][0])}<br/>'
               f'{e(WORDS["footnote"][1])}</p>')
    return "".join(out)


def render_summary(s: Summary, device, paint_rect: QRect | None = None) -> float:
    """Lay the sheet out for `device` (a QPdfWriter or a QPrinter, already on its first page) and
    paint it there, scaled down if it would run past the page: always one page. Returns the scale."""
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(device)
    f = QFont(FONT_FAMILY)
    f.setPointSizeF(10.5)
    doc.setDefaultFont(f)
    doc.setHtml(summary_html(s))
    page = paint_rect or QRect(0, 0, device.width(), device.height())
    doc.setTextWidth(page.width())
    h = doc.size().height()
    scale = min(1.0, page.height() / h) if h > 0 else 1.0
    if scale < 1.0:                          # lay out wider, then shrink: the same words on one page
        doc.setTextWidth(page.width() / scale)
    p = QPainter(device)
    try:
        p.translate(page.topLeft())
        p.scale(scale, scale)
        doc.drawContents(p)
    finally:
        p.end()
    return scale


def a4_layout() -> QPageLayout:
    return QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                       QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)


def save_summary_pdf(s: Summary, path: str, *, title: str = "") -> str:
    """The sheet as a one-page A4 PDF at `path` (fonts embedded: Chinese prints anywhere)."""
    w = QPdfWriter(path)
    w.setPageLayout(a4_layout())
    w.setResolution(300)
    w.setTitle(title or both("title"))
    w.setCreator("Venue Terminal")
    render_summary(s, w)
    return path


def print_summary(s: Summary, printer) -> None:
    """The same sheet on a printer the clerk chose (QPrintDialog) or set up (a QPrinter)."""
    printer.setPageLayout(a4_layout())
    render_summary(s, printer)


def printers_available() -> bool:
    from .qt import QPrinterInfo
    return QPrinterInfo is not None and bool(QPrinterInfo.availablePrinters())


# ---------------------------------------------------------------------------------- idle clear

class IdleClear(QObject):
    """Calls `clear` after `seconds` with no interaction (a key, a click, a wheel turn or a touch
    anywhere in the app) once armed; each interaction starts the wait again. While disarmed it
    watches nothing (the app's events go through its filter only while details are shown)."""

    INTERACTION = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
                             QEvent.Type.Wheel, QEvent.Type.TouchBegin})

    def __init__(self, parent: QObject, clear: Callable[[], None]):
        super().__init__(parent)
        self._clear = clear
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)   # a coarse one may keep its old deadline on restart
        self._timer.timeout.connect(self._fire)
        self._filtering = False
        self.seconds = 0.0

    @property
    def armed(self) -> bool:
        return self._timer.isActive()

    def arm(self, seconds: float) -> None:
        """Start (or restart) the wait; 0 or less: never clear."""
        self.seconds = seconds
        if seconds <= 0:
            self.disarm()
            return
        self._timer.start(max(1, round(seconds * 1000)))
        self._watch(True)

    def disarm(self) -> None:
        self._timer.stop()
        self._watch(False)

    def _watch(self, on: bool) -> None:
        app = QApplication.instance()
        if app is None or on == self._filtering:
            return
        (app.installEventFilter if on else app.removeEventFilter)(self)
        self._filtering = on

    def _fire(self) -> None:
        self._watch(False)
        self._clear()

    def eventFilter(self, obj, ev) -> bool:
        if ev.type() in self.INTERACTION and self._timer.isActive():
            self._timer.start()                 # the same interval again
        return False
