#include "report/bench.h"

#include <cmath>

namespace stacksim {

nlohmann::json vllm_bench_result(const RunSummary& s) {
  const double duration = s.simulated_seconds;
  const double in = s.throughput.input_tokens_per_s * duration, out = s.throughput.output_tokens_per_s * duration;
  nlohmann::json j = {
      {"label", s.scenario},
      {"model_id", s.model},
      {"num_prompts", s.requests.generated},
      {"duration", duration},
      {"completed", s.requests.completed},
      {"failed", s.requests.rejected + s.requests.in_flight},
      {"total_input_tokens", std::llround(in)},
      {"total_output_tokens", std::llround(out)},
      {"request_throughput", s.throughput.requests_per_s},
      {"output_throughput", s.throughput.output_tokens_per_s},
      {"total_token_throughput", s.throughput.input_tokens_per_s + s.throughput.output_tokens_per_s},
  };
  const bool slo = s.goodput.slo_ttft_s > 0 || s.goodput.slo_tpot_s > 0;
  j["request_goodput"] = slo ? nlohmann::json(s.goodput.requests_per_s) : nlohmann::json(nullptr);
  const std::pair<const char*, const LatencyStats*> metrics[] = {
      {"ttft", &s.latency_s.ttft}, {"tpot", &s.latency_s.tpot}, {"itl", &s.latency_s.itl}, {"e2el", &s.latency_s.e2e}};
  for (const auto& [name, l] : metrics) {
    const std::string m = std::string(name) + "_ms";
    j["mean_" + m] = l->mean * 1e3;
    j["median_" + m] = l->p50 * 1e3;
    j["std_" + m] = l->stdev * 1e3;
    j["p90_" + m] = l->p90 * 1e3;
    j["p99_" + m] = l->p99 * 1e3;
  }
  return j;
}

nlohmann::json vllm_bench_document(const std::vector<RunSummary>& summaries) {
  if (summaries.size() == 1) return vllm_bench_result(summaries.front());
  nlohmann::json list = nlohmann::json::array();
  for (const RunSummary& s : summaries) list.push_back(vllm_bench_result(s));
  return list;
}

}  // namespace stacksim
