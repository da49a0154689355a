#include "serving/simulation.h"

#include <simgrid/Exception.hpp>
#include <simgrid/plugins/energy.h>
#include <simgrid/s4u.hpp>

#include <cmath>
#include <deque>
#include <mutex>
#include <queue>
#include <stdexcept>

#include "metrics/metrics.h"
#include "perf/perf_model.h"
#include "platform/build.h"
#include "serving/instance.h"
#include "serving/router.h"

namespace sg4 = simgrid::s4u;

namespace stacksim {

namespace {

Instance::Role role_of(const std::string& r) {
  return r == "prefill" ? Instance::Role::Prefill : r == "decode" ? Instance::Role::Decode : Instance::Role::Colocated;
}

class Simulation : public InstanceListener {
 public:
  Simulation(const Scenario& sc, std::unique_ptr<Generator> gen) : sc_(sc), gen_(std::move(gen)) {}

  nlohmann::json run() {
    int argc = 2;
    char arg0[] = "stacksim", arg1[] = "--log=root.thresh:critical";
    char* argv[] = {arg0, arg1, nullptr};
    sg4::Engine engine(&argc, argv);
    sg_host_energy_plugin_init();
    std::vector<ChipGroup> groups;
    for (const PoolSpec& p : sc_.pools) groups.push_back({&p.platform, p.serving.chips});
    hosts_ = build_platform(engine, groups);

    int first_chip = 0;
    // Reserved: routers and instances keep pointers into their Pool (its loads).
    pools_.reserve(sc_.pools.size());
    for (const PoolSpec& spec : sc_.pools) {
      Pool& pool = pools_.emplace_back();
      pool.spec = &spec;
      pool.perf = std::make_unique<PerfModel>(spec.model, spec.platform, spec.serving);
      pool.loads.assign(spec.serving.instances(), 0);
      pool.router = make_router(spec.serving.router, &pool.loads);
      pool.first_chip = first_chip;
      for (int i = 0; i < spec.serving.instances(); ++i) {
        pool.owned.push_back(std::make_unique<Instance>(i, role_of(spec.role), *pool.perf, spec.serving, this,
                                                        sc_.workload.block_tokens));
        pool.instances.push_back(pool.owned.back().get());
        pool.instances.back()->set_load_slot(&pool.loads[i]);
        const auto first = hosts_.chips.begin() + first_chip + i * spec.serving.chips_per_instance;
        pool.instances.back()->start(hosts_.controller,
                                     std::vector<sg4::Host*>(first, first + spec.serving.chips_per_instance));
        pool.down_chips.push_back(0);
        pool.down_since.push_back(0);
      }
      first_chip += spec.serving.chips;
    }
    wake_ = sg4::ConditionVariable::create();
    mutex_ = sg4::Mutex::create();
    transfer_jobs_ = sg4::Semaphore::create(0);
    sg4::Actor::create("source", hosts_.controller, [this] { source(); });
    if (sc_.failures.mtbf_per_chip > 0)
      sg4::Actor::create("failures", hosts_.controller, [this] { inject_failures(); })->daemonize();
    engine.run();

    run_.end_time = end_time_;
    run_.in_flight = outstanding_;
    end_.in_flight = outstanding_;
    for (Pool& pool : pools_) {
      RunStats::Pool p;
      p.spec = pool.spec;
      p.kv_tokens_per_instance = pool.perf->memory().kv_tokens_per_instance;
      for (int c = 0; c < pool.spec->serving.chips; ++c)
        p.energy_joules += sg_host_get_consumed_energy(hosts_.chips[size_t(pool.first_chip + c)]);
      for (size_t i = 0; i < pool.instances.size(); ++i) {
        p.totals.add(pool.instances[i]->totals());
        if (pool.down_chips[i] > 0)
          run_.lost_chip_seconds += (end_time_ - pool.down_since[i]) * pool.spec->serving.chips_per_instance;
      }
      end_.kv_overflows += p.totals.kv_overflows;
      run_.pools.push_back(p);
    }
    check_end_invariants(end_);
    nlohmann::json summary = metrics_.summarize(sc_, run_);
    // Release SimGrid objects while the engine still exists.
    pools_.clear();
    wake_ = nullptr;
    mutex_ = nullptr;
    transfer_jobs_ = nullptr;
    return summary;
  }

  void on_complete(Request& r, double now) override {
    ++end_.completed;
    end_.output_requested += r.spec.output_tokens;
    end_.output_produced += r.generated;
    metrics_.completed(r.spec.arrival, r.first_token, now, r.spec.input_tokens, r.spec.output_tokens,
                       sc_.workload.slo_of(r.spec.stream), batch_jobs_ ? r.spec.session : -1);
    finished_one(r, now);
  }

  // Disaggregated: the prompt is done; move its KV to a decode instance as a network
  // flow between the two ranks' chips, sharing the links with every other transfer.
  void on_prefilled(Request& r, Instance& from, double now) override {
    Pool& src = pools_[0];
    Pool& dst = pools_[1];
    const size_t to = dst.router->pick(r, dst.instances);
    Request* req = &r;
    Instance* source = &from;
    const uint64_t epoch = from.epoch();
    sg4::Host* src_host = chip_of(src, from.index(), r.id);
    sg4::Host* dst_host = to == Router::kNone ? nullptr : chip_of(dst, static_cast<int>(to), r.id);
    const double bytes = double(r.prompt_tokens) * src.spec->model.kv_bytes_per_token();
    // Hand the flow to an idle transfer worker, or start one: workers live on, so actors
    // are created only up to the peak number of transfers in flight, not per request.
    transfers_.push_back({req, source, epoch, src_host, dst_host, bytes, now});
    transfer_jobs_->release();
    if (idle_workers_ < static_cast<int64_t>(transfers_.size()))
      sg4::Actor::create("kv-transfer", hosts_.controller, [this] { transfer_worker(); })->daemonize();
  }

 private:
  struct Transfer {
    Request* req;
    Instance* source;
    uint64_t epoch;
    sg4::Host* src_host;
    sg4::Host* dst_host;  // null: no decode instance is up
    double bytes;
    double start;
  };

  void transfer_worker() {
    while (true) {
      ++idle_workers_;
      run_.control_activities += 2;  // the acquire and the flow
      transfer_jobs_->acquire();
      --idle_workers_;
      const Transfer job = transfers_.front();
      transfers_.pop_front();
      bool lost = false;
      if (job.dst_host && job.bytes > 0) {
        try {
          sg4::Comm::sendto(job.src_host, job.dst_host, job.bytes);
        } catch (const simgrid::Exception&) {
          lost = true;  // a chip on the way failed
        }
      }
      const double t = sg4::Engine::get_clock();
      if (job.source->epoch() != job.epoch) lost = true;  // the prefill instance failed meanwhile
      else job.source->release_transferred(job.req);
      if (lost) {
        restart(job.req);
        continue;
      }
      run_.kv_transfer.add(t - job.start);
      if (job.req->first_token < 0) job.req->first_token = t;
      route(pools_[1], job.req);
    }
  }

  struct Pool {
    const PoolSpec* spec = nullptr;
    std::unique_ptr<PerfModel> perf;
    std::vector<std::unique_ptr<Instance>> owned;
    std::vector<Instance*> instances;
    std::vector<int64_t> loads;      // per instance, mirrored by the instances (the routers read it)
    std::unique_ptr<Router> router;
    int first_chip = 0;              // index of its first chip in hosts_.chips
    std::vector<int> down_chips;     // per instance: chips currently failed
    std::vector<double> down_since;  // per instance: when it went down
    std::deque<Request*> pending;    // requests waiting for an instance to come back up
  };

  // The chip holding request `id`'s KV in instance `i` of `pool` (its data-parallel rank).
  sg4::Host* chip_of(const Pool& pool, int i, int64_t id) const {
    const Serving& s = pool.spec->serving;
    const int rank = static_cast<int>(id % s.dp_ranks());
    return hosts_.chips[size_t(pool.first_chip + i * s.chips_per_instance + rank * s.attention_tp)];
  }

  void route(Pool& pool, Request* r) {
    const size_t i = pool.router->pick(*r, pool.instances);
    if (i == Router::kNone) pool.pending.push_back(r);  // every instance is down
    else pool.instances[i]->enqueue(r);
  }

  // A request lost its progress to a chip failure: it starts again from its prompt.
  void restart(Request* r) {
    ++r->retries;
    ++run_.retried;
    ++r->epoch;
    r->prompt_tokens = r->spec.input_tokens;
    r->prefilled = r->generated = r->kv_static = r->pinned_blocks = 0;
    r->swapped = false;
    r->load_time = 0;
    route(pools_[0], r);
  }

  // r completed or was rejected: its slot is reused by a later request (memory stays
  // O(requests in flight); stale pointers to it are recognised by its epoch).
  void finished_one(Request& r, double now) {
    --outstanding_;
    gen_->on_complete(r.spec, now);
    free_.push_back(&r);
    // The source waits for completions only when they can ready a request, or at the end.
    if (draining_ || reacts_) wake_->notify_all();
  }

  bool past_horizon(double t) const { return sc_.horizon > 0 && t > sc_.horizon; }

  // Waits for a completion (or the horizon). Returns false at the horizon.
  bool wait_for_progress(std::unique_lock<sg4::Mutex>& lock) {
    ++run_.control_activities;
    if (sc_.horizon > 0) return wake_->wait_until(lock, sc_.horizon) == std::cv_status::no_timeout;
    wake_->wait(lock);
    return true;
  }

  void source() {
    // Held for the whole run (only this actor takes it), so that a completion cannot
    // slip in between checking for work and waiting.
    std::unique_lock<sg4::Mutex> lock(*mutex_);
    RequestSpec spec;
    while (true) {
      double at;
      if (gen_->peek(&at)) {
        if (past_horizon(at)) break;
        const double now = sg4::Engine::get_clock();
        if (at > now) {
          // Wait for that arrival, or for a completion that readies an earlier request
          // (the next turn of a session): then look again.
          ++run_.control_activities;
          wake_->wait_until(lock, at);
          continue;
        }
        gen_->next(&spec);
        submit(spec);
        continue;
      }
      if (gen_->next(&spec)) {  // a generator that cannot tell ahead
        if (past_horizon(spec.arrival)) break;
        const double now = sg4::Engine::get_clock();
        if (spec.arrival > now) {
          ++run_.control_activities;
          sg4::this_actor::sleep_for(spec.arrival - now);
        }
        submit(spec);
        continue;
      }
      if (gen_->exhausted()) break;
      if (!wait_for_progress(lock)) break;  // closed loop: the next request follows a completion
    }
    draining_ = true;
    while (outstanding_ > 0)
      if (!wait_for_progress(lock)) break;
    end_time_ = sg4::Engine::get_clock();
    if (sc_.horizon > 0 && outstanding_ > 0) end_time_ = sc_.horizon;
  }

  void submit(const RequestSpec& spec) {
    Request* slot;
    if (free_.empty()) {
      slot = &requests_.emplace_back();
    } else {
      slot = free_.back();
      free_.pop_back();
      const uint32_t epoch = slot->epoch + 1;  // void whatever still points at its last use
      *slot = Request();
      slot->epoch = epoch;
    }
    Request& r = *slot;
    r.id = next_id_++;
    r.spec = spec;
    r.prompt_tokens = spec.input_tokens;
    metrics_.generated(batch_jobs_ ? spec.session : -1, spec.arrival);
    ++end_.generated;
    ++outstanding_;
    const int64_t need = spec.input_tokens + spec.output_tokens;
    const char* reason = nullptr;
    if (need > sc_.model.max_context) reason = "exceeds_model_context";
    for (const Pool& p : pools_) {
      const int64_t held = p.spec->role == "prefill" ? spec.input_tokens : need;
      if (!reason && held > p.perf->memory().kv_tokens_per_rank) reason = "exceeds_kv_capacity";
    }
    if (reason) {
      metrics_.rejected(reason);
      ++end_.rejected;
      finished_one(r, sg4::Engine::get_clock());
      return;
    }
    route(pools_[0], &r);
  }

  // Chip failures: exponential times to failure per chip, a fixed repair time. A failed
  // chip is turned off in SimGrid (flows through it fail) and takes its instance down;
  // the instance's requests start again elsewhere.
  void inject_failures() {
    struct Event {
      double time;
      bool repair;
      int chip;
      bool operator>(const Event& o) const { return time != o.time ? time > o.time : chip > o.chip; }
    };
    Rng rng(stream_seed(sc_.seed, "failures"));
    auto next_failure = [&](double now) { return now - sc_.failures.mtbf_per_chip * std::log(1 - rng.uniform()); };
    std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events;
    for (int c = 0; c < static_cast<int>(hosts_.chips.size()); ++c) events.push({next_failure(0), false, c});
    while (!events.empty()) {
      const Event e = events.top();
      events.pop();
      const double now = sg4::Engine::get_clock();
      ++run_.control_activities;
      if (e.time > now) sg4::this_actor::sleep_for(e.time - now);
      const double t = sg4::Engine::get_clock();
      // Which pool and instance the chip belongs to.
      Pool* pool = &pools_[0];
      for (Pool& p : pools_)
        if (e.chip >= p.first_chip && e.chip < p.first_chip + p.spec->serving.chips) pool = &p;
      const int i = (e.chip - pool->first_chip) / pool->spec->serving.chips_per_instance;
      Instance* in = pool->instances[size_t(i)];
      if (!e.repair) {
        hosts_.chips[size_t(e.chip)]->turn_off();
        ++run_.chip_failures;
        if (pool->down_chips[size_t(i)]++ == 0) {
          pool->down_since[size_t(i)] = t;
          for (Request* r : in->fail()) restart(r);
        }
        events.push({t + sc_.failures.repair_time, true, e.chip});
      } else {
        hosts_.chips[size_t(e.chip)]->turn_on();
        if (--pool->down_chips[size_t(i)] == 0) {
          run_.lost_chip_seconds += (t - pool->down_since[size_t(i)]) * pool->spec->serving.chips_per_instance;
          in->repair();
          std::deque<Request*> waiting;
          waiting.swap(pool->pending);
          for (Request* r : waiting) route(*pool, r);
        }
        events.push({next_failure(t), false, e.chip});
      }
    }
  }

  const Scenario& sc_;
  std::unique_ptr<Generator> gen_;
  ClusterHosts hosts_;
  EndCounts end_;  // for check_end_invariants
  std::vector<Pool> pools_;  // [0]: colocated or prefill; [1]: decode
  std::deque<Request> requests_;  // slots; a finished request's slot goes to free_
  std::vector<Request*> free_;
  int64_t next_id_ = 0;
  MetricsCollector metrics_;
  RunStats run_;
  sg4::ConditionVariablePtr wake_;
  sg4::MutexPtr mutex_;
  std::deque<Transfer> transfers_;  // KV transfers not yet taken by a worker
  sg4::SemaphorePtr transfer_jobs_;
  int64_t idle_workers_ = 0;        // transfer workers waiting for a job
  int64_t outstanding_ = 0;
  double end_time_ = 0;
  const bool reacts_ = gen_->reacts_to_completions();
  bool draining_ = false;  // the source has submitted everything and waits for the rest
  const bool batch_jobs_ = sc_.workload.deadline > 0;  // requests are grouped in jobs (session = job id)
};

}  // namespace

nlohmann::json simulate(const Scenario& sc, std::unique_ptr<Generator> generator) {
  Simulation sim(sc, std::move(generator));
  return sim.run();
}

void check_end_invariants(const EndCounts& c) {
  auto fail = [](const std::string& what) { throw std::logic_error("invariant violated: " + what); };
  if (c.generated != c.completed + c.rejected + c.in_flight)
    fail(std::to_string(c.generated) + " requests generated, but " + std::to_string(c.completed) + " completed + " +
         std::to_string(c.rejected) + " rejected + " + std::to_string(c.in_flight) + " in flight");
  if (c.output_produced != c.output_requested)
    fail("completed requests asked for " + std::to_string(c.output_requested) + " output tokens and got " +
         std::to_string(c.output_produced));
  if (c.kv_overflows != 0) fail(std::to_string(c.kv_overflows) + " steps used more KV cache than capacity");
}

}  // namespace stacksim
