"""Headless Chromium for the report's tests: screenshots to look at, PDFs to count pages in.

Run it by hand to look at a run's report:

    python -m tests.pipelines.report.browser data/08_reporting/2026-09 /tmp/shots

writes ``report_en.png``, ``report_he.png`` (when ``he/persona_report.html`` is
there) and ``one_pager.png`` plus ``one_pagers.pdf`` as Chromium prints them.

Each page is opened once (:func:`render`): one launch gives its screenshot, its printed PDF
and its DOM together, as the tests need them. Every launch uses a fresh profile directory,
runs in a network namespace of its own when the system allows it, and switches off
everything that could reach the network.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
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
    "--disable-extensions",
)


def chromium() -> str | None:
    """The Chromium executable on PATH, or None (tests then skip)."""
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


@cache
def offline_prefix() -> tuple[str, ...]:
    """Run in a fresh network namespace (no network at all) when the system allows it."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return (unshare, "-n")
    return ()


@dataclass(frozen=True)
class Rendering:
    """What Chromium made of one page: its screenshot, its print (when asked), its DOM and its log."""

    screenshot: Path
    pdf: Path | None
    dom: str
    log: str


def render(page: Path, png: Path, width: int = 1280, height: int = 4000, pdf: Path | None = None):
    """``page`` opened once, offline: a PNG of its first ``height`` pixels at ``width`` CSS
    pixels, the page printed to ``pdf`` (the print stylesheet applies) when given, its DOM
    after the page has run, and Chromium's log with the page's console messages."""
    exe = chromium()
    if exe is None:
        raise RuntimeError("Chromium is not installed")
    offline = offline_prefix()
    # Without a network namespace, every host name fails to resolve and any request goes to a dead proxy.
    blocked = (
        [] if offline else ["--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"]
    )
    printed = [f"--print-to-pdf={pdf}", "--no-pdf-header-footer"] if pdf else []
    for output in (png, pdf):
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        done = subprocess.run(
            [
                *offline,
                exe,
                *QUIET_FLAGS,
                *blocked,
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                f"--screenshot={png}",
                f"--window-size={width},{height}",
                *printed,
                "--dump-dom",
                "--virtual-time-budget=2000",
                Path(page).resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    for output in (png, pdf):
        if output is not None and not output.exists():
            raise RuntimeError(f"Chromium wrote no {output}: {done.stderr[-2000:]}")
    return Rendering(png, pdf, done.stdout, done.stderr)


def console_errors(log: str) -> list[str]:
    """Console messages of the page (Chromium's own chrome:// pages are not the report)."""
    return [
        line
        for line in log.splitlines()
        if ("CONSOLE" in line or "Uncaught" in line or "Refused to" in line)
        and "source: chrome://" not in line
    ]


def screenshot_folder(default: Path) -> Path:
    """Where the tests' screenshots go: $REPORT_SCREENSHOTS to keep them and look, else ``default``."""
    folder = Path(os.environ.get("REPORT_SCREENSHOTS") or default)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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
            print(render(html, out / name).screenshot)
    one_pagers = run_dir / "persona_one_pagers.html"
    if one_pagers.exists():
        shown = render(one_pagers, out / "one_pager.png", 900, 1300, out / "one_pagers.pdf")
        print(shown.screenshot)
        print(shown.pdf, pdf_page_count(shown.pdf), "pages")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
