"""Verdict sounds: a rising chirp for admitted, a low buzz for refused, a double beep for "see staff".

The tones are tiny 16-bit mono WAVs written with the stdlib `wave` module (`write_tones`);
committed copies live in assets/ui/sounds/ (tests check they match the generator).
`SoundPlayer` plays them with QSoundEffect. On a machine without an audio device (or without
QtMultimedia) QSoundEffect reports an error and the app carries on silent.

Threads: GUI thread.
"""
from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

from vocab.reasons import Outcome

from .qt import QObject, QSoundEffect, QUrl

SOUND_DIR = Path(__file__).resolve().parent.parent / "assets" / "ui" / "sounds"
RATE = 16000

# (frequency Hz, duration s) segments; frequency 0 is silence.
TONES: dict[str, list[tuple[float, float]]] = {
    "admit": [(880, 0.09), (1320, 0.14)],
    "refuse": [(220, 0.45)],
    "check": [(660, 0.12), (0, 0.08), (660, 0.12)],
}


def tone_samples(segments: list[tuple[float, float]], rate: int = RATE) -> bytes:
    out = bytearray()
    for freq, dur in segments:
        n = int(rate * dur)
        for i in range(n):
            env = min(1.0, i / (0.01 * rate), (n - i) / (0.01 * rate))   # 10 ms fade: no clicks
            s = 0.0 if freq == 0 else math.sin(2 * math.pi * freq * i / rate)
            if freq and freq < 300:   # the refusal buzz: add odd harmonics so it cuts through noise
                s = 0.7 * s + 0.3 * math.sin(2 * math.pi * 3 * freq * i / rate)
            out += struct.pack("<h", int(12000 * env * s))
    return bytes(out)


def write_tones(directory: str | Path = SOUND_DIR) -> dict[str, Path]:
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, segs in TONES.items():
        p = d / f"{name}.wav"
        with wave.open(str(p), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(tone_samples(segs))
        paths[name] = p
    return paths


class SoundPlayer(QObject):
    """Plays the tone for an outcome; silently does nothing when audio is unavailable."""

    def __init__(self, enabled: bool = True, directory: Path = SOUND_DIR, parent: QObject | None = None):
        super().__init__(parent)
        self.enabled = enabled
        self.last_played: str | None = None      # for tests and the status line
        self._effects = {}
        if QSoundEffect is None:
            return
        for o in Outcome:
            p = directory / f"{o.value}.wav"
            if p.exists():
                eff = QSoundEffect(self)
                eff.setSource(QUrl.fromLocalFile(str(p)))
                eff.setVolume(0.8)
                self._effects[o] = eff

    def play(self, outcome: Outcome) -> None:
        self.last_played = outcome.value
        if not self.enabled:
            return
        eff = self._effects.get(outcome)
        if eff is None or eff.status() == QSoundEffect.Status.Error:
            return
        eff.play()
