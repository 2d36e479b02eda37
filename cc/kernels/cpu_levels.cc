// Which x86-64 level and half conversion the loops run (cpu_levels.h).
#include "cc/kernels/cpu_levels.h"

#include <cstdlib>
#include <cstring>

namespace softround {
namespace cpu {
namespace {

const char* const kLevelNames[] = {"baseline", "v2", "v3", "v4"};

// SOFTROUND_OPS_CPU_LEVEL's level, or -1 when unset or unknown.
int RequestedCpuLevel() {
  const char* requested = std::getenv("SOFTROUND_OPS_CPU_LEVEL");
  if (requested == nullptr) return -1;
  for (int level = kBaseline; level <= kV4; ++level) {
    if (std::strcmp(requested, kLevelNames[level]) == 0) return level;
  }
  return -1;
}

}  // namespace

const char* CpuLevelName(int level) { return kLevelNames[level]; }

int BestCpuLevel() {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  static const int best = __builtin_cpu_supports("x86-64-v4")   ? kV4
                          : __builtin_cpu_supports("x86-64-v3") ? kV3
                          : __builtin_cpu_supports("x86-64-v2") ? kV2
                                                                : kBaseline;
  return best;
#else
  return kBaseline;
#endif
}

int SelectedCpuLevel() {
  static const int selected = [] {
    const int requested = RequestedCpuLevel();
    return requested >= 0 && requested < BestCpuLevel() ? requested
                                                        : BestCpuLevel();
  }();
  return selected;
}

bool F16cSelected() {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool selected = [] {
    const char* requested = std::getenv("SOFTROUND_OPS_F16C");
    const bool off = requested != nullptr && std::strcmp(requested, "0") == 0;
    return !off && __builtin_cpu_supports("avx") &&
           __builtin_cpu_supports("f16c");
  }();
  return selected;
#else
  return false;
#endif
}

}  // namespace cpu
}  // namespace softround
