"""The command line as a user meets it: exit codes, exact messages, output left untouched."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cxsite.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_build_writes_site_and_says_where_it_is(site, capsys):
    src = site({"content/index.md": "# Hello\n\nWelcome."})
    code, out, err = run(capsys, "--source", str(src))
    assert code == 0, err
    assert (src / "output" / "index.html").is_file()
    assert f"The site is in {src / 'output'} (publish this folder to any web server)." in out
    assert f"serve --source {src}" in out.splitlines()[-1]
    assert err == ""


def test_check_validates_and_writes_nothing(site, capsys):
    src = site({"content/index.md": "# Hello"})
    code, out, _ = run(capsys, "check", "--source", str(src))
    assert code == 0
    assert "Checked 1 pages" in out
    assert not (src / "output").exists()


def test_check_reports_errors_with_exit_1(site, capsys):
    src = site({"content/index.md": "[x](nowhere.md)"})
    code, _, err = run(capsys, "check", "--source", str(src))
    assert code == 1
    assert "content/index.md:1: error: link to a missing page 'nowhere.md'" in err


def _good_build(src: Path) -> dict[str, bytes]:
    assert main(["--source", str(src)]) == 0
    return {p.relative_to(src / "output").as_posix(): p.read_bytes()
            for p in (src / "output").rglob("*") if p.is_file()}


BAD_PAGES = {
    "malformed YAML": (
        "---\ntitle: Roadmap\nweight: x: y\n---\nHi\n",
        "content/index.md:3: error: the front matter is not valid: mapping values are not allowed "
        "in this context\n  hint: check the indentation and put quotes around text that contains "
        "': ' or starts with a symbol.",
    ),
    "front matter not a mapping": (
        "---\n- a\n- b\n---\nHi\n",
        "content/index.md:2: error: the front matter must be a set of 'key: value' lines, but it "
        "is a list\n  hint: write one 'key: value' per line, for example 'title: Our roadmap'.",
    ),
    "non-UTF-8 file": (
        b"# Caf\xe9\n",
        "content/index.md:1: error: the file is not UTF-8 text\n  hint: open it in your editor and "
        "save it with the encoding 'UTF-8'.",
    ),
    "link to a missing page": (
        "# Home\n\nSee [the plan](roadmapp.md).\n",
        "content/index.md:3: error: link to a missing page 'roadmapp.md'\n  hint: did you mean "
        "'roadmap.md'? Links are relative to this page's folder.",
    ),
    "unknown template": (
        "---\ntitle: Home\ntemplate: wide\n---\nHi\n",
        "content/index.md:3: error: unknown template 'wide'\n  hint: choose one of: 'page', 'section'.",
    ),
    "unclosed front matter": (
        "---\ntitle: Home\n\nHi\n",
        "content/index.md:1: error: the front matter has no closing '---' line\n  hint: end the "
        "block of 'key: value' lines at the top of the page with a line holding only '---'.",
    ),
    "wrong type in front matter": (
        "---\nweight: heavy\n---\nHi\n",
        "content/index.md:2: error: front matter 'weight' must be a whole number, not 'heavy'\n"
        "  hint: write for example 'weight: 10'.",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_PAGES))
def test_bad_page_gives_one_clear_message_and_keeps_last_good_site(site, capsys, case):
    src = site({"content/index.md": "# Home", "content/roadmap.md": "# Roadmap"})
    before = _good_build(src)
    capsys.readouterr()
    body, expected = BAD_PAGES[case]
    page = src / "content" / "index.md"
    page.write_bytes(body) if isinstance(body, bytes) else page.write_text(body, encoding="utf-8")
    code, out, err = run(capsys, "--source", str(src))
    assert code == 1
    assert err.startswith(expected + "\n"), err
    assert "Traceback" not in err
    assert "Build failed: 1 error(s), 0 warning(s); the previous site (if any) is untouched." in err
    after = {p.relative_to(src / "output").as_posix(): p.read_bytes()
             for p in (src / "output").rglob("*") if p.is_file()}
    assert after == before


def test_two_pages_with_one_url(site, capsys):
    src = site({"content/index.md": "# Home", "content/plan.md": "# A", "content/plan/index.md": "# B"})
    code, _, err = run(capsys, "--source", str(src))
    assert code == 1
    assert ("content/plan.md: error: this page and content/plan/index.md both map to the URL /plan/\n"
            "  hint: rename or move one of them (a folder's own page is its _index.md; 'a.md' and "
            "'a/index.md' are the same page).") in err
    assert not (src / "output").exists()


def test_all_problems_are_reported_together(site, capsys):
    src = site({"content/index.md": "[a](missing-a.md)", "content/b.md": "---\ndraft: maybe\n---\n"})
    code, _, err = run(capsys, "--source", str(src))
    assert code == 1
    assert "content/b.md:2: error: front matter 'draft' must be true or false" in err
    assert "content/index.md:1: error: link to a missing page 'missing-a.md'" in err
    assert "Build failed: 2 error(s)" in err


def test_output_equal_to_source_is_refused(site, capsys):
    src = site({"content/index.md": "# Home"})
    code, _, err = run(capsys, "--source", str(src), "--output", str(src))
    assert code == 1
    assert err.startswith(f"error: the output folder {src} is the source folder\n"
                          "  hint: choose another --output, for example the default SOURCE/output.")
    assert sorted(p.name for p in src.iterdir()) == ["content"]


def test_output_containing_source_is_refused(site, capsys):
    src = site({"content/index.md": "# Home"})
    code, _, err = run(capsys, "--source", str(src), "--output", str(src.parent))
    assert code == 1
    assert err.startswith(f"error: the output folder {src.parent} contains the source folder {src}\n")


def test_output_inside_content_is_refused(site, capsys):
    src = site({"content/index.md": "# Home"})
    code, _, err = run(capsys, "--source", str(src), "--output", str(src / "content" / "out"))
    assert code == 1
    assert "is inside the site's content/ folder" in err
    assert not (src / "content" / "out").exists()


def test_unknown_option_is_a_usage_error(site, capsys):
    src = site({"content/index.md": "# Home"})
    code, _, err = run(capsys, "--source", str(src), "--frobnicate")
    assert code == 2
    assert err == ("usage error: unrecognized arguments: --frobnicate\n"
                   "  hint: run 'python build.py --help' to see the options.\n")


def test_missing_source_folder_is_a_usage_error(tmp_path, capsys):
    code, _, err = run(capsys, "--source", str(tmp_path / "nope"))
    assert code == 2
    assert err == f"usage error: the source folder '{tmp_path / 'nope'}' does not exist\n"


def test_a_file_as_source_is_a_usage_error(site, capsys):
    src = site({"content/index.md": "# Home", "cxsite.yaml": "title: T\n"})
    code, _, err = run(capsys, "--source", str(src / "cxsite.yaml"))
    assert code == 2
    assert err == (f"usage error: '{src / 'cxsite.yaml'}' is a file; --source takes the site folder, "
                   "the one that holds content/\n")


def test_strict_turns_warnings_into_errors(site, capsys):
    src = site({"content/index.md": "---\ntitel: Home\n---\nHi"})
    code, _, err = run(capsys, "--source", str(src))
    assert code == 0
    assert "content/index.md: warning: unknown front matter key 'titel'\n  hint: did you mean 'title'?" in err
    code, _, err = run(capsys, "--source", str(src), "--strict")
    assert code == 1
    assert "warnings count as errors with --strict" in err


def test_refuses_to_write_into_a_folder_it_did_not_make(site, capsys, tmp_path):
    src = site({"content/index.md": "# Home"})
    foreign = tmp_path / "precious"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("keep me")
    code, _, err = run(capsys, "--source", str(src), "--output", str(foreign))
    assert code == 1
    assert f"error: the output folder {foreign} is not empty and was not made by cxsite" in err
    assert sorted(p.name for p in foreign.iterdir()) == ["thesis.docx"]


@pytest.mark.slow
def test_build_py_runs_as_a_script_without_traceback(site):
    src = site({"content/index.md": "---\ntitle: [broken\n---\n"})
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "--source", str(src)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("content/index.md:")
    assert proc.stdout == ""  # nothing but the problems, and no progress bar when piped


@pytest.mark.slow
def test_build_py_says_how_to_serve_with_the_same_python(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "index.md").write_text("# Home")
    proc = subprocess.run([sys.executable, str(ROOT / "build.py")], capture_output=True, text=True,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    python = Path(sys.executable)
    expected = python.relative_to(tmp_path).as_posix() if tmp_path in python.parents else "python"
    assert proc.stdout.splitlines()[-1] == f"To look at it, run:  {expected} build.py serve"


def test_a_bug_is_reported_without_traceback_unless_debugging(site, capsys, monkeypatch):
    import cxsite.engine.build

    def broken(*args, **kwargs):
        raise KeyError("oops")

    monkeypatch.setattr(cxsite.engine.build, "build", broken)
    src = site({"content/index.md": "# Home"})
    code, _, err = run(capsys, "--source", str(src))
    assert code == 1
    assert err.startswith("internal error: cxsite failed (KeyError: 'oops').")
    assert "CXSITE_DEBUG=1" in err and "Traceback" not in err
    monkeypatch.setenv("CXSITE_DEBUG", "1")
    with pytest.raises(KeyError):
        main(["--source", str(src)])


def test_ctrl_c_during_a_build_says_so_and_keeps_the_last_site(site, capsys, monkeypatch):
    from cxsite.engine import site as engine_site

    src = site({"content/index.md": "# Home\n\nFirst.\n", "content/a.md": "# A\n"})
    assert main(["--source", str(src)]) == 0
    before = {p: p.read_bytes() for p in (src / "output").rglob("*") if p.is_file()}
    (src / "content/index.md").write_text("# Home\n\nSecond.\n")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine_site, "render_body", interrupted)
    capsys.readouterr()
    assert main(["--source", str(src)]) == 130
    err = capsys.readouterr().err
    assert err.strip() == "Stopped (Ctrl+C); the site in the output folder is the last complete one."
    assert {p: p.read_bytes() for p in (src / "output").rglob("*") if p.is_file()} == before


@pytest.mark.slow
def test_ctrl_c_in_a_real_build_exits_130_with_one_line(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    from make_site import make_site

    src = make_site(tmp_path / "site", pages=600)
    # Ctrl+C as a terminal sends it, to a build that has it as Python's default (a test before
    # this one may leave it ignored in this process, and a child would inherit that)
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--source", str(src)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:  # until the first pages are out:
        if any((src / "output").rglob("*.html")):  # the rest are being rendered (a fixed wait
            break  # was too long once builds got faster, too short on a busy machine)
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the build finished before Ctrl+C arrived")
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == [
        "Stopped (Ctrl+C); the site in the output folder is the last complete one."]
    assert not (src / "output").exists() or not list((src / "output").rglob("*.html"))


def test_a_failed_check_says_check_failed_and_that_nothing_was_written(site, capsys):
    src = site({"content/index.md": "[a](missing.md)"})
    code, _, err = run(capsys, "check", "--source", str(src))
    assert code == 1
    assert err.splitlines()[-1] == "Check failed: 1 error(s), 0 warning(s); nothing was written."
    assert "Build failed" not in err


def test_the_serve_hint_keeps_source_and_output(site, capsys, tmp_path):
    src = site({"content/index.md": "# Hello"})
    out_dir = tmp_path / "my site"
    code, out, err = run(capsys, "--source", str(src), "--output", str(out_dir))
    assert code == 0, err
    assert out.splitlines()[-1].endswith(f'serve --source {src} --output "{out_dir.resolve()}"')


def test_help_lists_jobs(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "--jobs N" in capsys.readouterr().out


def test_a_misspelt_data_file_suggests_only_files_with_a_close_name(site, capsys):
    files = {"content/index.md": "```chart\ndata: teams.csv\nmark: bar\nx: a\ny: b\n```",
             "data/ama_survey.csv": "a,b\nx,1\n", "data/kpi_monthly.csv": "a,b\nx,1\n"}
    code, _, err = run(capsys, "check", "--source", str(site(files)))
    assert code == 1
    assert "hint: the data files are: ama_survey.csv, kpi_monthly.csv." in err
    files["content/index.md"] = files["content/index.md"].replace("teams.csv", "kpi_montly.csv")
    code, _, err = run(capsys, "check", "--source", str(site(files)))
    assert "hint: did you mean 'kpi_monthly.csv'?" in err


def _project_copy(tmp_path: Path) -> Path:
    """build.py and the engine in a folder of their own, as an editor's laptop has them."""
    import shutil

    proj = tmp_path / "proj"
    proj.mkdir()
    shutil.copy(ROOT / "build.py", proj / "build.py")
    shutil.copytree(ROOT / "cxsite", proj / "cxsite", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "templates", proj / "templates")
    (proj / "content").mkdir()
    (proj / "content" / "index.md").write_text("# Home\n")
    return proj


@pytest.mark.slow
def test_build_py_run_by_a_python_without_the_packages_says_how_to_set_up(tmp_path):
    import venv

    proj = _project_copy(tmp_path)
    bare = tmp_path / "bare"  # a Python with none of cxsite's packages
    venv.create(bare, with_pip=False)
    python = bare / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    proc = subprocess.run([str(python), "build.py", "check"], cwd=proj, capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: the packages cxsite needs are not installed for this Python")
    assert "-m venv .venv" in proc.stderr and "requirements.lock" in proc.stderr


@pytest.mark.slow
def test_build_py_run_outside_the_project_venv_runs_again_inside_it(tmp_path):
    import site as site_module
    import venv

    proj = _project_copy(tmp_path)
    venv.create(proj / ".venv", with_pip=False)  # the project's .venv, with this suite's packages
    packages = next(p for p in site_module.getsitepackages() if p.endswith("site-packages"))
    lib = next((proj / ".venv").glob("lib*/python*/site-packages"), None) or \
        proj / ".venv" / "Lib" / "site-packages"
    (lib / "suite.pth").write_text(packages + "\n")
    bare = tmp_path / "bare"
    venv.create(bare, with_pip=False)
    python = bare / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    proc = subprocess.run([str(python), "build.py", "check"], cwd=proj, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Checked 1 pages")


def test_a_failed_build_into_a_new_output_folder_does_not_create_it(site, capsys, tmp_path):
    src = site({"content/index.md": "# Home\n\n```chart\ndata: nope.csv\nmark: bar\nx: a\ny: b\n```"})
    target = tmp_path / "new-output"
    code, _, err = run(capsys, "--source", str(src), "--output", str(target))
    assert code == 1 and "Build failed" in err
    assert not target.exists()
