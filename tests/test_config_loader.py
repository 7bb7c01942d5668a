"""Environments: parameters merge key by key, a questionnaire is taken whole."""

from __future__ import annotations

import shutil

import yaml

from segmentation.codebook import Codebook
from segmentation.settings import CONFIG_LOADER_ARGS, CONFIG_LOADER_CLASS

from .conftest import PROJECT_ROOT

CUSTOM = {
    "questionnaire": {
        "scales": {"likert7": {"min": 1, "max": 7}},
        "constructs": {"effort": ["EE1", "EE2"]},
        "items": {
            "EE1": {"scale": "likert7", "de": "Trello ist einfach."},
            "EE2": {"scale": "likert7", "de": "Trello ist klar."},
        },
    }
}


def _load(conf, env):
    loader = CONFIG_LOADER_CLASS(str(conf), env=env, **CONFIG_LOADER_ARGS)
    return loader["parameters"]


def _conf_with_env(tmp_path, files: dict[str, dict]):
    conf = tmp_path / "conf"
    shutil.copytree(PROJECT_ROOT / "conf" / "base", conf / "base")
    (conf / "custom").mkdir()
    for name, content in files.items():
        (conf / "custom" / name).write_text(
            yaml.safe_dump(content, allow_unicode=True), encoding="utf-8"
        )
    return conf


def test_an_environments_questionnaire_replaces_the_standard_one(tmp_path):
    """Was: merged item by item, so the custom survey also had the 40 standard items."""
    conf = _conf_with_env(tmp_path, {"parameters_questionnaire.yml": CUSTOM})
    params = _load(conf, "custom")
    assert params["questionnaire"] == CUSTOM["questionnaire"]
    codebook = Codebook.from_params(params["questionnaire"])
    assert codebook.scored_items == ["EE1", "EE2"] and codebook.languages == ("de",)
    assert params["survey"]["min_item_share"] == 0.5  # everything else still comes from base


def test_other_parameters_still_merge_key_by_key(tmp_path):
    conf = _conf_with_env(tmp_path, {"parameters_mine.yml": {"survey": {"min_item_share": 0.3}}})
    params = _load(conf, "custom")
    assert params["survey"]["min_item_share"] == 0.3
    assert params["survey"]["min_answered_share"] == 0.5  # a sibling setting kept from base
    assert (
        "SM1" in params["questionnaire"]["items"]
    )  # no questionnaire in the env: the standard one


def test_base_alone_is_the_standard_questionnaire(tmp_path):
    conf = _conf_with_env(tmp_path, {})
    assert _load(conf, "base")["questionnaire"] == _load(conf, "custom")["questionnaire"]


# ------------------------------------------------------------------ the catalog's wave folders
WAVE_EXPRESSION = "${runtime_params:wave,${globals:default_wave}}"
# Folders below data/ that hold files of every wave, not one wave's.
SHARED_PATHS = {
    "roster_raw": "data/01_raw/hr/roster",
    "opt_out_raw": "data/01_raw/campaign/opt_out",
    "wave_history": "data/08_reporting",
}


def _catalog(runtime_params: dict) -> dict:
    loader = CONFIG_LOADER_CLASS(
        str(PROJECT_ROOT / "conf"),
        env="base",
        runtime_params=runtime_params,
        **CONFIG_LOADER_ARGS,
    )
    return loader["catalog"]


def test_the_wave_enters_the_catalog_in_one_place():
    texts = {
        path.name: path.read_text(encoding="utf-8")
        for path in (PROJECT_ROOT / "conf" / "base").glob("catalog*.yml")
    }
    assert sum(text.count("runtime_params:wave") for text in texts.values()) == 1
    assert f"_wave: {WAVE_EXPRESSION}" in texts["catalog.yml"]


def test_every_wave_path_follows_the_wave_given_and_defaults_to_the_default_wave():
    default = yaml.safe_load((PROJECT_ROOT / "conf" / "base" / "globals.yml").read_text())[
        "default_wave"
    ]
    for runtime_params, wave in (({}, default), ({"wave": "2031-04-pilot"}, "2031-04-pilot")):
        catalog = _catalog(runtime_params)
        # an entry's own path, or that of the dataset it wraps (CachedDataset and kin)
        entries = {name: entry.get("dataset", entry) for name, entry in catalog.items()}
        paths = {
            name: entry.get("filepath") or entry.get("path")
            for name, entry in entries.items()
            if entry.get("filepath") or entry.get("path")
        }
        assert len(paths) > 30
        for name, path in paths.items():
            assert path.startswith("data/"), (name, path)
            if name in SHARED_PATHS:
                assert path == SHARED_PATHS[name]
            else:
                parts = path.split("/")  # data/<layer>/<wave>/..., data/01_raw/waves/<wave>/...
                folder = parts[3] if parts[1:3] == ["01_raw", "waves"] else parts[2]
                assert folder == wave, (name, path)
                assert parts[1][:2].isdigit(), (name, path)
        assert entries["previous_wave_outputs"]["wave"] == wave
        assert not any(name.startswith("_") for name in catalog)
