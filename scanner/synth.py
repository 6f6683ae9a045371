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
low_contrast, dark_mode, moire, jpeg_noise, damage, multi, edge, empty: grey frames drawn
directly, each with one kind of trouble.

Photo categories (`PHOTO_CATEGORIES`, issue 15): bright_spots, damaged, veiling_glare, curved,
steep_perspective, hand_motion. These are rendered physically (see "physically modelled
photos" below): colour, linear light, lamps and their specular highlights, surfaces in 3-D,
optics and a sensor that saturates, so each frame also has `bgr` and the code's `corners`.
`generate(..., easy=True)` draws a category's easy examples (severity up to 0.3).
Payloads are QR-alphanumeric like real EZ1/EP1 codes: "EZ1:" + base45 text, 200-700 chars.

Sequences (`generate_sequence`, issue 15, camera side): consecutive frames of one presentation,
rendered the same way: `moving_glare` (the card turns a few degrees in the hand and the lamps'
highlights slide over the symbol), `bright_screen` (a phone far brighter than the dim room,
blown out at auto-exposure), and the negatives `fake_symbol` (real finder patterns, random
data) and `glare_no_code`. A sequence keeps each frame's light before exposure, so
`SynthSequence.frame(i, exposure)` is the picture at any exposure.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

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
    """One generated frame: `gray` (H x W uint8) and the texts of every code drawn in it.
    The photo categories also give the colour picture `bgr` (H x W x 3 uint8, what `gray` was
    made from) and each code's 4 corners in frame pixels (`corners`, TL, TR, BR, BL)."""

    gray: np.ndarray
    texts: list[str]
    category: str
    params: dict = field(default_factory=dict)
    bgr: np.ndarray | None = None
    corners: list = field(default_factory=list)


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
# physically modelled photos (issue 15): light, surfaces, optics and sensor
#
# A photo category renders one code on a *carrier* (a printed ticket, a laminated card or a
# phone screen) in linear light: the carrier is a texture (albedo, or emission for a screen)
# laid on a 3-D surface (a plane, a cylinder, a wrinkled sheet) in front of a pinhole camera.
# Each pixel's ray is intersected with the surface (2x supersampled over the carrier's box),
# shaded (ambient + a key light, Blinn-Phong specular lobes for lamps and windows: white,
# not tinted by the print), composited over the background, then the camera acts: defocus
# (depth-dependent for steep views), motion during the exposure, bloom around light past full
# scale, auto-exposure, photon and read noise, clipping at full scale (saturation), sRGB
# encoding and JPEG. So a highlight saturates all three channels where it is strongest and
# only the brightest-lit ones around it, a coffee stain is darker in blue than in red, and a
# steeply tilted code is sharp at the focus depth only.

PHOTO_CATEGORIES: tuple[str, ...] = (
    "bright_spots",       # specular highlights of lamps saturating parts of the symbol
    "damaged",            # stains, tears, holes, pen marks, worn toner on prints
    "veiling_glare",      # a window's sheen and lens haze washing out a large area
    "curved",             # labels on bottles / cans (cylinders) and wrinkled paper
    "steep_perspective",  # 45-75 degree tilt with depth-of-field defocus
    "hand_motion",        # the hand moves during the exposure: translation + rotation blur
)

ALL_CATEGORIES: tuple[str, ...] = CATEGORIES + PHOTO_CATEGORIES

_MEDIA = ("paper", "glossy", "laminate", "screen")


def _srgb_encode_exact(lin):
    lin = np.clip(lin, 0.0, 1.0)
    return np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * np.power(lin, 1 / 2.4) - 0.055)


def _srgb_decode_exact(v):
    return np.where(v <= 0.04045, v / 12.92, np.power((v + 0.055) / 1.055, 2.4))


_ENCODE_LUT = np.round(_srgb_encode_exact(np.linspace(0, 1, 16384)) * 255).astype(np.uint8)
_DECODE_LUT = _srgb_decode_exact(np.arange(256) / 255.0).astype(np.float32)


def _srgb_encode_u8(lin: np.ndarray) -> np.ndarray:
    """Linear light -> 8-bit sRGB (clipped at full scale: what the sensor saturates to)."""
    return _ENCODE_LUT[np.round(np.clip(lin, 0.0, 1.0) * 16383).astype(np.int32)]


def _srgb_decode(v: np.ndarray) -> np.ndarray:
    """sRGB 0..1 -> linear light (through an 8-bit table)."""
    return _DECODE_LUT[np.round(np.clip(v, 0, 1) * 255).astype(np.uint8)]


def _smooth_noise(rng, h, w, cell) -> np.ndarray:
    """Zero-mean, unit-std noise with features about `cell` pixels across."""
    small = rng.normal(0, 1, size=(max(2, int(h / cell) + 2), max(2, int(w / cell) + 2))).astype(np.float32)
    big = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    return (big - big.mean()) / (big.std() + 1e-6)


def _unit(v):
    v = np.asarray(v, np.float64)
    return v / np.linalg.norm(v)


@dataclass
class _Carrier:
    albedo: np.ndarray          # Ht x Wt x 3 linear reflectance (paper) or emission (screen)
    alpha: np.ndarray           # Ht x Wt coverage (0 where torn off / punched out)
    quad: np.ndarray            # the code's 4 corners in texels (TL, TR, BR, BL)
    n: int                      # modules across
    tpm: int                    # texels per module
    medium: str
    white: np.ndarray           # the paper's (or screen's) white, B, G, R
    height: np.ndarray | None = None   # wrinkles: height above the plane, texels


def _symbol_modules(rng, text: str, symbol: str) -> np.ndarray:
    """The modules a carrier shows: "code" the QR code of `text`; "fake" the same symbol's finder
    patterns, separators and timing with a third of its data modules flipped (a QR detector
    locates it, Reed-Solomon can never correct it); "none" no symbol at all (blank)."""
    mods = qr_modules(text)
    if symbol == "code":
        return mods
    if symbol == "none":
        return np.zeros_like(mods)
    if symbol != "fake":
        raise ValueError(f"unknown symbol {symbol!r}")
    n = mods.shape[0]
    keep = np.zeros_like(mods, dtype=bool)
    keep[:9, :9] = keep[:9, n - 8:] = keep[n - 8:, :9] = True     # finders with separators
    keep[6, :] = keep[:, 6] = True                                # timing patterns
    flip = (rng.random(mods.shape) < 0.33) & ~keep
    return np.where(flip, 1 - mods, mods).astype(np.uint8)


def _ticket_texture(rng, text, medium, tpm, mods=None) -> _Carrier:
    """A flat carrier: printed ticket / laminated card (albedo) or phone (emission), showing
    `mods` (default: the QR code of `text`)."""
    mods = qr_modules(text) if mods is None else mods
    n = mods.shape[0]
    quiet = int(rng.integers(2, 5))
    if medium == "screen":
        ml, mr, mt, mb = (quiet + float(rng.uniform(0.5, 3)) for _ in range(4))
        mt += float(rng.uniform(8, 20))      # status bar and app header above the code
        mb += float(rng.uniform(10, 30))     # text and buttons below
        bezel = float(rng.uniform(1.5, 4))
    else:
        ml, mr = quiet + float(rng.uniform(1, 8)), quiet + float(rng.uniform(1, 8))
        mt, mb = quiet + float(rng.uniform(2, 12)), quiet + float(rng.uniform(4, 25))
        bezel = 0.0
    W = int(round((ml + n + mr + 2 * bezel) * tpm))
    H = int(round((mt + n + mb + 2 * bezel) * tpm))
    x0, y0 = int(round((bezel + ml) * tpm)), int(round((bezel + mt) * tpm))
    tint = np.float32([rng.uniform(0.9, 1.0), rng.uniform(0.96, 1.0), 1.0])  # B, G, R: cream paper
    if medium == "screen":
        white = float(rng.uniform(0.75, 1.5))            # emission relative to lit white paper
        tint = np.float32([rng.uniform(0.95, 1.05), 1.0, rng.uniform(0.92, 1.0)])  # cool screen white
        black = white * float(rng.uniform(0.01, 0.04))
    else:
        white = float(rng.uniform(0.68, 0.88))
        black = float(rng.uniform(0.025, 0.07))
    tex = np.empty((H, W, 3), np.float32)
    tex[:] = white * tint
    if medium != "screen":
        tex *= (1 + 0.015 * _smooth_noise(rng, H, W, max(2, tpm // 2)))[..., None]   # paper fibre
    # what else is on a ticket / an app screen: a coloured header band, text lines
    band = np.float32(rng.uniform(0.05, 0.7, size=3))
    bh = int(max(2, (mt - quiet) * tpm * rng.uniform(0.3, 0.7)))
    bx0 = int(bezel * tpm)
    tex[bx0:bx0 + bh, bx0:W - bx0] = band * white
    for k in range(int(rng.integers(2, 6))):
        ty = y0 + (n + quiet) * tpm + int((k + 1) * tpm * rng.uniform(2.5, 4))
        if ty > H - bezel * tpm - tpm:
            break
        s = "".join(rng.choice(list("ABCDEFGHJKLMNPRSTUVWXYZ0123456789 "), size=int(rng.integers(6, 18))))
        layer = np.zeros((H, W), np.uint8)
        cv2.putText(layer, s, (x0, ty), cv2.FONT_HERSHEY_SIMPLEX, tpm * 0.09, 255, max(1, tpm // 3), cv2.LINE_AA)
        a = (layer.astype(np.float32) / 255)[..., None]
        tex[:] = tex * (1 - a) + (black * 1.5) * a
    code = cv2.resize(mods.astype(np.float32), (n * tpm, n * tpm), interpolation=cv2.INTER_NEAREST)
    code = cv2.GaussianBlur(code, (0, 0), 0.12 * tpm)     # ink spread / screen pixel edges
    roi = tex[y0:y0 + n * tpm, x0:x0 + n * tpm]
    roi[:] = roi * (1 - code[..., None]) + black * code[..., None]
    alpha = np.ones((H, W), np.float32)
    if medium == "screen":
        b = int(round(bezel * tpm))
        body = np.float32(rng.uniform(0.02, 0.05))
        tex[:b], tex[-b:], tex[:, :b], tex[:, -b:] = body, body, body, body
        # rounded phone corners
        r = 3 * b
        yy, xx = np.mgrid[0:H, 0:W]
        for cx, cy in ((r, r), (W - r, r), (r, H - r), (W - r, H - r)):
            corner = ((xx < r) if cx == r else (xx > W - r)) & ((yy < r) if cy == r else (yy > H - r))
            alpha[corner & ((xx - cx) ** 2 + (yy - cy) ** 2 > r * r)] = 0.0
    quad = np.float32([[x0, y0], [x0 + n * tpm, y0], [x0 + n * tpm, y0 + n * tpm], [x0, y0 + n * tpm]])
    return _Carrier(tex, alpha, quad, n, tpm, medium, np.float32(white * tint))


def _damage(rng, car: _Carrier, severity: float) -> list[str]:
    """Stains, pen marks, tears, holes and worn toner on a print, in texture space."""
    H, W = car.alpha.shape
    tpm, n = car.tpm, car.n
    (qx0, qy0), (qx1, qy1) = car.quad[0], car.quad[2]
    side = qx1 - qx0
    kinds = ["stain", "pen", "tear", "hole", "worn"]
    picked = list(rng.choice(kinds, size=1 + int(severity > 0.3) + int(severity > 0.65), replace=False))
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    for kind in picked:
        if kind == "stain":
            # coffee / tea: a translucent dye, denser at the drying rim; absorbs blue most
            c = np.float32([rng.uniform(qx0, qx1), rng.uniform(qy0, qy1)])
            rad = side * float(rng.uniform(0.12, 0.2 + 0.3 * severity))
            wob = _smooth_noise(rng, H, W, rad / 1.5) * 0.25 * rad
            r = np.sqrt((xx - c[0]) ** 2 + (yy - c[1]) ** 2) + wob
            inside = np.clip((rad - r) / (0.3 * tpm), 0, 1)
            rim = np.exp(-((r - rad + 0.6 * tpm) / (0.5 * tpm)) ** 2)
            dens = ((0.3 + 1.5 * severity * float(rng.uniform(0.5, 1.0))) * inside + float(rng.uniform(0.5, 1.2)) * rim
                    * inside)
            colour = np.float32([rng.uniform(0.2, 0.45), rng.uniform(0.45, 0.65), rng.uniform(0.75, 0.9)])
            car.albedo *= np.power(colour[None, None, :], dens[..., None])
        elif kind == "pen":
            # ballpoint / marker strokes across the symbol, somewhat translucent
            colour = [np.float32([0.75, 0.3, 0.15]), np.float32([0.08, 0.08, 0.1]),
                      np.float32([0.2, 0.15, 0.8]), np.float32([0.2, 0.6, 0.3])][int(rng.integers(0, 4))]
            layer = np.zeros((H, W), np.float32)
            for _ in range(int(rng.integers(1, 3 + int(5 * severity)))):
                p = np.float32([rng.uniform(qx0, qx1), rng.uniform(qy0, qy1)])
                ang = rng.uniform(0, 2 * math.pi)
                pts = []
                for _ in range(int(rng.integers(8, 30))):
                    ang += rng.normal(0, 0.35)
                    p = p + tpm * float(rng.uniform(0.8, 2.5)) * np.float32([math.cos(ang), math.sin(ang)])
                    pts.append(p.copy())
                width = max(1, int(round(tpm * rng.uniform(0.25, 0.5 + 1.2 * severity))))
                cv2.polylines(layer, [np.int32(np.round(pts))], False, 1.0, width, cv2.LINE_AA)
            op = float(rng.uniform(0.6, 0.95))
            a = (np.clip(layer, 0, 1) * op)[..., None]
            car.albedo[:] = car.albedo * (1 - a) + car.albedo * colour * a
        elif kind == "tear":
            # a piece torn out of the card's edge next to the code, reaching into the symbol:
            # a jagged outline, with the torn paper's white fibres along it
            edge = int(rng.integers(0, 4))
            depth = side * float(rng.uniform(0.06, 0.1 + 0.3 * severity))     # how far into the code
            length = side * float(rng.uniform(0.15, 0.25 + 0.3 * severity))
            along = float(rng.uniform(0.2, 0.8))
            if edge in (0, 1):
                ex = qx0 if edge == 0 else qx1
                cxy, rx, ry = (ex, qy0 + along * side), depth * 2, length / 2
            else:
                ey = qy0 if edge == 2 else qy1
                cxy, rx, ry = (qx0 + along * side, ey), length / 2, depth * 2
            ell = np.sqrt(((xx - cxy[0]) / rx) ** 2 + ((yy - cxy[1]) / ry) ** 2)
            jag = _smooth_noise(rng, H, W, tpm * 1.2) * 0.3 * tpm + _smooth_noise(rng, H, W, tpm * 5) * 0.8 * tpm
            d = (ell - 1) * min(rx, ry) + jag          # > 0: paper left, < 0: torn away
            car.alpha *= np.clip(d + 0.5, 0, 1)
            fringe = (np.exp(-((d - 0.5 * tpm) / (0.4 * tpm)) ** 2) * 0.8)[..., None]
            car.albedo[:] = car.albedo * (1 - fringe) + car.white * fringe
        elif kind == "hole":
            c = np.float32([rng.uniform(qx0, qx1), rng.uniform(qy0, qy1)])
            rad = tpm * float(rng.uniform(1.5, 2.5 + 3 * severity))
            r = np.sqrt((xx - c[0]) ** 2 + (yy - c[1]) ** 2)
            car.alpha *= np.clip(r - rad, 0, 1)
        elif kind == "worn":
            # toner rubbed off along a fold or pocket wear: dark modules turn grey in patches
            wear = _smooth_noise(rng, H, W, tpm * rng.uniform(1, 3))
            ang = rng.uniform(0, math.pi)
            band = np.exp(-(((xx - (qx0 + qx1) / 2) * math.cos(ang) + (yy - (qy0 + qy1) / 2) * math.sin(ang))
                            / (side * rng.uniform(0.08, 0.12 + 0.2 * severity))) ** 2)
            amount = np.clip(wear * 0.5 + 0.5, 0, 1)
            lift = (band * amount * float(rng.uniform(0.4, 0.6 + 0.35 * severity)))[..., None]
            car.albedo[:] = car.albedo * (1 - lift) + car.white * lift
    return picked


def _wrinkles(rng, car: _Carrier, amp_modules: float) -> None:
    """Crumpled paper: random fold ridges (sharp) plus smooth undulation, as a height field."""
    H, W = car.alpha.shape
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    h = np.zeros((H, W), np.float32)
    for _ in range(int(rng.integers(3, 8))):
        ang = rng.uniform(0, math.pi)
        off = rng.uniform(0, 1) * (W * abs(math.cos(ang)) + H * abs(math.sin(ang)))
        dist = xx * math.cos(ang) + yy * math.sin(ang) - off
        width = car.tpm * rng.uniform(4, 20)
        h += float(rng.normal(0, 1)) * np.maximum(0, 1 - np.abs(dist) / width)
    h += 0.5 * _smooth_noise(rng, H, W, car.tpm * 12)
    h = cv2.GaussianBlur(h, (0, 0), car.tpm * 0.7)
    h *= amp_modules * car.tpm / (np.abs(h).max() + 1e-6)
    car.height = h


def _rotation(rot_deg, tilt_deg, axis_deg):
    a = math.radians(axis_deg)
    rtilt, _ = cv2.Rodrigues(np.array([math.cos(a), math.sin(a), 0.0]) * math.radians(tilt_deg))
    r = math.radians(rot_deg)
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    return rz @ rtilt


class _Pose:
    """Where the carrier is: rotation R (columns: texture u, texture v, away from camera),
    the code centre P0 (world, camera at the origin looking +z), texel size s (world units),
    and the surface: "plane", "convex" / "concave" cylinder (radius rc, world) bent along u."""

    def __init__(self, R, P0, s, surface="plane", rc=0.0):
        self.R, self.P0, self.s, self.surface, self.rc = R, np.asarray(P0, np.float64), s, surface, rc

    def normal(self, uv, centre):
        """The unit normal towards the camera at texel uv (2,)."""
        eu, ez = self.R[:, 0], self.R[:, 2]
        if self.surface == "plane":
            return -ez
        th = (uv[0] - centre[0]) * self.s / self.rc
        sign = 1.0 if self.surface == "convex" else -1.0
        return _unit(sign * math.sin(th) * eu - math.cos(th) * ez)

    def forward(self, uv, centre):
        """Texel coordinates (N x 2) -> world points (N x 3), for the outline and the corners."""
        a = (uv[:, 0] - centre[0]) * self.s
        b = (uv[:, 1] - centre[1]) * self.s
        c = np.zeros_like(a)
        if self.surface == "convex":
            th = a / self.rc
            a, c = self.rc * np.sin(th), self.rc * (np.cos(th) - 1)
        elif self.surface == "concave":
            th = a / self.rc
            a, c = self.rc * np.sin(th), self.rc * (1 - np.cos(th))
        eu, ev, ez = self.R[:, 0], self.R[:, 1], self.R[:, 2]
        # local c is towards the camera, i.e. along -ez
        return self.P0 + np.outer(a, eu) + np.outer(b, ev) - np.outer(c, ez)


def _project_pts(X, f, pc):
    return np.stack([f * X[:, 0] / X[:, 2] + pc[0], f * X[:, 1] / X[:, 2] + pc[1]], axis=1)


def _raycast(pose: _Pose, car: _Carrier, centre, xs, ys, f, pc):
    """For pixel centres (xs, ys) (2-D arrays, full-frame coordinates): texel coords u, v,
    depth z, unit normal towards the camera n (... x 3) and a hit mask."""
    R, P0, s = pose.R.astype(np.float32), pose.P0.astype(np.float32), pose.s
    xs, ys = xs.astype(np.float32), ys.astype(np.float32)
    d = np.stack([(xs - pc[0]) / f, (ys - pc[1]) / f, np.ones_like(xs)], axis=-1)
    eu, ev, ez = R[:, 0], R[:, 1], R[:, 2]
    # ray in carrier-local coordinates (a along u, b along v, c towards the camera)
    o = -P0
    o_l = np.array([o @ eu, o @ ev, -(o @ ez)])
    d_a, d_b, d_c = d @ eu, d @ ev, -(d @ ez)
    if pose.surface == "plane":
        t = -o_l[2] / np.where(np.abs(d_c) < 1e-9, -1e-9, d_c)
        a = o_l[0] + t * d_a
        ok = t > 0
        nl = np.zeros(xs.shape + (3,), np.float32)
        nl[..., 2] = 1
        u_arc = a
    else:
        rc = pose.rc
        sign = 1.0 if pose.surface == "convex" else -1.0     # circle centre at c = -sign * rc
        oc = o_l[2] + sign * rc
        A = d_a ** 2 + d_c ** 2
        B = 2 * (o_l[0] * d_a + oc * d_c)
        C = o_l[0] ** 2 + oc ** 2 - rc ** 2
        disc = B * B - 4 * A * C
        ok = disc >= 0
        sq = np.sqrt(np.maximum(disc, 0))
        t1, t2 = (-B - sq) / (2 * A), (-B + sq) / (2 * A)
        t = np.where(sign > 0, t1, t2)          # convex: the near side; concave: the far side
        a = o_l[0] + t * d_a
        cc = oc + t * d_c                       # c + sign*rc: the local centre offset
        u_arc = rc * np.arctan2(a, sign * cc)
        nl = np.stack([sign * a / rc, np.zeros_like(a), sign * cc / rc], axis=-1)
        ok &= (sign * cc > 0) & (t > 0)
    b = o_l[1] + t * d_b
    u = u_arc / s + centre[0]
    v = b / s + centre[1]
    if car.height is not None:
        # parallax of the wrinkles: move along the ray until its height meets the surface
        hmap = car.height
        tt = t.copy()
        for _ in range(3):
            hh = cv2.remap(hmap, u.astype(np.float32), v.astype(np.float32), cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE) * s
            tt = t + hh / np.where(np.abs(d_c) < 1e-9, -1e-9, d_c)
            u = (o_l[0] + tt * d_a) / s + centre[0]
            v = (o_l[1] + tt * d_b) / s + centre[1]
        t = tt
        gx = cv2.Sobel(hmap, cv2.CV_32F, 1, 0, ksize=3) / 8
        gy = cv2.Sobel(hmap, cv2.CV_32F, 0, 1, ksize=3) / 8
        hu = cv2.remap(gx, u.astype(np.float32), v.astype(np.float32), cv2.INTER_LINEAR)
        hv = cv2.remap(gy, u.astype(np.float32), v.astype(np.float32), cv2.INTER_LINEAR)
        nl = np.stack([-hu, -hv, np.ones_like(hu)], axis=-1)
        nl /= np.linalg.norm(nl, axis=-1, keepdims=True)
    n_world = nl[..., 0:1] * eu + nl[..., 1:2] * ev - nl[..., 2:3] * ez
    z = t * d[..., 2]
    X = t[..., None] * d
    return u, v, z, n_world, X, ok


@dataclass
class _Light:
    direction: np.ndarray      # unit vector from the surface towards the light
    power: float               # peak specular radiance relative to lit white paper
    shininess: float
    colour: np.ndarray         # B, G, R


def _mirror_light(X, n, power, shininess, colour):
    """A light placed so that its highlight falls on world point X with normal n."""
    v = _unit(-X)
    n = _unit(n)
    return _Light(_unit(2 * (n @ v) * n - v).astype(np.float32), power, shininess, np.float32(colour))


def _shade(car, u, v, n, X, ok, key_dir, ambient, lights, ks):
    """Radiance (... x 3) and coverage of the carrier at the ray hits."""
    uf, vf = u.astype(np.float32), v.astype(np.float32)
    alb = cv2.remap(car.albedo, uf, vf, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    cov = cv2.remap(car.alpha, uf, vf, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    cov = cov * ok
    view = -X / np.linalg.norm(X, axis=-1, keepdims=True)
    facing = np.clip(np.sum(n * view, axis=-1), 0, 1)
    if car.medium == "screen":
        # emissive; LCDs dim off-axis; the glass reflects a little of the room (diffusely)
        rad = alb * (0.35 + 0.65 * facing[..., None] ** 0.5) + 0.02 * ambient
    else:
        # irradiance relative to a carrier facing the camera squarely (white paper is then ~its albedo)
        irr = ambient + (1 - ambient) * np.clip(n @ key_dir, 0, 1) / max(1e-3, -float(key_dir[2]))
        rad = alb * irr[..., None]
    for L in lights:
        hvec = view + L.direction
        hvec /= np.linalg.norm(hvec, axis=-1, keepdims=True)
        spec = np.power(np.clip(np.sum(n * hvec, axis=-1), 0, 1), L.shininess)
        # Fresnel: dielectrics reflect more at grazing angles
        fres = ks + (1 - ks) * (1 - facing) ** 5
        rad = rad + (L.power * spec * fres / max(ks, 1e-3))[..., None] * L.colour
    return rad.astype(np.float32), cov.astype(np.float32)


def _depth_blur(img, sigma_map, max_sigma):
    """Spatially varying Gaussian blur: blend between a few blurred copies by the per-pixel sigma."""
    levels = [0.0] + list(np.geomspace(0.5, max(0.6, max_sigma), 6))
    stack = [img if s == 0 else cv2.GaussianBlur(img, (0, 0), s) for s in levels]
    out = np.zeros_like(img)
    sm = np.clip(sigma_map, 0, levels[-1])
    for i in range(len(levels) - 1):
        lo, hi = levels[i], levels[i + 1]
        w_hi = np.clip((sm - lo) / (hi - lo), 0, 1)
        in_band = ((sm >= lo) & (sm <= hi)).astype(np.float32)
        if i == len(levels) - 2:
            in_band = (sm >= lo).astype(np.float32)
        wb = (in_band * (1 - w_hi))[..., None], (in_band * w_hi)[..., None]
        out += stack[i] * wb[0] + stack[i + 1] * wb[1]
    return out


def _photo_background(rng, w, h):
    """The colour scene behind the carrier, linear light."""
    g = _background(rng, w, h) / 255.0
    # muted colours: a room's colour cast, and a few gentle colour regions (walls, clothes)
    tint = np.stack([1 + 0.08 * _smooth_noise(rng, h, w, min(w, h) / 2) for _ in range(3)], axis=-1)
    tint *= np.float32(rng.uniform(0.85, 1.1, size=3))
    return _srgb_decode(np.clip(g[..., None] * tint, 0, 1)) * float(rng.uniform(0.6, 1.0))


@dataclass
class _PhotoScene:
    """A photo category's scene once its random draws are made: the carrier, where it is, the
    lights, the room behind it and the camera. `_photo_render` draws it for one pose."""

    category: str
    size: tuple
    car: _Carrier
    pose: _Pose
    centre: np.ndarray
    f: float
    pc: tuple
    mpx: float
    ss: int
    half: float
    cx: float
    cy: float
    key: np.ndarray
    ambient: float
    ks: float
    lights: list
    background: np.ndarray
    params: dict
    severity: float


def _photo_scene(category: str, rng: np.random.Generator, size, text: str, severity: float,
                 symbol: str = "code") -> _PhotoScene:
    """The scene of one photo category (PHOTO_CATEGORIES, or "bright_screen": a phone screen far
    brighter than the room). symbol: "code" (the QR code of `text`), "fake" (finder patterns and
    timing of a real symbol, random data: located, never decodable) or "none" (no symbol)."""
    w, h = size
    scale = h / 720.0
    params: dict = {"category": category, "severity": round(severity, 3)}
    medium = str(rng.choice(_MEDIA, p=[0.35, 0.2, 0.2, 0.25]))
    if category == "bright_spots":
        medium = str(rng.choice(("glossy", "laminate", "screen"), p=[0.35, 0.35, 0.3]))
    elif category == "damaged":
        medium = str(rng.choice(("paper", "glossy", "laminate"), p=[0.6, 0.2, 0.2]))
    elif category == "veiling_glare":
        medium = str(rng.choice(("glossy", "laminate", "screen", "paper"), p=[0.25, 0.3, 0.3, 0.15]))
    elif category == "curved":
        medium = str(rng.choice(("paper", "glossy", "laminate"), p=[0.5, 0.3, 0.2]))
    elif category == "bright_screen":
        medium = "screen"
    params["medium"] = medium
    n_mod = qr_modules(text).shape[0]
    # pixels per module where the code faces the camera; a photo at any size shows the same scene
    mpx = float(rng.uniform(3.0, 6.0)) * scale
    mpx = min(mpx, 0.62 * min(w, h) / (n_mod + 10))
    ss = 2 if mpx < 8 else 1
    tpm = int(np.clip(round(mpx * ss * 1.3), 4, 14))
    car = _ticket_texture(rng, text, medium, tpm, mods=_symbol_modules(rng, text, symbol))
    if category == "bright_screen":
        # a phone at full brightness in a dim gate: its white is many times the room's
        gain = float(rng.uniform(6.0, 8.0 + 8.0 * severity))
        car.albedo[:] = car.albedo * gain
        car.white = car.white * gain
        params["screen_gain"] = round(gain, 1)
    damage = _damage(rng, car, severity) if category == "damaged" else []
    if damage:
        params["damage"] = damage
    surface, rc = "plane", 0.0
    rot = float(rng.uniform(-20, 20))
    tilt = float(rng.uniform(0, 20))
    if category == "steep_perspective":
        tilt = float(45 + 30 * severity * rng.uniform(0.6, 1.0))
    if category == "curved":
        if rng.random() < 0.6:
            surface = "convex" if rng.random() < 0.75 else "concave"
            bend = math.radians(30 + 100 * severity * rng.uniform(0.7, 1.0))   # angle the code wraps
            rc = -1.0   # set below, once the texel size is known
            params["bend_deg"] = round(math.degrees(bend))
            if rng.random() < 0.5:   # bend along v instead of u: turn the carrier a quarter
                car.albedo = np.ascontiguousarray(np.rot90(car.albedo))
                car.alpha = np.ascontiguousarray(np.rot90(car.alpha))
                Ht = car.albedo.shape[0]
                q = car.quad
                car.quad = np.float32([[y, Ht - 1 - x] for x, y in q])[[1, 2, 3, 0]]
        else:
            _wrinkles(rng, car, amp_modules=float(0.5 + 2.5 * severity))
            params["wrinkle_modules"] = round(0.5 + 2.5 * severity, 2)
        params["surface"] = surface
    centre = car.quad.mean(axis=0)
    f = float(rng.uniform(0.9, 1.3)) * max(w, h)
    pc = (w / 2, h / 2)
    R = _rotation(rot, tilt, float(rng.uniform(0, 180)))
    s = mpx / tpm / f          # texel size in world units at depth 1
    if surface != "plane":
        rc = (n_mod * tpm * s) / bend
    half = 0.5 * mpx * (n_mod + 8)
    # the whole code (with a module to spare) lands inside the frame; the card may not
    for _ in range(20):
        cx = float(rng.uniform(min(half, w / 2), max(w - half, w / 2)))
        cy = float(rng.uniform(min(half, h / 2), max(h - half, h / 2)))
        P0 = np.array([(cx - pc[0]) / f, (cy - pc[1]) / f, 1.0])
        pose = _Pose(R, P0, s, surface, rc)
        cc = _project_pts(pose.forward(car.quad, car.quad.mean(axis=0)), f, pc)
        if cc.min() >= 1.5 * mpx and (cc[:, 0].max() <= w - 1.5 * mpx) and (cc[:, 1].max() <= h - 1.5 * mpx):
            break
    else:
        # too big for the frame at this pose: face the camera, centred
        cx, cy = w / 2, h / 2
        R = _rotation(rot, 0.0, 0.0)
        P0 = np.array([0.0, 0.0, 1.0])
        pose = _Pose(R, P0, s, surface, rc)
    params.update(module_px=round(mpx, 2), rot=round(rot, 1), tilt=round(tilt, 1))
    # lighting: ambient + a key light from above-front, lamps for highlights
    key = _unit([rng.uniform(-0.5, 0.5), rng.uniform(-1.0, -0.3), -1.0]).astype(np.float32)   # towards the light (camera side, above)
    ambient = float(rng.uniform(0.35, 0.6))
    ks = {"paper": 0.02, "glossy": 0.06, "laminate": 0.09, "screen": 0.05}[medium]
    shin_base = {"paper": 8.0, "glossy": 150.0, "laminate": 900.0, "screen": 3000.0}[medium]
    lights: list[_Light] = []
    ppm_world = mpx / f     # one module's size in world units at the code's depth (~1)
    code_w = n_mod * ppm_world
    warm = np.float32([rng.uniform(0.7, 0.95), rng.uniform(0.88, 1.0), 1.0])
    if category == "bright_spots":
        for _ in range(1 + int(severity > 0.4) + int(severity > 0.75)):
            t = rng.uniform(0.0, 1.0, size=2)
            uv = car.quad[0] + t[0] * (car.quad[1] - car.quad[0]) + t[1] * (car.quad[3] - car.quad[0])
            Xs = pose.forward(uv[None, :], centre)[0]
            radius = code_w * (0.03 + 0.25 * severity * float(rng.uniform(0.5, 1.0)))
            alpha = radius / 2.0     # half-vector angle across the spot (depth ~1)
            shin = float(np.clip(2.0 / alpha ** 2, 30, 20000))
            power = 1.3 + 6.0 * severity * float(rng.uniform(0.5, 1.0))
            lights.append(_mirror_light(Xs, pose.normal(uv, centre), power, shin, warm if rng.random() < 0.6 else np.float32([1, 1, 1])))
        params["spots"] = len(lights)
    elif category == "veiling_glare":
        t = rng.uniform(-0.2, 1.2, size=2)
        uv = car.quad[0] + t[0] * (car.quad[1] - car.quad[0]) + t[1] * (car.quad[3] - car.quad[0])
        Xs = pose.forward(uv[None, :], centre)[0]
        radius = code_w * float(rng.uniform(0.5, 1.2))
        shin = float(np.clip(2.0 / (radius / 2.0) ** 2, 4, 400))
        power = 0.4 + 2.5 * severity * float(rng.uniform(0.6, 1.0))
        lights.append(_mirror_light(Xs, pose.normal(uv, centre), power, shin, np.float32([1.0, 0.98, 0.95])))
        params["sheen"] = round(power, 2)
    else:
        # an ordinary room: a ceiling lamp's highlight somewhere, usually off the code
        if medium != "paper" and rng.random() < 0.5:
            t = rng.uniform(-0.8, 1.8, size=2)
            uv = car.quad[0] + t[0] * (car.quad[1] - car.quad[0]) + t[1] * (car.quad[3] - car.quad[0])
            Xs = pose.forward(uv[None, :], centre)[0]
            lights.append(_mirror_light(Xs, pose.normal(uv, centre), float(rng.uniform(0.3, 1.0)), shin_base, warm))
    background = _photo_background(rng, w, h)
    if category == "bright_screen":
        background = background * 0.5       # the dim room the bright screen is held in
    return _PhotoScene(category, (w, h), car, pose, centre, f, pc, mpx, ss, half, cx, cy, key, ambient, ks,
                       lights, background, params, severity)


def _photo_render(sc: _PhotoScene, rng: np.random.Generator, pose: _Pose | None = None):
    """The scene's light reaching the lens for one pose of the carrier (default: the scene's),
    in linear units before the camera's exposure (float32 H x W x 3), and the code's corners."""
    w, h = sc.size
    scale = h / 720.0
    car, centre, f, pc, mpx, ss, params = sc.car, sc.centre, sc.f, sc.pc, sc.mpx, sc.ss, sc.params
    category = sc.category
    pose = sc.pose if pose is None else pose
    # where the carrier lands: its outline, sampled along the edges
    Ht, Wt = car.alpha.shape
    edge = np.concatenate([np.stack([np.linspace(0, Wt, 40), np.full(40, y)], 1) for y in (0, Ht)] +
                          [np.stack([np.full(40, x), np.linspace(0, Ht, 40)], 1) for x in (0, Wt)])
    outline = _project_pts(pose.forward(edge, centre), f, pc)
    pad = 4 + 3 * mpx
    bx0, by0 = (int(max(0, np.floor(outline[:, i].min() - pad))) for i in (0, 1))
    bx1, by1 = int(min(w, np.ceil(outline[:, 0].max() + pad))), int(min(h, np.ceil(outline[:, 1].max() + pad)))
    code_corners = _project_pts(pose.forward(car.quad, centre), f, pc)
    # the carrier, 2x supersampled over its box
    ys, xs = np.mgrid[by0:by1:1.0 / ss, bx0:bx1:1.0 / ss]
    xs, ys = xs + 0.5 / ss, ys + 0.5 / ss
    u, v, z, nrm, X, ok = _raycast(pose, car, centre, xs, ys, f, pc)
    rad, cov = _shade(car, u, v, nrm, X, ok, sc.key, sc.ambient, sc.lights, sc.ks)
    if ss > 1:
        bw, bh = bx1 - bx0, by1 - by0
        rad = cv2.resize(rad * cov[..., None], (bw, bh), interpolation=cv2.INTER_AREA)
        cov = cv2.resize(cov, (bw, bh), interpolation=cv2.INTER_AREA)
        z = cv2.resize(np.where(ok, z, 0).astype(np.float32), (bw, bh), interpolation=cv2.INTER_AREA)
        rad = rad / np.maximum(cov, 1e-4)[..., None]
    scene = sc.background
    layer = np.zeros((h, w, 3), np.float32)
    alpha = np.zeros((h, w), np.float32)
    layer[by0:by1, bx0:bx1] = rad
    alpha[by0:by1, bx0:bx1] = cov
    depth = np.full((h, w), 3.0, np.float32)
    depth[by0:by1, bx0:bx1] = np.where(cov > 0.5, np.maximum(z, 0.05), 3.0)
    if category == "hand_motion":
        severity = sc.severity
        # the exposure integrates the carrier over its path: translation plus a turn of the wrist
        length = mpx * float(0.3 + 2.5 * severity) * float(rng.uniform(0.8, 1.0))
        ang = rng.uniform(0, 2 * math.pi)
        turn = float(rng.uniform(-1, 1)) * (0.3 + 3 * severity)              # degrees over the exposure
        pivot = (float(sc.cx + rng.normal(0, sc.half)), float(sc.cy + rng.normal(0, sc.half)))   # the wrist
        k = int(np.clip(math.ceil(length * 1.5), 5, 31))
        prem = layer * alpha[..., None]
        acc, acc_a = np.zeros_like(layer), np.zeros_like(alpha)
        speeds = np.sin(np.linspace(0.15, math.pi - 0.15, k))              # the hand accelerates, then slows
        pos = np.cumsum(speeds) / speeds.sum() - 0.5
        for p in pos:
            M = cv2.getRotationMatrix2D(pivot, turn * p, 1.0)
            M[:, 2] += np.float64([math.cos(ang), math.sin(ang)]) * length * p
            acc += cv2.warpAffine(prem, M, (w, h), flags=cv2.INTER_LINEAR)
            acc_a += cv2.warpAffine(alpha, M, (w, h), flags=cv2.INTER_LINEAR)
        layer, alpha = acc / k, acc_a / k
        frame = scene * (1 - alpha[..., None]) + layer
        params.update(motion_px=round(length, 1), turn_deg=round(turn, 1))
    else:
        frame = scene * (1 - alpha[..., None]) + layer * alpha[..., None]
    severity = sc.severity
    # optics: depth of field (a steep view is sharp at the focus depth only), else a little defocus
    if category == "steep_perspective":
        zc = depth[(alpha > 0.5)]
        zc = zc[zc < 2.9]
        z_near, z_far = float(np.percentile(zc, 2)), float(np.percentile(zc, 98))
        z_focus = float(z_near + rng.uniform(0.2, 0.8) * (z_far - z_near))
        worst = max(abs(1 - z_focus / z_near), abs(1 - z_focus / z_far), 1e-3)
        blur_px = mpx * float(0.15 + 0.55 * severity)
        k_dof = blur_px / worst
        sig = np.minimum(k_dof * np.abs(1 - z_focus / depth), 3 * blur_px + 1)
        frame = _depth_blur(frame, sig.astype(np.float32), float(sig.max()))
        params["defocus_px"] = round(blur_px, 2)
    else:
        frame = cv2.GaussianBlur(frame, (0, 0), float(rng.uniform(0.35, 0.75)) * max(1.0, scale ** 0.5))
    # lens haze: a veil of scattered light, strongest towards the bright source
    if category == "veiling_glare":
        gx, gy = rng.uniform(-1, 1, size=2)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        ramp = np.clip(0.6 + 0.4 * (gx * (xx / w - 0.5) + gy * (yy / h - 0.5)) * 2, 0, 1.5)
        haze = 0.04 + 0.35 * severity * float(rng.uniform(0.5, 1.0))
        frame = frame + (haze * ramp)[..., None]
        params["haze"] = round(haze, 3)
    return frame, code_corners.astype(np.float32)


def metered_exposure(frame: np.ndarray, target: float) -> float:
    """What the camera's auto-exposure sets for linear light `frame`: `target` over the
    centre-weighted mean luminance, within the sensor's range 0.5..2.5."""
    h, w = frame.shape[:2]
    lum = frame @ np.float32([0.114, 0.587, 0.299])
    yy, xx = np.mgrid[0:h:8, 0:w:8].astype(np.float32)
    wgt = np.exp(-(((xx - w / 2) / (0.4 * w)) ** 2 + ((yy - h / 2) / (0.4 * h)) ** 2))
    mean = float((lum[::8, ::8] * wgt).sum() / wgt.sum())
    return float(np.clip(target / max(mean, 1e-3), 0.5, 2.5))


def _sensor(frame: np.ndarray, rng: np.random.Generator, exposure: float | None = None):
    """The camera's picture of linear light `frame`: auto-exposure (or the given `exposure`, a
    multiplier of the light), bloom around light past full scale, photon and read noise,
    clipping at full scale, sRGB and JPEG. Returns (bgr, exposure used, JPEG quality)."""
    h, w = frame.shape[:2]
    scale = h / 720.0
    target = float(rng.uniform(0.18, 0.26))
    if exposure is None:
        exposure = metered_exposure(frame, target)
    frame = frame * exposure
    over = np.maximum(frame - 1.0, 0)
    if over.max() > 0:
        # lens flare: a narrow glow, and a wide one (blurred at 1/8 size: same result, faster)
        small = cv2.resize(over, (max(1, w // 8), max(1, h // 8)), interpolation=cv2.INTER_AREA)
        wide = cv2.resize(cv2.GaussianBlur(small, (0, 0), 0.02 * max(w, h) / 8), (w, h),
                          interpolation=cv2.INTER_LINEAR)
        frame = frame + 0.25 * cv2.GaussianBlur(over, (0, 0), 1.2 * max(1.0, scale)) + 0.06 * wide
    # the sensor: photon (shot) noise grows with the signal, read noise does not; clipped at full scale
    gain = float(rng.uniform(0.0003, 0.0015))
    frame = frame + rng.normal(0, 1, size=frame.shape).astype(np.float32) * np.sqrt(
        np.clip(frame, 0, 1) * gain + 0.002 ** 2).astype(np.float32)
    out = _srgb_encode_u8(frame)
    q = int(rng.integers(70, 95))
    ok_, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, q])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR), float(exposure), q


def _photo_frame(category: str, rng: np.random.Generator, size, text: str, severity: float):
    sc = _photo_scene(category, rng, size, text, severity)
    frame, corners = _photo_render(sc, rng)
    bgr, _, q = _sensor(frame, rng)
    sc.params["jpeg_q"] = q
    return bgr, [corners], sc.params


# ---------------------------------------------------------------------------------------------
# sequences (issue 15, camera side): what the camera sees over a few frames of one presentation
#
# A code is held in the hand for a moment: the card turns by a few degrees and drifts between
# frames, and the lamps stay where they are, so a specular highlight slides across the symbol
# from frame to frame (a mirror reflection moves by twice the turn). Each frame is the scene's
# light before the camera's exposure (`SynthSequence.light`), so the camera can be modelled
# separately: `SynthSequence.frame(i, exposure)` is the picture at auto-exposure (None) or at
# a set exposure (a multiplier of the light, as a longer or shorter shutter is).

SEQUENCE_CATEGORIES: tuple[str, ...] = (
    "moving_glare",       # glossy card, laminate or screen with lamp highlights that move as the hand does
    "bright_screen",      # a phone at full brightness in a dim gate: over-exposed at auto-exposure
)
NEGATIVE_SEQUENCES: tuple[str, ...] = (
    "fake_symbol",        # a QR-like symbol (real finder patterns, random data) under moving glare
    "glare_no_code",      # the same card and lamps with no symbol on it
)
ALL_SEQUENCES: tuple[str, ...] = SEQUENCE_CATEGORIES + NEGATIVE_SEQUENCES
_SEQUENCE_SCENES = {"moving_glare": ("bright_spots", "code"), "bright_screen": ("bright_screen", "code"),
                    "fake_symbol": ("bright_spots", "fake"), "glare_no_code": ("bright_spots", "none")}


@dataclass
class SynthSequence:
    """Consecutive frames of one presentation. `light[i]`: the light reaching the lens in frame i
    (float16 H x W x 3, linear, before exposure); `corners[i]`: the code's corners in frame i
    (where the symbol would be, for the negative sequences); `texts`: the code's text ([] for a
    negative sequence). `frame(i, exposure=None)` renders the camera's picture, seeded per frame,
    so the same frame at two exposures differs only by the exposure."""

    category: str
    texts: list[str]
    light: list[np.ndarray]
    corners: list[np.ndarray]
    params: dict
    seed: tuple
    fps: float = 15.0

    def __len__(self) -> int:
        return len(self.light)

    @property
    def size(self) -> tuple[int, int]:
        h, w = self.light[0].shape[:2]
        return (w, h)

    def _rng(self, i: int) -> np.random.Generator:
        return np.random.default_rng(list(self.seed) + [i, 1])

    def metered(self, i: int) -> float:
        """The exposure the camera's auto-exposure picks for frame i."""
        return metered_exposure(self.light[i].astype(np.float32), float(self._rng(i).uniform(0.18, 0.26)))

    def frame(self, i: int, exposure: float | None = None) -> SynthFrame:
        bgr, used, q = _sensor(self.light[i].astype(np.float32), self._rng(i), exposure)
        params = dict(self.params, frame=i, exposure=round(used, 4), jpeg_q=q)
        return SynthFrame(gray=cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), texts=list(self.texts),
                          category=self.category, params=params, bgr=bgr, corners=[self.corners[i]])

    def frames(self, exposure: float | None = None) -> list[SynthFrame]:
        return [self.frame(i, exposure) for i in range(len(self))]


def generate_sequence(category: str, length: int = 8, seed: int = 0, size=(1280, 720),
                      severity: float | None = None) -> SynthSequence:
    """`length` consecutive frames of one presentation of `category` (ALL_SEQUENCES); the same
    arguments always give the same sequence. `severity` 0..1 (default: drawn from 0.45..0.9)."""
    if category not in ALL_SEQUENCES:
        raise ValueError(f"unknown sequence category {category!r}; known: {', '.join(ALL_SEQUENCES)}")
    key = (seed, ALL_SEQUENCES.index(category), size[0], size[1], 1515)
    rng = np.random.default_rng(list(key))
    scene_cat, symbol = _SEQUENCE_SCENES[category]
    text = random_payload(rng)
    sev = float(rng.uniform(0.45, 0.9)) if severity is None else float(severity)
    sc = _photo_scene(scene_cat, rng, size, text, sev, symbol=symbol)
    sc.params["category"] = category
    # the hand: the card turns smoothly about two in-plane axes (a few degrees), turns a little
    # in its plane and drifts; the lamps stay put, so their highlights slide over the symbol
    amp = rng.uniform(1.5, 3.0, size=2)
    period = rng.uniform(6.0, 12.0, size=2)
    phase = rng.uniform(0, 2 * math.pi, size=2)
    ax = float(rng.uniform(0, math.pi))
    spin = float(rng.normal(0, 0.4))                             # degrees per frame, in the plane
    drift = rng.normal(0, 0.3 * sc.mpx, size=2) / sc.f           # per frame, world units at depth 1
    light, corners = [], []
    for i in range(length):
        turn = amp * (np.sin(2 * math.pi * i / period + phase) - np.sin(phase))
        r1, _ = cv2.Rodrigues(np.array([math.cos(ax), math.sin(ax), 0.0]) * math.radians(turn[0]))
        r2, _ = cv2.Rodrigues(np.array([-math.sin(ax), math.cos(ax), 0.0]) * math.radians(turn[1]))
        r3, _ = cv2.Rodrigues(np.array([0.0, 0.0, 1.0]) * math.radians(spin * i))
        p = sc.pose
        pose = _Pose(r3 @ r2 @ r1 @ p.R, p.P0 + np.array([drift[0] * i, drift[1] * i, 0.0]), p.s, p.surface, p.rc)
        frame, quad = _photo_render(sc, np.random.default_rng(list(key) + [i, 0]), pose)
        light.append(frame.astype(np.float16))
        corners.append(quad)
    sc.params.update(hand_turn_deg=[round(float(a), 1) for a in amp], symbol=symbol)
    return SynthSequence(category, [text] if symbol == "code" else [], light, corners, sc.params, key)


def generate_sequences(category: str, count: int, length: int = 8, seed: int = 0,
                       size=(1280, 720), severity: tuple[float, float] | None = None) -> Iterator[SynthSequence]:
    """`count` sequences of one category, made one at a time (each holds `length` frames of light).
    `severity` (lo, hi): sequence k of n is drawn at lo + (hi - lo) * (k + 0.5) / n, evenly over
    the range; None: each draws its own from 0.45..0.9."""
    for k in range(count):
        sev = None if severity is None else severity[0] + (severity[1] - severity[0]) * (k + 0.5) / count
        yield generate_sequence(category, length, seed=seed * 1000 + k, size=size, severity=sev)


# ---------------------------------------------------------------------------------------------
# categories


def make_frame(category: str, rng: np.random.Generator, size=(1280, 720),
               payloads: Sequence[str] | None = None, severity: float | None = None) -> SynthFrame:
    """One camera-like frame of `category` drawn with `rng`. `payloads` overrides the texts.
    `severity` (0..1, photo categories only; default: drawn uniformly) sets how hard it is."""
    if category not in ALL_CATEGORIES:
        raise ValueError(f"unknown category {category!r}; known: {', '.join(ALL_CATEGORIES)}")
    if category in PHOTO_CATEGORIES:
        text = payloads[0] if payloads else random_payload(rng)
        sev = float(rng.uniform(0, 1)) if severity is None else float(severity)
        bgr, corners, params = _photo_frame(category, rng, size, text, sev)
        return SynthFrame(gray=cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), texts=[text], category=category,
                          params=params, bgr=bgr, corners=corners)
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


def generate(category: str, count: int, seed: int = 0, size=(1280, 720), easy: bool = False) -> list[SynthFrame]:
    """`count` frames of one category; the same (category, seed, size, easy) always gives the same
    frames. `easy`: photo categories drawn at severity 0..0.3 only (their easy examples)."""
    if category not in ALL_CATEGORIES:
        raise ValueError(f"unknown category {category!r}; known: {', '.join(ALL_CATEGORIES)}")
    rng = np.random.default_rng([seed, ALL_CATEGORIES.index(category), size[0], size[1]] + ([1] if easy else []))
    sev = (lambda: float(rng.uniform(0, 0.3))) if easy else (lambda: None)
    return [make_frame(category, rng, size, severity=sev()) for _ in range(count)]


def generate_all(count: int, seed: int = 0, size=(1280, 720),
                 categories: Iterable[str] = CATEGORIES) -> dict[str, list[SynthFrame]]:
    """`count` frames of every category (default: the original 15; PHOTO_CATEGORIES or
    ALL_CATEGORIES for the photo ones), by category name."""
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


class SimulatedCamera:
    """A camera showing a SynthSequence, as a capture object for `scanner.frames.CameraSource`
    (`capture_factory=lambda spec: SimulatedCamera(seq)`): isOpened / read / set / get / release
    like cv2.VideoCapture on a V4L2 camera.

    Exposure is modelled, not faked: each frame is rendered from the scene's light at the
    exposure in force. CAP_PROP_AUTO_EXPOSURE 3 (the default) is the camera's auto-exposure
    (metering as `metered_exposure`); 1 is manual, and then CAP_PROP_EXPOSURE (100 us units,
    `UNITS` per 1.0 of light multiplier) sets it. Writing the exposure in auto mode changes
    nothing, as on V4L2. The sequence plays forwards and backwards (a hand holding the code up).
    `exposures` records the exposure of every frame read."""

    UNITS = 200.0

    def __init__(self, sequence: SynthSequence, loop: bool = True):
        self.sequence = sequence
        self.loop = loop
        self.auto = True
        self.value = 0.0
        self.exposures: list[float] = []
        self._i = 0
        self._open = True

    def isOpened(self) -> bool:  # noqa: N802 - cv2.VideoCapture's names
        return self._open

    def _index(self) -> int | None:
        n = len(self.sequence)
        if not self.loop:
            return self._i if self._i < n else None
        period = max(1, 2 * n - 2)
        k = self._i % period
        return k if k < n else period - k

    def read(self):
        i = self._index() if self._open else None
        if i is None:
            return False, None
        f = self.sequence.frame(i, None if self.auto else self.value / self.UNITS)
        self.exposures.append(f.params["exposure"])
        self._i += 1
        return True, f.bgr

    def set(self, prop, value) -> bool:
        if prop == cv2.CAP_PROP_AUTO_EXPOSURE:
            self.auto = float(value) != 1.0
        elif prop == cv2.CAP_PROP_EXPOSURE:
            if not self.auto:
                self.value = float(value)
        return True

    def get(self, prop) -> float:
        if prop == cv2.CAP_PROP_AUTO_EXPOSURE:
            return 3.0 if self.auto else 1.0
        if prop == cv2.CAP_PROP_EXPOSURE:
            if self.auto:     # what auto-exposure set last (the next frame's before the first)
                last = self.exposures[-1] if self.exposures else self.sequence.metered(0)
                return last * self.UNITS
            return self.value
        return 0.0

    def release(self) -> None:
        self._open = False
