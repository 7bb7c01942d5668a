"""Project settings. https://docs.kedro.org/en/stable/kedro_project_setup/settings.html"""

import warnings

from segmentation.config_loader import ProjectConfigLoader
from segmentation.console import StageProgressHook
from segmentation.context import ProjectContext
from segmentation.hooks import PseudonymKeyHook, RunParametersHook, RunTimingHook
from segmentation.memory import ProjectDataCatalog
from segmentation.staging import StagedOutputsHook

# Kedro 1.7 calls an OmegaConf API that OmegaConf 2.4 deprecates; the warning
# is about Kedro's code, not this project's, and would bury the run's own log.
warnings.filterwarnings(
    "ignore", message=r"register_new_resolver\(\) is deprecated", category=UserWarning
)

HOOKS = (
    RunParametersHook(),
    PseudonymKeyHook(),
    RunTimingHook(),
    StageProgressHook(),
    StagedOutputsHook(),
)

# The catalog holds the parameters the pipelines read, not a dataset for every nested key.
CONTEXT_CLASS = ProjectContext

# Environments merge parameters key by key, except a questionnaire, which they replace whole.
CONFIG_LOADER_CLASS = ProjectConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    "merge_strategy": {"parameters": "soft"},
}

# Tables handed over in memory are not copied on every save and load (segmentation/memory.py).
DATA_CATALOG_CLASS = ProjectDataCatalog
