// Serves a SavedModel that contains SoftRound from C++: the op kernels are
// compiled into this binary, so the graph's SoftRound and SoftRoundGrad
// nodes find their kernels without tf.load_op_library.
//
//   serve_soft_round MODEL_DIR SIGNATURE X1 X2 ...   (or --file PATH)
//
// Feeds the values as the signature's one float32 input (a vector) and
// prints each output as "name: v1 v2 ...", outputs sorted by name.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "tensorflow/cc/saved_model/loader.h"
#include "tensorflow/core/framework/tensor.h"
#include "tensorflow/core/public/session_options.h"

namespace {

// Python's tf.saved_model.SERVING (the pip wheel lacks tag_constants.h).
constexpr char kServeTag[] = "serve";

int Fail(const std::string& message) {
  std::fprintf(stderr, "serve_soft_round: %s\n", message.c_str());
  return 1;
}

// The values after the signature: numbers, or the numbers in --file PATH.
bool ReadValues(int argc, char** argv, std::vector<float>* values) {
  if (argc == 5 && std::string(argv[3]) == "--file") {
    std::ifstream file(argv[4]);
    float v;
    while (file >> v) values->push_back(v);
    return file.eof();
  }
  for (int i = 3; i < argc; ++i) {
    char* end = nullptr;
    values->push_back(std::strtof(argv[i], &end));
    if (end == argv[i] || *end != '\0') return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    return Fail(
        "usage: serve_soft_round MODEL_DIR SIGNATURE X1 X2 ... "
        "(or --file PATH)");
  }
  std::vector<float> values;
  if (!ReadValues(argc, argv, &values)) return Fail("bad input values");

  tensorflow::SavedModelBundle bundle;
  const absl::Status loaded = tensorflow::LoadSavedModel(
      tensorflow::SessionOptions(), tensorflow::RunOptions(), argv[1],
      {kServeTag}, &bundle);
  if (!loaded.ok()) return Fail(std::string(loaded.message()));

  const auto& signatures = bundle.meta_graph_def.signature_def();
  const auto found = signatures.find(argv[2]);
  if (found == signatures.end()) {
    return Fail(std::string("no signature '") + argv[2] + "'");
  }
  const tensorflow::SignatureDef& signature = found->second;
  if (signature.inputs().size() != 1) return Fail("expected one input");

  tensorflow::Tensor x(tensorflow::DT_FLOAT,
                       {static_cast<int64_t>(values.size())});
  std::copy(values.begin(), values.end(), x.flat<float>().data());
  // Outputs by name (the proto map's order is unspecified).
  std::vector<std::pair<std::string, std::string>> outputs;
  for (const auto& [name, info] : signature.outputs()) {
    outputs.emplace_back(name, info.name());
  }
  std::sort(outputs.begin(), outputs.end());
  std::vector<std::string> fetch;
  for (const auto& output : outputs) fetch.push_back(output.second);

  std::vector<tensorflow::Tensor> results;
  const absl::Status ran = bundle.session->Run(
      {{signature.inputs().begin()->second.name(), x}}, fetch, {}, &results);
  if (!ran.ok()) return Fail(std::string(ran.message()));
  for (size_t k = 0; k < outputs.size(); ++k) {
    if (results[k].dtype() != tensorflow::DT_FLOAT) {
      return Fail("output '" + outputs[k].first + "' is not float32");
    }
  }
  for (size_t k = 0; k < outputs.size(); ++k) {
    std::printf("%s:", outputs[k].first.c_str());
    const auto flat = results[k].flat<float>();
    for (int64_t i = 0; i < flat.size(); ++i) std::printf(" %.9g", flat(i));
    std::printf("\n");
  }
  return 0;
}
