"""Frame sources on real files: video end to end into scans, reconnects, latest-frame-wins."""
from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from scanner import synth
from scanner.debounce import Debouncer
from scanner.decoders import CascadeDecoder, ZxingDecoder
from scanner.frames import (CameraSource, Frame, FrameSource, ImageFolderSource, LatestFrameReader,
                            VideoFileSource, iter_frames, open_source)
from scanner.loop import camera_events

SIZE = (640, 480)


class FakeClock:
    """A clock the source's own sleep advances: reconnect backoff without real waiting."""

    def __init__(self):
        self.t = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.t += s


def code_frames(text: str, n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [synth.make_frame("clean", rng, SIZE, payloads=[text]).gray for _ in range(n)]


def empty_frames(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [synth.make_frame("empty", rng, SIZE).gray for _ in range(n)]


@pytest.fixture(scope="module")
def texts():
    rng = np.random.default_rng(42)
    return synth.random_payload(rng, 300, 400), synth.random_payload(rng, 500, 600)


@pytest.fixture(scope="module")
def gate_video(tmp_path_factory, texts):
    """A 10 fps MJPG recording: nothing, code A, nothing, code B, A again after leaving."""
    a, b = texts
    frames = (empty_frames(3, 1) + code_frames(a, 6, 2) + empty_frames(8, 3) + code_frames(b, 4, 4)
              + code_frames(a, 3, 5))
    path = tmp_path_factory.mktemp("video") / "gate.avi"
    synth.write_video(path, frames, fps=10)
    return path, len(frames)


def test_video_file_plays_end_to_end_into_scans(gate_video, texts):
    path, n = gate_video
    src = VideoFileSource(path)
    assert isinstance(src, FrameSource) and src.state == "opening"
    frames = list(iter_frames(src))
    assert src.state == "ended" and src.read() is None
    assert [f.index for f in frames] == list(range(n))
    assert all(f.gray.shape == (480, 640) and f.gray.dtype == np.uint8 for f in frames)
    assert np.allclose(np.diff([f.ts for f in frames]), 0.1)
    events = list(camera_events(frames, CascadeDecoder(budget_ms=None), Debouncer(hold_seconds=3.0)))
    a, b = texts
    # A once (6 frames), B once; A again since it left the view (0.4 s of B frames... plus the
    # 0.8 s gap before B) and came back
    assert [e.text for e in events] == [a, b, a]
    assert all(e.source == "camera" and e.raw == e.text.encode() for e in events)
    assert [round(e.ts - frames[0].ts, 1) for e in events] == [0.3, 1.7, 2.1]


def test_video_loop_and_realtime_pacing(gate_video):
    path, n = gate_video
    src = VideoFileSource(path, loop=True)
    src.open()
    idx = [src.read().index for _ in range(n + 3)]
    assert idx == list(range(n + 3)) and src.state == "live"
    src.close()
    assert src.state == "ended"

    clock = FakeClock()
    rt = VideoFileSource(path, realtime=True, clock=clock, sleep=clock.sleep)
    rt.open()
    f0 = rt.read()
    f1 = rt.read()
    f2 = rt.read()
    assert f1.ts - f0.ts == pytest.approx(0.1) and f2.ts - f1.ts == pytest.approx(0.1)
    assert clock.sleeps == [pytest.approx(0.1), pytest.approx(0.1)]


def test_video_file_missing(tmp_path):
    src = VideoFileSource(tmp_path / "none.avi")
    with pytest.raises(FileNotFoundError):
        src.open()
    assert src.state == "failed"


def test_camera_source_recovers_from_a_failing_capture_without_restart(tmp_path, texts):
    """The capture dies mid-stream (the file ends: the camera stops giving frames), the next
    open fails (unplugged), then a new device appears: the same source carries on."""
    a, b = texts
    first = synth.write_video(tmp_path / "first.avi", code_frames(a, 5, 10), fps=10)
    second = tmp_path / "second.avi"  # does not exist yet
    opened: list[str] = []
    plan = [first, tmp_path / "unplugged.avi", second]

    def factory(spec):
        path = plan[min(len(opened), len(plan) - 1)]
        opened.append(path.name)
        if path == second and not second.exists():
            synth.write_video(second, code_frames(b, 4, 11), fps=10)  # plugged back in
        return cv2.VideoCapture(str(path))

    clock = FakeClock()
    states: list[str] = []
    cam = CameraSource("/dev/video7", 640, 480, 30, capture_factory=factory, max_failures=3,
                       retry_delay=0.5, clock=clock, sleep=clock.sleep, on_state=states.append)
    cam.open()
    frames: list[Frame] = []
    for _ in range(200):
        f = cam.read()
        if f is not None:
            frames.append(f)
        if len(frames) == 9:
            break
    assert len(frames) == 9, (states, opened)
    assert [f.index for f in frames] == list(range(9))
    assert opened == ["first.avi", "unplugged.avi", "second.avi"]
    assert states == ["live", "reconnecting", "live"]
    assert cam.reconnects == 1
    assert sum(clock.sleeps) == pytest.approx(0.5 + 1.0)  # backoff: 0.5 s, then 1 s after the failed reopen
    dec = ZxingDecoder()
    assert {d.text for d in dec.decode(frames[0].gray)} == {a}
    assert {d.text for d in dec.decode(frames[-1].gray)} == {b}
    cam.close()
    assert cam.state == "ended"


def test_camera_gives_up_after_max_reconnects(tmp_path):
    clock = FakeClock()
    cam = CameraSource(3, capture_factory=lambda spec: cv2.VideoCapture(str(tmp_path / "none.avi")),
                       max_reconnects=2, retry_delay=0.1, clock=clock, sleep=clock.sleep)
    cam.open()
    assert cam.state == "reconnecting"
    for _ in range(50):
        assert cam.read() is None
        if cam.state == "failed":
            break
    assert cam.state == "failed"


def test_camera_factory_exception_is_a_failed_attempt():
    clock = FakeClock()
    calls = []

    def factory(spec):
        calls.append(spec)
        raise RuntimeError("backend exploded")

    cam = CameraSource(0, capture_factory=factory, clock=clock, sleep=clock.sleep, max_reconnects=1)
    cam.open()
    while cam.state != "failed":
        assert cam.read() is None
    assert calls == [0, 0]


def test_real_opencv_camera_absent_is_reconnecting_not_a_crash():
    cam = open_source("camera:/dev/video99")
    cam.retry_delay = 0.01
    cam.open()
    assert cam.state == "reconnecting"
    assert cam.read() is None
    cam.close()


def test_image_folder_and_single_image(tmp_path, texts):
    a, b = texts
    for i, g in enumerate(code_frames(a, 2, 20) + empty_frames(1, 21)):
        cv2.imwrite(str(tmp_path / f"{i:02d}.png"), g)
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "99_broken.png").write_bytes(b"\x89PNG broken")
    src = ImageFolderSource(tmp_path)
    frames = list(iter_frames(src))
    assert [f.index for f in frames] == [0, 1, 2] and src.state == "ended"
    assert np.allclose(np.diff([f.ts for f in frames]), 1 / 15)

    one = open_source(f"images:{tmp_path / '00.png'}", loop=True)
    one.open()
    got = [one.read() for _ in range(3)]
    assert [f.index for f in got] == [0, 1, 2] and np.array_equal(got[0].gray, got[2].gray)

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "a.png").write_bytes(b"junk")
    looping = ImageFolderSource(broken, loop=True)
    assert list(iter_frames(looping)) == [] and looping.state == "failed"

    with pytest.raises(FileNotFoundError):
        ImageFolderSource(tmp_path / "missing").open()
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    with pytest.raises(ValueError):
        ImageFolderSource(empty_dir).open()


def test_open_source_specs(tmp_path):
    cam = open_source("camera:0", width=1280, height=720, fps=30)
    assert isinstance(cam, CameraSource) and cam.spec == 0 and (cam.width, cam.height, cam.fps) == (1280, 720, 30)
    assert open_source("camera:/dev/video2").spec == "/dev/video2"
    assert open_source("2").spec == 2
    v = open_source("video:/some/gate.avi", loop=True)
    assert isinstance(v, VideoFileSource) and v.loop and str(v.path) == "/some/gate.avi"
    assert isinstance(open_source(f"images:{tmp_path}"), ImageFolderSource)
    assert isinstance(open_source(str(tmp_path)), ImageFolderSource)
    assert isinstance(open_source("shot.JPG"), ImageFolderSource)
    assert isinstance(open_source("clip.mp4"), VideoFileSource)
    with pytest.raises(ValueError, match="unknown frame source"):
        open_source("rtsp://cam/stream")
    with pytest.raises(ValueError):
        open_source("camera:")


def test_latest_frame_reader_drops_stale_frames(gate_video):
    path, n = gate_video
    seen: list[int] = []
    with LatestFrameReader(VideoFileSource(path)) as reader:
        while True:
            f = reader.get(timeout=2.0)
            if f is None:
                break
            seen.append(f.index)
            time.sleep(0.03)  # a slow decoder
    assert reader.error is None
    assert seen == sorted(set(seen)) and seen[0] >= 0
    assert reader.frames == n
    assert reader.dropped > 0 and len(seen) + reader.dropped == n
    assert reader.state == "ended"


def test_latest_frame_reader_reports_source_errors(tmp_path):
    reader = LatestFrameReader(VideoFileSource(tmp_path / "missing.avi")).start()
    assert reader.get(timeout=2.0) is None
    reader.stop()
    assert isinstance(reader.error, FileNotFoundError)


def test_simulated_camera_through_latest_frame_reader(tmp_path, texts):
    """A real-time video played as a camera, read on its own thread, decoded on this one."""
    a, b = texts
    path = synth.write_video(tmp_path / "cam.avi", empty_frames(2, 30) + code_frames(a, 9, 31)
                             + empty_frames(4, 32) + code_frames(b, 9, 33), fps=30)
    from scanner.loop import frame_events

    dec, deb = CascadeDecoder(), Debouncer()
    events = []
    with LatestFrameReader(VideoFileSource(path, realtime=True)) as reader:
        while (frame := reader.get(timeout=2.0)) is not None:
            events.extend(frame_events(frame, dec, deb))
    assert [e.text for e in events] == [a, b]
    assert reader.frames == 24 and reader.error is None
