"""Accessibility: Chinese accessible names on every control (what a screen reader says), with the
English in the accessible description, whatever language the screen is in; and verdicts announced
to assistive technology.

    a11y.name(button, QT_TRANSLATE_NOOP("A11y", "switch language"))   # 切换语言 / "switch language"
    a11y.name(field, "Decoder", "SettingsDialog")                      # a label's own message
    a11y.announce(panel)                                                # NameChanged + Alert

The Chinese comes from the same Qt Linguist catalogue as the screen's words (assets/i18n, built by
ui.i18n_build, which fails on an untranslated message), read by a translator of its own that is
never installed, so the names stay Chinese while the screen is in English.

Threads: GUI thread only.
"""
from __future__ import annotations

from .i18n import QM
from .qt import QAccessible, QAccessibleEvent, QTranslator, QWidget

CONTEXT = "A11y"
_zh: list[QTranslator] = []


def chinese(source: str, context: str = CONTEXT) -> str:
    """The Chinese for an English source message (the source itself when there is none)."""
    if not _zh:
        t = QTranslator()
        if not t.load(str(QM["zh"])):
            raise FileNotFoundError(f"translation file missing or unreadable: {QM['zh']}")
        _zh.append(t)
    return _zh[0].translate(context, source) or source


def name(w: QWidget, source: str, context: str = CONTEXT) -> QWidget:
    """Name `w` in Chinese for assistive technology, with the English `source` as its description."""
    w.setAccessibleName(chinese(source, context))
    w.setAccessibleDescription(source)
    return w


def name_as(w: QWidget, zh: str, en: str) -> QWidget:
    """A name made of texts already in both languages (a verdict, a staff warning)."""
    w.setAccessibleName(zh)
    w.setAccessibleDescription(en)
    return w


def announce(w: QWidget, alert: bool = True) -> None:
    """`w`'s name changed (a new verdict): tell assistive technology, as an alert when it matters now."""
    QAccessible.updateAccessibility(QAccessibleEvent(w, QAccessible.Event.NameChanged))
    if alert:
        QAccessible.updateAccessibility(QAccessibleEvent(w, QAccessible.Event.Alert))
