"""Hostile image files for the bounded image reader (issue 10), generated at test time.

Every generator writes one file and stays small in memory itself: a pixel bomb's IDAT is one
deflate block of zeros, compressed once and repeated (a full flush resets the compressor, so the
same input gives the same bytes), and its Adler-32 is computed by formula (n zero bytes:
A = 1, B = n mod 65521). `write_all(folder, qr_text)` writes the whole set and returns
{name: (path, expectation)}: "code" (the QR must be read), "rejected" (a clean refusal) or
"any" (a verdict either way: no code, or a code, never a crash).

Run as a script to write the set into a folder: python tests/scanner/hostile_images.py OUT TEXT
"""
from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np

PNG_SIG = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}          # PNG colour type -> samples per pixel


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(path: Path, width: int, height: int, bit_depth: int = 8, colour_type: int = 0) -> Path:
    """A valid PNG of width x height all-zero pixels (black; transparent for RGBA): a few MB of
    file for gigabytes of pixels."""
    row = 1 + width * CHANNELS[colour_type] * bit_depth // 8      # filter byte + samples
    total = row * height
    block = 1 << 20
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)                # raw deflate; header by hand
    zeros = bytes(block)
    piece = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    again = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    assert piece == again, "deflate of a zero block after a full flush is not repeatable"
    full, rest = divmod(total, block)
    adler = ((total % 65521) << 16) | 1
    with open(path, "wb") as f:
        f.write(PNG_SIG)
        f.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)))
        f.write(_chunk(b"IDAT", b"\x78\xda"))
        for _ in range(full):
            f.write(_chunk(b"IDAT", piece))
        f.write(_chunk(b"IDAT", comp.compress(bytes(rest)) + comp.flush() + struct.pack(">I", adler)))
        f.write(_chunk(b"IEND", b""))
    return path


def jpeg_with_dims(path: Path, width: int, height: int) -> Path:
    """A real 16x16 JPEG whose SOF header then claims width x height."""
    ok, buf = cv2.imencode(".jpg", np.full((16, 16), 128, np.uint8))
    data = bytearray(buf.tobytes())
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            data[i + 5:i + 9] = struct.pack(">HH", height, width)
            break
        i += 2 + length
    path.write_bytes(bytes(data))
    return path


def bmp_lying(path: Path, width: int, height: int, bpp: int = 24, payload: int = 64) -> Path:
    """A BMP whose header says width x height at `bpp` but which holds `payload` bytes of pixels."""
    header = struct.pack("<2sIHHI", b"BM", 54 + payload, 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, bpp, 0, 0, 2835, 2835, 0, 0)
    path.write_bytes(header + info + bytes(payload))
    return path


def webp_vp8l_dims(path: Path, width: int, height: int) -> Path:
    """A lossless WebP header claiming width x height (with alpha), and no image data to speak of."""
    bits = (width - 1) | ((height - 1) << 14) | (1 << 28)
    body = b"\x2f" + struct.pack("<I", bits) + bytes(16)
    data = b"WEBP" + b"VP8L" + struct.pack("<I", len(body)) + body
    path.write_bytes(b"RIFF" + struct.pack("<I", len(data)) + data)
    return path


def tiff_dims(path: Path, width: int, height: int) -> Path:
    """A little-endian TIFF whose first IFD claims width x height, 8-bit grey, one tiny strip."""
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 8 + 2 + 12 * 9 + 4), (277, 3, 1, 1), (278, 4, 1, height), (279, 4, 1, 16)]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries) + bytes(4)
    path.write_bytes(b"II*\x00" + struct.pack("<I", 8) + ifd + bytes(16))
    return path


def qr_gray(text: str, scale: int = 6) -> np.ndarray:
    from scanner.synth import qr_image
    return qr_image(text, scale=scale)


def write_all(out: Path, qr_text: str) -> dict[str, tuple[Path, str]]:
    out.mkdir(parents=True, exist_ok=True)
    cases: dict[str, tuple[Path, str]] = {}

    def add(name: str, path: Path, expect: str) -> None:
        cases[name] = (path, expect)

    for label, depth, ct in [("grey8", 8, 0), ("grey16", 16, 0), ("rgb8", 8, 2), ("rgb16", 16, 2),
                             ("rgba8", 8, 6), ("rgba16", 16, 6), ("greyalpha16", 16, 4)]:
        add(f"png bomb 20000x20000 {label}", png_bomb(out / f"bomb-{label}.png", 20000, 20000, depth, ct), "rejected")
    add("png bomb 10000x10000 rgba16 (issue)", png_bomb(out / "issue-rgba16.png", 10000, 10000, 16, 6), "rejected")
    add("png 1x100000000 grey8", png_bomb(out / "line.png", 1, 100_000_000, 8, 0), "rejected")
    add("png 6000x6000 rgba16 (under the pixel cap, over the decode budget)",
        png_bomb(out / "big-rgba16.png", 6000, 6000, 16, 6), "rejected")
    add("png 6000x6000 grey8 blank (under the cap: decoded)", png_bomb(out / "big-grey8.png", 6000, 6000, 8, 0), "any")
    add("jpeg header 60000x60000", jpeg_with_dims(out / "huge.jpg", 60000, 60000), "rejected")
    add("jpeg header 12000x12000 (reduced decode)", jpeg_with_dims(out / "reduced.jpg", 12000, 12000), "any")
    add("bmp header 30000x30000", bmp_lying(out / "huge.bmp", 30000, 30000), "rejected")
    add("bmp header 3000x3000 with 64 bytes", bmp_lying(out / "lying.bmp", 3000, -3000), "rejected")
    add("webp header 16384x16384", webp_vp8l_dims(out / "huge.webp", 16384, 16384), "rejected")
    add("tiff header 50000x50000", tiff_dims(out / "huge.tif", 50000, 50000), "rejected")

    gray = qr_gray(qr_text)
    ok, png = cv2.imencode(".png", gray)
    ok, jpg = cv2.imencode(".jpg", gray, [cv2.IMWRITE_JPEG_QUALITY, 95])
    (out / "truncated.png").write_bytes(png.tobytes()[: len(png) // 2])
    add("truncated png", out / "truncated.png", "rejected")
    (out / "truncated.jpg").write_bytes(jpg.tobytes()[: len(jpg) // 2])
    add("truncated jpeg", out / "truncated.jpg", "any")
    (out / "text.png").write_text("this is not a picture\n" * 10)
    add("text named .png", out / "text.png", "rejected")
    (out / "empty.png").write_bytes(b"")
    add("empty .png", out / "empty.png", "rejected")
    (out / "sig-only.png").write_bytes(PNG_SIG)
    add("png signature only", out / "sig-only.png", "rejected")

    # 16-bit RGBA, opaque: the code must still be read
    v16 = gray.astype(np.uint16) * 257
    bgra16 = np.dstack([v16, v16, v16, np.full_like(v16, 65535)])
    cv2.imwrite(str(out / "qr-rgba16.png"), bgra16)
    add("qr 16-bit rgba", out / "qr-rgba16.png", "code")
    # RGBA with a transparent background whose colour is black: only alpha says where the code is
    dark = gray < 128
    bgra = np.zeros((*gray.shape, 4), np.uint8)
    bgra[..., 3] = np.where(dark, 255, 0)
    cv2.imwrite(str(out / "qr-transparent.png"), bgra)
    add("qr rgba transparent background", out / "qr-transparent.png", "code")
    bgra16t = bgra.astype(np.uint16) * 257
    cv2.imwrite(str(out / "qr-transparent16.png"), bgra16t)
    add("qr 16-bit rgba transparent background", out / "qr-transparent16.png", "code")
    g16 = np.dstack([np.zeros_like(v16), np.where(dark, 65535, 0).astype(np.uint16)])
    _write_png_raw(out / "qr-greyalpha16.png", g16, 16, 4)
    add("qr 16-bit grey+alpha transparent background", out / "qr-greyalpha16.png", "code")
    cv2.imwrite(str(out / "qr-grey16.png"), v16)
    add("qr 16-bit grey", out / "qr-grey16.png", "code")
    return cases


def _write_png_raw(path: Path, samples: np.ndarray, bit_depth: int, colour_type: int) -> None:
    """A PNG written by hand (OpenCV cannot write grey+alpha): filter 0 rows, big-endian samples."""
    h, w = samples.shape[:2]
    raw = samples.astype(">u2" if bit_depth == 16 else np.uint8).reshape(h, -1).view(np.uint8)
    rows = np.hstack([np.zeros((h, 1), np.uint8), raw.reshape(h, -1)])
    data = (PNG_SIG + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bit_depth, colour_type, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 9)) + _chunk(b"IEND", b""))
    path.write_bytes(data)


if __name__ == "__main__":
    for name, (p, expect) in write_all(Path(sys.argv[1]), sys.argv[2]).items():
        print(f"{p}\t{expect}\t{name}")


# Runs the command as its own child and writes that child's peak RSS (kB) to the fd in argv[1]. Linux counts
# in a child's ru_maxrss the resident size of the process it was forked from (at exec), so a
# command forked straight from a pytest process of 650 MB reads 650 MB whatever it does; forked
# from this small launcher, it reads its own peak (plus the launcher's ~10 MB at most).
_LAUNCHER = """
import os, resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
os.write(int(sys.argv[1]), str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss).encode())
sys.exit(rc if rc >= 0 else 128 - rc)
"""


def run_measured(args: list[str], timeout: float, env: dict | None = None, cwd: str | None = None):
    """Run a command; (returncode, stdout bytes, stderr bytes, seconds, peak RSS in MB of that
    command alone, measured by a small launcher process it is forked from: see _LAUNCHER). A
    command still running at `timeout` is killed (its whole process group) and reported with
    returncode None and a peak of NaN (no figure: any limit check fails)."""
    import os
    import signal
    import subprocess
    import sys
    import tempfile
    import time

    r, w = os.pipe()
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        t0 = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-c", _LAUNCHER, str(w), *args], stdout=fo, stderr=fe,
                                stdin=subprocess.DEVNULL, env=env, cwd=cwd, pass_fds=(w,), start_new_session=True)
        os.close(w)
        rc = None
        try:
            rc = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        seconds = time.monotonic() - t0
        with os.fdopen(r, "rb") as f:
            reported = f.read()
        fo.seek(0)
        fe.seek(0)
        return rc, fo.read(), fe.read(), seconds, (int(reported) / 1024 if reported else float("nan"))
