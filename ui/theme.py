"""The window's look: the focus ring every control shows when it has the keyboard focus, and the
large-type / high-contrast look (settings `large_type`): black, white and yellow, with the verdict
colours still apart (green, red, yellow, and their icons).

    window.setStyleSheet(theme.stylesheet(high_contrast))     # ui/window.py applies it

Threads: none (pure strings and tables).
"""
from __future__ import annotations

FOCUS = "#ffb300"            # the focus ring: amber on the normal screens, yellow on black
HC_FOCUS = "#ffff00"

_FOCUSABLE = ("QPushButton", "QToolButton", "QComboBox", "QCheckBox", "QDoubleSpinBox", "QLineEdit",
              "QListWidget", "QTableWidget")


def stylesheet(high_contrast: bool = False) -> str:
    """The window-level style sheet: a thick focus ring on every focusable control."""
    ring = HC_FOCUS if high_contrast else FOCUS
    focus = ", ".join(f"{w}:focus" for w in _FOCUSABLE)
    return f"{focus} {{ border: 4px solid {ring}; }}\n"


def kiosk_button(fg: str, bg: str, ring: str = FOCUS, padding: str = "6px 24px") -> str:
    """A kiosk button's own sheet: its colours, and a border that is always there (the same size
    focused or not) and takes the ring's colour with the focus."""
    return (f"QPushButton {{ background: {bg}; color: {fg}; padding: {padding}; border-radius: 10px; "
            f"border: 4px solid {bg}; }} QPushButton:focus {{ border-color: {ring}; }}")
