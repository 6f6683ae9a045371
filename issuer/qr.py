"""QR images of codes, written with zxing-cpp's encoder (error correction M, 4 px modules).

    >>> write_png("EZ1:NCF...", Path("code.png"))     # False when the text cannot fit a symbol

zxing-cpp picks alphanumeric mode for base45 text, so a 470-character code is a version-13
symbol (69 modules); with the 4-module quiet zone that is a 308 x 308 PNG at scale 4.
"""
from __future__ import annotations

from pathlib import Path

QR_MAX_ALNUM_M = 3391          # alphanumeric capacity of a version-40 symbol at level M


def qr_image(text: str, scale: int = 4, ec_level: str = "M"):
    """The QR symbol as a uint8 numpy array (0 black, 255 white); ValueError if it cannot fit."""
    import numpy as np
    import zxingcpp

    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=ec_level)
    return np.asarray(barcode.to_image(scale=scale, add_quiet_zones=True))


def write_png(text: str, path: Path, scale: int = 4, ec_level: str = "M") -> bool:
    """Write a PNG of `text` as a QR code; return False (writing nothing) if it does not fit."""
    if not text:
        return False
    try:
        img = qr_image(text, scale, ec_level)
    except ValueError:
        return False
    import cv2

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), img, [cv2.IMWRITE_PNG_BILEVEL, 1]):
        raise OSError(f"could not write {path}")
    return True
