"""The terminal's eyes: frame sources, QR decoders, debounce, handheld scanners.

Imports nothing else of ours and no Qt, so the core, the CLI and the UI can all use it.
Thread notes: sources and decoders are used from one thread each; `LatestFrameReader` runs a
source on its own thread; `SerialScanner.stop()` may be called from any thread.

Public interface (the UI and the app service rely on these names):

scanner.frames
    Frame(gray: ndarray uint8 HxW, ts: float monotonic seconds, index: int)
    FrameSource protocol: open(), read() -> Frame | None (None: no frame now, or ended),
        close(), state in "opening" | "live" | "reconnecting" | "ended" | "failed"
    CameraSource(index_or_path, width, height, fps, *, fourcc, capture_factory, max_failures,
        retry_delay, max_retry_delay, max_reconnects, clock, sleep, on_state)
        reconnects by itself after an unplug / repeated read failures; `reconnects` counts it
    VideoFileSource(path, loop=False, realtime=False)
    ImageFolderSource(path_or_dir, loop=False, fps=None)     (a folder, or one image file)
    open_source(spec, **options): "camera:0", "camera:/dev/video2", "video:PATH", "images:DIR"
    iter_frames(source): frames until the source ends
    LatestFrameReader(source): background thread, latest frame wins; get(timeout), dropped
    read_image(path) -> gray ndarray, bounded: header dims checked before decoding (MAX_PIXELS
        40 MP), grey/16-bit/alpha handled; raises FileNotFoundError or ImageRejected(reason)

scanner.decoders
    Decoded(text: str, raw: bytes, corners: 4 (x, y) TL/TR/BR/BL, decoder: str)
    Decoder protocol: decode(gray) -> list[Decoded]
    ZxingDecoder, ZbarDecoder (needs libzbar0), OpenCvDecoder, CascadeDecoder
    make_decoder("zxing" | "zbar" | "opencv" | "cascade"), available_decoders()
    DecoderUnavailable: a missing native library, with the fix in its message
    decode_image_file(path, decoder=None) -> list[Decoded]   (cascade's decode_still by default)
    CascadeDecoder.decode(gray): a camera frame within the per-frame budget;
        .decode_still(gray or BGR): a photo, no budget, pyramid, least saturated channel

scanner.debounce
    Debouncer(hold_seconds=3.0, away_seconds=0.5).feed(texts_in_frame, now) -> new scans

scanner.wedge
    WedgeDetector(max_gap_ms=40, min_length=8).feed(key, ts_ms) -> scan text | None
    (feed_event -> ScanEvent | None)

scanner.serial_scanner
    SerialScanner(port, baudrate=115200, terminator="auto" | "CR" | "LF" | "CRLF" | bytes)
    .events() -> ScanEvent iterator; .stop()

scanner.events
    ScanEvent(text, raw, source "camera" | "wedge" | "serial", ts, decoder=None, corners=None)

scanner.loop  (the one scan loop: the Qt capture worker and the headless demo both run it)
    ScanLoop(decoder, debouncer, *, locator, each_frame_is_a_scan, stop, on_first_frame)
        .step(frame) -> FrameOutcome(frame, t_in, found, scans, unreadable); .outcomes(frames); .run(...)
    reader_frames(reader, stop, on_end), polled_frames(src, stop, on_end, interval_s): frame streams
    UnreadableTracker(hold_s, away_s), default_locator()
    Dispatch(debouncer, handler).offer(events) / .offer_text(text, source): text arrived -> debounce
        -> handler; handheld_dispatch(handler): the one the wedge and serial scanners share
    camera_events(frames, decoder, debouncer) -> ScanEvent iterator; frame_events(frame, ...)

scanner.synth
    Seeded camera-like frames: CATEGORIES, PHOTO_CATEGORIES (physically rendered, colour:
    SynthFrame.bgr and .corners), generate(category, n, seed, size, easy=False),
    generate_all(...), make_frame(...), random_payload(rng), qr_image(text), write_video(...)
    Sequences: SEQUENCE_CATEGORIES (moving_glare, bright_screen), NEGATIVE_SEQUENCES,
    generate_sequence(category, length, seed, size) -> SynthSequence (.frame(i, exposure=None))
"""
