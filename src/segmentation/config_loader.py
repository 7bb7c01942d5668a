"""The project's configuration loader: Kedro's OmegaConfigLoader, with a questionnaire taken whole.

Parameters of an environment (``conf/local``, ``conf/<env>``) are merged key
by key into ``conf/base`` so that one setting can be changed alone. A
questionnaire is different: a custom survey's items, scales and constructs
must *replace* the standard questionnaire, never be merged item by item
into it (that added the standard items to every custom survey). The
top-level parameters in :data:`WHOLE_PARAMETERS` are therefore taken whole
from the environment that defines them.
"""

from __future__ import annotations

import copy
from typing import Any

from kedro.config import OmegaConfigLoader

# Parameters an environment replaces as a whole instead of merging into base.
WHOLE_PARAMETERS = ("questionnaire",)


class ProjectConfigLoader(OmegaConfigLoader):
    """OmegaConfigLoader whose environments replace :data:`WHOLE_PARAMETERS` whole.

    The parameters are read once per loader (one per run: their files and the
    ``--params`` do not change while it runs); reading them costs about 0.9 s,
    and a run asks twice (``RunParametersHook`` checks the wave names before
    the context builds the catalog). Each caller gets its own copy.
    """

    _parameters: dict[str, Any] | None = None

    def __getitem__(self, key: str) -> Any:
        if key != "parameters" or key in self.data:  # a value set on the loader wins, as in Kedro
            return super().__getitem__(key)
        if self._parameters is None:
            self._parameters = super().__getitem__(key)
        return copy.deepcopy(self._parameters)

    def _merge_configs(
        self, config: dict[str, Any], env_config: dict[str, Any], key: str, env_path: str
    ) -> Any:
        merged = super()._merge_configs(config, env_config, key, env_path)
        if key == "parameters":
            for name in WHOLE_PARAMETERS:
                if name in env_config:
                    merged[name] = env_config[name]
        return merged
