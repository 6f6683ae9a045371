"""The window's look: the focus ring every control shows when it has the keyboard focus, and the
large-type / high-contrast look (settings `large_type`): black, white and yellow, with the verdict
colours still apart (green, red, yellow, and their icons).

    window.setStyleSheet(theme.stylesheet(high_contrast))     # ui/window.py applies it

Threads: none (pure strings and tables).
"""
from __future__ import annotations

from vocab.reasons import Outcome

FOCUS = "#ffb300"            # the focus ring: amber on the normal screens, yellow on black
HC_FOCUS = "#ffff00"

_FOCUSABLE = ("QPushButton", "QToolButton", "QComboBox", "QCheckBox", "QDoubleSpinBox", "QLineEdit",
              "QListWidget", "QTableWidget")


BOOST = 1.3                  # large type: every view's type this much larger (the verdict fits itself)

# The views' own colours (ui/views.py apply_theme), normal and high contrast; and the status bar's,
# the staff warning rows' and the banners' (ui/widgets.py StatusStrip, StaffAlerts, Banner;
# ui/staff.py QuarantineNote): `ok` / `bad` / `warn` / `muted` text on the window's background,
# `bad_bg` / `warn_bg` rows with `bad_fg` / `warn_fg` text. In high contrast every text is at 7:1 or
# more against what is behind it (tests/ui/test_a11y.py measures each one shown): #ff8a80 9.2,
# #ffb300 11.7, #00e676 12.6, #e0e0e0 15.9 on black; white on #b00020 7.3, black on #ffb300 11.7.
NORMAL = {"hint_bg": "#263238", "hint_fg": "white", "bar_bg": "#eceff1", "admitted": "#1b8a3a", "refused": "#c62828",
          "top_bg": "#0d47a1", "title": "white", "lang_fg": "#0d47a1", "lang_bg": "white", "admin_fg": "#90caf9",
          "ring": FOCUS, "guide_en": "#455a64", "note": "#555",
          "ok": "#1b8a3a", "bad": "#c62828", "warn": "#b36b00", "muted": "#666",
          "bad_bg": "#c62828", "bad_fg": "white", "warn_bg": "#b36b00", "warn_fg": "white"}
HIGH = {"hint_bg": "black", "hint_fg": "#ffff00", "bar_bg": "black", "admitted": "#00e676", "refused": "#ff8a80",
        "top_bg": "black", "title": "#ffff00", "lang_fg": "black", "lang_bg": "#ffff00", "admin_fg": "#ffff00",
        "ring": "white", "guide_en": "white", "note": "white",
        "ok": "#00e676", "bad": "#ff8a80", "warn": "#ffb300", "muted": "#e0e0e0",
        "bad_bg": "#b00020", "bad_fg": "#ffffff", "warn_bg": "#ffb300", "warn_fg": "#000000"}

# Verdicts in high contrast: still green, red and yellow (and their ✓ ✗ ! icons), each with text at
# a contrast of 7:1 or more (WCAG AAA; tests/ui/test_a11y.py computes it).
HC_OUTCOME_COLOUR = {Outcome.ADMIT: "#00e676", Outcome.REFUSE: "#b00020", Outcome.CHECK: "#ffea00"}
HC_OUTCOME_TEXT_COLOUR = {Outcome.ADMIT: "#000000", Outcome.REFUSE: "#ffffff", Outcome.CHECK: "#000000"}


def colours(high_contrast: bool) -> dict[str, str]:
    return HIGH if high_contrast else NORMAL


def status_text(kind: str | None, high_contrast: bool) -> str:
    """A status text's sheet: `kind` ok / bad / warn (bold) or muted in this look; None: plain."""
    if kind is None:
        return ""
    return f"color: {colours(high_contrast)[kind]};" + ("" if kind == "muted" else " font-weight: bold;")


def row(kind: str, high_contrast: bool, padding: str) -> str:
    """A warning row's or a banner's sheet: `kind` (bad / warn) background and its text colour."""
    c = colours(high_contrast)
    return f"background: {c[kind + '_bg']}; color: {c[kind + '_fg']}; padding: {padding};"


def stylesheet(high_contrast: bool = False) -> str:
    """The window-level style sheet: a thick focus ring on every focusable control; in high
    contrast also white on black everywhere, yellow controls with a border."""
    ring = HC_FOCUS if high_contrast else FOCUS
    focus = ", ".join(f"{w}:focus" for w in _FOCUSABLE)
    sheet = ""
    if high_contrast:
        sheet = ("QWidget { background: black; color: white; }\n"
                 "QPushButton, QToolButton { color: #ffff00; border: 2px solid #ffff00; padding: 4px 10px; }\n"
                 "QLineEdit, QComboBox, QDoubleSpinBox, QListWidget, QTableWidget { border: 2px solid white; }\n"
                 "QHeaderView::section { background: black; color: #ffff00; border: 1px solid white; }\n")
    return sheet + f"{focus} {{ border: 4px solid {ring}; }}\n"


def kiosk_button(fg: str, bg: str, ring: str = FOCUS, padding: str = "6px 24px") -> str:
    """A kiosk button's own sheet: its colours, and a border that is always there (the same size
    focused or not) and takes the ring's colour with the focus."""
    return (f"QPushButton {{ background: {bg}; color: {fg}; padding: {padding}; border-radius: 10px; "
            f"border: 4px solid {bg}; }} QPushButton:focus {{ border-color: {ring}; }}")
