"""Regenerate ``release/`` (the student versions) from ``source_notebooks/`` with nbgrader.

``make release`` runs ``python -m autograder.release``.  For every assignment folder in
``source_notebooks/`` it runs ``nbgrader generate_assignment`` in a scratch copy of the course
(so no gradebook or other state lands in the repository) and copies the result into
``release/``, replacing what was there.  ``release/`` is committed and never edited by hand;
``tests/test_release.py`` regenerates it and fails on any difference.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from autograder.notebooks import assignment_ids, run_nbgrader, scratch_course

__all__ = ["ROOT", "generate_release", "main"]

#: The repository root: the course nbgrader runs in.
ROOT = Path(__file__).resolve().parents[1]


def generate_release(course_root=ROOT, dest=None, *, assignments=None) -> list[Path]:
    """Run ``nbgrader generate_assignment`` for each assignment and copy the output to ``dest``.

    Parameters
    ----------
    course_root : str or os.PathLike
        The course: ``nbgrader_config.py`` and ``source_notebooks/``.
    dest : str or os.PathLike, optional
        Where the student versions go, one folder per assignment; by default
        ``course_root/release``.  Each assignment's folder is replaced, and folders of
        assignments no longer in ``source_notebooks/`` are removed.
    assignments : sequence of str, optional
        Only these assignments (by default every one in ``source_notebooks/``); nothing is
        removed then.

    Returns
    -------
    list of pathlib.Path
        The assignment folders written, sorted.

    Raises
    ------
    ValueError
        If ``course_root`` is not a course or an assignment is not in it.
    autograder.notebooks.NbgraderError
        If nbgrader refuses an assignment (e.g. a solution region outside a solution cell).

    See Also
    --------
    nbgrader generate_assignment : The command this wraps.

    Notes
    -----
    nbgrader replaces each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region by the code
    stub from ``nbgrader_config.py``, removes ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN
    TESTS`` regions, clears outputs and records a checksum of every graded and locked cell.
    """
    root = Path(course_root)
    available = assignment_ids(root)
    if assignments is None:
        wanted = available
    else:
        wanted = sorted(assignments)
        missing = [a for a in wanted if a not in available]
        if missing:
            raise ValueError(f"assignments must be folders of source_notebooks/ holding a notebook "
                             f"({', '.join(available) or 'none found'}), got {missing!r}")
    dest = Path(dest) if dest is not None else root / "release"
    written = []
    with tempfile.TemporaryDirectory(prefix="release-") as tmp:
        scratch = scratch_course(root, Path(tmp) / "course")
        for assignment in wanted:
            run_nbgrader(["generate_assignment", assignment], cwd=scratch)
        dest.mkdir(parents=True, exist_ok=True)
        for assignment in wanted:
            target = dest / assignment
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(scratch / "release" / assignment, target)
            written.append(target)
    if assignments is None:
        for stale in sorted(p for p in dest.iterdir() if p.is_dir() and p.name not in wanted):
            shutil.rmtree(stale)
    return written


def main(argv=None) -> int:
    """Command line: ``python -m autograder.release [--dest DIR] [ASSIGNMENT ...]``."""
    parser = argparse.ArgumentParser(prog="python -m autograder.release",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    parser.add_argument("--dest", type=Path, default=None, help="output folder (default: release/)")
    options = parser.parse_args(argv)
    written = generate_release(ROOT, options.dest, assignments=options.assignments or None)
    for folder in written:
        files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        print(f"{folder}: {', '.join(files)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
