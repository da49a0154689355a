#include "config/precision.h"

#include "config/yaml_reader.h"

namespace stacksim {

const char* precision_name(Precision p) {
  switch (p) {
    case Precision::FP4: return "fp4";
    case Precision::NVFP4: return "nvfp4";
    case Precision::MXFP4: return "mxfp4";
    case Precision::FP8: return "fp8";
    case Precision::MXFP8: return "mxfp8";
    case Precision::HIF8: return "hif8";
    case Precision::INT8: return "int8";
    case Precision::BF16: return "bf16";
  }
  return "?";
}

const std::vector<Precision>& all_precisions() {
  static const std::vector<Precision> all = {Precision::FP4,   Precision::NVFP4, Precision::MXFP4, Precision::FP8,
                                             Precision::MXFP8, Precision::HIF8,  Precision::INT8,  Precision::BF16};
  return all;
}

double precision_bytes(Precision p) {
  switch (p) {
    case Precision::FP4: return 0.5;
    // NVIDIA, "Introducing NVFP4" (2025): E2M1 values with an FP8 E4M3 scale per 16 (4.5 bits).
    case Precision::NVFP4: return 4.5 / 8;
    // OCP Microscaling Formats (MX) v1.0: an E8M0 scale per block of 32.
    case Precision::MXFP4: return 4.25 / 8;
    case Precision::MXFP8: return 8.25 / 8;
    // HiFloat8 (Huawei, arXiv 2409.16626): one byte, tapered precision, no block scale.
    case Precision::HIF8: return 1;
    case Precision::FP8: return 1;
    case Precision::INT8: return 1;
    case Precision::BF16: return 2;
  }
  return 2;
}

Precision wider(Precision a, Precision b) { return precision_bytes(a) >= precision_bytes(b) ? a : b; }

Precision read_precision(MapReader& r, const std::string& key) {
  std::vector<std::string> names;
  for (Precision p : all_precisions()) names.emplace_back(precision_name(p));
  const std::string s = r.choice(key, names);
  for (Precision p : all_precisions())
    if (s == precision_name(p)) return p;
  return Precision::BF16;  // unreachable: choice() accepts only the names
}

}  // namespace stacksim
