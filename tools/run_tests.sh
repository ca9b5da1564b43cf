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

ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's chromium for the browser tests ..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
  else
    echo "chromium is missing: install Debian's 'chromium' package (sudo apt-get install chromium)"
    return 1
  fi
}

ensure_bwrap() {  # the grader's sandbox (tests/test_grade.py also installs it when run as root)
  if command -v bwrap >/dev/null; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's bubblewrap for the grading sandbox ..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap) >/dev/null
  else
    echo "bubblewrap is missing: install Debian's 'bubblewrap' package (sudo apt-get install bubblewrap)"
    return 1
  fi
}

# Two lanes on two cores: the notebook lane (nbval, which executes every chapter and compares it
# with its stored outputs, then the book build from an empty _build, which uses those stored outputs
# and executes only the MyST text notebooks) runs in the background while the unit tests run; each
# lane logs to a file that is printed when the lane is done, so output does not interleave.
mkdir -p .test-logs
notebook_lane() {
  local t0=$SECONDS
  $BIN/pytest -q --nbval chapters --nbval-current-env \
    --nbval-sanitize-with tools/nbval_sanitize.cfg -p no:cacheprovider > .test-logs/nbval.log 2>&1
  echo "$? $((SECONDS - t0))" > .test-logs/nbval.rc
  t0=$SECONDS
  rm -rf _build
  $BIN/jupyter-book build . --builder html -W -n --keep-going --quiet > .test-logs/build.log 2>&1
  echo "$? $((SECONDS - t0))" > .test-logs/build.rc
}
rm -f .test-logs/*.rc
notebook_lane &
lane=$!

stage "grading sandbox setup" ensure_bwrap
stage "unit tests + doctests" $BIN/pytest -q tests lossutils --ignore=tests/browser
# Import contracts (which package layer may import which), declared in pyproject.toml
if grep -q '^\[tool\.importlinter\]' pyproject.toml; then
  stage "lint-imports" $BIN/lint-imports --no-cache
else
  echo ""; echo "=== lint-imports: pyproject.toml has no [tool.importlinter] section yet; stage not run"
fi
stage "browser setup" ensure_chromium

wait $lane
for part in nbval build; do
  echo ""; echo "=== $part (ran in the background)"
  cat .test-logs/$part.log 2>/dev/null | grep -v "Kernel is running over TCP without encryption"
  read -r rc secs < .test-logs/$part.rc 2>/dev/null || { rc=1; secs=0; }
  names+=("$part"); codes+=("$rc"); times+=("$secs")
done
# sphinxcontrib-katex's render server is stopped at exit; make sure none of ours outlives the run
pkill -f "$PWD/.venv/.*katex-server.js" 2>/dev/null || true

stage "browser tests" $BIN/pytest -q tests/browser

echo ""; echo "=== summary"
fail=0
for i in "${!names[@]}"; do
  if [ "${codes[$i]}" = 0 ]; then s=PASS; else s="FAIL (exit ${codes[$i]})"; fail=1; fi
  printf '  %-26s %-14s %4ss\n' "${names[$i]}" "$s" "${times[$i]}"
done
exit $fail
