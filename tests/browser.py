"""A headless Chromium driven over the DevTools protocol on a pipe: load a page at a window size,
evaluate expressions in it, click, take screenshots.

``--remote-debugging-pipe`` speaks the protocol on file descriptors 3 (commands in) and 4
(replies out), NUL-separated JSON, so no port, no websocket library and no network. The
pages' own Content-Security-Policy forbids scripts; ``Runtime.evaluate`` is the browser's
own and is not subject to it.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9", "--hide-scrollbars",
]  # fmt: skip


class Browser:
    """One Chromium with one page. Use as a context manager."""

    def __init__(self, profile: Path, timeout: float = 60.0):
        self.profile, self.timeout = profile, timeout

    def __enter__(self) -> Browser:
        to_browser, self._send = os.pipe()
        self._receive, from_browser = os.pipe()
        # above 4, so that moving one onto 3 cannot close the other
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser, from_browser)]

        def on_fds_3_and_4():
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self.process = subprocess.Popen(
            [CHROMIUM, *FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self.profile}", "about:blank"],
            pass_fds=(3, 4), preexec_fn=on_fds_3_and_4, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for fd in (to_browser, from_browser, *high):
            os.close(fd)
        self._buffer, self._next_id, self.events = b"", 0, []
        page = next(t for t in self._call("Target.getTargets")["targetInfos"] if t["type"] == "page")
        self.session = self._call("Target.attachToTarget", targetId=page["targetId"], flatten=True)["sessionId"]
        self.call("Page.enable")
        return self

    def __exit__(self, *exc) -> None:
        self.process.kill()
        self.process.wait()
        os.close(self._send)
        os.close(self._receive)

    def _message(self) -> dict:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("no reply from chromium")
            chunk = os.read(self._receive, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _call(self, method: str, session: str | None = None, **params) -> dict:
        self._next_id += 1
        command = {"id": self._next_id, "method": method, "params": params}
        if session:
            command["sessionId"] = session
        os.write(self._send, json.dumps(command).encode() + b"\0")
        while True:
            message = self._message()
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def call(self, method: str, **params) -> dict:
        """A protocol command on the page."""
        return self._call(method, self.session, **params)

    def _wait_for(self, event: str) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if any(e.get("method") == event for e in self.events):
                return
            self.events.append(self._message())
        raise TimeoutError(event)

    def open(self, path: Path, width: int, height: int = 900) -> None:
        """Load ``path`` in a window ``width`` CSS pixels wide (a phone's viewport below 500)."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=width < 500)
        self.events.clear()
        self.call("Page.navigate", url=Path(path).resolve().as_uri())
        self._wait_for("Page.loadEventFired")

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (returned by value)."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def rendered_text(self) -> list[str]:
        """Every piece of text as laid out, generated content included (a CSS counter's value,
        which the DOM does not hold)."""
        snapshot = self.call("DOMSnapshot.captureSnapshot", computedStyles=[])
        strings = snapshot["strings"]
        return [strings[i] for i in snapshot["documents"][0]["layout"]["text"] if i >= 0]

    def screenshot(self, target: Path, full_page: bool = False) -> Path:
        """A PNG of the viewport (or the whole page)."""
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=full_page)
        target.write_bytes(base64.b64decode(shot["data"]))
        return target
