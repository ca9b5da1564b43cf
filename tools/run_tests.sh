#!/usr/bin/env bash
# Everything CI checks, stage by stage, with a summary at the end. Called by `make test`.
# Every stage runs even if an earlier one failed, so one run shows every problem.
# pytest's exit code 5 ("no tests collected") counts as a failure: a stage that tests nothing is broken.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export PYTHONHASHSEED=0 MPLBACKEND=Agg PYDEVD_DISABLE_FILE_VALIDATION=1
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

stage "unit tests + doctests" $BIN/pytest -q tests lossutils --ignore=tests/browser
stage "notebooks (nbval)" $BIN/pytest -q --nbval chapters --nbval-current-env \
  --nbval-sanitize-with tools/nbval_sanitize.cfg -p no:cacheprovider
rm -rf _build
stage "book build (-W -n)" $BIN/jupyter-book build . --builder html -W -n --keep-going --quiet
stage "browser setup" ensure_chromium
stage "browser tests" $BIN/pytest -q tests/browser

echo ""; echo "=== summary"
fail=0
for i in "${!names[@]}"; do
  if [ "${codes[$i]}" = 0 ]; then s=PASS; else s="FAIL (exit ${codes[$i]})"; fail=1; fi
  printf '  %-26s %-14s %4ss\n' "${names[$i]}" "$s" "${times[$i]}"
done
exit $fail
