// Precision: the number formats weights, activations and the KV cache are stored and
// computed in, and their sizes.
#pragma once

#include <string>
#include <vector>

namespace stacksim {

class MapReader;

// fp4 and fp8 are the generic formats (a chip's own FP4 / FP8 units, whatever they are
// called); nvfp4, mxfp4, mxfp8 and hif8 are the named formats as the chips define them
// (a chip lists the ones its tensor units run).
enum class Precision { FP4, NVFP4, MXFP4, FP8, MXFP8, HIF8, INT8, BF16 };
const char* precision_name(Precision p);
// Every precision, in the order above.
const std::vector<Precision>& all_precisions();
// Bytes per value, block scales included (nvfp4: one E4M3 scale per 16 values; mxfp4
// and mxfp8: one E8M0 scale per 32). The generic fp4 counts 4 bits and no scale.
double precision_bytes(Precision p);
// The precision an operation on two operands runs in: the wider of the two.
Precision wider(Precision a, Precision b);
// Reads one of the names precision_name() gives.
Precision read_precision(MapReader& r, const std::string& key);

}  // namespace stacksim
