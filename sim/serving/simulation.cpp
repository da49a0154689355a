#include "serving/simulation.h"

#include <simgrid/s4u.hpp>

#include <deque>
#include <mutex>

#include "metrics/metrics.h"
#include "perf/perf_model.h"
#include "platform/build.h"
#include "serving/instance.h"
#include "serving/router.h"

namespace sg4 = simgrid::s4u;

namespace stacksim {

namespace {

class Simulation : public InstanceListener {
 public:
  Simulation(const Scenario& sc, std::unique_ptr<Generator> gen)
      : sc_(sc), gen_(std::move(gen)), perf_(sc.model, sc.platform, sc.serving) {}

  nlohmann::json run() {
    int argc = 2;
    char arg0[] = "stacksim", arg1[] = "--log=root.thresh:warning";
    char* argv[] = {arg0, arg1, nullptr};
    sg4::Engine engine(&argc, argv);
    ClusterHosts hosts = build_platform(engine, sc_.platform, sc_.serving.chips);

    router_ = make_router(sc_.serving.router);
    const int n = sc_.serving.instances(), per = sc_.serving.chips_per_instance;
    instances_.reserve(n);
    for (int i = 0; i < n; ++i) {
      owned_.push_back(std::make_unique<Instance>(i, perf_, sc_.serving, this));
      instances_.push_back(owned_.back().get());
      instances_.back()->start(hosts.chips[size_t(i) * per]);
    }
    wake_ = sg4::ConditionVariable::create();
    mutex_ = sg4::Mutex::create();
    sg4::Actor::create("source", hosts.chips[0], [this] { source(); });
    engine.run();

    InstanceTotals t;
    int64_t in_flight = 0;
    for (const Instance* in : instances_) {
      const InstanceTotals& x = in->totals();
      t.steps += x.steps;
      t.busy_time += x.busy_time;
      t.prefill_time += x.prefill_time;
      t.decode_time += x.decode_time;
      t.kv_token_seconds += x.kv_token_seconds;
      t.kv_peak_fraction = std::max(t.kv_peak_fraction, x.kv_peak_fraction);
      t.batch_seq_steps += x.batch_seq_steps;
      t.kv_overflows += x.kv_overflows;
      in_flight += in->in_flight();
    }
    nlohmann::json summary = metrics_.summarize(sc_, t, perf_.memory().kv_tokens_per_instance, end_time_, in_flight);
    // Release SimGrid objects while the engine still exists.
    instances_.clear();
    owned_.clear();
    wake_ = nullptr;
    mutex_ = nullptr;
    return summary;
  }

  void on_complete(Request& r, double now) override {
    metrics_.completed(r.spec.arrival, r.first_token, now, r.spec.input_tokens, r.spec.output_tokens);
    finished_one(r.spec, now);
  }

 private:
  void finished_one(const RequestSpec& spec, double now) {
    --outstanding_;
    gen_->on_complete(spec, now);
    wake_->notify_all();
  }

  bool past_horizon(double t) const { return sc_.horizon > 0 && t > sc_.horizon; }

  // Waits for a completion (or the horizon). Returns false at the horizon.
  bool wait_for_progress(std::unique_lock<sg4::Mutex>& lock) {
    if (sc_.horizon > 0) return wake_->wait_until(lock, sc_.horizon) == std::cv_status::no_timeout;
    wake_->wait(lock);
    return true;
  }

  void source() {
    // Held for the whole run (only this actor takes it), so that a completion cannot
    // slip in between checking for work and waiting.
    std::unique_lock<sg4::Mutex> lock(*mutex_);
    RequestSpec spec;
    bool stop = false;
    while (!stop) {
      while (gen_->next(&spec)) {
        if (past_horizon(spec.arrival)) {
          stop = true;
          break;
        }
        const double now = sg4::Engine::get_clock();
        if (spec.arrival > now) sg4::this_actor::sleep_for(spec.arrival - now);
        submit(spec);
      }
      if (stop || gen_->exhausted()) break;
      if (!wait_for_progress(lock)) break;  // closed loop: the next request follows a completion
    }
    while (outstanding_ > 0)
      if (!wait_for_progress(lock)) break;
    end_time_ = sg4::Engine::get_clock();
    if (sc_.horizon > 0 && outstanding_ > 0) end_time_ = sc_.horizon;
  }

  void submit(const RequestSpec& spec) {
    Request& r = requests_.emplace_back();
    r.id = static_cast<int64_t>(requests_.size()) - 1;
    r.spec = spec;
    metrics_.generated();
    ++outstanding_;
    const int64_t need = spec.input_tokens + spec.output_tokens;
    const char* reason = nullptr;
    if (need > sc_.model.max_context) reason = "exceeds_model_context";
    else if (need > perf_.memory().kv_tokens_per_rank) reason = "exceeds_kv_capacity";
    if (reason) {
      metrics_.rejected(reason);
      finished_one(r.spec, sg4::Engine::get_clock());
      return;
    }
    instances_[router_->pick(r, instances_)]->enqueue(&r);
  }

  const Scenario& sc_;
  std::unique_ptr<Generator> gen_;
  PerfModel perf_;
  std::unique_ptr<Router> router_;
  std::vector<std::unique_ptr<Instance>> owned_;
  std::vector<Instance*> instances_;
  std::deque<Request> requests_;
  MetricsCollector metrics_;
  sg4::ConditionVariablePtr wake_;
  sg4::MutexPtr mutex_;
  int64_t outstanding_ = 0;
  double end_time_ = 0;
};

}  // namespace

nlohmann::json simulate(const Scenario& sc, std::unique_ptr<Generator> generator) {
  Simulation sim(sc, std::move(generator));
  return sim.run();
}

}  // namespace stacksim
