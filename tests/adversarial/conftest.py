"""Keep pytest out of this folder: its .py files are student submissions, not tests.

The project runs pytest with ``--doctest-modules``, which imports every module it collects;
importing a submission would run its code (fork loops, busy loops, gradebook writes) in the
test process.  tests/test_adversarial.py reads these files as text and grades them through
nbgrader instead.
"""

collect_ignore_glob = ["*"]
