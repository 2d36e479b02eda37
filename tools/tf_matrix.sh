#!/usr/bin/env bash
# softround_ops against several TensorFlow minor versions: for each, a fresh
# venv, tensorflow-cpu, the source build (`pip install ".[test]"`) and the
# test suite, then a table of build times and pass/fail counts.
#
#   tools/tf_matrix.sh                      # 2.19.1 2.20.0 2.21.0, whole suite
#   tools/tf_matrix.sh --quick 2.19.1       # the core tests only (CI runs this)
#
# The whole suite leaves out what takes minutes and hardly depends on the
# TensorFlow minor: the demo, the multi-worker training, the bad-input matrix,
# the per-CPU-level reruns, the soak and the C++ server build (all run on the
# main version in CI). --quick runs the values, gradients, family, graph,
# loader, error and binding tests. Venvs go to build/tf_matrix/ (reused).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
QUICK=0
if [ "${1:-}" = "--quick" ]; then QUICK=1; shift; fi
VERSIONS=("$@")
[ ${#VERSIONS[@]} -gt 0 ] || VERSIONS=(2.19.1 2.20.0 2.21.0)

if [ "$QUICK" = 1 ]; then
  TESTS=(tests/test_values.py tests/test_gradients.py tests/test_family.py
    tests/test_graph.py tests/test_loader.py tests/test_errors.py
    tests/test_numpy_binding.py)
else
  TESTS=(tests --ignore tests/test_demo.py --ignore tests/test_bad_inputs.py
    --ignore tests/test_cpu_levels.py --ignore tests/test_serving.py
    --ignore tests/test_soak.py -k "not multi_worker")
fi

ROWS=()
STATUS=0
for version in "${VERSIONS[@]}"; do
  venv="build/tf_matrix/$version"
  log="build/tf_matrix/$version.log"
  mkdir -p build/tf_matrix
  echo "== TensorFlow $version: $venv (log: $log)"
  "$PYTHON" -m venv --clear "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "tensorflow-cpu==$version" >"$log" 2>&1
  start=$(date +%s)
  if ! "$venv/bin/pip" install --quiet --disable-pip-version-check ".[test]" >>"$log" 2>&1; then
    ROWS+=("$version | build failed (see $log) | - | - | -")
    STATUS=1
    continue
  fi
  built=$(($(date +%s) - start))
  start=$(date +%s)
  set +e
  SOFTROUND_OPS_STRICT=1 "$venv/bin/python" -m pytest -q -p no:cacheprovider \
    "${TESTS[@]}" >>"$log" 2>&1
  code=$?
  set -e
  tested=$(($(date +%s) - start))
  # pytest's last line without warnings and time: "N passed, M skipped".
  summary=$(grep -E "^[0-9]+ (passed|failed)|^=+ .*(passed|failed)" "$log" | tail -1 | tr -d '=' |
    sed -E 's/, [0-9]+ warnings?//; s/ in [0-9.]+s.*//' | xargs)
  ROWS+=("$version | ${built} s | ${tested} s | ${summary:-no summary} | $([ $code = 0 ] && echo pass || echo FAIL)")
  [ $code = 0 ] || STATUS=1
done

echo
echo "| TensorFlow | build | tests | counts | result |"
echo "|---|---|---|---|---|"
printf '| %s |\n' "${ROWS[@]}"
exit $STATUS
