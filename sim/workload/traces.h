// Readers of published request traces into RequestSpecs. A malformed trace throws
// ConfigError naming the file, the line and the field.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workload/request.h"

namespace stacksim {

// Reads an Azure LLM inference trace (TIMESTAMP,ContextTokens,GeneratedTokens) into
// requests with arrivals in seconds from the first row, divided by time_scale.
std::vector<RequestSpec> read_azure_trace(const std::string& path, double time_scale, int64_t limit);

// Reads a Mooncake trace (JSON lines {"timestamp": ms from the start, "input_length",
// "output_length", "hash_ids": one id per 512-token block, the last one partial}) into
// requests with arrivals in seconds from the first row, divided by time_scale, and
// blocks = the ids of the full blocks (input_length / 512 of them). Every field is
// required and checked (lengths at least 1, ids below 2^56, one id per started block,
// timestamps not decreasing); an unknown field is an error.
std::vector<RequestSpec> read_mooncake_trace(const std::string& path, double time_scale, int64_t limit);

}  // namespace stacksim
