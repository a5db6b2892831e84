#!/usr/bin/env python3
"""Build the site: python build.py [build|serve|check] [--source DIR] [--output DIR] [--base-url URL] [--strict]

Run with any Python: when this folder has the virtual environment the README's quick start makes
(.venv) and another Python runs this file, it runs itself again with the one in .venv, so
`python build.py serve` works as the editing guide says, on Windows too."""
import importlib.util
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv"
VENV_PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
NEEDED = ("yaml", "jinja2", "markdown", "pandas", "altair")  # what every build imports
_AGAIN = "CXSITE_FROM_BUILD_PY"  # set when build.py has run itself again: never twice


def _outside_venv() -> bool:
    try:
        return VENV_PYTHON.is_file() and Path(sys.prefix).resolve() != VENV.resolve() \
            and not os.environ.get(_AGAIN)
    except OSError:
        return False


def _again_in_venv() -> int:
    """This command, run by the Python of .venv; its exit code."""
    import subprocess  # only here: a build in .venv starts faster without it

    env = dict(os.environ, **{_AGAIN: "1"})
    child = subprocess.Popen([str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]], env=env)
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:  # Ctrl+C reaches both: the child stops and says so
            continue


def _missing() -> list:
    return [name for name in NEEDED if importlib.util.find_spec(name) is None]


if __name__ == "__main__":
    if _outside_venv():
        sys.exit(_again_in_venv())
    missing = _missing()
    if missing:
        setup = ("py -3.11 -m venv .venv, then .venv\\Scripts\\pip install -r requirements.lock"
                 if os.name == "nt" else
                 "python3 -m venv .venv && .venv/bin/pip install -r requirements.lock")
        print(f"error: the packages cxsite needs are not installed for this Python ({sys.executable} "
              f"has no {', '.join(missing)}).\n"
              f"  hint: set up the project once, in this folder ({HERE}): {setup}; then run "
              "'python build.py' again (it uses .venv by itself).", file=sys.stderr)
        sys.exit(2)
    from cxsite.cli import main

    sys.exit(main())
