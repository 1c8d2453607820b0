"""The report as PDF: its HTML printed by headless Chromium.

Chromium, not a PDF library: the project already tests with it, no Python dependency is
added, the PDF is the HTML report printed (the two cannot drift) and its SVG charts print
exactly. The browser is ``MCC_CHROMIUM`` when set, else the first of ``BROWSERS`` on PATH.
It runs on a copy of the report in a temporary directory, its profile and home there too
(nothing is left behind); the report's own Content-Security-Policy lets it fetch and run
nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from mcclink.errors import ConfigurationError, PdfPrintFailed

CHROMIUM_VAR = "MCC_CHROMIUM"
#: The names Chromium goes by on Debian, Ubuntu and with Google's own package.
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
#: Seconds the browser may take to print (a cold start takes one or two).
PRINT_TIMEOUT = 120.0
_FLAGS = (
    "--headless",
    "--disable-gpu",
    "--no-first-run",
    "--no-pdf-header-footer",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def find_browser(environ: Mapping[str, str]) -> str:
    """The Chromium to print with: ``MCC_CHROMIUM``, else one of ``BROWSERS`` on PATH.

    Raises:
        ConfigurationError: ``MCC_CHROMIUM`` names no program, or no browser was found;
            the message says how to install one, or to ask for HTML instead.
    """
    search_path = environ.get("PATH", "")
    named = environ.get(CHROMIUM_VAR, "").strip()
    if named:
        found = shutil.which(named, path=search_path)
        if found is None:
            raise ConfigurationError(
                f"{CHROMIUM_VAR} {named!r} is not a program that can be run: set it to "
                "Chromium's path (e.g. /usr/bin/chromium), or unset it to look on PATH"
            )
        return found
    for name in BROWSERS:
        found = shutil.which(name, path=search_path)
        if found is not None:
            return found
    raise ConfigurationError(
        f"a PDF report is printed by Chromium, and none was found ({', '.join(BROWSERS)} on "
        f"PATH, or {CHROMIUM_VAR}): install it (apt-get install chromium) or set "
        f"{CHROMIUM_VAR} to its path; or ask for --format html and print that"
    )


def print_pdf(html: str, browser: str) -> bytes:
    """The PDF of the HTML document ``html``, printed by ``browser`` (``find_browser``).

    Raises:
        PdfPrintFailed: the browser failed, timed out or wrote no PDF (its last words said).
    """
    with tempfile.TemporaryDirectory(prefix="mcclink-report-") as work:
        page, pdf = Path(work, "report.html"), Path(work, "report.pdf")
        page.write_text(html, encoding="utf-8")
        args = [
            browser,
            *_FLAGS,
            *(("--no-sandbox",) if _is_root() else ()),  # Chromium refuses root otherwise
            f"--user-data-dir={Path(work, 'profile')}",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ]
        # Its crash reports and caches go to the temporary home too, not the user's.
        home = {"HOME": work, "XDG_CONFIG_HOME": work, "XDG_CACHE_HOME": work}
        try:
            done = subprocess.run(
                args,
                capture_output=True,
                text=True,
                timeout=PRINT_TIMEOUT,
                check=False,
                env={**os.environ, **home},
            )
        except subprocess.TimeoutExpired:
            raise PdfPrintFailed(
                f"{browser} did not print the report within {PRINT_TIMEOUT:.0f} s: run the "
                "command again, or use --format html"
            ) from None
        except OSError as exc:
            raise PdfPrintFailed(f"{browser} could not be started: {exc.strerror}") from None
        data = pdf.read_bytes() if pdf.is_file() else b""
        if done.returncode != 0 or not data.startswith(b"%PDF"):
            said = done.stderr.strip().splitlines()[-1:] or ["nothing"]
            raise PdfPrintFailed(
                f"{browser} printed no PDF (exit {done.returncode}; it said: {said[0]}): "
                "use --format html, or check the browser with `chromium --version`"
            )
        return data


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
