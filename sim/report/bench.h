// A run summary as `vllm bench serve` writes its result (--save-result): the same keys for
// the same quantities, in its units (seconds for the duration, milliseconds for
// latencies, per second for throughputs), so that tools made for vLLM's results read
// stacksim's. Definitions as vLLM's: TTFT from arrival to the first token, TPOT per
// request over the tokens after the first, ITL every gap between a sequence's successive
// decode steps (MTP: several tokens a gap), E2EL from arrival to the last token; std is
// the population standard deviation. Where stacksim differs: the duration is simulated
// time (the run, from the first arrival to the last completion), `failed` counts requests
// rejected or unfinished at the horizon, and `request_goodput` uses the workload's SLO
// (null without one), where vLLM takes --goodput.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "metrics/summary.h"

namespace stacksim {

nlohmann::json vllm_bench_result(const RunSummary& s);

// What `stacksim run --bench-json` writes: one result for one scenario (vLLM's format
// exactly), a list of them, each with its `label`, for a file of variants.
nlohmann::json vllm_bench_document(const std::vector<RunSummary>& summaries);

}  // namespace stacksim
