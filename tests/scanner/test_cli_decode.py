"""`venue-terminal decode` on real image files."""
from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np

from scanner import synth
from terminal.cli import main


def test_json_per_code_and_null_for_none(tmp_path, vector_images, capsys):
    (n1, p1, c1), (n2, p2, c2) = vector_images[0], vector_images[1]
    multi = synth.generate("multi", 1, seed=7, size=(1280, 720))[0]
    mpath = tmp_path / "multi.png"
    cv2.imwrite(str(mpath), multi.gray)
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((200, 300), 255, np.uint8))
    rc = main(["decode", "--json", str(p1), str(mpath), str(blank), str(p2)])
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert rc == 1  # one image had no code
    by_image: dict[str, list] = {}
    for obj in lines:
        assert set(obj) == {"image", "text", "decoder", "corners"}
        by_image.setdefault(obj["image"], []).append(obj)
    assert [o["text"] for o in by_image[str(p1)]] == [c1]
    assert [o["text"] for o in by_image[str(p2)]] == [c2]
    assert sorted(o["text"] for o in by_image[str(mpath)]) == sorted(multi.texts)
    assert by_image[str(blank)] == [{"image": str(blank), "text": None, "decoder": None, "corners": None}]
    corners = by_image[str(p1)][0]["corners"]
    assert len(corners) == 4 and all(len(pt) == 2 for pt in corners)
    assert by_image[str(p1)][0]["decoder"].startswith("cascade")
    assert list(by_image) == [str(p1), str(mpath), str(blank), str(p2)]  # input order kept


def test_plain_output_and_exit_codes(tmp_path, vector_images, capsys):
    name, path, code = vector_images[0]
    assert main(["decode", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: {code}") and "[cascade" in out
    assert main(["decode", "--decoder", "zbar", str(path)]) == 0
    assert "[zbar]" in capsys.readouterr().out
    assert main(["decode", str(path), str(tmp_path / "missing.png")]) == 2
    captured = capsys.readouterr()
    assert "no such file" in captured.err and code in captured.out
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"junk")
    assert main(["decode", str(bad)]) == 2


def test_console_entry_point(vector_images):
    name, path, code = vector_images[0]
    proc = subprocess.run([sys.executable, "-m", "terminal.cli", "decode", "--json", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["text"] == code
