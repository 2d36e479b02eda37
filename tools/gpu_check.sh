#!/usr/bin/env bash
# On a machine with an NVIDIA GPU, CUDA's compiler and CMake (no TensorFlow,
# no internet needed): builds the GPU check harness, checks the CUDA kernels
# against the CPU loops for every mode and dtype, measures their bandwidth
# against a device-to-device copy, and prints one summary line last.
#
#   tools/gpu_check.sh            # BUILD_DIR and CUDA_ARCHITECTURES override
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build/gpu_check}

# The GPU's own architecture, so the build compiles one target only.
arch=${CUDA_ARCHITECTURES:-}
if [[ -z "$arch" ]] && command -v nvidia-smi >/dev/null; then
  arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -n 1 | tr -d '.[:space:]')
fi
cmake -S "$root/tools/gpu_check" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  ${arch:+-DCMAKE_CUDA_ARCHITECTURES=$arch} >/dev/null
cmake --build "$build" --parallel "$(nproc)"
"$build/gpu_check"
