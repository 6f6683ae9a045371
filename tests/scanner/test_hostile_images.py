"""Hostile image files (issue 10): pixel bombs, lying headers, truncated and fake files through
`verify IMAGE`, `decode IMAGE` and the `images:` source. Each gives a verdict or a one-line error
(never a traceback), in a child process whose own peak RSS (os.wait4) stays under 500 MB, within
5 s. Real QR codes in 16-bit and transparent RGBA PNGs are still read."""
from __future__ import annotations

import json
import os
import struct
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from hostile_images import png_bomb, run_measured, write_all
from scanner.frames import (MAX_PIXELS, ImageFolderSource, ImageRejected, decode_image, image_info,
                            iter_frames, read_image, to_gray)
from tests.core.world import World

REPO = Path(__file__).resolve().parents[2]
RSS_LIMIT_MB = 500
TIME_LIMIT_S = 5.0
ENV = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen", "LC_ALL": "C.UTF-8"}


def _native_noise(line: str) -> bool:
    """Diagnostics the native decoders print themselves (OpenCV's log, libjpeg's warnings)."""
    return line.startswith("[ WARN:") or line.startswith("Corrupt JPEG data") or line.startswith("Premature end")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile-images")
    world = World(seed=3)
    files = world.write(d / "world")
    text = world.ez1()
    cases = write_all(d / "img", text)
    return {"world": world, "files": files, "text": text, "cases": cases, "dir": d / "img"}


def _check(failures, name, cond, what):
    if not cond:
        failures.append(f"{name}: {what}")


def test_verify_gives_a_verdict_for_every_hostile_image(hostile):
    w, f = hostile["world"], hostile["files"]
    failures, table = [], []
    for name, (path, expect) in hostile["cases"].items():
        rc, out, err, secs, rss = run_measured(
            [sys.executable, "-m", "terminal.cli", "verify", "--root-key", str(f["root"]), "--trust-list",
             str(f["trust"]), "--at", str(w.now), "--json", str(path)], TIME_LIMIT_S + 5, env=ENV)
        table.append(f"{name:70} rc={rc} {secs:4.1f}s {rss:4.0f}MB")
        errs = err.decode("utf-8", "replace")
        _check(failures, name, "Traceback" not in errs, f"traceback: {errs[-400:]}")
        _check(failures, name, not [ln for ln in errs.splitlines() if not _native_noise(ln)], f"stderr: {errs}")
        _check(failures, name, secs < TIME_LIMIT_S, f"{secs:.1f} s")
        _check(failures, name, rss < RSS_LIMIT_MB, f"peak RSS {rss:.0f} MB")
        lines = out.decode().splitlines()
        verdicts = [json.loads(ln) for ln in lines if ln.startswith("{")]
        _check(failures, name, len(verdicts) >= 1 and len(verdicts) == len(lines), f"output {lines}")
        if not verdicts:
            continue
        v = verdicts[0]
        if expect == "code":
            _check(failures, name, rc == 0 and v["reason"] == "ok", f"rc={rc} {v}")
        elif expect == "rejected":
            _check(failures, name, rc == 1 and v["reason"] == "unreadable"
                   and (v.get("detail") or "").startswith("image not read: "), f"rc={rc} {v}")
        else:
            _check(failures, name, rc in (0, 1) and v["reason"] in ("unreadable", "ok"), f"rc={rc} {v}")
    print("\n".join(table))
    assert not failures, "\n".join(failures + [""] + table)


def test_decode_gives_codes_or_one_line_for_every_hostile_image(hostile):
    failures, table = [], []
    for name, (path, expect) in hostile["cases"].items():
        rc, out, err, secs, rss = run_measured([sys.executable, "-m", "terminal.cli", "decode", str(path)],
                                               TIME_LIMIT_S + 5, env=ENV)
        table.append(f"{name:70} rc={rc} {secs:4.1f}s {rss:4.0f}MB")
        errs = err.decode("utf-8", "replace")
        ours = [ln for ln in errs.splitlines() if not _native_noise(ln)]
        _check(failures, name, "Traceback" not in errs, f"traceback: {errs[-400:]}")
        _check(failures, name, secs < TIME_LIMIT_S, f"{secs:.1f} s")
        _check(failures, name, rss < RSS_LIMIT_MB, f"peak RSS {rss:.0f} MB")
        if expect == "code":
            _check(failures, name, rc == 0 and hostile["text"] in out.decode() and not ours, f"rc={rc} {out!r} {errs}")
        elif expect == "rejected":
            _check(failures, name, rc == 2 and not out and len(ours) == 1
                   and ours[0].startswith(f"venue-terminal: cannot read image {path}: "), f"rc={rc} {out!r} {errs}")
        else:
            _check(failures, name, rc in (0, 1, 2) and len(ours) <= 1, f"rc={rc} {out!r} {errs}")
    print("\n".join(table))
    assert not failures, "\n".join(failures + [""] + table)


_SOURCE_CHILD = r"""
import json, logging, sys, time
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
from scanner.decoders import CascadeDecoder
from scanner.frames import ImageFolderSource
src = ImageFolderSource(sys.argv[1])
src.open()
dec = CascadeDecoder()
reads, codes, t = [], [], time.monotonic()
while True:
    frame = src.read()
    reads.append(time.monotonic() - t)
    if frame is None:
        break
    codes += [d.text for d in dec.decode(frame.gray)]
    t = time.monotonic()
print(json.dumps({"state": src.state, "skipped": {p.name: r for p, r in src.skipped.items()},
                  "codes": codes, "slowest_read": max(reads), "files": len(src.files)}))
"""


def test_images_source_skips_hostile_files_with_one_warning_each(hostile):
    cases = hostile["cases"]
    rc, out, err, secs, rss = run_measured([sys.executable, "-c", _SOURCE_CHILD, str(hostile["dir"])],
                                           TIME_LIMIT_S * len(cases), env=ENV)
    errs = err.decode("utf-8", "replace")
    assert rc == 0 and "Traceback" not in errs, errs
    got = json.loads(out)
    rejected = {p.name for p, expect in cases.values() if expect == "rejected"}
    assert rejected <= set(got["skipped"]), (rejected - set(got["skipped"]), got["skipped"])
    assert not {p.name for p, expect in cases.values() if expect == "code"} & set(got["skipped"])
    assert got["state"] == "ended" and got["files"] == len(cases)
    assert got["codes"].count(hostile["text"]) >= sum(expect == "code" for _, expect in cases.values())
    warnings = [ln for ln in errs.splitlines() if ln.startswith("WARNING") and "skipping" in ln]
    assert len(warnings) == len(got["skipped"]), errs          # one line per skipped file
    assert got["slowest_read"] < TIME_LIMIT_S and rss < RSS_LIMIT_MB, (got["slowest_read"], rss)


# ---------------------------------------------------------------------------------------------
# in-process details


def test_header_is_checked_before_decoding_and_a_12_mp_photo_is_admitted(tmp_path):
    bomb = png_bomb(tmp_path / "b.png", 20000, 20000, 16, 6)
    with pytest.raises(ImageRejected) as e:
        read_image(bomb)
    assert "20000x20000" in e.value.reason and "40 MP" in e.value.reason and str(bomb) in str(e.value)
    info = image_info(bomb.read_bytes()[:64])
    assert (info.format, info.width, info.height, info.sample_bytes, info.alpha) == ("png", 20000, 20000, 2, True)
    ok, jpg = cv2.imencode(".jpg", np.full((3000, 4000), 200, np.uint8))
    assert image_info(jpg.tobytes()).width * 3000 <= MAX_PIXELS
    assert decode_image(jpg.tobytes()).shape == (3000, 4000)
    for data, words in [(b"", "empty"), (b"hello", "not an image"), (b"\x89PNG\r\n\x1a\n", "PNG"),
                        (b"BM" + bytes(10), "BMP"), (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "JPEG")]:
        with pytest.raises(ImageRejected, match=words):
            decode_image(data)


def test_a_fifo_or_a_directory_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "fifo.png")
    with pytest.raises(ImageRejected, match="not a regular file"):
        read_image(tmp_path / "fifo.png")
    with pytest.raises(ImageRejected):
        read_image(tmp_path)
    with pytest.raises(FileNotFoundError):
        read_image(tmp_path / "missing.png")


def test_to_gray_composites_alpha_over_white_and_scales_16_bit_in_integers():
    bgra16 = np.zeros((2, 3, 4), np.uint16)
    bgra16[0, 0] = (65535, 65535, 65535, 65535)     # opaque white
    bgra16[0, 1] = (0, 0, 0, 65535)                 # opaque black
    bgra16[0, 2] = (0, 0, 0, 0)                     # transparent (black underneath): paper
    bgra16[1, 0] = (0, 0, 0, 32768)                 # half-covered black: mid grey
    assert to_gray(bgra16).tolist() == [[255, 0, 255], [127, 255, 255]]
    ga8 = np.dstack([np.zeros((1, 2), np.uint8), np.array([[255, 0]], np.uint8)])
    assert to_gray(ga8).tolist() == [[0, 255]]
    g16 = np.array([[0, 257 * 100, 65535]], np.uint16)
    assert to_gray(g16).tolist() == [[0, 100, 255]]           # scaled, not min-max stretched
    assert to_gray(np.array([[1000, 1001]], np.uint16)).tolist() == [[4, 4]]


def test_a_looping_images_source_reads_a_refused_file_once(tmp_path, monkeypatch):
    import scanner.frames as F
    cv2.imwrite(str(tmp_path / "a.png"), np.full((20, 20), 255, np.uint8))
    (tmp_path / "b.png").write_bytes(b"not a png")
    calls = []
    real = F.read_image
    monkeypatch.setattr(F, "read_image", lambda p: calls.append(Path(p).name) or real(p))
    src = ImageFolderSource(tmp_path, loop=True)
    src.open()
    frames = [src.read() for _ in range(4)]
    assert all(fr is not None for fr in frames)
    assert calls.count("b.png") == 1 and set(src.skipped) == {tmp_path / "b.png"}
    assert "not an image" in src.skipped[tmp_path / "b.png"]
    only_bad = tmp_path / "bad"
    only_bad.mkdir()
    (only_bad / "x.png").write_bytes(struct.pack(">I", 7))
    looping = ImageFolderSource(only_bad, loop=True)
    assert list(iter_frames(looping)) == [] and looping.state == "failed"
