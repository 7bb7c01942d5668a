"""The two files in real clients: headless Chromium with the network off, LibreOffice headless.

Skipped, with the reason, when the programs are not installed. On Debian:
``apt-get install -y chromium libreoffice-calc-nogui``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from .browser import QUIET_FLAGS, screenshot_folder
from .browser import chromium as find_chromium

CHROMIUM = find_chromium()
SOFFICE = next((p for p in (shutil.which("soffice"), shutil.which("libreoffice")) if p), None)
SECTIONS = ("overview", "situation", "swot", "personas", "method")

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (apt-get install -y chromium)"
)
needs_libreoffice = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice is not installed (apt-get install -y libreoffice-calc-nogui)",
)


def _offline_prefix() -> list[str]:
    """Run in a fresh network namespace (no network at all) when the system allows it."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


def chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    offline = _offline_prefix()
    # Without a network namespace, every host name fails to resolve and any request goes to a dead proxy.
    blocked = (
        [] if offline else ["--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"]
    )
    command = [
        *offline,
        CHROMIUM,
        *QUIET_FLAGS,
        "--disable-extensions",
        *blocked,
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
        page.resolve().as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def distinct_colours(pixels: np.ndarray) -> int:
    """How many colours an RGB image holds: each pixel packed into one 24-bit number.

    (``np.unique(..., axis=0)`` on the 5 million rows of a 1280x4000 screenshot takes
    about 10 s; on packed numbers it takes a tenth of a second.)
    """
    rgb = pixels.astype(np.uint32)
    return len(np.unique((rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]))


def console_errors(stderr: str) -> list[str]:
    """Console messages of the page (Chromium's own chrome:// pages are not the report)."""
    return [
        line
        for line in stderr.splitlines()
        if ("CONSOLE" in line or "Uncaught" in line or "Refused to" in line)
        and "source: chrome://" not in line
    ]


@needs_chromium
@pytest.mark.parametrize("language", ["en", "he"])
def test_chromium_renders_the_page_offline_without_console_errors(
    english_report, hebrew_report, tmp_path, language
):
    built = english_report if language == "en" else hebrew_report
    shot = screenshot_folder(tmp_path) / f"report_{language}.png"  # $REPORT_SCREENSHOTS keeps it
    result = chromium(
        built.html_path, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,4000"
    )
    assert shot.exists(), result.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert pixels.shape[0] >= 1000
    assert distinct_colours(pixels) > 50, "the screenshot is blank"
    assert console_errors(result.stderr) == []


@needs_chromium
def test_chromium_dom_has_every_section_and_loaded_images(english_report, tmp_path):
    result = chromium(
        english_report.html_path, tmp_path / "profile", "--dump-dom", "--virtual-time-budget=2000"
    )
    dom = result.stdout
    assert "</html>" in dom, result.stderr[-2000:]
    for section in SECTIONS:
        assert f'id="{section}"' in dom
    assert dom.count("<img") >= 10
    assert console_errors(result.stderr) == []


@needs_libreoffice
def test_libreoffice_converts_the_workbook_to_pdf(english_report, tmp_path):
    home = tmp_path / "home"
    result = subprocess.run(
        [
            SOFFICE,
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(english_report.xlsx_path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "HOME": str(home)},
    )
    pdf = tmp_path / "persona_report.pdf"
    assert result.returncode == 0, result.stderr
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF"), result.stdout + result.stderr
    assert pdf.stat().st_size > 5_000


def test_distinct_colours_counts_as_numpy_counts_rgb_rows():
    pixels = np.random.default_rng(0).integers(0, 4, size=(60, 40, 3), dtype=np.uint8) * 85
    pixels[:30] = [255, 0, 1]  # half the image one colour: 64 colours in the other half at most
    assert distinct_colours(pixels) == len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50
    assert distinct_colours(np.zeros((5, 5, 3), dtype=np.uint8)) == 1
