"""The campaign pipeline run through Kedro with the project's catalog entries:
files land at the contract's paths, reruns are byte-identical, stale lists go."""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path

import pytest
from kedro.io import DataCatalog
from kedro.runner import SequentialRunner

from segmentation.pipelines.campaign import create_pipeline
from tests.conftest import catalog_config_under

from .helpers import (
    HYPERLINK,
    anonymity_params,
    campaign_params,
    make_world,
    naming_params,
    questionnaire_params,
)

WAVE = "2030-01"


def project_catalog(root: Path) -> DataCatalog:
    """conf/base/catalog_campaign.yml with the wave resolved and data/ under ``root``."""
    return DataCatalog.from_config(catalog_config_under(root, WAVE, "catalog_campaign.yml"))


def param_value(params: dict, dotted: str):
    value = params
    for part in dotted.split("."):
        value = value[part]
    return value


def run(root: Path, world) -> dict:
    catalog = project_catalog(root)
    params = {
        "campaign": campaign_params(),
        "anonymity": anonymity_params(),
        "personas": {"naming": naming_params()},
        "questionnaire": questionnaire_params(),
    }
    pipeline = create_pipeline()
    for name in pipeline.inputs():
        if name.startswith("params:"):
            catalog[name] = copy.deepcopy(param_value(params, name.removeprefix("params:")))
    for name in ("construct_scores", "persona_assignments", "employees", "contacts"):
        catalog[name] = getattr(world, name)
    SequentialRunner().run(pipeline, catalog)
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture()
def champion_world():
    """The organisation, with the formula-named person a sure champion."""
    world = make_world()
    pick = world.construct_scores["pid"] == "pid0101"
    world.construct_scores.loc[
        pick, ["innovativeness", "social_media_use", "channel_peer_champion"]
    ] = 5.0
    return world


def write_opt_out(root: Path, world) -> None:
    path = root / "data" / "01_raw" / "campaign" / "opt_out.csv"
    path.parent.mkdir(parents=True)
    email = world.contacts.set_index("employee_id").loc[world.opted_out_ids[1], "email"].upper()
    path.write_text(f"employee_id,email\n{world.opted_out_ids[0]},\n, {email} \n", encoding="utf-8")


def test_pipeline_writes_the_contract_files_and_reruns_byte_identical(tmp_path, champion_world):
    write_opt_out(tmp_path, champion_world)
    first = run(tmp_path, champion_world)
    reporting = f"data/08_reporting/{WAVE}"
    expected = {
        f"{reporting}/targeting/all_personas.csv",
        f"{reporting}/champions.csv",
        f"{reporting}/manager_briefs.csv",
        f"{reporting}/campaign_summary.json",
        f"data/07_model_output/{WAVE}/playbook.json",
        f"{reporting}/targeting/unassigned__broad.csv",
    }
    assert expected <= set(first)
    playbook = json.loads(first[f"data/07_model_output/{WAVE}/playbook.json"])
    for entry in playbook.values():
        for name in entry["lists"]:
            assert f"{reporting}/targeting/{name}.csv" in first
    summary = json.loads(first[f"{reporting}/campaign_summary.json"])
    assert summary["checks"]["all_ok"] and summary["excluded_opted_out"] == 2
    assert first[f"{reporting}/targeting/all_personas.csv"].startswith(b"\xef\xbb\xbfemployee_id,")
    assert b"\r\n" not in first[f"{reporting}/targeting/all_personas.csv"]

    # A list from an earlier run of the same wave must not survive the rerun.
    stale = tmp_path / reporting / "targeting" / "P9__email.csv"
    stale.write_text("employee_id\nE9999\n", encoding="utf-8")
    second = run(tmp_path, champion_world)
    assert not stale.exists()
    assert second == first


def test_formulas_inert_in_champions_and_briefs_names_intact(tmp_path, champion_world):
    files = run(tmp_path, champion_world)
    reporting = f"data/08_reporting/{WAVE}"
    for name in ("champions.csv", "manager_briefs.csv"):
        text = files[f"{reporting}/{name}"].decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        cells = [cell for row in rows for cell in row]
        assert "'" + HYPERLINK in cells, name
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells), name
    champions = files[f"{reporting}/champions.csv"].decode("utf-8-sig")
    assert champions.splitlines()[0] == "employee_id,first_name,email,org_unit"
    briefs = files[f"{reporting}/manager_briefs.csv"].decode("utf-8-sig")
    assert "O'Brien" in briefs  # the other manager's name, intact
