"""The operator's dashboard (GET /dashboard) in a real browser: Debian's chromium, headless, driven
through its chromedriver (selenium), against `venue-issuer serve` on loopback. The numbers on
the page are checked against counts recomputed here from the raw events uploaded.

VT_SCREENSHOTS=DIR also saves the screenshots there (README: docs/screenshots/dashboard*.png).
"""
from __future__ import annotations

import os
import random
import shutil
import uuid
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from issuer.report import outcome_of
from issuer.testing import chained_events, start_server
from vocab.events import ts_to_ms

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                reason="Debian's chromium and chromium-driver missing (scripts/bootstrap.sh installs them)")
DAY = "2026-12-02"


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1100",
                "--lang=zh-CN"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    yield driver
    driver.quit()


def _upload(h, rng):
    plat = h.platform
    events = []
    start = int(datetime(2026, 12, 1, 16, tzinfo=timezone.utc).timestamp() * 1000)     # 00:00 in Shanghai
    for n, venue in enumerate(("PARK-A", "PARK-A", "HALL-B")):
        tid = str(uuid.uuid4())
        token = plat.enrol(plat.add_terminal_code(venue), tid)["token"]
        evs = chained_events(tid, venue, sorted(start + rng.randrange(86400_000) for _ in range(120)), rng=rng)
        if n == 2:
            del evs[40]                                 # a missing event: a chain break
        r = requests.post(h.url + "/v1/scan-events", json={"terminal": tid, "events": evs}, timeout=30,
                          headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and not r.json()["rejected"]
        events += evs
    silent = str(uuid.uuid4())
    plat.enrol(plat.add_terminal_code("HALL-B", now=1_700_000_000), silent, now=1_700_000_000)   # long ago, never synced
    return events


def _text(driver, id_):
    return driver.find_element("id", id_).text


def test_the_dashboard_shows_the_platform_numbers(browser, tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait
    h = start_server(tmp_path / "plat")
    try:
        events = _upload(h, random.Random(17))
        zi = ZoneInfo("Asia/Shanghai")
        today = [e for e in events if datetime.fromtimestamp(ts_to_ms(e["ts"]) / 1000, zi).date().isoformat() == DAY]
        scans = [e for e in today if e["kind"] == "scan"]
        by_code = sum(1 for e in scans if e.get("profile"))
        by_hand = sum(1 for e in today if e["kind"] == "manual")
        outcomes = Counter(outcome_of(e["valid"], e["reason"]) for e in scans)
        hours = Counter((datetime.fromtimestamp(ts_to_ms(e["ts"]) / 1000, zi).hour, outcome_of(e["valid"], e["reason"]))
                        for e in scans)
        disputes = [e for e in today if e["kind"] == "dispute"]

        # no token: the page asks for one, the data is refused
        assert requests.get(h.url + "/dashboard/data", timeout=10).status_code == 401
        browser.get(h.url + "/dashboard")
        browser.execute_script("sessionStorage.clear()")
        browser.get(h.url + "/dashboard")
        assert browser.find_element("id", "signin").is_displayed() and not browser.find_element("id", "main").is_displayed()
        browser.find_element("id", "tok").send_keys("not-the-token")
        browser.find_element("id", "go").click()
        WebDriverWait(browser, 10).until(lambda d: _text(d, "err") == "令牌无效")

        browser.get(f"{h.url}/dashboard?day={DAY}#token={h.admin_token}")
        WebDriverWait(browser, 15).until(lambda d: d.execute_script("return document.body.dataset.loaded") == "1")
        assert h.admin_token not in browser.current_url                      # the fragment is dropped at once
        assert browser.find_element("css selector", "header h1").text.startswith("场所核验平台")
        assert _text(browser, "n-scans") == str(len(scans)) and len(scans) > 100
        assert _text(browser, "n-valid") == str(outcomes["valid"])
        assert _text(browser, "n-rate") == f"{by_code / (by_code + by_hand) * 100:.1f}%"
        assert _text(browser, "n-disputes") == str(len(disputes)) and disputes
        assert _text(browser, "n-broken") == "1" and _text(browser, "n-stale") == "1"
        assert _text(browser, "n-terminals") == "4"
        bars = browser.find_elements("css selector", "#chart rect")
        assert len(bars) == len(hours)                                       # one bar part per hour and outcome
        titles = Counter(b.get_attribute("textContent").split()[-1] for b in bars)
        assert sum(int(n) * c for n, c in titles.items()) == len(scans)
        dispute_rows = browser.find_elements("css selector", "#disputes tr")[1:]
        assert sorted(r.find_elements("tag name", "td")[2].text for r in dispute_rows) == sorted(e["code"] for e in disputes)
        assert "missing" in _text(browser, "breaks")
        assert "久未同步" in _text(browser, "fleet") and "断裂" in _text(browser, "fleet")
        shots = [tmp_path / "dashboard.png"]
        browser.save_screenshot(str(shots[0]))

        browser.find_element("id", "lang").click()                          # English below Chinese: the toggle
        assert browser.find_element("css selector", "header h1").text.startswith("Venue verification platform")
        assert "Verifications today" in browser.find_element("id", "main").text
        assert "stale" in _text(browser, "fleet") and _text(browser, "n-scans") == str(len(scans))
        shots.append(tmp_path / "dashboard-en.png")
        browser.save_screenshot(str(shots[1]))
        browser.find_element("id", "lang").click()
        for shot in shots:
            assert shot.stat().st_size > 20_000
            if os.environ.get("VT_SCREENSHOTS"):
                shutil.copy(shot, Path(os.environ["VT_SCREENSHOTS"]) / shot.name)
    finally:
        h.stop()
