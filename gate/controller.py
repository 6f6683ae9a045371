"""The gate controller: pulses the actuator for each admission on its own thread, never on the
scanning path, and watches the optional pass sensor.

    gc = GateController(actuator, pulse_s=0.8, sensor=None, on_result=..., on_change=..., on_pass=...)
    gc.start()
    gc.admit(ref)          # an admission the core decided (outcome admit): queued, returns at once
    gc.open_by_hand(ref)   # staff opened the gate from the gate screen
    gc.snapshot()          # for status and the health endpoint
    gc.stop()

Fail-safe rules:
- The queue is bounded (`queue_size`); an admission that finds it full, or that waited longer than
  `max_age_s` (the holder may have walked away, the next one may be in the passage), is not
  pulsed: it is reported failed. A failed pulse is never repeated later.
- A failure (unplugged, an error, a timeout) puts the controller in `fault` with one line for
  staff; while in fault it probes the actuator every `retry_s` and goes back to `ok` by itself.
- With a pass sensor, each pulsed admission waits up to `pass_timeout_s` for someone to enter the
  passage (the sensor's rising edge; one edge per admission, oldest first) and is reported
  walked or not (`on_pass(ref, walked)`). Nothing about the holder is known here.

Callbacks run on the controller's threads; the app marshals them to its own thread.
"""
from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .actuators import ActuatorError

log = logging.getLogger(__name__)

STATE_OK, STATE_FAULT = "ok", "fault"


@dataclass
class _Job:
    ref: str
    queued_at: float
    manual: bool = False


class GateController:
    def __init__(self, actuator: Any, *, pulse_s: float = 0.8, sensor: Any = None, pass_timeout_s: float = 10.0,
                 retry_s: float = 3.0, queue_size: int = 4, max_age_s: float = 3.0,
                 on_result: Callable[[str, bool, str], None] | None = None,
                 on_change: Callable[[str, str | None], None] | None = None,
                 on_pass: Callable[[str, bool], None] | None = None,
                 clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time):
        self.actuator, self.sensor = actuator, sensor
        self.pulse_s, self.pass_timeout_s, self.retry_s, self.max_age_s = pulse_s, pass_timeout_s, retry_s, max_age_s
        self.on_result, self.on_change, self.on_pass = on_result, on_change, on_pass
        self._clock, self._wall = clock, wall
        self._q: queue.Queue[_Job | None] = queue.Queue(maxsize=queue_size)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.state, self.fault = STATE_OK, None
        self.sensor_fault: str | None = None
        self.pulses = self.failures = self.manual_pulses = 0
        self.walked = self.not_walked = self.unexpected_passes = 0
        self.last_pulse_at: float | None = None
        self.last_fault_at: float | None = None
        self._pending: collections.deque[tuple[str, float]] = collections.deque()

    # ------------------------------------------------------------------ public, any thread
    def start(self) -> "GateController":
        jobs = [("gate-pulse", self._run)] + ([("gate-sensor", self._watch)] if self.sensor is not None else [])
        for name, fn in jobs:
            t = threading.Thread(target=fn, name=name, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        try:
            self._q.put_nowait(None)
        except queue.Full:
            pass
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()
        for dev in (self.actuator, self.sensor):
            if dev is not None:
                try:
                    dev.close()
                except Exception:  # noqa: BLE001 - shutting down
                    log.exception("closing %s", dev)

    def admit(self, ref: str) -> bool:
        """Queue one pulse for an admission; False when it cannot be (queue full: reported failed)."""
        return self._put(_Job(ref, self._clock()))

    def open_by_hand(self, ref: str) -> bool:
        return self._put(_Job(ref, self._clock(), manual=True))

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"kind": self.actuator.kind, "target": self.actuator.target, "state": self.state,
                    "fault": self.fault, "pulses": self.pulses, "manual_pulses": self.manual_pulses,
                    "failures": self.failures, "last_pulse_at": self.last_pulse_at,
                    "last_fault_at": self.last_fault_at, "queued": self._q.qsize(),
                    "sensor": None if self.sensor is None else {
                        "target": self.sensor.target, "fault": self.sensor_fault, "walked": self.walked,
                        "not_walked": self.not_walked, "unexpected": self.unexpected_passes,
                        "waiting": len(self._pending)}}

    # ------------------------------------------------------------------ internals
    def _put(self, job: _Job) -> bool:
        try:
            self._q.put_nowait(job)
            return True
        except queue.Full:
            self._failed(job.ref, "pulse queue full")
            return False

    def _set_state(self, state: str, fault: str | None) -> None:
        with self._lock:
            changed = (state, fault) != (self.state, self.fault)
            self.state, self.fault = state, fault
            if state == STATE_FAULT:
                self.last_fault_at = self._wall()
        if changed:
            (log.warning if state == STATE_FAULT else log.info)("gate actuator %s: %s%s", self.actuator.target, state,
                                                          f" ({fault})" if fault else "")
            self._call(self.on_change, state, fault)

    def _failed(self, ref: str, why: str) -> None:
        with self._lock:
            self.failures += 1
        self._set_state(STATE_FAULT, why)
        self._call(self.on_result, ref, False, why)

    def _call(self, fn, *args) -> None:
        if fn is not None:
            try:
                fn(*args)
            except Exception:  # noqa: BLE001 - a callback never stops the gate
                log.exception("gate callback failed")

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                job = self._q.get(timeout=self.retry_s if self.state == STATE_FAULT else 1.0)
            except queue.Empty:
                if self.state == STATE_FAULT:
                    self._probe()
                continue
            if job is None:
                break
            if self._clock() - job.queued_at > self.max_age_s:
                self._failed(job.ref, f"pulse not sent: waited over {self.max_age_s:g} s")
                continue
            try:
                self.actuator.pulse(self.pulse_s)
            except ActuatorError as exc:
                self._failed(job.ref, str(exc))
                continue
            except Exception as exc:  # noqa: BLE001 - an unexpected error is a fault, not a dead thread
                log.exception("gate actuator")
                self._failed(job.ref, f"{type(exc).__name__}: {str(exc)[:120]}")
                continue
            with self._lock:
                self.pulses += 1
                self.manual_pulses += job.manual
                self.last_pulse_at = self._wall()
                if self.sensor is not None:
                    self._pending.append((job.ref, self._clock() + self.pass_timeout_s))
            self._set_state(STATE_OK, None)
            self._call(self.on_result, job.ref, True, "")

    def _probe(self) -> None:
        try:
            self.actuator.probe()
        except ActuatorError as exc:
            self._set_state(STATE_FAULT, str(exc))
        except Exception as exc:  # noqa: BLE001
            self._set_state(STATE_FAULT, f"{type(exc).__name__}: {str(exc)[:120]}")
        else:
            self._set_state(STATE_OK, None)

    def _watch(self) -> None:
        """Poll the pass sensor (20 ms): a rising edge marks the oldest waiting admission walked."""
        was = False
        while not self._stop.wait(0.02):
            try:
                now_in = bool(self.sensor.read())
                if self.sensor_fault is not None:
                    log.info("pass sensor %s: ok", self.sensor.target)
                self.sensor_fault = None
            except ActuatorError as exc:
                if self.sensor_fault is None:
                    log.warning("pass sensor: %s", exc)
                self.sensor_fault = str(exc)
                self._stop.wait(1.0)
                now_in = was
            done: list[tuple[str, bool]] = []
            with self._lock:
                t = self._clock()
                if now_in and not was:
                    if self._pending:
                        done.append((self._pending.popleft()[0], True))
                        self.walked += 1
                    else:
                        self.unexpected_passes += 1
                while self._pending and self._pending[0][1] <= t:
                    done.append((self._pending.popleft()[0], False))
                    self.not_walked += 1
            was = now_in
            for ref, walked in done:
                self._call(self.on_pass, ref, walked)
