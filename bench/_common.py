"""Small helpers the benchmark scripts share (not a benchmark itself: no bench_ prefix)."""
from __future__ import annotations

import os
import resource
from pathlib import Path


def pin_one_core() -> str:
    """Pin this process to the highest-numbered CPU, so a run measures one core; say what was done."""
    try:
        cpu = sorted(os.sched_getaffinity(0))[-1]
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return "not pinned"


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM belongs to the process image (reset by exec);
    getrusage's ru_maxrss is not: on Linux a child inherits the parent's peak across fork+exec,
    which made an earlier version of bench_sync report the parent's memory."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
