#include "perf/routing.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

namespace stacksim {

double static_imbalance(const Routing& r, int experts, int redundant, int chips, int ranks_per_chip) {
  // One chip (or one expert-parallel group) takes every routed token: nothing to balance.
  if (experts <= 0 || chips <= 1) return 1.0;
  if (r.type == "fixed") return r.imbalance;
  if (r.type == "balanced") return 1.0;
  if (r.type == "measured") {
    const RoutingLaw law = r.eplb ? kEplbLaw : kStaticPlacementLaw;
    return 1.0 + law.slope * std::max(0.0, std::log(double(chips) * ranks_per_chip) - law.knee);
  }

  // Popularity by rank, mean 1. A fixed permutation decouples popularity from expert
  // index (expert ids carry no meaning), so static placement is not worst-case.
  std::vector<double> w(experts);
  for (int e = 0; e < experts; ++e) w[e] = 1.0 / std::pow(double(e + 1), r.skew);
  const double sum = std::accumulate(w.begin(), w.end(), 0.0);
  for (double& x : w) x *= experts / sum;
  std::vector<int> perm(experts);
  std::iota(perm.begin(), perm.end(), 0);
  uint64_t state = 0x2545F4914F6CDD1DULL;
  for (int i = experts - 1; i > 0; --i) {  // Fisher-Yates with a fixed xorshift stream
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    std::swap(perm[i], perm[state % uint64_t(i + 1)]);
  }

  std::vector<double> load(chips, 0.0);
  if (!r.eplb) {
    // Static: expert slot i goes to chip i % chips; redundant replicas are unused.
    for (int i = 0; i < experts; ++i) load[i % chips] += w[perm[i]];
  } else {
    // EPLB: give each redundant replica to the expert with the highest load per replica,
    // then place replicas heaviest first on the least-loaded chip with a free slot.
    std::vector<int> replicas(experts, 1);
    for (int k = 0; k < redundant; ++k) {
      int best = 0;
      for (int e = 1; e < experts; ++e)
        if (w[e] / replicas[e] > w[best] / replicas[best]) best = e;
      ++replicas[best];
    }
    std::vector<double> items;
    for (int e = 0; e < experts; ++e)
      for (int k = 0; k < replicas[e]; ++k) items.push_back(w[e] / replicas[e]);
    std::sort(items.begin(), items.end(), std::greater<double>());
    const size_t slots = (items.size() + chips - 1) / chips;
    std::vector<size_t> used(chips, 0);
    for (double x : items) {
      int best = -1;
      for (int c = 0; c < chips; ++c)
        if (used[c] < slots && (best < 0 || load[c] < load[best])) best = c;
      load[best] += x;
      ++used[best];
    }
  }
  const double mean = double(experts) / chips;
  return *std::max_element(load.begin(), load.end()) / mean;
}

double routed_tokens_on_busiest_chip(double mean_tokens, double imbalance, bool balanced, int chips) {
  const double expected = mean_tokens * imbalance;
  if (balanced || chips <= 1 || expected <= 0) return expected;
  return expected + std::sqrt(2.0 * std::log(double(chips)) * expected);
}

}  // namespace stacksim
