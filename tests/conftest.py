"""Shared test settings.

Hypothesis runs derandomized (the same examples every run, so CI is reproducible) and
prints the blob that replays a failure.  The ``rng`` fixture seeds numpy from the test's
name and logs the seed, so any random case can be rebuilt by hand.
"""

from __future__ import annotations

import os
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    print_blob=True,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, print_blob=True, max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def rng(request):
    """A numpy Generator seeded from the test's node id; the seed is printed for replay."""
    seed = zlib.crc32(request.node.nodeid.encode())
    print(f"rng seed for {request.node.nodeid}: {seed}")
    return np.random.default_rng(seed)

# The golden-file generator needs PyTorch, which is not a test dependency; it is a script.
# tests/adversarial/ holds student submissions, not tests: importing one (as --doctest-modules
# would) runs its fork loops and gradebook writes in the test process. test_adversarial.py
# reads them as text and grades them through nbgrader.
collect_ignore = ["golden/make_golden.py", "adversarial"]
