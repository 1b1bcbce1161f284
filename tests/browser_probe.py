"""Look at a report in a real browser: Debian's headless Chromium, no browser download.

:class:`Browser` starts ``chromium --headless`` with a remote-debugging port and speaks the
Chrome DevTools protocol to it over a websocket (``websocket-client``). :meth:`Browser.look`
sets the viewport exactly (``Emulation.setDeviceMetricsOverride``: a plain window cannot be
narrower than 500 px), loads the report, collects every console error, uncaught exception and
failed load the page reports, measures the page with a small script (broken images, horizontal
overflow and the elements that stick out, where the summary starts, how much the figures are
scaled) and saves a screenshot of the first screen. The report itself is not changed.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

#: Flags for a quiet, offline, reproducible headless run (no sandbox: CI runs as root).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio"]

#: Measures the loaded page; returns a plain object (see :meth:`Browser.look`).
_MEASURE = r"""(() => {
  const W = window.innerWidth, H = window.innerHeight;
  const imgs = Array.from(document.images);
  const broken = imgs.filter(i => !i.complete || i.naturalWidth === 0)
                     .map(i => i.id || i.alt || i.src.slice(0, 40));
  const de = document.documentElement;
  const overflow = Math.max(de.scrollWidth, document.body.scrollWidth) - W;
  // elements sticking out of the window, not counting those inside a scrolling box
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o === "auto" || o === "scroll") return true; }
      return false; };
  const offenders = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > W + 0.5 && !scrolls(el) && offenders.length < 10)
      offenders.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " right=" + Math.round(r.right));
  }
  const s = document.getElementById("summary");
  const h2 = s && s.querySelector("h2"), first = s && s.querySelector("p, li");
  const y = el => el ? el.getBoundingClientRect().top + window.scrollY : null;
  const scales = imgs.filter(i => i.naturalWidth).map(i => i.getBoundingClientRect().width / i.naturalWidth);
  const wraps = Array.from(document.querySelectorAll(".table-wrap"))
                     .filter(w => w.scrollWidth > w.clientWidth + 1).length;
  return {width: W, height: H, images: imgs.length, broken, overflow, offenders,
          summary_top: y(h2), summary_text_top: y(first),
          min_image_scale: scales.length ? Math.min(...scales) : null,
          phone_renditions: imgs.filter(i => i.currentSrc && i.currentSrc !== i.src).length,
          scrolling_tables: wraps};
})()"""


#: Measures the page laid out for print.
_PRINT = r"""(() => {
  const page = document.documentElement.clientWidth;
  const wraps = Array.from(document.querySelectorAll(".table-wrap"));
  const id = w => (w.querySelector("table") || {}).id || "?";
  const cut = wraps.filter(w => w.querySelector("table").getBoundingClientRect().right > page + 1);
  const figs = Array.from(document.querySelectorAll("figure"));
  const avoid = v => v === "avoid" || v === "avoid-page";
  return {tables: wraps.length, cut_tables: cut.map(id),
          wide_tables: wraps.filter(w => w.classList.contains("wide")).map(id),
          figures_split: figs.filter(f => !avoid(getComputedStyle(f).breakInside))
                             .map(f => f.dataset.figure),
          captions_apart: figs.filter(f => !f.querySelector("figcaption"))
                              .map(f => f.dataset.figure)};
})()"""


#: WCAG 2.1 A and AA rules of axe-core (its tags), the check the public report must pass.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

#: Heading levels in document order and the images' alternative texts.
_STRUCTURE = r"""(() => ({
  headings: Array.from(document.querySelectorAll("h1, h2, h3, h4, h5, h6"))
                 .map(h => [Number(h.tagName[1]), h.textContent.trim()]),
  alts: Array.from(document.images).map(i => [i.id, i.getAttribute("alt")]),
  lang: document.documentElement.lang,
  th_without_scope: document.querySelectorAll("th:not([scope])").length,
  tables_without_caption: Array.from(document.querySelectorAll("table"))
                               .filter(t => !t.caption).map(t => t.id),
}))()"""


def find_axe() -> Path | None:
    """axe-core's ``axe.min.js``: ``$HB_EVAL_AXE_JS``, or where ``.ci/run`` installs it
    (``npm ci --prefix .ci/axe``); None when there is none."""
    env = os.environ.get("HB_EVAL_AXE_JS")
    if env:
        return Path(env) if Path(env).is_file() else None
    p = Path(__file__).resolve().parents[1] / ".ci" / "axe" / "node_modules" / "axe-core" / \
        "axe.min.js"
    return p if p.is_file() else None


def find_chromium() -> str | None:
    """The Chromium executable (``$HB_EVAL_CHROMIUM``, then ``chromium`` on PATH), or None."""
    env = os.environ.get("HB_EVAL_CHROMIUM")
    if env and Path(env).exists():
        return env
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """A headless Chromium driven over the DevTools protocol (use as a context manager)."""

    def __init__(self, chromium: str, user_dir: Path, timeout: float = 60.0) -> None:
        import websocket  # websocket-client

        self.timeout = timeout
        user_dir.mkdir(parents=True, exist_ok=True)
        port_file = user_dir / "DevToolsActivePort"
        port_file.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [chromium, *FLAGS, f"--user-data-dir={user_dir}", "--remote-debugging-port=0",
             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("chromium did not open its debugging port")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            pages = [p for p in json.load(r) if p.get("type") == "page"]
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=timeout,
                                              suppress_origin=True)
        self._id = 0
        self.events: list[dict[str, Any]] = []
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Call a DevTools method and return its result (events meanwhile are kept)."""
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, event: str) -> dict[str, Any]:
        """Wait for the next ``event`` (events before it are kept)."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            self.events.append(msg)
            if msg.get("method") == event:
                return msg
        raise TimeoutError(event)

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads seen so far."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append("exception: " + str(d.get("exception", {}).get("description")
                                               or d.get("text")))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console.error: " + " ".join(str(a.get("value", a.get("description")))
                                                        for a in p.get("args", [])))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append("log: " + p["entry"].get("text", ""))
        return out

    def look(self, html: Path, width: int, height: int, png: Path | None = None,
             full_page: bool = False) -> dict[str, Any]:
        """Load ``html`` in a ``width`` x ``height`` viewport and measure it.

        Returns a dict: width, height, images, broken (images that did not load), overflow
        (page width beyond the viewport, px), offenders (elements sticking out, outside
        scrolling boxes), summary_top / summary_text_top (page y of the summary heading / its
        first paragraph), min_image_scale (smallest rendered/natural width of an image),
        phone_renditions (images showing their phone source), scrolling_tables, errors.
        With ``png`` the first screen (or the whole page) is saved there.
        """
        self.events.clear()
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)
        self.send("Page.navigate", url=html.resolve().as_uri())
        self.wait_for("Page.loadEventFired")
        res = self.send("Runtime.evaluate", expression=_MEASURE, returnByValue=True)
        out = dict(res["result"]["value"])
        if png is not None:
            png.parent.mkdir(parents=True, exist_ok=True)
            shot = self.send("Page.captureScreenshot", format="png",
                             captureBeyondViewport=full_page)
            png.write_bytes(base64.b64decode(shot["data"]))
        out["errors"] = self.errors()
        return out

    def print_layout(self, html: Path, width: int) -> dict[str, Any]:
        """Lay ``html`` out for print (print media emulated) ``width`` CSS pixels wide.

        Returns tables (count), cut_tables (ids of tables wider than the page), wide_tables
        (ids of tables marked for a landscape page), figures_split (figures that may break
        across pages) and captions_apart (figures whose caption may go to another page).
        """
        self.send("Emulation.setEmulatedMedia", media="print")
        try:
            self.send("Emulation.setDeviceMetricsOverride", width=width, height=1000,
                      deviceScaleFactor=1, mobile=False)
            self.send("Page.navigate", url=html.resolve().as_uri())
            self.wait_for("Page.loadEventFired")
            res = self.send("Runtime.evaluate", returnByValue=True, expression=_PRINT)
        finally:
            self.send("Emulation.setEmulatedMedia", media="")
        return dict(res["result"]["value"])

    def axe(self, axe_js: Path, tags: list[str] = WCAG_TAGS) -> list[dict[str, Any]]:
        """Run axe-core's rules of ``tags`` on the loaded page (the file is injected, nothing
        is fetched); returns its violations: id, impact, help, nodes (count), targets (the
        first five selectors)."""
        self.send("Runtime.evaluate", expression=axe_js.read_text(encoding="utf-8"))
        js = ("axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: "
              "['violations']}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact,"
              " help: v.help, nodes: v.nodes.length, targets: v.nodes.slice(0, 5).map(n =>"
              " n.target.join(' '))})))" % json.dumps(tags))
        res = self.send("Runtime.evaluate", expression=js, awaitPromise=True,
                        returnByValue=True)
        if "exceptionDetails" in res:
            raise RuntimeError(f"axe-core failed: {res['exceptionDetails']}")
        return list(res["result"]["value"])

    def structure(self) -> dict[str, Any]:
        """Headings (level, text) in order, images' alt texts, ``<html lang>``, header cells
        without ``scope`` and tables without a caption on the loaded page."""
        res = self.send("Runtime.evaluate", expression=_STRUCTURE, returnByValue=True)
        return dict(res["result"]["value"])

    def shoot(self, selector: str, png: Path) -> Path | None:
        """Save a screenshot of the first element matching ``selector`` on the loaded page."""
        js = ("(() => { const e = document.querySelector(%s); if (!e) return null;"
              " const r = e.getBoundingClientRect();"
              " return {x: r.left + scrollX, y: r.top + scrollY, width: r.width,"
              " height: r.height}; })()" % json.dumps(selector))
        box = self.send("Runtime.evaluate", expression=js, returnByValue=True)["result"]
        if not box.get("value"):
            return None
        shot = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={**box["value"], "scale": 1})
        png.parent.mkdir(parents=True, exist_ok=True)
        png.write_bytes(base64.b64decode(shot["data"]))
        return png

    def close(self) -> None:
        try:
            if getattr(self, "ws", None) is not None:
                try:
                    self.send("Browser.close")
                except Exception:  # noqa: BLE001 - the browser may already be gone
                    pass
                self.ws.close()
        finally:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
