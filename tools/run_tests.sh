#!/usr/bin/env bash
# Everything CI checks, stage by stage, with a summary at the end. Called by `make test`.
# Every stage runs even if an earlier one failed, so one run shows every problem.
# pytest's exit code 5 ("no tests collected") counts as a failure: a stage that tests nothing is broken.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
# (no MPLBACKEND here: kernels must keep the inline backend, or notebooks show no figures)
export PYTHONHASHSEED=0 PYDEVD_DISABLE_FILE_VALIDATION=1
names=(); codes=(); times=()

stage() {  # stage NAME COMMAND...
  local name=$1; shift
  echo ""; echo "=== $name: $*"
  local t0=$SECONDS
  "$@"; local rc=$?
  names+=("$name"); codes+=("$rc"); times+=("$((SECONDS - t0))")
}

ensure_debian_package() {  # ensure_debian_package COMMAND PACKAGE WHAT-FOR: install it as root if missing
  if command -v "$1" >/dev/null; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's $2 for $3 ..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2") >/dev/null
  else
    echo "$1 is missing: install Debian's '$2' package (sudo apt-get install $2)"
    return 1
  fi
}
ensure_chromium() { ensure_debian_package /usr/bin/chromium chromium "the browser tests"; }
# the grader's sandbox (tests/test_grade.py also installs it when run as root)
ensure_bwrap() { ensure_debian_package bwrap bubblewrap "the grading sandbox"; }

# Two cores, kept busy:
# - in the background, the site is built from an empty _build (it uses the notebooks' stored outputs,
#   which nbval compares with fresh ones below, and executes only the MyST text notebooks), and
#   Debian's chromium is installed if missing;
# - in the foreground, one pytest run with two workers (pytest-xdist; which tests share a worker is
#   decided in conftest.py: the cells of a notebook share one kernel): nbval, which executes every
#   chapter and compares it with its stored outputs, unit tests, doctests, and the student notebooks
#   run top to bottom;
# - then the browser tests on the built site, also with two workers.
# A background stage logs to a file that is printed when it is collected, so output does not interleave.
mkdir -p .test-logs
rm -f .test-logs/*.rc
background() {  # background NAME COMMAND...: run it now, collect it later
  local name=$1; shift
  # the .rc file appears whole (written, then renamed): collect never reads it half-written
  ( t0=$SECONDS; "$@" > ".test-logs/$name.log" 2>&1
    echo "$? $((SECONDS - t0))" > ".test-logs/$name.rc.tmp"; mv ".test-logs/$name.rc.tmp" ".test-logs/$name.rc" ) &
}
collect() {  # collect NAME: wait for it, print its log, record its result
  local name=$1
  while [ ! -f ".test-logs/$name.rc" ]; do sleep 1; done
  echo ""; echo "=== $name (ran in the background)"
  grep -v "Kernel is running over TCP without encryption" ".test-logs/$name.log"
  read -r rc secs < ".test-logs/$name.rc" || { rc=1; secs=0; }
  names+=("$name"); codes+=("$rc"); times+=("$secs")
}
build_site() {
  rm -rf _build
  $BIN/jupyter-book build . --builder html -W -n --keep-going --quiet
}

stage "grading sandbox setup" ensure_bwrap   # before apt installs anything else: one apt at a time
background "build" build_site
background "browser setup" ensure_chromium
stage "unit tests + doctests + nbval" $BIN/pytest -q -n 2 chapters tests lossutils \
  --ignore=tests/browser --nbval --nbval-current-env --nbval-sanitize-with tools/nbval_sanitize.cfg
# Import contracts (which package layer may import which), declared in pyproject.toml
if grep -q '^\[tool\.importlinter\]' pyproject.toml; then
  stage "lint-imports" $BIN/lint-imports --no-cache
else
  echo ""; echo "=== lint-imports: pyproject.toml has no [tool.importlinter] section yet; stage not run"
fi
collect "browser setup"
collect "build"
# sphinxcontrib-katex's render server is stopped at exit; make sure none of ours outlives the run
pkill -f "$PWD/.venv/.*katex-server.js" 2>/dev/null || true

# Browser tests: two workers; the tests of one page that share a visit stay on one worker (conftest.py)
stage "browser tests" $BIN/pytest -q -n 2 tests/browser

echo ""; echo "=== summary"
fail=0
for i in "${!names[@]}"; do
  if [ "${codes[$i]}" = 0 ]; then s=PASS; else s="FAIL (exit ${codes[$i]})"; fail=1; fi
  printf '  %-30s %-14s %4ss\n' "${names[$i]}" "$s" "${times[$i]}"
done
exit $fail
