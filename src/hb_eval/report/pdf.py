"""report.pdf: report.html printed by headless Chromium (``hb-eval report ... --pdf``).

The PDF is the same HTML laid out by the report's print stylesheet (A4; tables too wide for a
portrait page on a landscape one; figures and table rows not split across pages; the table of
contents as links), printed by Debian's ``chromium`` (or the executable named by
``$HB_EVAL_CHROMIUM``) over the DevTools protocol. Chromium is driven through a pipe
(``--remote-debugging-pipe``: no port, no extra package) with ``Page.printToPDF``:

- a footer on every page with the report's title and "page N / M" (``displayHeaderFooter``);
- the headings as the PDF's outline (bookmarks) and a tagged PDF (structure for screen readers,
  the document language from ``<html lang>``);
- the table of contents with each section's page: printed once, the pages of the sections read
  from that PDF's outline (``pypdf``), written into the contents of the loaded page (report.html
  itself is not changed) and printed again (until the pages agree, at most three times);
- no network: the page is one self-contained file and every host name resolves to nothing.

Chromium stamps the time of printing into the PDF (``/CreationDate``, ``/ModDate``) and numbers
the structure elements from a process-wide counter; :func:`deterministic_pdf` blanks the dates
and renumbers the elements in order, keeping every byte offset, so the same report.html printed
by the same Chromium gives the same bytes.
"""
from __future__ import annotations

import base64
import io
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from .i18n import t

__all__ = ["find_chromium", "print_pdf", "deterministic_pdf", "pdf_hint", "outline_pages",
           "PdfError", "PrintedPdf"]

#: Flags for a quiet, offline, reproducible headless run (no sandbox: root in CI containers).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--mute-audio", "--host-resolver-rules=MAP * ~NOTFOUND",
         "--remote-debugging-pipe"]


class PdfError(RuntimeError):
    """Chromium could not print the report (one line saying why)."""


@dataclass(frozen=True)
class PrintedPdf:
    """A printed report.pdf: its path, page count and the browser that printed it."""

    path: Path
    pages: int
    printed_with: str


def find_chromium() -> str | None:
    """The Chromium executable: ``$HB_EVAL_CHROMIUM``, then ``chromium`` (or
    ``chromium-browser``) on the PATH; None when there is none."""
    env = os.environ.get("HB_EVAL_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def pdf_hint(reason: str = "") -> str:
    """The one line printed when no PDF was written: why, and how to get Chromium."""
    why = reason or "no Chromium found"
    return (f"hb-eval: report.pdf not written ({why}); install Chromium (Debian/Ubuntu: "
            "apt-get install chromium) or set HB_EVAL_CHROMIUM to a Chromium or Chrome "
            "executable, then run the report again with --pdf")


def _footer(lang: str) -> str:
    """The footer template: the document's title and "page N / M" (Chromium fills the
    ``title``, ``pageNumber`` and ``totalPages`` spans)."""
    style = ("font-family: 'Source Sans 3', 'Segoe UI', Arial, sans-serif; font-size: 8pt; "
             "color: #333; width: 100%; margin: 0 12mm; display: flex; "
             "justify-content: space-between;")
    return (f'<div style="{style}"><span class="title"></span>'
            f'<span>{escape(t("pdf_page", lang))} <span class="pageNumber"></span> / '
            '<span class="totalPages"></span></span></div>')


_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:[0-9Z+\-']*\)")
_NODE = re.compile(rb"node(\d{8})")


def deterministic_pdf(data: bytes) -> bytes:
    """The PDF without the time of printing and with its structure ids numbered in order.

    The dates become spaces and ``nodeNNNNNNNN`` ids are renumbered 1, 2, ... keeping their
    order (the ids tree stays sorted) and their width: no byte moves, the cross-reference table
    stays valid.
    """
    data = _DATE.sub(lambda m: b" " * len(m.group(0)), data)
    ids = sorted(set(_NODE.findall(data)))
    rank = {v: b"%08d" % i for i, v in enumerate(ids, 1)}
    return _NODE.sub(lambda m: b"node" + rank[m.group(1)], data)


def outline_pages(data: bytes) -> tuple[int, dict[str, int]]:
    """The page count of a PDF and the page (1-based) of each title of its outline."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    pages: dict[str, int] = {}

    def walk(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
                continue
            page = reader.get_destination_page_number(item)
            if page is not None and page >= 0:
                pages.setdefault(str(item.title).strip(), page + 1)

    walk(reader.outline)
    return len(reader.pages), pages


#: Writes each section's page into the contents (``nav#toc``) of the loaded page; returns
#: how many entries got one.
_TOC_PAGES = r"""((pages) => {
  let n = 0;
  for (const a of document.querySelectorAll("nav#toc a")) {
    let span = a.parentElement.querySelector(".toc-page");
    const p = pages[a.textContent.trim()];
    if (p === undefined) { if (span) span.remove(); continue; }
    if (!span) { span = document.createElement("span"); span.className = "toc-page";
                 a.parentElement.appendChild(span); }
    span.textContent = String(p); n += 1;
  }
  return n;
})(%s)"""


class _Pipe:
    """Chromium with its DevTools protocol on fds 3 (commands in) and 4 (replies out)."""

    def __init__(self, chromium: str, profile: str, timeout: float) -> None:
        self.timeout = timeout
        cmd_r, self._cmd_w = os.pipe()
        self._out_r, out_w = os.pipe()

        # in the child: the protocol's pipes on fds 3 and 4 (inheritable); every other fd of
        # ours is close-on-exec (Python's default), so none leaks into Chromium
        def fds() -> None:
            a, b = os.dup(cmd_r), os.dup(out_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        try:
            self.proc = subprocess.Popen(
                [chromium, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                close_fds=False, preexec_fn=fds, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError as exc:
            os.close(self._cmd_w)
            os.close(self._out_r)
            raise PdfError(f"{chromium} could not be started: {exc.strerror}") from None
        finally:
            os.close(cmd_r)
            os.close(out_w)
        self._buf = b""
        self._id = 0

    def _recv(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._out_r], [], [], left)[0]:
                raise PdfError(f"Chromium did not answer within {self.timeout:.0f} s")
            chunk = os.read(self._out_r, 1 << 20)
            if not chunk:
                raise PdfError("Chromium closed its DevTools pipe (it may have crashed)")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send one command and return its result (events meanwhile are dropped)."""
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        try:
            os.write(self._cmd_w, json.dumps(msg).encode("utf-8") + b"\0")
        except BrokenPipeError:
            raise PdfError("Chromium closed its DevTools pipe (it may have crashed)") from None
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._recv(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise PdfError(f"{method}: {reply['error'].get('message', reply['error'])}")
                return reply.get("result", {})

    def wait_event(self, name: str) -> None:
        deadline = time.monotonic() + self.timeout
        while self._recv(deadline).get("method") != name:
            pass

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                try:
                    self.call("Browser.close")
                except (PdfError, OSError, ValueError):
                    pass
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        finally:
            os.close(self._cmd_w)
            os.close(self._out_r)


def print_pdf(html: str | Path, pdf: str | Path, lang: str = "fi", *,
              chromium: str | None = None, timeout: float = 180.0) -> PrintedPdf:
    """Print ``html`` to ``pdf`` with headless Chromium.

    Parameters
    ----------
    html
        The report (a self-contained HTML file).
    pdf
        Where to write the PDF.
    lang
        The report's language (the footer's "page" word).
    chromium
        The executable; default :func:`find_chromium`.
    timeout
        Seconds Chromium may take for any one step (start, load, print).

    Returns
    -------
    PrintedPdf
        The path, the page count and the browser's version.

    Raises
    ------
    PdfError
        No Chromium, or it failed or timed out (one line saying which).
    """
    exe = chromium or find_chromium()
    if exe is None:
        raise PdfError("no Chromium found")
    with tempfile.TemporaryDirectory(prefix="hb-eval-chromium-") as profile:
        browser = _Pipe(exe, profile, timeout)
        try:
            target = browser.call("Target.createTarget", url="about:blank")["targetId"]
            session = browser.call("Target.attachToTarget", targetId=target,
                                   flatten=True)["sessionId"]
            browser.call("Page.enable", session)
            product = browser.call("Browser.getVersion").get("product", "Chromium")
            browser.call("Page.navigate", session, url=Path(html).resolve().as_uri())
            browser.wait_event("Page.loadEventFired")

            def printed() -> bytes:
                res = browser.call(
                    "Page.printToPDF", session, printBackground=True, preferCSSPageSize=True,
                    displayHeaderFooter=True, headerTemplate="<span></span>",
                    footerTemplate=_footer(lang), generateDocumentOutline=True,
                    generateTaggedPDF=True)
                return base64.b64decode(res["data"])

            data = printed()
            count, pages = outline_pages(data)
            for _ in range(2):  # the contents with the pages of its sections
                shown = browser.call("Runtime.evaluate", session, returnByValue=True,
                                     expression=_TOC_PAGES % json.dumps(pages))
                if not shown.get("result", {}).get("value"):
                    break
                data = printed()
                count, again = outline_pages(data)
                if again == pages:
                    break
                pages = again
        finally:
            browser.close()
    out = Path(pdf)
    out.write_bytes(deterministic_pdf(data))
    return PrintedPdf(out, count, product)
