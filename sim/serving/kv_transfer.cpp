#include "serving/kv_transfer.h"

#include <cmath>
#include <simgrid/Exception.hpp>
#include <stdexcept>
#include <string>

namespace sg4 = simgrid::s4u;

namespace stacksim {

KvTransfers::KvTransfers(Calendar* calendar, RunStats* run, const ClusterHosts* hosts,
                         std::function<void(Request*, double)> landed, std::function<void(Request*)> lost)
    : calendar_(calendar), run_(run), landed_(std::move(landed)), lost_(std::move(lost)), hosts_(hosts) {}

void KvTransfers::start(Request* r, Instance* from, size_t src, size_t dst, double bytes, double now) {
  Transfer job{r, from, from->epoch(), now, nullptr};
  if (dst == kNoChip || bytes <= 0) {
    instant_.push_back(job);
    calendar_->at(now, this, [](void* t, uint64_t) {
      auto* transfers = static_cast<KvTransfers*>(t);
      const Transfer first = transfers->instant_.front();
      transfers->instant_.pop_front();
      transfers->arrive(first, false, transfers->calendar_->now());
    });
    return;
  }
  catch_up(now);
  ++run_->kv_flows;
  job.top_rate = hosts_->top_rate(src, dst);
  job.comm = sg4::Comm::sendto_async(hosts_->chips[src], hosts_->chips[dst], uint64_t(bytes));
  flows_.push_back(job);
  flows_.back().earliest = earliest_landing(flows_.size() - 1, sg4::Engine::get_clock());
  earliest_ = std::min(earliest_, flows_.back().earliest);
}

void KvTransfers::catch_up(double now) {
  const double behind = now - sg4::Engine::get_clock();
  if (behind > 1e-9) {
    ++run_->clock_syncs;
    sg4::this_actor::sleep_for(behind);
  }
}

double KvTransfers::earliest_landing(size_t i, double now) const {
  // (A hair early: SimGrid ends a flow once its bytes left are within its precision.)
  return now + flows_[i].comm->get_remaining() / flows_[i].top_rate * (1 - 1e-9) - 1e-9;
}

bool KvTransfers::wait(double until) {
  const double clock = sg4::Engine::get_clock();
  if (until <= clock) return false;
  // SimGrid waits on the flows that could land by `until` only (a wait registers with
  // each flow it waits on: with many under way, most cannot land yet).
  choose_candidates(until);
  if (candidates_.empty()) {
    // Looked at again, none can land by then (SimGrid's clock moved since their bounds
    // were taken): no wait.
    take_earliest();
    return false;
  }
  ++run_->flow_waits;
  ssize_t done = -1;
  bool failed = false;
  try {
    done = sg4::Comm::wait_any_for(candidates_, std::isinf(until) ? -1.0 : until - clock);
  } catch (const simgrid::Exception&) {
    failed = true;  // a chip on the way failed
  }
  const double t = sg4::Engine::get_clock();
  ended_.clear();
  if (done >= 0) take(candidate_index_[size_t(done)], false);
  if (failed || suspects_) take_failed();  // (after a chip failure: each flow tested once)
  suspects_ = false;                       // the wait has seen what the failure did
  // Every other flow that ended at this instant (no bytes left) lands with it, before the
  // wake-ups any of them causes (a decode instance takes transfers landing together in
  // one step).
  while (!ended_.empty()) {
    choose_candidates(t);
    if (candidates_.empty()) break;
    ssize_t k = -1;
    try {
      k = sg4::Comm::test_any(candidates_);
    } catch (const simgrid::Exception&) {
      if (take_failed()) continue;
    }
    if (k < 0) break;
    take(candidate_index_[size_t(k)], false);
  }
  take_earliest();
  if (ended_.empty()) return false;  // `until` came first
  // The lookahead's promise (Calendar::Flows::earliest): no flow lands before the
  // calendar's time. Checked always: a late landing would go unseen otherwise.
  if (t < calendar_->now() - 1e-9)
    throw std::logic_error("invariant violated: a KV flow landed at " + std::to_string(t) +
                           " s, before the calendar's time " + std::to_string(calendar_->now()) + " s");
  calendar_->advance_to(t);
  for (const auto& [job, lost] : ended_) arrive(job, lost, t);  // (never starts a flow)
  return true;
}

void KvTransfers::choose_candidates(double until) {
  candidates_.clear();
  candidate_index_.clear();
  const double clock = sg4::Engine::get_clock();
  for (size_t i = 0; i < flows_.size(); ++i) {
    Transfer& f = flows_[i];
    if (f.earliest > until) continue;
    if (!suspects_) {
      f.earliest = earliest_landing(i, clock);
      if (f.earliest > until) continue;
    }
    candidates_.push_back(f.comm);
    candidate_index_.push_back(i);
  }
}

void KvTransfers::take(size_t i, bool lost) {
  ended_.emplace_back(std::move(flows_[i]), lost);
  flows_.erase(flows_.begin() + std::ptrdiff_t(i));
}

bool KvTransfers::take_failed() {
  // The comm SimGrid failed on is marked so (testing it again is refused); one that failed
  // with it throws when tested; one that finished meanwhile tests true. In start order.
  const size_t before = ended_.size();
  for (size_t i = 0; i < flows_.size();) {
    bool over = false, lost = false;
    if (flows_[i].comm->get_state() == sg4::Activity::State::FAILED)
      over = lost = true;
    else
      try {
        over = flows_[i].comm->test();
      } catch (const simgrid::Exception&) {
        over = lost = true;
      }
    if (over)
      take(i, lost);
    else
      ++i;
  }
  return ended_.size() > before;
}

void KvTransfers::arrive(const Transfer& job, bool lost, double t) {
  if (job.source->epoch() != job.epoch)
    lost = true;  // the prefill instance failed meanwhile
  else
    job.source->release_transferred(job.req);
  if (lost) {
    lost_(job.req);
    return;
  }
  run_->kv_transfer.add(t - job.start);
  landed_(job.req, t);
}

}  // namespace stacksim
