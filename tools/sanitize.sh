#!/usr/bin/env bash
# The TensorFlow-free loops and the NumPy binding built with AddressSanitizer
# and UndefinedBehaviorSanitizer, then the property tests, the special values
# and the broadcasting cases run through them, in a fresh environment without
# TensorFlow (its own code is not instrumented and would only slow this down).
# Any report stops the run with a non-zero exit (pytest runs with -s, so a
# report reaches the terminal before the process ends).
#
#   tools/sanitize.sh            # build dir: build/sanitize (reused)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${SANITIZE_BUILD_DIR:-build/sanitize}"
PYTHON="${PYTHON:-python3}"
SANITIZERS="address,undefined,float-cast-overflow"

echo "== environment without TensorFlow: $BUILD/venv"
[ -x "$BUILD/venv/bin/python" ] || "$PYTHON" -m venv "$BUILD/venv"
"$BUILD/venv/bin/pip" install --quiet --disable-pip-version-check numpy ml_dtypes pytest hypothesis \
  "pybind11>=2.12" "cmake>=3.18" ninja
if "$BUILD/venv/bin/python" -c "import tensorflow" 2>/dev/null; then
  echo "$BUILD/venv has TensorFlow; the sanitized run must not load it" >&2
  exit 1
fi

echo "== build with -fsanitize=$SANITIZERS"
SITE="$BUILD/site"
rm -rf "$SITE" && mkdir -p "$SITE"
cp -r python/softround_ops "$SITE/"
"$BUILD/venv/bin/cmake" -S . -B "$BUILD/cmake" -GNinja \
  -DCMAKE_MAKE_PROGRAM="$PWD/$BUILD/venv/bin/ninja" \
  -DCMAKE_BUILD_TYPE=Release \
  -DSOFTROUND_WITH_TENSORFLOW=OFF \
  -DSOFTROUND_SANITIZE="$SANITIZERS" \
  -DSOFTROUND_OUTPUT_DIR="$PWD/$SITE/softround_ops" \
  -DPython_EXECUTABLE="$PWD/$BUILD/venv/bin/python" \
  -Dpybind11_DIR="$("$BUILD/venv/bin/python" -m pybind11 --cmakedir)" >/dev/null
"$BUILD/venv/bin/cmake" --build "$BUILD/cmake" --parallel "$(nproc)"

echo "== tests through the sanitized binding"
# Python itself is not instrumented: the runtime comes first (with libstdc++,
# whose __cxa_throw ASan must find for the binding's exceptions), and its
# leak check is off (the interpreter keeps its objects until exit by design).
export LD_PRELOAD
LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libstdc++.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
PYTHONPATH="$SITE:tests" "$BUILD/venv/bin/python" -m pytest -p no:cacheprovider \
  --noconftest -q -rs -s tests/test_model_properties.py tests/test_binding_cases.py
echo "== sanitizers: no reports"
