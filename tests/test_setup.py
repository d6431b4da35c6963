"""The project's setup files agree with each other and with the README."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import autograder.reference as reference

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]


def _requirement(text: str) -> tuple[str, str]:
    """Split 'name>=1.0' into a normalised name and its version specifier."""
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", text)
    assert match, text
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject():
    """environment.yml asks conda for exactly the packages and versions pyproject.toml asks pip for."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_requirement(r) for r in project["dependencies"])
    wanted.update(_requirement(r) for r in project["optional-dependencies"]["test"])
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    listed = dict(_requirement(d) for d in conda if isinstance(d, str) and not d.startswith(("python", "pip")))
    assert listed == wanted


def test_nbgrader_config_points_at_the_course_folders():
    """nbgrader reads its source and release folders, timeout and missing-cell repair from the root config."""
    from traitlets.config import Config

    config = Config()
    namespace = {"get_config": lambda: config}
    exec(compile((ROOT / "nbgrader_config.py").read_text(), "nbgrader_config.py", "exec"), namespace)
    assert config.CourseDirectory.source_directory == "source_notebooks"
    assert config.CourseDirectory.release_directory == "release"
    assert config.ExecutePreprocessor.timeout > 0
    assert config.OverwriteCells.add_missing_cells is True


@pytest.mark.parametrize("path", ["gradebook.db", "submitted/alice/ps1/x.ipynb",
                                  "autograded/alice/ps1/x.ipynb", "feedback/alice/ps1/x.html",
                                  ".demo/gradebook.db", ".venv/bin/python"])
def test_grading_state_is_ignored_by_git(path):
    """Gradebook, submissions, autograded copies, feedback and scratch folders never reach git."""
    result = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT)
    assert result.returncode == 0, f"{path} is not ignored by .gitignore"


def test_readme_commands_exist_in_makefile_and_ci():
    """The README's two commands are Makefile targets, and CI runs the README's test command."""
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for target in ("demo", "test", "lab"):
        assert f"make {target}" in readme
        assert re.search(rf"^{target}:", makefile, re.M), f"no '{target}' target in the Makefile"
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_licences_are_stated():
    """Code is MIT and lecture content CC BY 4.0, each in its own file."""
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert "CC BY 4.0" in (ROOT / "LICENSE-CONTENT.md").read_text()


@pytest.mark.parametrize("name", reference.__all__)
def test_every_reference_function_is_documented(name):
    """Each public reference function has a numpydoc docstring with parameters, returns, errors and a doctest."""
    func = getattr(reference, name)
    # A submodule named like a function would shadow it once imported.
    assert inspect.isfunction(func), f"autograder.reference.{name} is {func!r}, not a function"
    doc = inspect.getdoc(func) or ""
    for section in ("Parameters\n----", "Returns\n----", "Raises\n----", "Examples\n----"):
        assert section in doc, f"{name}'s docstring has no {section.splitlines()[0]} section"
    assert ">>> " in doc


def test_package_imports_without_scipy_or_torch():
    """Importing every reference module pulls in neither scipy (test-only) nor torch."""
    code = ("import sys, autograder.reference as r\n"
            "[getattr(r, n) for n in r.__all__]\n"
            "import autograder.checks\n"
            "bad = [m for m in ('scipy', 'torch') if m in sys.modules]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
