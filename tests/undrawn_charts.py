"""Charts left undrawn, for tests whose subject is the words and numbers of a run, not its pictures.

matplotlib costs about 5 s of CPU for the ~50 charts of one run of the sample, most of a
report build. The charts themselves are tested on real drawings elsewhere: the sample's
2026-09 run and its stage-by-stage rerun (``sample_runs``, ``stage_rerun``: the same bytes,
charts, report and workbook included), the report built once per language (screenshots,
Chromium, LibreOffice), and tests/test_charts.py.
"""

from __future__ import annotations

import contextlib
import functools
import io
from collections.abc import Iterator

import pytest

from segmentation import charts


@functools.cache
def blank_png() -> bytes:
    """A small white PNG: what every undrawn chart becomes (the workbook still embeds an image)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGBA", (64, 32), "white").save(buffer, format="png")
    return buffer.getvalue()


@contextlib.contextmanager
def charts_undrawn() -> Iterator[None]:
    """Within it, ``draw_all`` hands back one blank PNG per chart job without drawing it.

    The jobs are still made, so which charts a run asks for (and their names) stays what the
    code decides; only matplotlib's drawing is skipped. In-process runs only: a subprocess draws.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            charts, "draw_all", lambda jobs, processes=1: {name: blank_png() for name in jobs}
        )
        yield
