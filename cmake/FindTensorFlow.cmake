# Finds the TensorFlow of a Python interpreter and describes it as targets.
#
# Input:  TENSORFLOW_PYTHON (default: Python3_EXECUTABLE or python3 on PATH);
#         TENSORFLOW_PYTHON_UNSET_ENV, environment variables to drop for it
#         (setup.py passes those by which pip's build isolation hides TF).
# Output: TensorFlow_VERSION, TensorFlow_INCLUDE_DIR, TensorFlow_LIBRARY,
#   TensorFlow_CUDA_VERSION (empty for tensorflow-cpu) and
#   TensorFlow::compile_flags  definitions and C++ standard of TF's build (the
#                              ABI flag among them), for every file we link;
#   TensorFlow::framework      compile_flags plus TF's headers (as system
#                              headers) and libtensorflow_framework.
# Everything comes from tf.sysconfig; nothing is hard-coded.
if(NOT TENSORFLOW_PYTHON)
  find_package(Python3 COMPONENTS Interpreter REQUIRED)
  set(TENSORFLOW_PYTHON "${Python3_EXECUTABLE}")
endif()

set(_tf_query [=[
import tensorflow as tf
print("version=" + tf.__version__)
print("cflags=" + ";".join(tf.sysconfig.get_compile_flags()))
print("lflags=" + ";".join(tf.sysconfig.get_link_flags()))
print("cuda=" + str(int(bool(tf.sysconfig.get_build_info().get("is_cuda_build")))))
print("cuda_version=" + str(tf.sysconfig.get_build_info().get("cuda_version", "")))
]=])
set(_tf_python "${TENSORFLOW_PYTHON}")
if(TENSORFLOW_PYTHON_UNSET_ENV)
  list(TRANSFORM TENSORFLOW_PYTHON_UNSET_ENV PREPEND "--unset=" OUTPUT_VARIABLE _unset)
  set(_tf_python "${CMAKE_COMMAND}" -E env ${_unset} "${TENSORFLOW_PYTHON}")
endif()
execute_process(
  COMMAND ${_tf_python} -c "${_tf_query}"
  OUTPUT_VARIABLE _tf_out
  ERROR_VARIABLE _tf_err
  RESULT_VARIABLE _tf_result)
if(NOT _tf_result EQUAL 0)
  set(TensorFlow_FOUND FALSE)
  if(TensorFlow_FIND_REQUIRED)
    message(FATAL_ERROR
      "TensorFlow not importable by ${TENSORFLOW_PYTHON}: install tensorflow "
      "or tensorflow-cpu first, or set TENSORFLOW_PYTHON.\n${_tf_err}")
  endif()
  return()
endif()

string(REGEX MATCH "version=([^\n]*)" _ "${_tf_out}")
set(TensorFlow_VERSION "${CMAKE_MATCH_1}")
string(REGEX MATCH "cflags=([^\n]*)" _ "${_tf_out}")
set(_tf_cflags "${CMAKE_MATCH_1}")
string(REGEX MATCH "lflags=([^\n]*)" _ "${_tf_out}")
set(_tf_lflags "${CMAKE_MATCH_1}")
string(REGEX MATCH "cuda=([^\n]*)" _ "${_tf_out}")
set(TensorFlow_IS_CUDA_BUILD "${CMAKE_MATCH_1}")
string(REGEX MATCH "cuda_version=([^\n]*)" _ "${_tf_out}")
set(TensorFlow_CUDA_VERSION "${CMAKE_MATCH_1}")

set(_tf_definitions "")
set(TensorFlow_CXX_STANDARD "")
foreach(_flag IN LISTS _tf_cflags)
  if(_flag MATCHES "^-I(.*)")
    set(TensorFlow_INCLUDE_DIR "${CMAKE_MATCH_1}")
  elseif(_flag MATCHES "^-D(.*)")
    list(APPEND _tf_definitions "${CMAKE_MATCH_1}")
  elseif(_flag MATCHES "^-?-std=c\\+\\+([0-9]+)")
    set(TensorFlow_CXX_STANDARD "${CMAKE_MATCH_1}")
  else()
    message(FATAL_ERROR "Unexpected TensorFlow compile flag: ${_flag}")
  endif()
endforeach()

set(_tf_library_dir "")
set(_tf_library_name "")
foreach(_flag IN LISTS _tf_lflags)
  if(_flag MATCHES "^-L(.*)")
    set(_tf_library_dir "${CMAKE_MATCH_1}")
  elseif(_flag MATCHES "^-l:(.*)")
    set(_tf_library_name "${CMAKE_MATCH_1}")
  elseif(_flag MATCHES "^-l(.*)")
    set(_tf_library_name "lib${CMAKE_MATCH_1}.so")
  endif()
endforeach()
set(TensorFlow_LIBRARY "${_tf_library_dir}/${_tf_library_name}")

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(TensorFlow
  REQUIRED_VARS TensorFlow_INCLUDE_DIR TensorFlow_LIBRARY TensorFlow_CXX_STANDARD
  VERSION_VAR TensorFlow_VERSION)

if(TensorFlow_FOUND AND NOT TARGET TensorFlow::framework)
  add_library(TensorFlow::compile_flags INTERFACE IMPORTED)
  set_target_properties(TensorFlow::compile_flags PROPERTIES
    INTERFACE_COMPILE_DEFINITIONS "${_tf_definitions}"
    INTERFACE_COMPILE_FEATURES "cxx_std_${TensorFlow_CXX_STANDARD}")

  add_library(TensorFlow::framework SHARED IMPORTED)
  set_target_properties(TensorFlow::framework PROPERTIES
    IMPORTED_LOCATION "${TensorFlow_LIBRARY}"
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${TensorFlow_INCLUDE_DIR}"
    INTERFACE_INCLUDE_DIRECTORIES "${TensorFlow_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES TensorFlow::compile_flags)
endif()
