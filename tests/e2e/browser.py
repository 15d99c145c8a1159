"""A headless Chromium driven by chromedriver over plain W3C WebDriver HTTP calls."""

from __future__ import annotations

import base64
import os
import shutil
import signal
import subprocess
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

from bigcommerce_sync_dev.connections import free_port
from bigcommerce_sync_dev.local_airflow import wait_until

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# A web element's id in WebDriver JSON (W3C WebDriver, "Elements").
ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"
# The machine's network is closed: without these, Chromium floods it with background connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1100",
]


def browser_missing() -> str | None:
    """Say what is missing to drive Chromium (``make test`` installs it), or ``None``."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if not missing:
        return None
    return f"not installed: {', '.join(missing)} (apt-get install chromium chromium-driver)"


class Browser:
    """One Chromium session with a fresh profile; chromedriver and Chromium stop with it.

    :param workdir: holds the profile and chromedriver's log.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._driver: subprocess.Popen[bytes] | None = None
        self._session: str | None = None

    def __enter__(self) -> Browser:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with (self.workdir / "chromedriver.log").open("wb") as log:
            # Its own process group, so Chromium (its child) is stopped with it.
            command = [CHROMEDRIVER, f"--port={self.port}"]
            self._driver = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            wait_until(self._driver_status, lambda status: status["ready"], timeout=30, what="chromedriver")
            self._session = self._new_session()
        except BaseException:
            self._stop_driver()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._session is not None:
                requests.delete(f"{self.base}/session/{self._session}", timeout=30)
        finally:
            self._stop_driver()

    def open(self, url: str) -> None:
        self._command("POST", "url", {"url": url})

    def find(self, css: str) -> list[str]:
        """Return the ids of the elements matching a CSS selector (possibly none)."""
        found = self._command("POST", "elements", {"using": "css selector", "value": css})
        return [element[ELEMENT_KEY] for element in found]

    def wait_for(self, css: str, timeout: float = 30) -> str:
        """Wait until an element matches the CSS selector; return the first one."""
        return wait_until(lambda: self.find(css), bool, timeout=timeout, what=f"element {css!r}")[0]

    def click(self, element: str) -> None:
        self._command("POST", f"element/{element}/click", {})

    def type(self, element: str, text: str) -> None:
        self._command("POST", f"element/{element}/value", {"text": text})

    def run_script(self, script: str, *args: Any) -> Any:
        """Run JavaScript in the page (``arguments[i]`` are ``args``) and return its value."""
        return self._command("POST", "execute/sync", {"script": script, "args": list(args)})

    def page_text(self) -> str:
        return self.run_script("return document.body ? document.body.innerText : '';")

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self._command("GET", "screenshot")))
        return path

    def _command(self, method: str, endpoint: str, payload: dict[str, Any] | None = None) -> Any:
        response = requests.request(
            method, f"{self.base}/session/{self._session}/{endpoint}", json=payload, timeout=60
        )
        body = response.json()
        if response.status_code != 200:
            raise RuntimeError(f"WebDriver {method} {endpoint}: {body.get('value', body)}")
        return body["value"]

    def _driver_status(self) -> dict[str, Any]:
        return requests.get(f"{self.base}/status", timeout=5).json()["value"]

    def _new_session(self) -> str:
        profile = f"--user-data-dir={self.workdir / 'profile'}"  # fresh each time: no state between runs
        options = {"binary": CHROMIUM, "args": [*CHROMIUM_ARGS, profile]}
        capabilities = {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}
        response = requests.post(f"{self.base}/session", json={"capabilities": capabilities}, timeout=60)
        body = response.json()["value"]
        if response.status_code != 200:
            raise RuntimeError(f"Chromium did not start: {body}")
        return body["sessionId"]

    def _stop_driver(self) -> None:
        driver, self._driver = self._driver, None
        if driver is None:
            return
        driver.terminate()
        try:
            driver.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(driver.pid, signal.SIGKILL)  # whatever Chromium left behind
        except ProcessLookupError:
            pass
        driver.wait()
