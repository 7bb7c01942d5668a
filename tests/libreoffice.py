"""LibreOffice, headless, for the tests that open workbooks in a real spreadsheet program."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def convert(files: list[Path], to: str, folder: Path) -> subprocess.CompletedProcess:
    """``files`` converted ``to`` a format (``"pdf"``, a csv filter) into ``folder``, in one start.

    Skips the test when LibreOffice is not installed. Its profile and home stay in ``folder``.
    """
    soffice = next((p for p in (shutil.which("soffice"), shutil.which("libreoffice")) if p), None)
    if soffice is None:
        pytest.skip("LibreOffice is not installed (apt-get install -y libreoffice-calc-nogui)")
    return subprocess.run(
        [
            soffice,
            "--headless",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--convert-to",
            to,
            "--outdir",
            str(folder),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "HOME": str(folder / "home")},
    )
