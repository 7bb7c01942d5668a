"""Environments: parameters merge key by key, a questionnaire is taken whole."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from kedro.config import OmegaConfigLoader

from segmentation.codebook import Codebook
from segmentation.settings import CONFIG_LOADER_ARGS, CONFIG_LOADER_CLASS

from .conftest import CONTRACT_EXAMPLES, PROJECT_ROOT, REALDATA
from .test_your_own_survey import GENAI, IBM_ROSTER, UTAUT2

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


# ------------------------------------------------------------------ read plainly, as Kedro reads
class KedroWay(CONFIG_LOADER_CLASS):
    """The project's loader reading every parameter file Kedro's own way (OmegaConf nodes)."""

    _soft_merge = staticmethod(OmegaConfigLoader._soft_merge)

    def plain_parameters(self):
        return None


def _plain_and_kedro(conf, env, runtime_params=None):
    """The parameters as the project reads them (asserting the plain way was taken) and as Kedro does."""
    args = {"env": env, "runtime_params": runtime_params or {}, **CONFIG_LOADER_ARGS}
    plain = CONFIG_LOADER_CLASS(str(conf), **args).plain_parameters()
    assert plain is not None, f"env {env} was not read plainly"
    return plain, KedroWay(str(conf), **args)["parameters"]


def _same(plain, kedro) -> None:
    # repr: same keys in the same order, same values of the same types (1 is not 1.0 nor True)
    assert repr(plain) == repr(kedro)


@pytest.fixture(scope="module")
def environments(tmp_path_factory) -> Path:
    """conf/base with the kinds of environment the tests make beside it.

    A custom questionnaire, a setting changed alone, a roster mapping, and
    what ``segmentation inspect`` writes for each survey export of the data
    contract and, when present, the real surveys the end-to-end tests inspect.
    """
    from segmentation.inspect_command import inspect_export

    project = tmp_path_factory.mktemp("environments")
    conf = _conf_with_env(project, {"parameters_questionnaire.yml": CUSTOM})
    for env, files in {
        "mine": {"parameters_mine.yml": {"survey": {"min_item_share": 0.3}}},
        "roster": {"parameters_roster.yml": IBM_ROSTER},
    }.items():
        (conf / env).mkdir()
        for name, content in files.items():
            (conf / env / name).write_text(yaml.safe_dump(content), encoding="utf-8")
    (project / "data" / "01_raw" / "hr").mkdir(parents=True)
    (project / "data" / "01_raw" / "hr" / "roster.csv").write_text(
        "employee_id,gender,department\nE1,F,Sales\nE2,M,Finance\n", encoding="utf-8"
    )
    (project / "export.csv").write_text(  # as tests/test_inspect_command.py inspects
        "PE1,PE2,Gender,Department\n1,7,Male,Sales\n4,5,Female,Finance\n7,2,Female,Legal\n",
        encoding="utf-8",
    )
    exports = [project / "export.csv", *sorted(CONTRACT_EXAMPLES.glob("survey_*"))] + [
        REALDATA / name for name in (UTAUT2, GENAI) if (REALDATA / name).is_file()
    ]
    for n, export in enumerate(exports):
        inspect_export(project, export, f"inspected{n}", None, False)
    return conf


def test_the_parameters_read_plainly_are_kedros_in_every_environment(environments):
    """Each environment over the globals alone, and an export's starter over conf/base as well.

    Over conf/base Kedro's way costs 0.7 s a time (its soft merge wraps every
    value of the base again); the environments' own files are what differs.
    """
    envs = sorted(p.name for p in environments.iterdir() if p.name != "base")
    assert len(envs) >= 4 + 4 * CONTRACT_EXAMPLES.is_dir()
    alone = environments.parent / "alone"
    (alone / "base").mkdir(parents=True)
    shutil.copy(environments / "base" / "globals.yml", alone / "base")
    for env in envs:
        shutil.copytree(environments / env, alone / env)
        _same(*_plain_and_kedro(alone, env, {"wave": "2026-03"}))
    # Over conf/base, once: the last export's starter (its questionnaire taken whole, its
    # survey, personas and report settings merged key by key) with the roster mapping beside it.
    starter = max((env for env in envs if env.startswith("inspected")), key=lambda e: int(e[9:]))
    over_base = environments.parent / "over_base"
    shutil.copytree(environments / "base", over_base / "base")
    shutil.copytree(environments / starter, over_base / "starter")
    shutil.copy(environments / "roster" / "parameters_roster.yml", over_base / "starter")
    plain, kedro = _plain_and_kedro(over_base, "starter", {"wave": "2026-03"})
    _same(plain, kedro)
    questionnaire = yaml.safe_load(
        (environments / starter / "parameters_questionnaire.yml").read_text(encoding="utf-8")
    )["questionnaire"]
    assert plain["questionnaire"] == questionnaire  # the starter's, not merged into base's
    assert plain["roster"]["columns"]["employee_id"] == ["EmployeeNumber"]  # the mapping's


def test_what_callers_get_is_a_copy_of_what_was_read_plainly():
    loader = CONFIG_LOADER_CLASS(str(PROJECT_ROOT / "conf"), env="base", **CONFIG_LOADER_ARGS)
    first = loader["parameters"]
    assert repr(first) == repr(loader.plain_parameters())
    first["survey"]["min_item_share"] = 0.99
    assert loader["parameters"]["survey"]["min_item_share"] == 0.5


@pytest.mark.parametrize(
    "runtime_params",
    [
        {},
        # waves, a setting, a new key, a list, a mapping replaced by a value, a value by a mapping
        {
            "wave": "2026-03-pilot",
            "previous_wave": "2026-03",
            "survey": {"min_item_share": 0.3, "shapes": {"new": {"respondent_id": ["id"]}}},
            "new": [1, "a", None],
            "seed": {"x": 1.5},
            "anonymity": None,
        },
    ],
)
def test_the_parameters_read_plainly_are_kedros_with_any_params(runtime_params):
    _same(*_plain_and_kedro(PROJECT_ROOT / "conf", "local", runtime_params))


def _tiny_conf(tmp_path, base: dict[str, str], env: dict[str, str] | None = None) -> Path:
    conf = tmp_path / "conf"
    for folder, files in (("base", base), ("env", env or {})):
        (conf / folder).mkdir(parents=True)
        for name, text in files.items():
            (conf / folder / name).write_text(text, encoding="utf-8")
    return conf


GLOBALS = "languages: [en, he]\nwave_name_pattern: '^x$'\nnested: {a: {b: 2}}\n"


def test_merging_follows_omegaconf_rule_by_rule(tmp_path):
    conf = _tiny_conf(
        tmp_path,
        {
            "globals.yml": GLOBALS,
            "parameters.yml": (
                "wave: ${runtime_params:wave,${globals:languages}}\n"
                "langs: ${globals:languages}\n"
                "text: 'in ${globals:nested.a.b} places'\n"
                "table: {a: 1, b: [1, 2], c: {d: 1}, e: null, f: x, g: [3]}\n"
                "_private: 1\nfloats: [1e3, 1.0, .5, .inf, 0x1F, 0o7, 1_000]\n"
                "booleans: [yes, no, on, true, 'true', ~]\n"
                "anchor: &shared {k: 1}\nalias: *shared\n"
                "empty: {}\n"
            ),
            "parameters_more.yml": "table: {h: 2}\nempty: {later: 1}\nmore: ${globals:missing,default}\n",
            "parameters_blank.yml": "",
        },
        {
            "parameters.yml": (
                "table: {a: {now: mapping}, b: [9], c: 5, e: {was: null}, f: null, g: []}\n"
                "anchor: {k: 2}\nnew: ${globals:nested}\n"
            )
        },
    )
    for runtime_params in ({}, {"wave": "w", "anchor": {"k": 3}, "table": {"a": None}}):
        plain, kedro = _plain_and_kedro(conf, "env", runtime_params)
        _same(plain, kedro)
    assert plain["alias"] == {"k": 1} and plain["anchor"] == {"k": 3}  # an alias is a copy
    assert plain["text"] == "in 2 places" and plain["_private"] == 1


@pytest.mark.parametrize(
    "base, env, runtime_params, why",
    [
        ({"parameters.yml": "a: 1\nb: ${a}\n"}, {}, {}, "a reference to another key"),
        ({"parameters.yml": "a: ${oc.select:x,1}\n"}, {}, {}, "another resolver"),
        ({"parameters.yml": "a: ???\n"}, {}, {}, "a value OmegaConf calls missing"),
        ({"parameters.yml": "a: '\\${x}'\n"}, {}, {}, "an escaped interpolation"),
        ({"parameters.yml": "a: !!binary aGk=\n"}, {}, {}, "a YAML tag that is no plain value"),
        ({"parameters.yml": "a: {b: 1}\n", "parameters_x.yml": "a: {b: 2}\n"}, {}, {}, "duplicate"),
        (
            {"parameters.yml": "a: {b: 1}\n"},
            {"parameters.yml": "a: [1]\n"},
            {},
            "list into mapping",
        ),
        (
            {"parameters.yml": "a: [1]\n"},
            {"parameters.yml": "a: {b: 1}\n"},
            {},
            "mapping into list",
        ),
        # OmegaConf resolves an interpolation a merge replaces: a mapping merges into its value
        ({"parameters.yml": "a: ${globals:nested}\n"}, {}, {"a": {"x": 1}}, "mapping into one"),
        ({"parameters.yml": "a: ${globals:languages}\n"}, {}, {"a": ["fr"]}, "list into one"),
        ({"parameters.yml": "a: 1\n"}, {}, {"a": "${globals:languages}"}, "--params interpolate"),
        ({"parameters.yml": "- 1\n"}, {}, {}, "a list, not a mapping"),
        ({"parameters.yml": "a: [1\n"}, {}, {}, "not YAML"),
        ({}, {}, {}, "no parameter files"),
    ],
)
def test_anything_else_is_read_kedros_way_with_kedros_result_or_error(
    tmp_path, base, env, runtime_params, why
):
    conf = _tiny_conf(tmp_path, {"globals.yml": GLOBALS, **base}, env)
    args = {"env": "env", "runtime_params": runtime_params, **CONFIG_LOADER_ARGS}
    assert CONFIG_LOADER_CLASS(str(conf), **args).plain_parameters() is None, why
    outcomes = []
    for loader in (CONFIG_LOADER_CLASS(str(conf), **args), KedroWay(str(conf), **args)):
        try:
            outcomes.append(repr(loader["parameters"]))
        except Exception as error:  # the same error, word for word
            outcomes.append(f"{type(error).__name__}: {error}")
    assert outcomes[0] == outcomes[1], why
    if why == "mapping into one":
        assert outcomes[0] == repr({"a": {"a": {"b": 2}, "x": 1}})
