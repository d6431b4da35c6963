# Two commands for a fresh machine with Python 3.10+ and make:
#   make demo   grade the bundled demo classes through the real nbgrader pipeline
#   make test   run the whole test suite
# Both create the virtual environment .venv on first use and install the project into it.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# pytest workers: one per core unless told otherwise
JOBS   ?= auto

.PHONY: help venv demo test test-fast lab release bench golden clean

help:
	@echo "make demo    grade the bundled demo classes (nbgrader: autograde, feedback, export)"
	@echo "make test    run the whole test suite"
	@echo "make lab     open the course in JupyterLab"
	@echo "make release regenerate release/ from source_notebooks/ with nbgrader"
	@echo "make bench   benchmark the fast convolution (vs loops, and PyTorch if installed) and time the course"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 10) else "Python 3.10 or newer is needed, found %d.%d" % v[:2])'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m autograder.demo

# One BLAS thread per pytest worker: two workers each spawning two BLAS threads on two
# cores slow OpenBLAS down tenfold.
test: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -n $(JOBS) --dist loadfile

# Serve the repository root (so release/ and nbgrader's config are reachable) and open the
# first lecture.
lab: $(STAMP)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/jupyter lab --notebook-dir=. \
	    --LabApp.default_url=/lab/tree/course/00-orientation.ipynb

release: $(STAMP)
	$(PY) -m autograder.release

bench: $(STAMP)
	$(PY) benchmarks/bench_conv.py
	$(PY) benchmarks/bench_course.py

# Golden files come from PyTorch; torch is not a project dependency, so install it first
# (pip install torch) in the environment that runs this.
golden: $(STAMP)
	$(PY) tests/golden/make_golden.py

clean:
	rm -rf .demo build .pytest_cache .hypothesis
