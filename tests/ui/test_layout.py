"""Issue 11 defect 3: every mode lays out at small, large and portrait screens.

The real main window (ui.app.build, offscreen platform) is shown at each size, in each mode, idle
and with an admission, a refusal and a see-staff verdict, and its widget geometry is checked:

- the window really has the size asked for (no minimum size from the content);
- every visible leaf widget lies inside the window and inside each of its parents (nothing
  pushed out of sight or cut by a container);
- no two visible content widgets overlap (content: labels showing text or a picture, buttons,
  the camera preview, the drawn ✓/✗/! icon, tables; containers only hold them), unless one is
  inside the other;
- every label's text fits its rect as the label draws it (QFontMetrics with the label's font,
  alignment and word wrap), every button's text fits the button's contents rect;
- the verdict word (通过 / 拒绝 / 请联系工作人员) is on one line and its font is at least a given
  share of the window's short side (legible from where the person stands).
"""
from __future__ import annotations

import pytest

from vocab import reasons as R
from terminal.verdict import Verdict
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QApplication, QLabel, QMainWindow, QPushButton,
                               QStyle, QStyleOptionButton, QWidget)
from ui.widgets import OutcomeIcon, PreviewWidget

from ui.screenshots import SIZES      # the screens the layouts must work on (also the screenshots')
# the verdict word's font height as a share of the window's short side: the gate and the kiosk are
# read from a distance, the counter's clerk sits in front of it
WORD_SHARE = {"gate": 0.10, "kiosk": 0.08, "counter": 0.035}
SLACK = 1          # px: rounding between the layout and the font metrics


def _rect_in(w: QWidget, top: QWidget):
    return QRect(w.mapTo(top, w.rect().topLeft()), w.size())


def _content(w: QWidget) -> bool:
    if isinstance(w, QLabel):
        return bool(w.text()) or (w.pixmap() is not None and not w.pixmap().isNull())
    return isinstance(w, (QAbstractButton, PreviewWidget, OutcomeIcon, QAbstractItemView))


def _walk(top: QWidget):
    """Visible widgets in the window, not descending into item views and buttons (their insides
    scroll or are drawn by the style)."""
    out = []

    def rec(w):
        for c in w.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if not c.isVisible() or c.isWindow():
                continue
            out.append(c)
            if not isinstance(c, (QAbstractItemView, QAbstractButton)):
                rec(c)
    rec(top)
    return out


def _label_fits(lab: QLabel) -> str | None:
    text = lab.text()
    if not text or lab.textFormat() == Qt.TextFormat.RichText or \
            (lab.textFormat() == Qt.TextFormat.AutoText and "<" in text and ">" in text):
        return None         # markup: its size is not the plain text's
    r = lab.contentsRect()
    m = lab.margin()
    r = r.adjusted(m, m, -m, -m)
    flags = int(lab.alignment().value)
    if lab.wordWrap():
        flags |= int(Qt.TextFlag.TextWordWrap.value)
    br = QFontMetrics(lab.font()).boundingRect(r, flags, text)
    if br.width() > r.width() + SLACK or br.height() > r.height() + SLACK:
        return f"text {text[:40]!r} needs {br.width()}x{br.height()}, has {r.width()}x{r.height()}"
    return None


def _button_fits(b: QAbstractButton) -> str | None:
    text = b.text()
    if not text:
        return None
    opt = QStyleOptionButton()
    opt.initFrom(b)
    opt.text = text
    r = b.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, opt, b) \
        if isinstance(b, QPushButton) else b.contentsRect()
    fm = QFontMetrics(b.font())
    need_w, need_h = fm.horizontalAdvance(text), fm.height()
    if need_w > r.width() + SLACK or need_h > r.height() + SLACK:
        return f"button {text!r} needs {need_w}x{need_h}, has {r.width()}x{r.height()}"
    return None


def layout_problems(win: QWidget, mode: str) -> list[str]:
    """Everything wrong with the window's geometry as it is now (empty: all is well)."""
    probs = []
    shown = _walk(win)
    names = {id(w): f"{type(w).__name__}({w.accessibleName() or w.objectName() or ''})" for w in shown}
    # leaves inside the window and inside every parent
    for w in shown:
        if any(c in shown for c in w.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)) \
                and not isinstance(w, (QAbstractItemView, QAbstractButton)):
            continue
        if w.width() <= 0 or w.height() <= 0:
            continue           # zero-sized: shows nothing (an empty spacer-like label)
        r = _rect_in(w, win)
        p = w.parentWidget()
        while p is not None and p is not win:
            if not _rect_in(p, win).contains(r):
                probs.append(f"{names[id(w)]} {r.getRect()} is cut by its parent {type(p).__name__} "
                             f"{_rect_in(p, win).getRect()}")
                break
            p = p.parentWidget()
        if not win.rect().contains(r):
            probs.append(f"{names[id(w)]} {r.getRect()} is outside the window {win.rect().getRect()}")
    # no two content widgets overlap
    content = [w for w in shown if _content(w) and w.width() > 0 and w.height() > 0]
    rects = [(w, _rect_in(w, win)) for w in content]
    for i, (a, ra) in enumerate(rects):
        for b, rb in rects[i + 1:]:
            if a.isAncestorOf(b) or b.isAncestorOf(a):
                continue
            inter = ra.intersected(rb)
            if inter.width() > SLACK and inter.height() > SLACK:
                probs.append(f"{names[id(a)]} {ra.getRect()} overlaps {names[id(b)]} {rb.getRect()}")
    # text fits
    for w in content:
        msg = _label_fits(w) if isinstance(w, QLabel) else _button_fits(w) if isinstance(w, QAbstractButton) else None
        if msg:
            probs.append(f"{names[id(w)]}: {msg}")
    # the verdict word: one line, large enough
    panel = win.view.panel
    if panel.isVisible() and panel.word.text():
        fm = QFontMetrics(panel.word.font())
        short = min(win.width(), win.height())
        if fm.height() < WORD_SHARE[mode] * short:
            probs.append(f"verdict word {panel.word.text()!r} is {fm.height()} px high, "
                         f"wants >= {WORD_SHARE[mode] * short:.0f}")
        br = fm.boundingRect(panel.word.contentsRect(), int(Qt.TextFlag.TextWordWrap.value), panel.word.text())
        if br.height() > fm.lineSpacing() * 1.5:
            probs.append(f"verdict word {panel.word.text()!r} wraps onto {br.height() // fm.lineSpacing()} lines")
    return probs


def _settle(app, win):
    for _ in range(4):
        app.processEvents()
    win.repaint()
    app.processEvents()


@pytest.fixture
def verdicts(service, cases):
    return [("admit", service.scan(cases["resident_es256_ok"]["code"])),
            ("refuse", service.scan(cases["revoked"]["code"])),
            ("check", Verdict(valid=False, reason=R.UNREADABLE, detail="no code could be read in the image"))]


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("mode", ["gate", "kiosk", "counter"])
def test_layout_at_every_size(qtbot, tmp_path, service, verdicts, mode, language):
    from ui.app import AppOptions, build
    app = QApplication.instance()
    problems: list[str] = []
    for size in SIZES:
        rt = build(AppOptions(mode=mode, source="images:/nonexistent", service=service, fullscreen=False,
                              language=language, sync=False, settings_path=tmp_path / f"s-{size[0]}.json"))
        win = rt.window
        qtbot.addWidget(win)
        try:
            win.resize(*size)
            win.show()
            _settle(app, win)
            where = f"{mode} {language} {size[0]}x{size[1]}"
            if (win.width(), win.height()) != size:
                problems.append(f"{where}: the window is {win.width()}x{win.height()}, not {size[0]}x{size[1]}")
            problems += [f"{where} idle: {p}" for p in layout_problems(win, mode)]
            for name, v in verdicts:
                win.show_verdict(v, 0.0)
                _settle(app, win)
                problems += [f"{where} {name}: {p}" for p in layout_problems(win, mode)]
        finally:
            win.shutdown()
            rt.stop()
    assert not problems, f"{len(problems)} layout problems:\n" + "\n".join(problems[:60])


def test_checker_sees_an_overlap_and_a_cut_text(qtbot):
    """The checker itself: two labels placed on top of each other, a text wider than its label."""
    class W(QMainWindow):
        pass
    w = W()
    qtbot.addWidget(w)
    c = QWidget()
    w.setCentralWidget(c)
    a, b = QLabel("通过", c), QLabel("a long text that cannot fit in forty pixels", c)
    a.setGeometry(0, 0, 100, 40)
    b.setGeometry(50, 10, 40, 20)
    w.resize(300, 200)
    w.show()
    w.view = type("V", (), {"panel": type("P", (), {"isVisible": lambda self: False})()})()
    probs = layout_problems(w, "gate")
    assert any("overlaps" in p for p in probs)
    assert any("needs" in p for p in probs)
    a.setGeometry(0, 0, 100, 40)
    b.setGeometry(0, 50, 290, 40)
    assert layout_problems(w, "gate") == []
