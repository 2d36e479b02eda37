# Targets built from the same sources by the op library (CMakeLists.txt) and
# by the GPU check harness (tools/gpu_check), so both get the same flags.

# The vectorized CPU loops include no TensorFlow header, so they can take
# flags TensorFlow's headers cannot: no trapping math (float selects
# vectorize), FMA contraction (the same in the vector body and the scalar
# tail, which the thread-count test checks bit for bit), OpenMP SIMD pragmas.
# Runtime dispatch over x86-64 levels is in the source (cpu_levels.h, and
# F16C checked at run time); the baseline stays TensorFlow's own.
function(softround_add_cpu_loops target root)
  add_library(${target} OBJECT
    "${root}/cc/kernels/alpha_check.cc"
    "${root}/cc/kernels/cpu_levels.cc"
    "${root}/cc/kernels/float16_arrays.cc"
    "${root}/cc/kernels/lookup_table.cc"
    "${root}/cc/kernels/soft_round_cpu.cc")
  target_include_directories(${target} PUBLIC "${root}" "${root}/cc/include")
  target_compile_options(${target} PRIVATE -Wall -Wextra -O3
    -fno-trapping-math -fno-math-errno -ffp-contract=fast -fopenmp-simd)
  set_target_properties(${target} PROPERTIES
    POSITION_INDEPENDENT_CODE ON CXX_STANDARD 17 CXX_EXTENSIONS OFF
    CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
endfunction()

# The CUDA kernels: CUDA runtime and fp16/bf16 headers only (fast to compile,
# no TensorFlow include); launchers take raw pointers and a stream.
function(softround_add_gpu_kernels target root)
  set(source "${root}/cc/kernels/soft_round_gpu.cu.cc")
  set_source_files_properties("${source}" PROPERTIES LANGUAGE CUDA)
  add_library(${target} OBJECT "${source}")
  target_include_directories(${target} PUBLIC "${root}" "${root}/cc/include")
  target_compile_options(${target} PRIVATE
    --expt-relaxed-constexpr -Xcompiler=-Wall,-Wextra)
  set_target_properties(${target} PROPERTIES
    POSITION_INDEPENDENT_CODE ON CUDA_STANDARD 17 CUDA_EXTENSIONS OFF
    CUDA_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
endfunction()

# The op definitions and their CPU kernels (TensorFlow headers): the loadable
# op library and any binary that links the ops into itself
# (examples/serving) compile the same files.
function(softround_op_sources out root)
  set(${out}
    "${root}/cc/ops/soft_round_ops.cc"
    "${root}/cc/kernels/soft_round_op.cc"
    "${root}/cc/kernels/soft_round_op_cpu.cc"
    PARENT_SCOPE)
endfunction()
