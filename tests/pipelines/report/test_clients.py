"""The two files in real clients: headless Chromium with the network off, LibreOffice headless.

Skipped, with the reason, when the programs are not installed. On Debian:
``apt-get install -y chromium libreoffice-calc-nogui``.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from .browser import console_errors

SECTIONS = ("overview", "situation", "swot", "personas", "method")


def distinct_colours(pixels: np.ndarray) -> int:
    """How many colours an RGB image holds: each pixel packed into one 24-bit number.

    (``np.unique(..., axis=0)`` on the 5 million rows of a 1280x4000 screenshot takes
    about 10 s; on packed numbers it takes a tenth of a second.)
    """
    rgb = pixels.astype(np.uint32)
    return len(np.unique((rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]))


@pytest.mark.parametrize("language", ["en", "he"])
def test_chromium_renders_the_page_offline_without_console_errors(rendered_pages, language):
    shown = rendered_pages[f"report_{language}"]  # $REPORT_SCREENSHOTS keeps report_<language>.png
    pixels = np.asarray(Image.open(shown.screenshot).convert("RGB"))
    assert pixels.shape[0] >= 1000
    assert distinct_colours(pixels) > 50, "the screenshot is blank"
    assert console_errors(shown.log) == []


@pytest.mark.parametrize("language", ["en", "he"])
def test_chromium_dom_has_every_section_and_loaded_images(rendered_pages, language):
    dom = rendered_pages[f"report_{language}"].dom
    assert "</html>" in dom, rendered_pages[f"report_{language}"].log[-2000:]
    for section in SECTIONS:
        assert f'id="{section}"' in dom
    assert dom.count("<img") >= 10


def test_libreoffice_converts_the_workbook_to_pdf(workbook_pdfs):
    pdf = workbook_pdfs.workbook
    assert workbook_pdfs.returncode == 0, workbook_pdfs.log
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF"), workbook_pdfs.log
    assert pdf.stat().st_size > 5_000


def test_distinct_colours_counts_as_numpy_counts_rgb_rows():
    pixels = np.random.default_rng(0).integers(0, 4, size=(60, 40, 3), dtype=np.uint8) * 85
    pixels[:30] = [255, 0, 1]  # half the image one colour: 64 colours in the other half at most
    assert distinct_colours(pixels) == len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50
    assert distinct_colours(np.zeros((5, 5, 3), dtype=np.uint8)) == 1
