// Precision: the number formats weights, activations and the KV cache are stored and
// computed in, and their sizes.
#pragma once

#include <string>

namespace stacksim {

class MapReader;

enum class Precision { FP4, FP8, INT8, BF16 };
const char* precision_name(Precision p);
double precision_bytes(Precision p);
// The precision an operation on two operands runs in: the wider of the two.
Precision wider(Precision a, Precision b);
// Reads one of "fp4", "fp8", "int8", "bf16".
Precision read_precision(MapReader& r, const std::string& key);

}  // namespace stacksim
