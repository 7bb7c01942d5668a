"""The project's KedroContext: parameters reach the catalog as the pipelines name them, and no more.

Kedro adds a ``params:<name>`` dataset for every key at every depth of the
parameters (1,965 here: the questionnaire, the playbook and the report's
labels are deep), each a deep copy of its part: about 0.3 s of every run for
the 33 the nodes read. This context adds ``parameters``, each top-level
``params:<key>`` and every ``params:`` name a registered pipeline reads.
``context.params`` still holds everything.
"""

from __future__ import annotations

from typing import Any

from kedro.framework.context import KedroContext


def parameters_read_by(params: dict[str, Any], wanted: set[str]) -> dict[str, Any]:
    """``parameters``, ``params:<top-level key>`` and each wanted ``params:a.b.c`` found in ``params``."""
    inputs: dict[str, Any] = {"parameters": params}
    inputs.update({f"params:{key}": value for key, value in params.items()})
    for name in sorted(wanted):
        value: Any = params
        for part in name.removeprefix("params:").split("."):
            if not isinstance(value, dict) or part not in value:
                break
            value = value[part]
        else:
            inputs[name] = value
    return inputs


class ProjectContext(KedroContext):
    """KedroContext whose catalog holds the parameters the pipelines read (see the module)."""

    def _get_parameters(self) -> dict[str, Any]:
        from kedro.framework.project import pipelines

        wanted = {
            name
            for pipeline in pipelines.values()
            for name in pipeline.inputs()
            if name.startswith("params:")
        }
        return parameters_read_by(self.params, wanted)
