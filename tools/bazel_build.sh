#!/usr/bin/env bash
# Bazel, offline, against the installed TensorFlow: builds the op library
# (//:python/softround_ops/_soft_round_ops.so) and the C++ server
# (//examples/serving:serve_soft_round) from BUILD, then runs the whole test
# suite with SOFTROUND_OPS_LIBRARY and SOFTROUND_OPS_SERVER pointing at them,
# and prints a table.
#
#   tools/bazel_build.sh                         # CPU build + the suite
#   SOFTROUND_WITH_CUDA=1 tools/bazel_build.sh   # also the CUDA kernels (nvcc)
#   tools/bazel_build.sh --quick                 # core tests only
#   tools/bazel_build.sh --no-tests              # build only
#
# Needs Bazel (Debian: apt-get install bazel-bootstrap bazel-platforms) and a
# Python with tensorflow and softround_ops' test extras installed (PYTHON,
# default .venv/bin/python). Nothing is downloaded: the workspace made in
# build/bazel/ gets @org_tensorflow from the pip package (tools/bazel/) and
# stand-ins for the rules repositories Bazel would fetch.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/build/bazel"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
# The whole suite by default; --quick: values, gradients, the family, the
# loader and the server; --no-tests: none.
TESTS=(tests)
TESTS_LABEL="the whole suite"
case "${1:-}" in
  --no-tests) TESTS=() TESTS_LABEL="none" ;;
  --quick) TESTS=(tests/test_values.py tests/test_gradients.py tests/test_family.py
    tests/test_loader.py tests/test_serving.py) TESTS_LABEL="the core tests" ;;
  "") ;;
  *) echo "usage: $0 [--quick | --no-tests]" >&2; exit 2 ;;
esac
PLATFORMS=/usr/share/bazel/tools/platforms

command -v bazel >/dev/null || {
  echo "bazel not found. On Debian: apt-get install bazel-bootstrap bazel-platforms" >&2
  exit 1
}
[ -d "$PLATFORMS" ] || {
  echo "$PLATFORMS not found (Debian's bazel-platforms package)" >&2
  exit 1
}

# The workspace: this tree's BUILD files and sources, and the repositories.
rm -rf "$OUT/repos" "$OUT/workspace"
mkdir -p "$OUT/repos" "$OUT/workspace"
cp -r "$ROOT/tools/bazel/." "$OUT/repos/"
read -r TF_INCLUDE TF_LIB TF_VERSION < <("$PYTHON" -c '
import tensorflow as tf
print(tf.sysconfig.get_include(), tf.sysconfig.get_lib(), tf.__version__)' 2>/dev/null) || true
[ -n "${TF_VERSION:-}" ] || {
  echo "$PYTHON cannot import tensorflow: set PYTHON to the Python that has it" >&2
  exit 1
}
ln -s "$TF_INCLUDE" "$OUT/repos/org_tensorflow/include"
ln -s "$TF_LIB" "$OUT/repos/org_tensorflow/lib"

# The toolkit's root as nvcc itself reports it (nvcc on the PATH may be a
# wrapper script, not a link into the toolkit).
CUDA_PATH=""
if command -v nvcc >/dev/null; then
  CUDA_PATH="$(nvcc --dryrun -x cu -c /dev/null -o /dev/null 2>&1 | sed -n 's/^#\$ TOP=//p' | head -1)"
  [ -z "$CUDA_PATH" ] || CUDA_PATH="$(readlink -f "$CUDA_PATH")"
fi
# Turing to Hopper as machine code plus the last one's PTX, as in CMake.
ARCHS="${SOFTROUND_CUDA_ARCHS:-75 80 86 89 90}"
cat >"$OUT/repos/local_config_cuda/cuda/cuda_config.bzl" <<EOF
# Written by tools/bazel_build.sh.
CUDA_PATH = "$CUDA_PATH"
CUDA_ARCHS = [$(printf '"%s", ' $ARCHS)]
EOF

# Two workspaces: this tree itself (//:...), and a server's workspace that
# takes softround_ops as an external repository next to @org_tensorflow, as
# TF Serving's would (@softround_ops//:...): the in-tree use.
for item in BUILD cc examples; do ln -s "$ROOT/$item" "$OUT/workspace/$item"; done
write_workspace() {  # directory, workspace name, extra lines
  mkdir -p "$1"
  cat >"$1/WORKSPACE" <<EOF
workspace(name = "$2")

local_repository(name = "org_tensorflow", path = "$OUT/repos/org_tensorflow")

local_repository(name = "local_config_cuda", path = "$OUT/repos/local_config_cuda")
$3
EOF
  cat >"$1/.bazelrc" <<EOF
startup --output_user_root=$OUT/cache
build --override_repository=rules_cc=$OUT/repos/rules_cc
build --override_repository=rules_java=$OUT/repos/rules_java
build --override_repository=platforms=$PLATFORMS
build --compilation_mode=opt --cxxopt=-std=c++17 --host_cxxopt=-std=c++17
build --action_env=PATH --nosandbox_debug
build:cuda --define=using_cuda=true --define=using_cuda_nvcc=true
EOF
}
write_workspace "$OUT/workspace" softround_ops ""
write_workspace "$OUT/consumer" serving_workspace \
  "local_repository(name = \"softround_ops\", path = \"$OUT/workspace\")"
touch "$OUT/consumer/BUILD"

CONFIG=()
if [ "${SOFTROUND_WITH_CUDA:-0}" = 1 ]; then
  [ -n "$CUDA_PATH" ] || { echo "SOFTROUND_WITH_CUDA=1 but no nvcc on PATH" >&2; exit 1; }
  CONFIG=(--config=cuda)
fi
LIBRARY_TARGET="//:python/softround_ops/_soft_round_ops.so"
SERVER_TARGET="//examples/serving:serve_soft_round"

BAZEL_VERSION="$(bazel --version 2>/dev/null | cut -d' ' -f2)"
if [ "$BAZEL_VERSION" = no_version ]; then # Debian's build does not know it
  BAZEL_VERSION="$(dpkg-query -W -f='${Version}' bazel-bootstrap 2>/dev/null || echo unknown)"
fi
trap '(cd "$OUT/workspace" && bazel shutdown); (cd "$OUT/consumer" && bazel shutdown)' EXIT

build() { # workspace directory, label prefix; sets LIBRARY and SERVER
  (cd "$1" && bazel build "${CONFIG[@]}" "$2$LIBRARY_TARGET" "$2$SERVER_TARGET")
  local bin
  bin="$(cd "$1" && bazel info "${CONFIG[@]}" bazel-bin 2>/dev/null)"
  [ -z "$2" ] || bin="$bin/external/${2#@}"
  LIBRARY="$bin/python/softround_ops/_soft_round_ops.so"
  SERVER="$bin/examples/serving/serve_soft_round"
  ls -l "$LIBRARY" "$SERVER"
}

# pytest's last line without the time and warnings: "N passed, M skipped".
summary() {
  { grep -E '^=* ?[0-9]+ (passed|failed)' "$1" || echo "no summary (see $1)"; } | tail -1 |
    tr -d '=' | sed -E 's/, [0-9]+ warnings?//; s/ in [0-9.]+s.*//' | xargs
}

STATUS=0
run_tests() { # log name, tests...; uses LIBRARY and SERVER
  local log="$OUT/$1.log"
  shift
  echo "== pytest $* with SOFTROUND_OPS_LIBRARY=$LIBRARY"
  # STRICT: a library that fails to load is an error, not the reference.
  (cd "$ROOT" && SOFTROUND_OPS_LIBRARY="$LIBRARY" SOFTROUND_OPS_SERVER="$SERVER" \
    SOFTROUND_OPS_STRICT=1 "$PYTHON" -m pytest -q -rs "$@" 2>&1 | tee "$log") || STATUS=1
  RESULT="$(summary "$log")"
}

ROWS=()
row() { # workspace, build seconds, tests, test seconds, result
  ROWS+=("| $1 | $2 s | $3 | $4 | $5 |")
}

echo "== Bazel $BAZEL_VERSION against TensorFlow $TF_VERSION ${CONFIG[*]}"
start=$SECONDS
build "$OUT/workspace" ""
build_seconds=$((SECONDS - start))
RESULT="not run (--no-tests)"
start=$SECONDS
[ ${#TESTS[@]} = 0 ] || run_tests suite "${TESTS[@]}"
row "this tree (//:...)" "$build_seconds" "$TESTS_LABEL" "$((SECONDS - start)) s" "$RESULT"

echo "== the same targets from a workspace that has softround_ops as @softround_ops"
start=$SECONDS
build "$OUT/consumer" "@softround_ops"
build_seconds=$((SECONDS - start))
start=$SECONDS
[ ${#TESTS[@]} = 0 ] || run_tests consumer tests/test_serving.py tests/test_loader.py
row "a server's (@softround_ops//:...)" "$build_seconds" "server and loader" \
  "$((SECONDS - start)) s" "$RESULT"

echo
echo "Bazel $BAZEL_VERSION, TensorFlow $TF_VERSION, CUDA kernels: $([ ${#CONFIG[@]} -gt 0 ] && echo yes || echo no)"
echo "| workspace | build | tests | time | result |"
echo "|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
exit $STATUS
