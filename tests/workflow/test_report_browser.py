"""The run report in a real browser: headless Chromium over the DevTools protocol.

Skips (saying why) where Chromium is not installed; `make test` installs Debian's `chromium`
when apt is available. The page must load with no console message of level error, no script
exception, and every image must decode. A screenshot is left in the test's temporary folder
(and in ``$CARTFLOW_SCREENSHOT`` when set).
"""

import base64
import json
import os
import shutil
import subprocess
import time
import urllib.request

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def _browser():
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip(
        "no Chromium found: install it (Debian: apt-get install chromium; `make test` does so "
        "where apt is available) to run the browser test of the report"
    )


class DevTools:
    """A minimal DevTools protocol client over one page's websocket."""

    def __init__(self, url):
        websocket = pytest.importorskip("websocket", reason="needs websocket-client")
        self.socket = websocket.create_connection(url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(e.get("method") == method for e in self.events):
                return
            self.events.append(json.loads(self.socket.recv()))
        raise AssertionError(f"no {method} within {timeout} s")


@pytest.fixture
def browser(tmp_path):
    profile = tmp_path / "profile"
    process = subprocess.Popen(
        [
            _browser(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "--window-size=1280,1600",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.is_file() and port_file.read_text().strip()):
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("Chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            pages = [t for t in json.load(answer) if t["type"] == "page"]
        yield DevTools(pages[0]["webSocketDebuggerUrl"])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _load(browser, path, screenshot=None):
    """Open ``path``; returns (error events, images as decoded, title)."""
    for domain in ("Page", "Runtime", "Log"):
        browser.call(f"{domain}.enable")
    browser.call("Page.navigate", url=path.as_uri())
    browser.wait_for("Page.loadEventFired")
    images = browser.call(
        "Runtime.evaluate",
        expression="""Promise.all(Array.from(document.images).map(img => img.decode().then(
            () => ({alt: img.alt, width: img.naturalWidth, height: img.naturalHeight}),
            error => ({alt: img.alt, error: String(error)}))))""",
        awaitPromise=True,
        returnByValue=True,
    )["result"]["value"]
    title = browser.call("Runtime.evaluate", expression="document.title", returnByValue=True)
    if screenshot is not None:
        shot = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
    errors = [
        e
        for e in browser.events
        if e.get("method") == "Runtime.exceptionThrown"
        or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")
        or (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] == "error")
    ]
    return errors, images, title["result"]["value"]


def test_the_report_loads_cleanly_in_chromium(browser, workflow_run, tmp_path):
    workdir, code, _, _ = workflow_run
    assert code == 0
    (report,) = sorted((workdir / "runs").glob("*/report.html"))[-1:]
    shot = tmp_path / "report.png"
    errors, images, title = _load(browser, report, shot)
    if os.environ.get("CARTFLOW_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["CARTFLOW_SCREENSHOT"])
    assert errors == []
    assert "succeeded" in title
    assert len(images) == 5  # the tuning plot and the four of the evaluation
    for image in images:
        assert "error" not in image, image
        assert image["width"] > 100 and image["height"] > 100, image


def test_the_check_sees_blocked_loads_and_broken_images(browser, workflow_run, tmp_path):
    """The same check on a spoiled copy of the report: it must catch both faults."""
    workdir, *_ = workflow_run
    (report,) = sorted((workdir / "runs").glob("*/report.html"))[-1:]
    page = report.read_text().replace(
        "<main>",
        '<main><img src="http://127.0.0.1:9/x.png" alt="remote">'
        '<img src="data:image/png;base64,iVBORw0KGgoAAAA=" alt="broken">',
        1,
    )
    spoiled = tmp_path / "spoiled.html"
    spoiled.write_text(page)
    errors, images, _ = _load(browser, spoiled)
    assert errors, "the blocked remote image was not reported"
    failed = {image["alt"] for image in images if "error" in image}
    assert failed == {"remote", "broken"}
