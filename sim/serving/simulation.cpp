#include "serving/simulation.h"

#include <cstdlib>
#include <simgrid/s4u.hpp>
#include <stdexcept>
#include <string>

#include "serving/cluster.h"

namespace sg4 = simgrid::s4u;

namespace stacksim {

RunSummary simulate(const Scenario& sc, std::unique_ptr<Generator> generator, const RunOutputs& out) {
  // STACKSIM_SIMGRID_CONTEXTS (.ci/sanitize sets it to "thread"): SimGrid's context factory.
  // Its default swaps stacks by hand, which AddressSanitizer cannot follow when SimGrid
  // raises and catches an exception on an actor's stack (google/sanitizers#189: a false
  // report that aborts the run); threads it can follow. The results are the same.
  const char* factory = std::getenv("STACKSIM_SIMGRID_CONTEXTS");
  std::string contexts = std::string("--cfg=contexts/factory:") + (factory ? factory : "");
  int argc = factory ? 3 : 2;
  char arg0[] = "stacksim", arg1[] = "--log=root.thresh:critical";
  char* argv[] = {arg0, arg1, factory ? contexts.data() : nullptr, nullptr};
  sg4::Engine engine(&argc, argv);
  std::vector<ChipGroup> groups;
  for (const PoolSpec& p : sc.pools) groups.push_back({&p.platform, p.serving.chips});
  Cluster cluster(sc, std::move(generator));
  if (!out.requests_csv.empty()) cluster.log = std::make_unique<RequestLog>(out.requests_csv, sc.name, false);
  if (!out.timeline_csv.empty())
    cluster.timeline = std::make_unique<Timeline>(out.timeline_csv, sc, out.timeline_interval);
  if (!out.trace_json.empty())
    cluster.trace = std::make_unique<Trace>(out.trace_json, sc, out.trace_index, out.trace_from, out.trace_to);
  if (out.progress != ProgressMode::None)
    cluster.progress = std::make_unique<Progress>(out.progress, sc.name, sc.horizon, out.progress_every);
  cluster.step_by_step = out.step_by_step;
  cluster.start(build_platform(engine, groups));
  // One actor runs the calendar; it blocks in SimGrid only for the KV flows.
  sg4::Actor::create("calendar", cluster.hosts.controller, [&cluster] { cluster.run_calendar(); });
  engine.run();
  if (cluster.progress) cluster.progress->finish();
  cluster.finish();
  cluster.end.horizon = sc.horizon > 0;
  check_end_invariants(cluster.end);
  if (cluster.log) {
    cluster.log_in_flight();
    cluster.log->close();
  }
  if (cluster.trace) cluster.trace->close();
  if (out.distributions) *out.distributions = cluster.metrics.distributions();
  return cluster.metrics.summarize(sc, cluster.run);
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
  if (!c.horizon && c.in_flight > 0)
    fail(std::to_string(c.in_flight) +
         " requests still in flight when the simulation ran out of events, with no "
         "horizon (a deadlock)");
}

}  // namespace stacksim
