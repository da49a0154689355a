// Expert routing: how unevenly a step's routed tokens land on the chips of an instance.
//
// The default is the measured law of config/routing.h (max/mean against the number of
// expert-parallel ranks, with or without EPLB). Otherwise expert popularity is balanced
// (every expert equally likely, as profiling runs simulate) or Zipf-skewed (the r-th most
// popular expert gets weight 1 / r^skew), or a fixed max/mean ratio. Zipf experts are
// placed on chips either statically (a fixed pseudo-random permutation, round-robin) or by
// EPLB: the hottest experts get the redundant replicas, then replicas go, heaviest first,
// to the least-loaded chip.
#pragma once

#include "config/routing.h"

namespace stacksim {

// The busiest chip's expected share of routed tokens relative to the mean (>= 1), for
// `experts` routed experts plus `redundant` replicas on `chips` chips, each `ranks_per_chip`
// expert-parallel ranks to the software (the measured law counts ranks; Zipf placement
// places on chips). Static part only: finite-batch noise is added by
// routed_tokens_on_busiest_chip().
double static_imbalance(const Routing& r, int experts, int redundant, int chips, int ranks_per_chip = 1);

// Expected routed tokens on the busiest chip when `mean_tokens` land on an average chip:
// the static imbalance plus, for real (non-balanced) routing, the expected maximum of
// `chips` Poisson counts (mean + sqrt(2 ln chips) standard deviations).
double routed_tokens_on_busiest_chip(double mean_tokens, double static_imbalance, bool balanced, int chips);

}  // namespace stacksim
