"""Headless Chromium for the report's tests: screenshots to look at, PDFs to count pages in.

Run it by hand to look at a run's report:

    python -m tests.pipelines.report.browser data/08_reporting/2026-09 /tmp/shots

writes ``report_en.png``, ``report_he.png`` (when ``he/persona_report.html`` is
there) and ``one_pager.png`` plus ``one_pagers.pdf`` as Chromium prints them. Every call uses a fresh profile directory and switches off
everything that could reach the network.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
QUIET_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium() -> str | None:
    """The Chromium executable on PATH, or None (tests then skip)."""
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def _run(args: list[str], output: Path, timeout: int = 120) -> Path:
    exe = chromium()
    if exe is None:
        raise RuntimeError("Chromium is not installed")
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        subprocess.run(
            [exe, *QUIET_FLAGS, f"--user-data-dir={profile}", *args],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
    if not output.exists():
        raise RuntimeError(f"Chromium wrote no {output}")
    return output


def screenshot_folder(default: Path) -> Path:
    """Where the tests' screenshots go: $REPORT_SCREENSHOTS to keep them and look, else ``default``."""
    folder = Path(os.environ.get("REPORT_SCREENSHOTS") or default)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(html: Path, png: Path, width: int = 1280, height: int = 4000) -> Path:
    """A PNG of the page's first `height` pixels at `width` CSS pixels."""
    png.parent.mkdir(parents=True, exist_ok=True)
    return _run(
        [f"--screenshot={png}", f"--window-size={width},{height}", Path(html).resolve().as_uri()],
        png,
    )


def print_pdf(html: Path, pdf: Path) -> Path:
    """The page printed to PDF as Chromium prints it (the print stylesheet applies)."""
    pdf.parent.mkdir(parents=True, exist_ok=True)
    return _run(
        [f"--print-to-pdf={pdf}", "--no-pdf-header-footer", Path(html).resolve().as_uri()], pdf
    )


def pdf_page_count(pdf: Path) -> int:
    """Pages of a PDF, read from its page objects (no PDF library needed)."""
    data = Path(pdf).read_bytes()
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


def main(argv: list[str]) -> int:
    run_dir, out = Path(argv[0]), Path(argv[1])
    pages = {
        "report_en.png": run_dir / "persona_report.html",
        "report_he.png": run_dir / "he" / "persona_report.html",
    }
    for name, html in pages.items():
        if html.exists():
            print(screenshot(html, out / name))
    one_pagers = run_dir / "persona_one_pagers.html"
    if one_pagers.exists():
        print(screenshot(one_pagers, out / "one_pager.png", width=900, height=1300))
        pdf = print_pdf(one_pagers, out / "one_pagers.pdf")
        print(pdf, pdf_page_count(pdf), "pages")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
