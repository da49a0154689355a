#include "config/precision.h"

#include "config/yaml_reader.h"

namespace stacksim {

const char* precision_name(Precision p) {
  switch (p) {
    case Precision::FP4: return "fp4";
    case Precision::FP8: return "fp8";
    case Precision::INT8: return "int8";
    case Precision::BF16: return "bf16";
  }
  return "?";
}

double precision_bytes(Precision p) {
  switch (p) {
    case Precision::FP4: return 0.5;
    case Precision::FP8: return 1;
    case Precision::INT8: return 1;
    case Precision::BF16: return 2;
  }
  return 2;
}

Precision wider(Precision a, Precision b) { return precision_bytes(a) >= precision_bytes(b) ? a : b; }

Precision read_precision(MapReader& r, const std::string& key) {
  std::string s = r.choice(key, {"fp4", "fp8", "int8", "bf16"});
  if (s == "fp4") return Precision::FP4;
  if (s == "fp8") return Precision::FP8;
  if (s == "int8") return Precision::INT8;
  return Precision::BF16;
}

}  // namespace stacksim
