"""Language switching: Chinese (default, from assets/i18n/venue_zh_CN.qm) or English (the source strings).

    lang = Language(app); lang.set("zh")      # installs the translator; widgets get a LanguageChange event

Threads: GUI thread only.
"""
from __future__ import annotations

from pathlib import Path

from .qt import QCoreApplication, QTranslator

I18N_DIR = Path(__file__).resolve().parent.parent / "assets" / "i18n"
LANGUAGES = ("zh", "en")
QM = {"zh": I18N_DIR / "venue_zh_CN.qm"}


class Language:
    """The app's current language. English is the untranslated source; Chinese adds a translator."""

    def __init__(self, app: QCoreApplication, code: str = "zh"):
        self._app = app
        self._translator: QTranslator | None = None
        self.code = "en"
        self.set(code)

    def set(self, code: str) -> None:
        if code not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {code!r}")
        if self._translator is not None:
            self._app.removeTranslator(self._translator)
            self._translator = None
        if code in QM:
            t = QTranslator(self._app)
            if not t.load(str(QM[code])):
                raise FileNotFoundError(f"translation file missing or unreadable: {QM[code]}")
            self._app.installTranslator(t)
            self._translator = t
        self.code = code

    def close(self) -> None:
        """Remove our translator (the app object may outlive this window, e.g. in tests)."""
        if self._translator is not None:
            self._app.removeTranslator(self._translator)
            self._translator = None

    @property
    def chinese(self) -> bool:
        return self.code == "zh"

    def secondary(self, source: str) -> str:
        """The English line shown under Chinese text (empty when the app is in English)."""
        return source if self.chinese else ""
