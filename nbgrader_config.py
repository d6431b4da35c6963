"""nbgrader configuration for the course; run nbgrader commands from this folder.

The source assignments live in ``source_notebooks/`` and the generated student
versions in ``release/`` (committed).  The gradebook and the submitted/, autograded/
and feedback/ folders are created by grading runs and ignored by git.

Grading is trusted (autograder.nbgrader_plugins): every ``nbgrader autograde`` run from
this folder runs each submission in a sandbox, takes every autograded test's score from
checks that run outside the student's kernel, grades broken or renamed notebooks with a
note instead of stopping, and zeroes and flags a submission whose re-grade fails;
``nbgrader generate_feedback`` leaves the hidden tests out.
"""

c = get_config()  # noqa: F821 -- injected by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "conv-course"
c.CourseDirectory.source_directory = "source_notebooks"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"

# Trusted grading: the exporter, hook and preprocessors of autograde and generate_feedback
# (see autograder/nbgrader_plugins.py for what each one does).
from autograder.nbgrader_plugins import configure  # noqa: E402

configure(c)

# A cell that runs longer than this in the sandbox is stopped and gets an error output; the
# cells after it run in a fresh kernel.  Scores do not depend on it: the autograded tests
# are re-run outside the notebook by the trusted checks.
c.ExecutePreprocessor.timeout = 60

# Resource limits of the sandboxed processes (defaults of autograder.sandbox.Limits:
# 30 CPU s per process, 2 GiB of memory, 64 processes, 16 MiB files, 4 MiB of output).
# c.SandboxLimits.memory_bytes = 2 * 1024 ** 3
# c.SandboxLimits.wall_seconds = 60        # seconds one test cell may spend in student code

# A student who deletes a graded cell still gets it graded: the cell is put back from the
# assignment before autograding (autograder's RepairSubmission does it first; nbgrader's
# own restoring stays on as a second line).
c.OverwriteCells.add_missing_cells = True

# What the student receives in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
