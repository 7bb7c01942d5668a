"""The ``segmentation`` command: ``kedro run`` by default, ``segmentation inspect EXPORT --env NAME`` to set up a survey."""

import sys
from pathlib import Path

COMMANDS = """Commands:
  segmentation [OPTIONS]                  run the pipeline (as kedro run; options below)
  segmentation inspect EXPORT --env NAME  read a survey export and write a starter conf/NAME/
                                          (see docs/your_own_survey.md; --help for its options)
"""


def main(*args, **kwargs):
    package_name = Path(__file__).parent.name
    interactive = hasattr(sys, "ps1")
    kwargs["standalone_mode"] = not interactive
    argv = list(args[0]) if args else sys.argv[1:]
    if argv[:1] == ["inspect"]:
        from segmentation.inspect_command import inspect

        return inspect.main(argv[1:], prog_name="segmentation inspect", **kwargs)
    if argv[:1] in (["--help"], ["-h"]):
        print(COMMANDS)
    # imported here: Kedro's CLI sets up the project's logging on import, which inspect does not need
    from kedro.framework.cli.utils import find_run_command
    from kedro.framework.project import configure_project

    configure_project(package_name)
    run = find_run_command(package_name)
    return run(*args, **kwargs)


if __name__ == "__main__":
    main()
