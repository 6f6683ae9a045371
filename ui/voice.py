"""Voice guidance: spoken prompts for each outcome and the idle guide, Mandarin first, English
when the screen is in English, through Qt TextToSpeech (PySide6.QtTextToSpeech, in
PySide6-Addons) and a real engine (speech-dispatcher with espeak-ng's Mandarin voice `cmn`,
installed by scripts/bootstrap.sh).

    voice = VoiceGuide(engine="speechd", enabled=True, volume=0.8)
    voice.say("通过，请通行", "Admitted. Please go ahead.", chinese=True)
    voice.close()

What is said is the screen's own public words (ui.texts.public_guidance, never a reason code).
A new prompt cuts off the one being spoken: the next person never waits for the last one's.
With no engine (none installed, no speech-dispatcher, the engine reports an error) the guide
stays silent and says so in one log line; the app carries on.

Threads: `VoiceGuide` lives on the GUI thread. The engine lives on a thread of its own
(`_Speaker` in the "voice" QThread): connecting to speech-dispatcher can block for seconds when
the daemon is stuck, and must never freeze the verdict screen. Prompts reach it through a queued
signal; `spoken(lang, text)` comes back when the engine has started saying one.
"""
from __future__ import annotations

import atexit
import logging
import os

from .qt import QLocale, QObject, QTextToSpeech, QThread, Qt, Signal, Slot

log = logging.getLogger(__name__)

_LIVE: list = []          # every Voice whose thread was started (see Voice._start)

DEFAULT_ENGINE = "speechd"
ENGINE_ENV = "VENUE_TTS_ENGINE"        # "mock" in the tests (Qt's own test engine), "none" for silence
# Voice names that mean Mandarin when an engine lists no Chinese locale (speech-dispatcher's espeak-ng
# voices all carry the C locale; their names say the language).
MANDARIN_NAMES = ("mandarin", "cmn")


def default_engine() -> str:
    return os.environ.get(ENGINE_ENV) or DEFAULT_ENGINE


class _Speaker(QObject):
    """The engine, on the voice thread. `ready(ok, engine, zh_voice)` after it is made."""

    ready = Signal(bool, str, str)
    spoken = Signal(str, str)          # lang, text: the engine started saying it

    def __init__(self, engine: str):
        super().__init__()
        self._engine_name = engine
        self._tts = None
        self._lang = ""
        self._zh_locale = None         # a Chinese QLocale the engine offers, else
        self._zh_voice = None          # a QVoice when Mandarin is a voice, not a locale
        self._pending: tuple[str, str] | None = None

    @Slot()
    def start(self) -> None:
        name = self._engine_name
        if QTextToSpeech is None:
            self.ready.emit(False, name, "QtTextToSpeech is not installed (PySide6-Addons)")
            return
        if name == "none" or name not in QTextToSpeech.availableEngines():
            self.ready.emit(False, name, f"no engine {name!r} (available: {', '.join(QTextToSpeech.availableEngines())})")
            return
        tts = QTextToSpeech(name, self)
        if tts.state() == QTextToSpeech.State.Error:
            self.ready.emit(False, name, tts.errorString() or "the engine reported an error")
            return
        self._tts = tts
        tts.stateChanged.connect(self._state)
        zh = self._find_mandarin()
        self.ready.emit(True, name, zh)

    def _find_mandarin(self) -> str:
        tts = self._tts
        for loc in tts.availableLocales():
            if loc.language() == QLocale.Language.Chinese and loc.script() != QLocale.Script.TraditionalHanScript:
                self._zh_locale = loc
                return loc.name()
        for v in tts.allVoices(QLocale()):
            low = v.name().lower()
            if any(n in low for n in MANDARIN_NAMES) and "+" not in low:   # "+Adam": a variant of the same voice
                self._zh_voice = v
                return v.name()
        return ""

    def _use(self, lang: str) -> None:
        if lang == self._lang:
            return
        tts = self._tts
        if lang == "zh":
            if self._zh_locale is not None:
                tts.setLocale(self._zh_locale)
            elif self._zh_voice is not None:
                tts.setVoice(self._zh_voice)
        else:
            english = [loc for loc in tts.availableLocales() if loc.language() == QLocale.Language.English]
            if english:
                pick = next((loc for loc in english if loc.territory() == QLocale.Country.UnitedKingdom), english[0])
                tts.setLocale(pick)
        self._lang = lang

    @Slot(str, str, float)
    def say(self, lang: str, text: str, volume: float) -> None:
        tts = self._tts
        if tts is None:
            return
        if tts.state() in (QTextToSpeech.State.Speaking, QTextToSpeech.State.Synthesizing):
            tts.stop(QTextToSpeech.BoundaryHint.Immediate)
        self._use(lang)
        tts.setVolume(max(0.0, min(1.0, volume)))
        self._pending = (lang, text)
        tts.say(text)

    def _state(self, state) -> None:
        if state == QTextToSpeech.State.Speaking and self._pending is not None:
            lang, text = self._pending
            self._pending = None
            self.spoken.emit(lang, text)
        elif state == QTextToSpeech.State.Error:
            log.warning("voice: the engine reported an error: %s", self._tts.errorString())

    @Slot()
    def stop(self) -> None:
        if self._tts is not None:
            self._tts.stop(QTextToSpeech.BoundaryHint.Immediate)


class VoiceGuide(QObject):
    """Spoken guidance. `enabled` and `volume` follow Settings (voice, voice_volume); `said` lists
    (lang, text) of every prompt the engine started saying (tests, the screenshots' notes)."""

    _say = Signal(str, str, float)
    _stop = Signal()
    spoken = Signal(str, str)

    def __init__(self, *, engine: str | None = None, enabled: bool = True, volume: float = 0.8,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.volume = volume
        self.engine = engine or default_engine()
        self.available: bool | None = None      # None until the engine answered
        self.mandarin = ""                       # the Mandarin voice or locale the engine offers
        self.said: list[tuple[str, str]] = []
        self._thread: QThread | None = None
        self._enabled = False
        self.enabled = enabled

    @property
    def enabled(self) -> bool:
        return self._enabled

    @enabled.setter
    def enabled(self, on: bool) -> None:
        """Turning the voice on the first time makes the engine (on its thread): a gate with the
        voice off never starts a speech daemon."""
        self._enabled = bool(on)
        if on and self._thread is None:
            self._start()

    def _start(self) -> None:
        # The voice, its speaker and its thread stay referenced until the process ends: Python's
        # garbage collector freeing a running QThread (or the speaker from the wrong thread) aborts
        # the whole process; a voice nobody closed is closed at exit instead.
        _LIVE.append(self)
        self._thread = QThread()
        self._thread.setObjectName("voice")
        self._speaker = _Speaker(self.engine)
        self._speaker.moveToThread(self._thread)
        self._thread.started.connect(self._speaker.start)
        self._thread.finished.connect(self._speaker.deleteLater)
        self._speaker.ready.connect(self._on_ready, Qt.ConnectionType.QueuedConnection)
        self._speaker.spoken.connect(self._on_spoken, Qt.ConnectionType.QueuedConnection)
        self._say.connect(self._speaker.say, Qt.ConnectionType.QueuedConnection)
        self._stop.connect(self._speaker.stop, Qt.ConnectionType.QueuedConnection)
        self._thread.start()

    @Slot(bool, str, str)
    def _on_ready(self, ok: bool, engine: str, detail: str) -> None:
        self.available = ok
        if not ok:
            log.warning("voice guidance off: %s", detail)          # the one line; silent from here on
            return
        self.mandarin = detail
        if not detail:
            log.warning("voice: engine %s has no Mandarin voice; Chinese prompts use its default voice", engine)

    @Slot(str, str)
    def _on_spoken(self, lang: str, text: str) -> None:
        self.said.append((lang, text))
        self.spoken.emit(lang, text)

    def say(self, zh: str, en: str, *, chinese: bool) -> None:
        """Say the prompt in the screen's language (Mandarin, or English after the toggle)."""
        if not self._enabled or self.available is False:
            return
        self._say.emit("zh" if chinese else "en", zh if chinese else en, float(self.volume))

    def stop(self) -> None:
        self._stop.emit()

    @staticmethod
    def close_all() -> None:
        for v in list(_LIVE):
            v.close()

    def close(self) -> None:
        """Stop the voice thread (from Runtime.stop). An engine stuck in its daemon is left behind
        with one log line rather than blocking the quit."""
        if self._thread is None or not self._thread.isRunning():
            return
        self._stop.emit()
        self._thread.quit()
        if not self._thread.wait(3000):
            log.error("voice thread did not stop in 3 s (speech engine stuck); leaving it")
            return
        if self in _LIVE:
            _LIVE.remove(self)


atexit.register(VoiceGuide.close_all)
