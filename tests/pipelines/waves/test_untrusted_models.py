"""A saved model is a pickle, and unpickling runs code: only the project's own, signed models are loaded.

The attack of issue 12: a planted ``persona_model.pkl`` that writes a marker
file when unpickled, pointed at through ``..`` with ``previous_wave``. It is
refused, and the marker never appears; so is the same pickle planted inside
the models folder without the project's signature, or reached through a
symbolic link.
"""

from __future__ import annotations

import pathlib
import pickle
import shutil
from pathlib import Path

import pytest
from kedro.io import DatasetError

from segmentation.datasets import SignedPickleDataset, model_signing_key
from segmentation.errors import InputFileError, ParameterError, find_run_stop
from segmentation.pipelines.waves.datasets import PreviousWaveDataset
from tests.test_run_parameters import _kedro_run, project  # noqa: F401 - the project copy fixture

KEY = model_signing_key("a secret key of this project")


class Payload:
    """Unpickled, it writes the marker file: what an attacker's pickle would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.write_text, (self.marker, "the pickle ran"))


def plant(folder: Path, marker: Path, signed_with: bytes | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "persona_model.pkl"
    path.write_bytes(pickle.dumps(Payload(marker)))
    if signed_with is not None:
        dataset = SignedPickleDataset(str(path))
        dataset.use_signing_key(signed_with)
        dataset.save(Payload(marker))
    return path


def refused(dataset: PreviousWaveDataset, kind: type, says: str) -> None:
    """Loading ``dataset`` stops with a ``kind`` problem saying ``says`` (Kedro wraps it in a DatasetError)."""
    with pytest.raises(DatasetError) as caught:
        dataset.load()
    problem = find_run_stop(caught.value)
    assert isinstance(problem, kind) and says in str(problem), caught.value


def previous_wave(root: Path, previous: str | None) -> PreviousWaveDataset:
    dataset = PreviousWaveDataset(
        wave="2026-09",
        previous_wave=previous,
        models_path=str(root / "data" / "06_models"),
        outputs_path=str(root / "data" / "07_model_output"),
    )
    dataset.use_signing_key(KEY)
    return dataset


@pytest.mark.parametrize(
    "previous", ["../../elsewhere/evil", "../../elsewhere/evil/", "2026-03/../../../elsewhere/evil"]
)
def test_a_planted_pickle_reached_through_dotdot_is_refused_unread(tmp_path, previous):
    marker = tmp_path / "marker"
    plant(tmp_path / "elsewhere" / "evil", marker, signed_with=KEY)  # even a correctly signed one
    (tmp_path / "data" / "06_models" / "2026-03").mkdir(parents=True)
    refused(previous_wave(tmp_path, previous), ParameterError, "is not a wave name")
    assert not marker.exists()


@pytest.mark.parametrize(
    "signed_with", [None, model_signing_key("segmentation-sample-key-not-secret")]
)
def test_a_pickle_planted_in_the_models_folder_without_the_projects_signature_is_refused(
    tmp_path, signed_with
):
    marker = tmp_path / "marker"
    plant(tmp_path / "data" / "06_models" / "2026-03", marker, signed_with=signed_with)
    for named in ("2026-03", None):  # named, or found as the latest earlier wave
        refused(
            previous_wave(tmp_path, named),
            InputFileError,
            "no signature" if signed_with is None else "does not match",
        )
    assert not marker.exists()


def test_an_altered_model_is_refused(tmp_path):
    marker = tmp_path / "marker"
    path = plant(tmp_path / "data" / "06_models" / "2026-03", marker, signed_with=KEY)
    path.write_bytes(path.read_bytes() + b".")
    refused(previous_wave(tmp_path, "2026-03"), InputFileError, "does not match")
    assert not marker.exists()


def test_a_wave_folder_linking_outside_the_models_folder_is_refused(tmp_path):
    marker = tmp_path / "marker"
    plant(tmp_path / "elsewhere" / "evil", marker, signed_with=KEY)
    (tmp_path / "data" / "06_models").mkdir(parents=True)
    (tmp_path / "data" / "06_models" / "2026-03").symlink_to(
        tmp_path / "elsewhere" / "evil", target_is_directory=True
    )
    refused(previous_wave(tmp_path, "2026-03"), InputFileError, "leads outside")
    assert not marker.exists()


def test_the_projects_own_signed_model_loads(tmp_path):
    saved = SignedPickleDataset(
        str(tmp_path / "data" / "06_models" / "2026-03" / "persona_model.pkl")
    )
    saved.use_signing_key(KEY)
    saved.save({"centres": [1, 2, 3]})
    assert (tmp_path / "data" / "06_models" / "2026-03" / "persona_model.pkl.hmac").is_file()
    loaded = previous_wave(tmp_path, None).load()
    assert loaded["wave"] == "2026-03" and loaded["persona_model"] == {"centres": [1, 2, 3]}


def test_a_dataset_without_its_key_neither_saves_nor_loads(tmp_path):
    with pytest.raises(Exception, match="no key"):
        SignedPickleDataset(str(tmp_path / "m.pkl")).save({"a": 1})


@pytest.mark.slow
def test_the_command_line_attack_stops_and_the_pickle_never_runs(project):  # noqa: F811
    """``kedro run --params previous_wave=../../../../elsewhere/evil`` with the pickle planted there."""
    marker = project.parent / "marker"
    for folder in (
        project / "elsewhere" / "evil",
        project.parent / "elsewhere" / "evil",
        project / "data" / "elsewhere" / "evil",
    ):
        plant(folder, marker)
    result = _kedro_run(project, "wave=2026-09,previous_wave=../../elsewhere/evil")
    assert result.returncode == 2, result.stdout + result.stderr
    assert (
        "Error: --params previous_wave=../../elsewhere/evil: '../../elsewhere/evil' is not a wave name"
        in result.stderr
    )
    assert not marker.exists()
    shutil.rmtree(project / "data" / "elsewhere")
