"""The project's configuration loader: Kedro's OmegaConfigLoader, with a questionnaire taken whole.

Parameters of an environment (``conf/local``, ``conf/<env>``) are merged key
by key into ``conf/base`` so that one setting can be changed alone. A
questionnaire is different: a custom survey's items, scales and constructs
must *replace* the standard questionnaire, never be merged item by item
into it (that added the standard items to every custom survey). The
top-level parameters in :data:`WHOLE_PARAMETERS` are therefore taken whole
from the environment that defines them.

Reading the parameters Kedro's way costs about 0.75 s of every session and
every ``kedro run``: OmegaConf wraps each of their ~6,500 values in a node,
then again for the soft merge of the environment. When the files hold only
plain YAML values (mappings, lists, text, numbers, booleans, null) and
interpolations of ``globals:`` and ``runtime_params:`` (whose value does not
depend on where they sit), the loader reads them with OmegaConf's own YAML
loader, merges them by OmegaConf's rules and resolves the interpolations
with OmegaConf in one small config: the same parameters in about 0.05 s
(``tests/test_config_loader.py`` compares the two). Anything else (another
interpolation, ``???``, a YAML tag that is not a plain value, a duplicate
key, a list merged into a mapping, any error) is read Kedro's own way, which
then gives Kedro's result or Kedro's error.
"""

from __future__ import annotations

import copy
import io
import re
from pathlib import Path
from typing import Any

import yaml
from kedro.config import OmegaConfigLoader
from omegaconf import OmegaConf

try:  # the loader OmegaConf.load reads YAML with (its float rule, no timestamps, alias limits)
    from omegaconf._yaml import get_yaml_loader  # OmegaConf 2.4
except ImportError:  # pragma: no cover - older OmegaConf; without it, parameters go Kedro's way
    try:
        from omegaconf._utils import get_yaml_loader  # OmegaConf 2.3
    except ImportError:
        get_yaml_loader = None

# Parameters an environment replaces as a whole instead of merging into base.
WHOLE_PARAMETERS = ("questionnaire",)

# A "${" that does not open a call of globals: or runtime_params: (a reference to another
# key, another resolver): the value would depend on where it sits.
_PLACE_BOUND = re.compile(r"\$\{(?!(?:globals|runtime_params):)")
_PLAIN_SCALARS = (str, int, float, bool, type(None))


class _NeedsOmegaConf(Exception):
    """Something only OmegaConf's own reading gives exactly: read the parameters Kedro's way."""


def _interpolates(value: Any) -> bool:
    return isinstance(value, str) and "${" in value


def _fresh(value: Any, interpolations: bool) -> Any:
    """A copy of a plain YAML value in which no two places share an object.

    Raises _NeedsOmegaConf for anything else: another type, a key that is not
    text, OmegaConf's ``???``, an interpolation (or, with ``interpolations``,
    one that depends on where it sits).
    """
    if type(value) is dict:
        copied = {}
        for key, item in value.items():
            if type(key) is not str or "${" in key:
                raise _NeedsOmegaConf
            copied[key] = _fresh(item, interpolations)
        return copied
    if type(value) is list:
        return [_fresh(item, interpolations) for item in value]
    if type(value) not in _PLAIN_SCALARS or value == "???":
        raise _NeedsOmegaConf
    if _interpolates(value) and (not interpolations or _PLACE_BOUND.search(value)):
        raise _NeedsOmegaConf
    return value


def _merge_into(target: dict, source: dict, replaced: list[str]) -> None:
    """``source`` merged into ``target`` as ``OmegaConf.unsafe_merge`` merges plain values.

    Mappings merge key by key (new keys last, existing keys keep their
    place); anything else is replaced. An interpolation that is replaced goes
    to ``replaced``: OmegaConf resolves it while merging, so it is resolved too.
    """
    for key, value in source.items():
        if key not in target:
            target[key] = value
            continue
        old = target[key]
        if type(old) is dict and type(value) is dict:
            _merge_into(old, value, replaced)
        elif type(value) in (dict, list) and (type(old) in (dict, list) or _interpolates(old)):
            # a list into a mapping (OmegaConf raises), or into what an interpolation gives
            if type(old) is not list or type(value) is not list:
                raise _NeedsOmegaConf
            target[key] = value
        else:
            if _interpolates(old):
                replaced.append(old)
            target[key] = value


def _resolve(config: dict, replaced: list[str]) -> None:
    """Every interpolation in ``config`` replaced by its value, resolved by OmegaConf in one small config."""
    places: list[tuple[Any, Any]] = []

    def find(container: Any) -> None:
        items = container.items() if type(container) is dict else enumerate(container)
        for key, value in items:
            if type(value) in (dict, list):
                find(value)
            elif _interpolates(value):
                places.append((container, key))

    find(config)
    texts = [container[key] for container, key in places] + replaced
    if not texts:
        return
    values = OmegaConf.to_container(
        OmegaConf.create({f"v{n}": text for n, text in enumerate(texts)}), resolve=True
    )
    for n, (container, key) in enumerate(places):
        container[key] = values[f"v{n}"]


class ProjectConfigLoader(OmegaConfigLoader):
    """OmegaConfigLoader whose environments replace :data:`WHOLE_PARAMETERS` whole.

    The parameters are read once per loader (one per run: their files and the
    ``--params`` do not change while it runs), plainly where that gives
    Kedro's result (see the module), and each caller gets its own copy.
    """

    _parameters: dict[str, Any] | None = None

    def __getitem__(self, key: str) -> Any:
        if key != "parameters" or key in self.data:  # a value set on the loader wins, as in Kedro
            return super().__getitem__(key)
        if self._parameters is None:
            self._parameters = self.plain_parameters()
        if self._parameters is None:
            self._parameters = super().__getitem__(key)
        return copy.deepcopy(self._parameters)

    def plain_parameters(self) -> dict[str, Any] | None:
        """The parameters read without OmegaConf's node tree, or None where only Kedro's way is exact."""
        if get_yaml_loader is None or self._protocol != "file":
            return None
        try:
            _fresh(self._globals, interpolations=False)
            _fresh(self.runtime_params, interpolations=False)
            run_env = self.env or self.default_run_env
            envs = [self.base_env] if run_env == self.base_env else [self.base_env, run_env]
            files = [self._plain_files(self._get_conf_env_path(env)) for env in envs]
            if not any(files):
                return None  # Kedro says which files it looked for
            self._register_runtime_params_resolver()  # Kedro's __getitem__ does the same first
            configs = [self._plain_merged(env_files) for env_files in files]
            if len(configs) == 1:
                return configs[0]
            return self._merge_configs(
                configs[0], configs[1], "parameters", self._get_conf_env_path(run_env)
            )
        # anything unusual, or an error: Kedro's way gives Kedro's result or its error
        except Exception:  # noqa: BLE001
            return None

    def _plain_files(self, conf_path: str) -> list[dict[str, Any]]:
        """The parameter files of one environment, each a plain dict, in the order Kedro merges them."""
        if not self._fs.isdir(Path(conf_path).as_posix()):
            raise _NeedsOmegaConf
        # which files, and in what order, exactly as OmegaConfigLoader._read_dir_configs finds them
        paths = [
            Path(each)
            for pattern in self.config_patterns["parameters"]
            for each in self._fs.glob(Path(f"{conf_path!s}/{pattern}").as_posix())
            if not self.ignore_hidden or not self._is_hidden(each)
        ]
        configs = []
        for path in [path for path in set(paths) if self._is_valid_config_path(path)]:
            with self._fs.open(str(path.as_posix())) as opened:
                text = io.StringIO(opened.read().decode("utf8"))
            loaded = yaml.load(text, Loader=get_yaml_loader())
            if loaded is not None and type(loaded) is not dict:
                raise _NeedsOmegaConf
            configs.append(_fresh(loaded or {}, interpolations=True))
        # a key set in two files is Kedro's error, with the files named
        keys = [
            {key for key in self._get_all_keys(config) if not key.startswith("_")}
            for config in configs
        ]
        if any(first & second for n, first in enumerate(keys) for second in keys[n + 1 :]):
            raise _NeedsOmegaConf
        return configs

    def _plain_merged(self, configs: list[dict[str, Any]]) -> dict[str, Any]:
        """One environment's files merged in order, then the ``--params``, interpolations resolved."""
        if not configs:
            return {}
        merged, replaced = configs[0], []
        for config in [*configs[1:], _fresh(self.runtime_params, interpolations=False)]:
            _merge_into(merged, config, replaced)
        _resolve(merged, replaced)
        return merged

    @staticmethod
    def _soft_merge(
        config: dict[str, Any], env_config: dict[str, Any], env_path: str | None = None
    ) -> Any:
        """Kedro's soft merge of an environment into base, without OmegaConf nodes for plain values."""
        try:
            merged = _fresh(config, interpolations=False)
            _merge_into(merged, _fresh(env_config, interpolations=False), [])
        except _NeedsOmegaConf:
            return OmegaConfigLoader._soft_merge(config, env_config, env_path)
        return merged

    def _merge_configs(
        self, config: dict[str, Any], env_config: dict[str, Any], key: str, env_path: str
    ) -> Any:
        merged = super()._merge_configs(config, env_config, key, env_path)
        if key == "parameters":
            for name in WHOLE_PARAMETERS:
                if name in env_config:
                    merged[name] = env_config[name]
        return merged
