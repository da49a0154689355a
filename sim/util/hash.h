// FNV-1a, 64 bits: the one hash stacksim uses, for scenario fingerprints and for the
// seeds of independent random streams.
#pragma once

#include <cstdint>
#include <string>

namespace stacksim {

constexpr uint64_t kFnvOffset = 1469598103934665603ULL;

inline uint64_t fnv1a(const std::string& text, uint64_t h = kFnvOffset) {
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ULL;
  return h;
}

}  // namespace stacksim
