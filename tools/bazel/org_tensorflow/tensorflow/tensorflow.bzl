"""The two macros of TensorFlow's tensorflow.bzl that BUILD uses, for a
TensorFlow pip package: tf_custom_op_library links a loadable library against
libtensorflow_framework.so.2; tf_gpu_kernel_library gives .cu.cc files to nvcc
(TensorFlow's own toolchain does that in its compiler wrapper)."""

load("@local_config_cuda//cuda:build_defs.bzl", "CUDA_ARCHS", "CUDA_PATH", "if_cuda")

def _nvcc_objects_impl(ctx):
    if not ctx.files.srcs:  # without --config=cuda: nothing to compile
        return [DefaultInfo(files = depset())]
    if not CUDA_PATH:
        fail("--config=cuda, but tools/bazel_build.sh found no nvcc")
    contexts = [dep[CcInfo].compilation_context for dep in ctx.attr.deps]
    flags = ["-I", ctx.label.workspace_root or "."]
    for context in contexts:
        for directory in context.quote_includes.to_list() + context.includes.to_list():
            flags += ["-I", directory]
        for directory in context.system_includes.to_list():
            flags += ["-isystem", directory]
        flags += ["-D" + define for define in context.defines.to_list()]
    for arch in CUDA_ARCHS:
        flags.append("-gencode=arch=compute_{0},code=sm_{0}".format(arch))
    flags.append("-gencode=arch=compute_{0},code=compute_{0}".format(CUDA_ARCHS[-1]))

    headers = [f for f in ctx.files.srcs if not f.path.endswith(".cu.cc")]
    inputs = depset(headers, transitive = [c.headers for c in contexts])
    objects = []
    for source in ctx.files.srcs:
        if not source.path.endswith(".cu.cc"):
            continue
        obj = ctx.actions.declare_file("{}/{}.pic.o".format(ctx.label.name, source.basename[:-len(".cu.cc")]))
        ctx.actions.run(
            executable = CUDA_PATH + "/bin/nvcc",
            arguments = [
                "-c",
                "-x",
                "cu",
                "-std=c++17",
                "-O3",
                "--expt-relaxed-constexpr",
                "-Xcompiler=-fPIC,-fvisibility=hidden,-Wall,-Wextra",
            ] + ctx.attr.copts + flags + [source.path, "-o", obj.path],
            inputs = depset([source], transitive = [inputs]),
            outputs = [obj],
            mnemonic = "Nvcc",
            progress_message = "nvcc " + source.short_path,
            use_default_shell_env = True,
        )
        objects.append(obj)
    return [DefaultInfo(files = depset(objects))]

_nvcc_objects = rule(
    implementation = _nvcc_objects_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = True),
        "deps": attr.label_list(providers = [CcInfo]),
        "copts": attr.string_list(),
    },
)

def tf_gpu_kernel_library(name, srcs = [], deps = [], copts = [], **kwargs):
    """CUDA kernels compiled by nvcc, with the static CUDA runtime."""
    _nvcc_objects(name = name + "_objects", srcs = srcs, deps = deps, copts = copts)
    native.cc_library(
        name = name,
        srcs = [":" + name + "_objects"],
        linkopts = if_cuda([
            "-L" + CUDA_PATH + "/lib64",
            "-l:libcudart_static.a",
            "-ldl",
            "-lrt",
            "-lpthread",
        ]),
        deps = deps,
        **kwargs
    )

def tf_custom_op_library(name, srcs = [], gpu_srcs = [], deps = [], copts = [], linkopts = [], **kwargs):
    """A shared library for tf.load_op_library."""
    gpu_deps = []
    if gpu_srcs:
        gpu_name = name.rsplit(".", 1)[0] + "_gpu"
        tf_gpu_kernel_library(name = gpu_name, srcs = if_cuda(gpu_srcs), deps = deps)
        gpu_deps = if_cuda([":" + gpu_name])
    native.cc_binary(
        name = name,
        srcs = srcs,
        copts = copts,
        linkopts = linkopts + ["-Wl,--no-undefined"],
        linkshared = 1,
        deps = deps + gpu_deps + ["@org_tensorflow//tensorflow/core:framework"],
        **kwargs
    )
