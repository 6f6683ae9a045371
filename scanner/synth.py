"""Seeded generator of camera-like frames showing QR codes (for tests, the bench and demos).

Each frame imitates what a gate camera sees: a phone (dark bezel, bright screen) or a
printed code held at some distance, angle and rotation in front of a cluttered background,
then one *category* of trouble applied on top. Everything comes from a `numpy` Generator,
so the same seed gives the same frames on every machine.

    >>> from scanner import synth
    >>> frames = synth.generate("glare", 5, seed=1, size=(1280, 720))
    >>> frames[0].gray.shape, frames[0].texts          # doctest: +SKIP
    ((720, 1280), ['EZ1:NCF...'])

`write_video(path, frames, fps)` writes an MJPG .avi from such frames: a simulated camera.

Categories (`CATEGORIES`): clean, blur, motion_blur, tilt, rotation, glare, small_modules,
low_contrast, dark_mode, moire, jpeg_noise, damage, multi, edge, empty.
Payloads are QR-alphanumeric like real EZ1/EP1 codes: "EZ1:" + base45 text, 200-700 chars.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import cv2
import numpy as np

# The base45 alphabet is exactly the QR alphanumeric character set.
BASE45_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

CATEGORIES: tuple[str, ...] = (
    "clean",
    "blur",
    "motion_blur",
    "tilt",
    "rotation",
    "glare",
    "small_modules",
    "low_contrast",
    "dark_mode",
    "moire",
    "jpeg_noise",
    "damage",
    "multi",
    "edge",
    "empty",
)


@dataclass
class SynthFrame:
    """One generated frame: `gray` (H x W uint8) and the texts of every code drawn in it."""

    gray: np.ndarray
    texts: list[str]
    category: str
    params: dict = field(default_factory=dict)


def random_payload(rng: np.random.Generator, min_len: int = 200, max_len: int = 700) -> str:
    """A realistic code text: "EZ1:" or "EP1:" then base45 characters, min_len..max_len long."""
    prefix = "EZ1:" if rng.random() < 0.6 else "EP1:"
    n = int(rng.integers(min_len, max_len + 1)) - len(prefix)
    idx = rng.integers(0, len(BASE45_CHARS), size=n)
    return prefix + "".join(BASE45_CHARS[i] for i in idx)


@functools.lru_cache(maxsize=512)
def qr_modules(text: str, ec_level: str = "M") -> np.ndarray:
    """The QR module matrix of `text` (uint8, 1 = dark), no quiet zone. Uses zxing-cpp's writer."""
    import zxingcpp

    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=ec_level)
    img = np.asarray(barcode.to_image(scale=1, add_quiet_zones=False))
    return (img < 128).astype(np.uint8)


def qr_image(text: str, scale: int = 4, quiet: int = 4, ec_level: str = "M") -> np.ndarray:
    """A clean QR picture (uint8 gray, black on white) with a quiet zone of `quiet` modules."""
    mods = qr_modules(text, ec_level)
    padded = np.pad(mods, quiet, constant_values=0)
    img = np.where(padded == 1, 0, 255).astype(np.uint8)
    return cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)


# ---------------------------------------------------------------------------------------------
# scene building blocks


def _background(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A cluttered, unevenly lit scene (float32 0..255): gradient, blobs, edges, text-like marks."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    gx, gy = rng.uniform(-1, 1, size=2)
    base = rng.uniform(60, 170)
    bg = base + 50 * (gx * xx / w + gy * yy / h)
    # a low-frequency texture (upscaled noise)
    small = rng.normal(0, 25, size=(max(2, h // 40), max(2, w // 40))).astype(np.float32)
    bg += cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    # rectangles and lines: furniture, clothing, a counter edge
    for _ in range(int(rng.integers(3, 9))):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        x1, y1 = x0 + int(rng.integers(20, w // 3)), y0 + int(rng.integers(20, h // 3))
        cv2.rectangle(bg, (x0, y0), (x1, y1), float(rng.uniform(20, 235)), -1)
    for _ in range(int(rng.integers(2, 6))):
        p0 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        p1 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.line(bg, p0, p1, float(rng.uniform(0, 255)), int(rng.integers(1, 6)))
    # text-like marks (small high-contrast strokes), which a QR detector must not be fooled by
    for _ in range(int(rng.integers(0, 3))):
        x0, y0 = int(rng.integers(0, max(1, w - 200))), int(rng.integers(0, max(1, h - 40)))
        layer = np.zeros((h, w), np.uint8)
        cv2.putText(layer, "".join(rng.choice(list(BASE45_CHARS), size=12)), (x0, y0 + 30),
                    cv2.FONT_HERSHEY_SIMPLEX, float(rng.uniform(0.5, 1.2)), 255, 2)
        bg[layer > 0] = float(rng.uniform(0, 60))
    return bg


def _phone_texture(rng, text, dark_mode=False, ec_level="M", quiet=None, screen_margin=None,
                   ppm=4, contrast=(15, 240)):
    """The phone as seen flat: bezel, screen, code. Returns (image float32, code quad in it)."""
    mods = qr_modules(text, ec_level)
    n = mods.shape[0]
    quiet = int(rng.integers(2, 5)) if quiet is None else quiet
    margin = float(rng.uniform(0.5, 4)) if screen_margin is None else screen_margin
    dark, light = contrast
    if dark_mode:
        dark, light = light, dark
        # dark-mode screens are rarely pure black / white
        dark, light = dark - rng.uniform(0, 30), light + rng.uniform(0, 25)
    code = np.where(mods == 1, dark, light).astype(np.float32)
    code = np.pad(code, quiet, constant_values=light)
    screen_pad = int(round(margin))
    screen = np.pad(code, screen_pad, constant_values=light)
    bezel = max(1, int(round(rng.uniform(1, 3))))
    bezel_level = float(rng.uniform(10, 45))
    phone = np.pad(screen, bezel, constant_values=bezel_level)
    phone = cv2.resize(phone, None, fx=ppm, fy=ppm, interpolation=cv2.INTER_NEAREST)
    off = (bezel + screen_pad + quiet) * ppm
    quad = np.float32([[off, off], [off + n * ppm, off], [off + n * ppm, off + n * ppm], [off, off + n * ppm]])
    return phone, quad, n


def _project(phone_shape, code_quad, n_modules, module_px, center, rot_deg, tilt_deg, tilt_axis_deg, focal):
    """Homography placing the phone texture in the frame: scale to `module_px` per module,
    in-plane rotation, then a 3-D tilt around an in-plane axis seen by a pinhole camera."""
    ph, pw = phone_shape
    tex_ppm = (code_quad[1, 0] - code_quad[0, 0]) / n_modules
    s = module_px / tex_ppm
    code_center = code_quad.mean(axis=0)
    corners = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    pts = (corners - code_center) * s  # phone corners in "world" units (z = 0 plane)
    pts3 = np.concatenate([pts, np.zeros((4, 1), np.float32)], axis=1)
    a = math.radians(tilt_axis_deg)
    axis = np.array([math.cos(a), math.sin(a), 0.0])
    rvec = axis * math.radians(tilt_deg)
    rtilt, _ = cv2.Rodrigues(rvec)
    r = math.radians(rot_deg)
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    world = (rz @ rtilt @ pts3.T).T
    world[:, 2] += focal
    proj = focal * world[:, :2] / world[:, 2:3] + np.asarray(center, np.float32)
    return cv2.getPerspectiveTransform(corners, proj.astype(np.float32)), proj


def _place(frame, rng, text, *, module_px, center, rot=0.0, tilt=0.0, dark_mode=False,
           contrast=(15, 240), quiet=None):
    """Draw one phone with `text` into `frame` (float32, in place); return its code corners."""
    phone, quad, n = _phone_texture(rng, text, dark_mode=dark_mode, contrast=contrast, quiet=quiet)
    h, w = frame.shape
    focal = 1.3 * max(w, h)
    H, _ = _project(phone.shape, quad, n, module_px, center, rot, tilt, float(rng.uniform(0, 180)), focal)
    warped = cv2.warpPerspective(phone, H, (w, h), flags=cv2.INTER_AREA if module_px < 4 else cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=-1.0)
    mask = cv2.warpPerspective(np.ones(phone.shape, np.float32), H, (w, h), flags=cv2.INTER_LINEAR)
    np.copyto(frame, warped * mask + frame * (1 - mask), where=mask > 0)
    code_corners = cv2.perspectiveTransform(quad.reshape(1, 4, 2), H).reshape(4, 2)
    return code_corners


def _fit_module_px(text, want, w, h, frac=0.8):
    n = qr_modules(text).shape[0] + 8
    return float(min(want, frac * min(w, h) / n))


def _random_center(rng, w, h, half):
    mx, my = min(half, w / 2 - 1), min(half, h / 2 - 1)
    return (float(rng.uniform(mx, w - mx)), float(rng.uniform(my, h - my)))


def _camera(frame, rng, sigma=None, noise=None):
    """Optics and sensor: a little defocus and noise, as every real frame has."""
    sigma = float(rng.uniform(0.4, 0.8)) if sigma is None else sigma
    if sigma > 0:
        frame = cv2.GaussianBlur(frame, (0, 0), sigma)
    noise = float(rng.uniform(1.5, 4)) if noise is None else noise
    if noise > 0:
        frame = frame + rng.normal(0, noise, size=frame.shape).astype(np.float32)
    return frame


def _to_u8(frame):
    return np.clip(frame, 0, 255).astype(np.uint8)


def _motion_kernel(length, angle_deg):
    k = int(math.ceil(length)) | 1
    ker = np.zeros((k, k), np.float32)
    c = k // 2
    a = math.radians(angle_deg)
    dx, dy = math.cos(a) * length / 2, math.sin(a) * length / 2
    cv2.line(ker, (int(round(c - dx)), int(round(c - dy))), (int(round(c + dx)), int(round(c + dy))), 1.0, 1,
             cv2.LINE_AA)
    return ker / ker.sum()


# ---------------------------------------------------------------------------------------------
# categories


def make_frame(category: str, rng: np.random.Generator, size=(1280, 720),
               payloads: Sequence[str] | None = None) -> SynthFrame:
    """One camera-like frame of `category` drawn with `rng`. `payloads` overrides the texts."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}; known: {', '.join(CATEGORIES)}")
    w, h = size
    scale = h / 480.0  # the same scene at a higher resolution shows more pixels per module
    frame = _background(rng, w, h)
    n_codes = 0 if category == "empty" else (int(rng.integers(2, 4)) if category == "multi" else 1)
    texts = list(payloads[:n_codes]) if payloads else [random_payload(rng) for _ in range(n_codes)]
    params: dict = {"category": category}

    def one(text, want_px, rot, tilt, **kw):
        mpx = _fit_module_px(text, want_px * scale, w, h)
        half = 0.5 * mpx * (qr_modules(text).shape[0] + 12) * (1 + tilt / 90)
        center = kw.pop("center", None) or _random_center(rng, w, h, half)
        params.update(module_px=round(mpx, 2), rot=round(rot, 1), tilt=round(tilt, 1))
        return _place(frame, rng, text, module_px=mpx, center=center, rot=rot, tilt=tilt, **kw)

    sigma = noise = None
    rot = float(rng.uniform(-15, 15))
    tilt = float(rng.uniform(0, 15))
    if category == "clean":
        one(texts[0], rng.uniform(2.6, 4.5), rot, tilt)
    elif category == "blur":
        mpx = _fit_module_px(texts[0], rng.uniform(2.6, 4.5) * scale, w, h)
        one(texts[0], mpx / scale, rot, tilt)
        sigma = float(mpx * rng.uniform(0.3, 0.55))
        params["sigma"] = round(sigma, 2)
    elif category == "motion_blur":
        one(texts[0], rng.uniform(2.6, 4.5), rot, tilt)
    elif category == "tilt":
        one(texts[0], rng.uniform(3.0, 4.8), rot, float(rng.uniform(30, 45)))
    elif category == "rotation":
        one(texts[0], rng.uniform(2.6, 4.5), float(rng.uniform(0, 360)), tilt)
    elif category == "glare":
        corners = one(texts[0], rng.uniform(2.6, 4.5), rot, tilt)
        side = float(np.linalg.norm(corners[1] - corners[0]))
        c = corners.mean(axis=0) + rng.uniform(-0.3, 0.3, size=2) * side
        rx, ry = side * rng.uniform(0.15, 0.35), side * rng.uniform(0.1, 0.3)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        ang = rng.uniform(0, math.pi)
        dx, dy = xx - c[0], yy - c[1]
        u = (dx * math.cos(ang) + dy * math.sin(ang)) / rx
        v = (-dx * math.sin(ang) + dy * math.cos(ang)) / ry
        strength = float(rng.uniform(180, 320))
        frame += strength * np.exp(-(u * u + v * v) ** 1.5).astype(np.float32)
        params["glare"] = round(strength)
    elif category == "small_modules":
        one(texts[0], rng.uniform(1.3, 2.1), rot, tilt)
    elif category == "low_contrast":
        lo = float(rng.uniform(95, 135))
        hi = lo + float(rng.uniform(22, 50))
        one(texts[0], rng.uniform(2.6, 4.5), rot, tilt, contrast=(lo, hi))
        noise = float(rng.uniform(2, 5))
        params["contrast"] = round(hi - lo)
    elif category == "dark_mode":
        one(texts[0], rng.uniform(2.6, 4.5), rot, tilt, dark_mode=True)
    elif category == "moire":
        one(texts[0], rng.uniform(2.6, 4.5), rot, tilt)
    elif category == "jpeg_noise":
        one(texts[0], rng.uniform(2.6, 4.5), rot, tilt)
        noise = float(rng.uniform(6, 14))
    elif category == "damage":
        corners = one(texts[0], rng.uniform(2.6, 4.5), rot, tilt)
        side = float(np.linalg.norm(corners[1] - corners[0]))
        # a thumb or a crack over part of the symbol (not over a finder pattern, which a
        # person's thumb rarely covers: they hold the phone by its edge)
        frac = float(rng.uniform(0.05, 0.14))
        t = rng.uniform(0.3, 0.7, size=2)
        ctr = corners[0] + t[0] * (corners[1] - corners[0]) + t[1] * (corners[3] - corners[0])
        axes = (int(side * math.sqrt(frac) * 0.7), int(side * math.sqrt(frac) * 0.45))
        cv2.ellipse(frame, (int(ctr[0]), int(ctr[1])), axes, float(rng.uniform(0, 180)), 0, 360,
                    float(rng.uniform(60, 200)), -1)
        params["damage"] = round(frac, 3)
    elif category == "multi":
        k = len(texts)
        slot_w = w / k
        for i, text in enumerate(texts):
            mpx = _fit_module_px(text, rng.uniform(2.2, 3.2) * scale, slot_w, h, frac=0.75)
            half = 0.5 * mpx * (qr_modules(text).shape[0] + 10)
            cx = slot_w * i + slot_w / 2 + rng.uniform(-1, 1) * max(0.0, slot_w / 2 - half)
            cy = rng.uniform(min(half, h / 2), max(h - half, h / 2))
            _place(frame, rng, text, module_px=mpx, center=(cx, cy), rot=float(rng.uniform(-20, 20)),
                   tilt=float(rng.uniform(0, 20)))
    elif category == "edge":
        text = texts[0]
        mpx = _fit_module_px(text, rng.uniform(2.6, 4.0) * scale, w, h)
        half_code = 0.5 * mpx * qr_modules(text).shape[0]
        # the code's edge sits 0.5-2.5 modules inside the frame border: the quiet zone and the
        # bezel are (partly) cut off, and the corner of the lens is darker
        gap = mpx * rng.uniform(0.5, 2.5)
        side = int(rng.integers(0, 4))
        cx = [gap + half_code, w - gap - half_code, rng.uniform(half_code, w - half_code), rng.uniform(half_code, w - half_code)][side]
        cy = [rng.uniform(half_code, h - half_code), rng.uniform(half_code, h - half_code), gap + half_code, h - gap - half_code][side]
        _place(frame, rng, text, module_px=mpx, center=(float(cx), float(cy)), rot=float(rng.uniform(-3, 3)),
               tilt=0.0)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
        frame *= (1 - float(rng.uniform(0.25, 0.5)) * r2 / 2).astype(np.float32)
        params.update(module_px=round(mpx, 2), side=side)
    elif category == "empty":
        if rng.random() < 0.5:
            # a phone showing something that is not a code (a photo, a blank screen)
            pw, ph = int(rng.integers(80, 200) * scale), int(rng.integers(140, 300) * scale)
            x0, y0 = int(rng.integers(0, max(1, w - pw))), int(rng.integers(0, max(1, h - ph)))
            cv2.rectangle(frame, (x0, y0), (x0 + pw, y0 + ph), 25.0, -1)
            cv2.rectangle(frame, (x0 + 6, y0 + 12), (x0 + pw - 6, y0 + ph - 12), float(rng.uniform(150, 250)), -1)
            for _ in range(int(rng.integers(2, 8))):
                bx, by = int(rng.integers(x0 + 8, x0 + pw - 8)), int(rng.integers(y0 + 14, y0 + ph - 14))
                cv2.rectangle(frame, (bx, by), (bx + int(rng.integers(5, 30)), by + int(rng.integers(5, 30))),
                              float(rng.uniform(0, 120)), -1)
        if rng.random() < 0.5:
            # a checkerboard (a shirt, a floor) with finder-like squares
            cs = int(rng.integers(4, 14))
            x0, y0 = int(rng.integers(0, w - 10 * cs)), int(rng.integers(0, h - 10 * cs))
            for i in range(10):
                for j in range(10):
                    if (i + j) % 2 == 0:
                        cv2.rectangle(frame, (x0 + i * cs, y0 + j * cs), (x0 + (i + 1) * cs, y0 + (j + 1) * cs), 10.0, -1)

    frame = _camera(frame, rng, sigma=sigma, noise=noise)
    if category == "motion_blur":
        length = float(params.get("module_px", 3)) * float(rng.uniform(0.9, 1.9))
        angle = float(rng.uniform(0, 180))
        frame = cv2.filter2D(frame, -1, _motion_kernel(length, angle))
        params["motion"] = round(length, 1)
    if category == "moire":
        # a phone screen filmed by a camera: its pixel grid beats against the sensor's
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        period = float(rng.uniform(2.2, 4.5))
        ang = float(rng.uniform(0, math.pi))
        amp = float(rng.uniform(0.15, 0.35))
        wave = np.sin(2 * math.pi * (xx * math.cos(ang) + yy * math.sin(ang)) / period)
        wave2 = np.sin(2 * math.pi * (xx * math.cos(ang + 1.2) + yy * math.sin(ang + 1.2)) / (period * 1.07))
        frame = frame * (1 + amp * 0.5 * (wave + wave2)).astype(np.float32)
        params["moire"] = round(amp, 2)
    out = _to_u8(frame)
    if category == "jpeg_noise":
        q = int(rng.integers(8, 25))
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, q])
        out = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
        params["jpeg_q"] = q
    return SynthFrame(gray=out, texts=texts, category=category, params=params)


def generate(category: str, count: int, seed: int = 0, size=(1280, 720)) -> list[SynthFrame]:
    """`count` frames of one category; the same (category, seed, size) always gives the same frames."""
    rng = np.random.default_rng([seed, CATEGORIES.index(category), size[0], size[1]])
    return [make_frame(category, rng, size) for _ in range(count)]


def generate_all(count: int, seed: int = 0, size=(1280, 720),
                 categories: Iterable[str] = CATEGORIES) -> dict[str, list[SynthFrame]]:
    """`count` frames of every category, by category name."""
    return {c: generate(c, count, seed, size) for c in categories}


def write_video(path: str | Path, frames: Iterable[np.ndarray], fps: float = 15.0) -> Path:
    """Write gray frames as an MJPG .avi (what `VideoFileSource` and a simulated camera play)."""
    path = Path(path)
    writer = None
    try:
        for gray in frames:
            if writer is None:
                h, w = gray.shape[:2]
                writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h), True)
                if not writer.isOpened():
                    raise OSError(f"cannot write video {path}")
            bgr = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR) if gray.ndim == 2 else gray
            writer.write(bgr)
    finally:
        if writer is not None:
            writer.release()
    if writer is None:
        raise ValueError("no frames to write")
    return path
