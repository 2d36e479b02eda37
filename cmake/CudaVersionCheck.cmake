# The CUDA kernels link the CUDA runtime statically, and a runtime needs a
# driver of at least its own major version. TensorFlow's GPU build uses one
# CUDA major version (TensorFlow 2.21: CUDA 12); kernels built by another
# nvcc would fail with "insufficient driver" on a machine whose driver runs
# TensorFlow fine. So a mismatch stops the configure, unless allowed.
#
# softround_check_cuda_version(<TensorFlow's CUDA version, empty for
#   tensorflow-cpu> <nvcc's version> <allow mismatch: ON/OFF>)
#
# Also runs as a script (the tests use it):
#   cmake -DTF_CUDA=12.5.1 -DNVCC=13.0.88 [-DALLOW=ON] -P cmake/CudaVersionCheck.cmake

# The oldest Linux driver each CUDA major version's runtime needs.
set(_softround_cuda_drivers "11=450.80.02" "12=525.60.13" "13=580.65.06")

function(softround_minimum_driver major out)
  set(driver "that CUDA ${major} requires")
  foreach(entry IN LISTS _softround_cuda_drivers)
    if(entry MATCHES "^${major}=(.*)")
      set(driver "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  set(${out} "${driver}" PARENT_SCOPE)
endfunction()

function(softround_check_cuda_version tf_cuda nvcc_version allow_mismatch)
  string(REGEX MATCH "^[0-9]+" nvcc_major "${nvcc_version}")
  softround_minimum_driver("${nvcc_major}" driver)
  if(tf_cuda STREQUAL "")
    message(WARNING "softround_ops: this TensorFlow has no CUDA (tensorflow-cpu). The GPU "
      "kernels are built with CUDA ${nvcc_version} and need an NVIDIA driver >= ${driver} "
      "where they run; build them with the CUDA major version of the TensorFlow GPU build "
      "you deploy (TensorFlow 2.21: CUDA 12).")
    return()
  endif()
  string(REGEX MATCH "^[0-9]+" tf_major "${tf_cuda}")
  if(tf_major STREQUAL nvcc_major)
    message(STATUS "softround_ops: CUDA ${nvcc_version} for TensorFlow's CUDA ${tf_cuda} "
      "(NVIDIA driver >= ${driver})")
  elseif(allow_mismatch)
    message(WARNING "softround_ops: CUDA ${nvcc_version} kernels for TensorFlow's CUDA "
      "${tf_cuda} (SOFTROUND_ALLOW_CUDA_MISMATCH): they need an NVIDIA driver >= ${driver}.")
  else()
    softround_minimum_driver("${tf_major}" tf_driver)
    message(FATAL_ERROR "softround_ops: nvcc is CUDA ${nvcc_version}, but this TensorFlow "
      "was built with CUDA ${tf_cuda}. Kernels built with CUDA ${nvcc_major} need an NVIDIA "
      "driver >= ${driver}; TensorFlow itself runs with >= ${tf_driver}, where they would fail "
      "with 'insufficient driver'. Use a CUDA ${tf_major} nvcc (e.g. `pip install "
      "nvidia-cuda-nvcc-cu${tf_major}`, then -DCMAKE_CUDA_COMPILER=<its nvcc>), or configure "
      "with -DSOFTROUND_ALLOW_CUDA_MISMATCH=ON if every driver you deploy on is new enough.")
  endif()
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  softround_check_cuda_version("${TF_CUDA}" "${NVCC}" "${ALLOW}")
endif()
