"""nbgrader configuration for the course; run nbgrader commands from this folder.

The source assignments live in ``source_notebooks/`` and the generated student
versions in ``release/`` (committed).  The gradebook and the submitted/, autograded/
and feedback/ folders are created by grading runs and ignored by git.
"""

c = get_config()  # noqa: F821 -- injected by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "conv-course"
c.CourseDirectory.source_directory = "source_notebooks"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"

# A cell that runs longer than this is stopped and its tests fail; the rest still run.
c.ExecutePreprocessor.timeout = 60
c.ExecutePreprocessor.interrupt_on_timeout = True

# A student who deletes a graded cell still gets it graded: nbgrader puts the cell
# back from the gradebook before autograding.
c.OverwriteCells.add_missing_cells = True

# What the student receives in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
