"""Language switching: Chinese (default, from assets/i18n/venue_zh_CN.qm, plus Qt's own qtbase_zh_CN
for the standard buttons and dialogs) or English (the source strings).

    lang = Language(app); lang.set("zh")      # installs the translator; widgets get a LanguageChange event

Threads: GUI thread only.
"""
from __future__ import annotations

from pathlib import Path

from .qt import QCoreApplication, QLibraryInfo, QTranslator

I18N_DIR = Path(__file__).resolve().parent.parent / "assets" / "i18n"
LANGUAGES = ("zh", "en")
QM = {"zh": I18N_DIR / "venue_zh_CN.qm"}
QT_CATALOGUES = {"zh": "qtbase_zh_CN"}       # Qt's own words: Save, Cancel, OK... (shipped with PySide6)


class Language:
    """The app's current language. English is the untranslated source; Chinese adds a translator."""

    def __init__(self, app: QCoreApplication, code: str = "zh"):
        self._app = app
        self._translators: list[QTranslator] = []
        self.code = "en"
        self.set(code)

    def set(self, code: str) -> None:
        if code not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {code!r}")
        self.close()
        if code in QM:
            t = QTranslator(self._app)
            if not t.load(str(QM[code])):
                raise FileNotFoundError(f"translation file missing or unreadable: {QM[code]}")
            self._install(t)
        if code in QT_CATALOGUES:
            qt = QTranslator(self._app)
            # Missing Qt catalogues only leave the standard buttons in English: not an error.
            if qt.load(QT_CATALOGUES[code], QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
                self._install(qt)
        self.code = code

    def _install(self, t: QTranslator) -> None:
        self._app.installTranslator(t)
        self._translators.append(t)

    def close(self) -> None:
        """Remove our translators (the app object may outlive this window, e.g. in tests)."""
        for t in self._translators:
            self._app.removeTranslator(t)
        self._translators.clear()

    @property
    def chinese(self) -> bool:
        return self.code == "zh"

    def secondary(self, source: str) -> str:
        """The English line shown under Chinese text (empty when the app is in English)."""
        return source if self.chinese else ""
