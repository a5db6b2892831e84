"""The command line: argument parsing, progress, messages and exit codes (0 ok, 1 site errors, 2 usage)."""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path
from typing import Sequence

from .config import load_config
from .errors import BuildFailed, Problem, SiteError, UsageError

EXIT_OK, EXIT_SITE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print usage and exit 2 itself
        raise UsageError(message)


def make_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="build.py", description="Build a CX programme website from Markdown and data.")
    p.add_argument("command", nargs="?", default="build", choices=["build", "serve", "check"],
                   help="build (default) writes the site; serve rebuilds on change and shows it "
                        "in the browser; check validates everything and writes nothing")
    p.add_argument("--source", type=Path, default=Path("."), metavar="DIR",
                   help="the site folder holding content/ (default: this folder)")
    p.add_argument("--output", type=Path, default=None, metavar="DIR",
                   help="where to write the site (default: SOURCE/output)")
    p.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                   help="where to keep the chart cache and the record of the last build "
                        "(default: SOURCE/.cxsite); CI keeps it between runs")
    p.add_argument("--base-url", default=None, metavar="URL",
                   help="the address the site is published under, e.g. /cx/ or https://intranet/cx/")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.add_argument("--port", type=int, default=8000,
                   help="serve: the port to use (default 8000; the next free one if it is taken)")
    p.add_argument("--no-open", action="store_true", help="serve: do not open a browser")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="how many pages to render at once (default: one per processor core); "
                        "--jobs 1 renders one at a time")
    return p


def _print_problems(problems: Sequence[Problem], stream=None) -> None:
    stream = stream or sys.stderr
    for p in problems:
        print(p.format(), file=stream)


class _Progress:
    """A one-line progress display on a terminal; silent when output is piped (CI logs)."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty() and not os.environ.get("CI")
        self.start = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        if self.enabled and time.monotonic() - self.start > 0.5:
            sys.stderr.write(f"\rRendering pages: {done}/{total}")
            sys.stderr.flush()

    def finish(self) -> None:
        if self.enabled and time.monotonic() - self.start > 0.5:
            sys.stderr.write("\r" + " " * 40 + "\r")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = make_parser().parse_args(argv)
    except UsageError as exc:
        print(f"usage error: {exc}\n  hint: run 'python build.py --help' to see the options.",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        source = args.source
        if source.is_file():
            raise UsageError(f"'{source}' is a file; --source takes the site folder, the one that "
                             "holds content/")
        if not source.is_dir():
            raise UsageError(f"the source folder '{source}' does not exist")
        config = load_config(source, args.output, base_url=args.base_url, strict=args.strict,
                             serve_mode=args.command == "serve", cache_dir=args.cache_dir)
        if args.command == "serve":
            from .serve.server import serve
            return serve(config, port=args.port, open_browser=not args.no_open,
                         base_url=args.base_url, jobs=args.jobs, cache_dir=args.cache_dir)
        if args.command == "check":  # analysts' python: chart modules are read, never run
            config = dataclasses.replace(config, run_code=False)
        return run_build(config, check_only=args.command == "check", jobs=args.jobs)
    except UsageError as exc:
        print(f"usage error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SiteError as exc:
        _print_problems([exc.problem])
        print(f"{_failed(args.command)}; {_untouched(args.command)}", file=sys.stderr)
        return EXIT_SITE
    except BuildFailed as exc:
        _print_problems(exc.problems)
        errors = sum(p.severity == "error" for p in exc.problems)
        warnings = len(exc.problems) - errors
        print(f"{_failed(args.command)}: {errors} error(s), {warnings} warning(s)"
              f"{' (warnings count as errors with --strict)' if warnings and not errors else ''}; "
              f"{_untouched(args.command)}", file=sys.stderr)
        return EXIT_SITE
    except KeyboardInterrupt:
        print("\nStopped (Ctrl+C); the site in the output folder is the last complete one.",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr = None
        return EXIT_OK
    except Exception as exc:  # a bug in cxsite, not a mistake in the site
        if os.environ.get("CXSITE_DEBUG"):
            raise
        print(f"internal error: cxsite failed ({type(exc).__name__}: {exc}).\n"
              "  hint: this is a bug in cxsite, not in your site; the previous site is untouched. "
              "Run again with CXSITE_DEBUG=1 to see the details, and report them.", file=sys.stderr)
        return EXIT_SITE


def _failed(command: str) -> str:
    return "Check failed" if command == "check" else "Build failed"


def _untouched(command: str) -> str:
    return "nothing was written." if command == "check" else \
        "the previous site (if any) is untouched."


def run_build(config, *, check_only: bool = False, jobs: int | None = None) -> int:
    from .engine.build import build as build_site
    from .engine.output import DiskWriter

    started = time.monotonic()
    progress = _Progress()
    writer = None if check_only else DiskWriter(config.output, config.source)
    result = build_site(config, writer, jobs=jobs, progress=progress)
    progress.finish()
    _print_problems(result.problems)
    took = time.monotonic() - started
    if check_only:
        print(f"Checked {result.pages} pages in {took:.2f} s: no errors.")
        return EXIT_OK
    r = result.report
    if result.rendered == 0 and not r.written and not r.deleted:
        print(f"The site is up to date: nothing changed since the last build ({result.pages} "
              f"pages, checked in {took:.2f} s).")
    else:
        print(f"Built {result.pages} pages in {took:.2f} s ({result.rendered} rendered, "
              f"{len(r.written)} files written, {r.unchanged} unchanged, {len(r.deleted)} removed).")
    print(f"The site is in {config.output} (publish this folder to any web server).\n"
          f"To look at it, run:  {_serve_command(config)}")
    return EXIT_OK


def _serve_command(config) -> str:
    """The command that serves this site, written the way the user ran the build."""
    here = Path.cwd().resolve()
    python = Path(sys.executable)
    try:  # a virtual environment inside this folder: .venv/bin/python
        python_cmd = python.relative_to(here).as_posix()
    except ValueError:
        python_cmd = "python"
    script = Path(sys.argv[0]).name if sys.argv and sys.argv[0].endswith("build.py") else None
    command = f"{python_cmd} build.py serve" if script else "cxsite serve"
    if config.source != here:
        command += f" --source {_quoted(config.source)}"
    if config.output != config.source / "output":
        command += f" --output {_quoted(config.output)}"
    return command


def _quoted(path: Path) -> str:
    """A path as a shell argument, in double quotes when it holds a space (Windows and Unix)."""
    text = str(path)
    return f'"{text}"' if any(c in text for c in " &()'") else text


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
