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

Processes: the engine runs in a child process of its own (`python -m ui.voice ENGINE`, the
`_Speaker` below on that process's main thread), fed JSON lines on its stdin, answering JSON
lines on its stdout; `VoiceGuide` on the GUI thread talks to it through a QProcess, which never
blocks. Not a thread: a speech-dispatcher that is stuck (seen here: a daemon hung in its own
shutdown keeps its socket open and never answers) blocks the engine inside a C++ call that
holds Python's GIL, and a thread of this process would freeze the verdict screen with it. A
child that does not say it is ready within READY_S, or does not take a prompt within ACK_S, is
killed: the guide is silent from then, with one log line, until the voice is switched on again.
"""
from __future__ import annotations

import atexit
import json
import logging
import os
import sys
import threading
from pathlib import Path

from .qt import QCoreApplication, QLocale, QObject, QProcess, QTextToSpeech, QTimer, Qt, Signal, Slot

log = logging.getLogger(__name__)

_LIVE: list = []          # every VoiceGuide whose engine process was started (closed at exit)
ROOT = Path(__file__).resolve().parent.parent
READY_S = 10.0            # the child imports Qt and makes the engine: ~0.5 s here, seconds on a busy box
ACK_S = 5.0               # a prompt the engine has not taken by then: the engine is stuck

DEFAULT_ENGINE = "speechd"
ENGINE_ENV = "VENUE_TTS_ENGINE"        # "mock" in the tests (Qt's own test engine), "none" for silence
# Voice names that mean Mandarin when an engine lists no Chinese locale (speech-dispatcher's espeak-ng
# voices all carry the C locale; their names say the language).
MANDARIN_NAMES = ("mandarin", "cmn")


def default_engine() -> str:
    return os.environ.get(ENGINE_ENV) or DEFAULT_ENGINE


class _Speaker(QObject):
    """The engine, in the engine's process (`_child`). `ready(ok, engine, zh_voice)` after it is made."""

    ready = Signal(bool, str, str)
    spoken = Signal(str, str)          # lang, text: the engine started saying it
    taken = Signal(float)              # a prompt was handed to the engine; its volume

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
        self.taken.emit(tts.volume())

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
    (lang, text) of every prompt the engine started saying (tests, the screenshots' notes);
    `engine_volume` is the volume the engine last reported using."""

    spoken = Signal(str, str)

    def __init__(self, *, engine: str | None = None, enabled: bool = True, volume: float = 0.8,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.volume = volume
        self.engine = engine or default_engine()
        self.available: bool | None = None      # None until the engine answered
        self.mandarin = ""                       # the Mandarin voice or locale the engine offers
        self.said: list[tuple[str, str]] = []
        self.engine_volume: float | None = None
        self._proc: QProcess | None = None
        self._buf = b""
        self._unacked = 0
        self._watch = QTimer(self)
        self._watch.setSingleShot(True)
        self._watch.timeout.connect(self._stuck)
        self._enabled = False
        self.enabled = enabled

    @property
    def enabled(self) -> bool:
        return self._enabled

    @enabled.setter
    def enabled(self, on: bool) -> None:
        """Turning the voice on makes the engine (in its process) if there is none: a gate with the
        voice off never starts a speech daemon; switching it off and on again retries an engine
        that was stuck."""
        self._enabled = bool(on)
        if on and self._proc is None:
            self._start()

    def _start(self) -> None:
        if self not in _LIVE:
            _LIVE.append(self)
        self.available = None
        self._buf, self._unacked = b"", 0
        p = QProcess(self)
        env = p.processEnvironment().systemEnvironment()
        env.insert("PYTHONPATH", os.pathsep.join(x for x in (str(ROOT), os.environ.get("PYTHONPATH", "")) if x))
        env.insert("QT_QPA_PLATFORM", "offscreen")      # the child draws nothing
        p.setProcessEnvironment(env)
        p.setWorkingDirectory(str(ROOT))
        p.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
        p.readyReadStandardOutput.connect(self._read)
        p.readyReadStandardError.connect(lambda: p.readAllStandardError())   # Qt's plugin chatter: dropped
        p.finished.connect(self._finished)
        self._proc = p
        p.start(sys.executable, ["-m", "ui.voice", self.engine])
        self._watch.start(int(READY_S * 1000))

    def _off(self, detail: str) -> None:
        """The engine is unusable: one log line, silent from here on."""
        if self.available is not False:
            log.warning("voice guidance off: %s", detail)
        self.available = False
        self._watch.stop()

    def _stuck(self) -> None:
        what = (f"the speech engine did not start in {READY_S:g} s" if self.available is None
                else f"the speech engine did not take a prompt in {ACK_S:g} s")
        self._off(what + " (speech daemon stuck?)")
        self._kill()

    def _kill(self) -> None:
        p, self._proc = self._proc, None
        if p is not None and p.state() != QProcess.ProcessState.NotRunning:
            p.finished.disconnect(self._finished)
            p.kill()
            p.waitForFinished(1000)

    def _finished(self, code: int, _status) -> None:
        if self._proc is not None:
            self._proc = None
            self._off(f"the speech engine process ended (exit {code})")

    def _read(self) -> None:
        p = self._proc
        if p is None:
            return
        self._buf += bytes(p.readAllStandardOutput())
        *lines, self._buf = self._buf.split(b"\n")
        for line in lines:
            try:
                msg = json.loads(line)
            except ValueError:
                continue                   # not ours (a library printing to stdout)
            if not isinstance(msg, dict):
                continue
            if "ready" in msg:
                self._watch.stop()
                self._on_ready(bool(msg["ready"]), str(msg.get("engine", "")), str(msg.get("detail", "")))
            elif "taken" in msg:
                self._unacked = max(0, self._unacked - 1)
                self.engine_volume = float(msg["taken"])
                if not self._unacked:
                    self._watch.stop()
            elif "spoken" in msg:
                self._on_spoken(str(msg["spoken"]), str(msg.get("text", "")))

    def _on_ready(self, ok: bool, engine: str, detail: str) -> None:
        if not ok:
            self._off(detail)                  # the one line; silent from here on
            return
        self.available = True
        self.mandarin = detail
        if not detail:
            log.warning("voice: engine %s has no Mandarin voice; Chinese prompts use its default voice", engine)

    def _on_spoken(self, lang: str, text: str) -> None:
        self.said.append((lang, text))
        self.spoken.emit(lang, text)

    def _send(self, msg: dict) -> bool:
        p = self._proc
        if p is None or p.state() != QProcess.ProcessState.Running:
            return False
        p.write((json.dumps(msg, ensure_ascii=False) + "\n").encode())
        return True

    def say(self, zh: str, en: str, *, chinese: bool) -> None:
        """Say the prompt in the screen's language (Mandarin, or English after the toggle)."""
        if not self._enabled or self.available is False:
            return
        # before the engine is ready the prompt waits in the pipe; the child takes it once ready
        if self._send({"say": "zh" if chinese else "en", "text": zh if chinese else en, "volume": float(self.volume)}):
            self._unacked += 1
            if self.available and not self._watch.isActive():
                self._watch.start(int(ACK_S * 1000))

    def stop(self) -> None:
        self._send({"stop": True})

    @staticmethod
    def close_all() -> None:
        for v in list(_LIVE):
            v.close()

    def close(self) -> None:
        """End the engine's process (from Runtime.stop): asked to quit, killed after 2 s."""
        self._watch.stop()
        p = self._proc
        if p is not None:
            self._proc = None
            p.finished.disconnect(self._finished)
            if p.state() != QProcess.ProcessState.NotRunning:
                p.closeWriteChannel()          # end of input: the child quits
                if not p.waitForFinished(2000):
                    p.kill()
                    p.waitForFinished(1000)
        if self in _LIVE:
            _LIVE.remove(self)


def _child(engine: str) -> int:
    """The engine's process: a speaker on the main thread, stdin read on a thread of its own."""
    app = QCoreApplication([sys.argv[0]])
    speaker = _Speaker(engine)
    out_lock = threading.Lock()

    def emit(msg: dict) -> None:
        with out_lock:
            sys.stdout.write(json.dumps(msg, ensure_ascii=False) + "\n")
            sys.stdout.flush()

    class Inbox(QObject):
        got = Signal(str)
        done = Signal()

    inbox = Inbox()
    ready = threading.Event()
    queue: list[str] = []

    def handle(line: str) -> None:
        if not ready.is_set():
            queue.append(line)
            return
        try:
            msg = json.loads(line)
        except ValueError:
            return
        if "say" in msg:
            speaker.say(str(msg["say"]), str(msg.get("text", "")), float(msg.get("volume", 0.8)))
        elif "stop" in msg:
            speaker.stop()

    def on_ready(ok: bool, name: str, detail: str) -> None:
        emit({"ready": ok, "engine": name, "detail": detail})
        if not ok:
            app.quit()
            return
        ready.set()
        for line in queue:
            handle(line)
        queue.clear()

    speaker.ready.connect(on_ready)
    speaker.spoken.connect(lambda lang, text: emit({"spoken": lang, "text": text}))
    speaker.taken.connect(lambda vol: emit({"taken": vol}))
    inbox.got.connect(handle, Qt.ConnectionType.QueuedConnection)
    inbox.done.connect(app.quit, Qt.ConnectionType.QueuedConnection)

    def read() -> None:
        for line in sys.stdin:
            inbox.got.emit(line)
        inbox.done.emit()                       # the app closed our stdin (or died): quit

    threading.Thread(target=read, name="voice-stdin", daemon=True).start()
    QTimer.singleShot(0, speaker.start)
    code = app.exec()
    speaker.stop()
    return code



atexit.register(VoiceGuide.close_all)


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1] if len(sys.argv) > 1 else default_engine()))
