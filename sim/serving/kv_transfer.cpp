#include "serving/kv_transfer.h"

#include <simgrid/Exception.hpp>

namespace sg4 = simgrid::s4u;

namespace stacksim {

KvTransfers::KvTransfers(sg4::Host* controller, RunStats* run, std::function<void(Request*, double)> landed,
                         std::function<void(Request*)> lost)
    : controller_(controller),
      run_(run),
      landed_(std::move(landed)),
      lost_(std::move(lost)),
      jobs_(sg4::Semaphore::create(0)) {}

void KvTransfers::start(Request* r, Instance* from, sg4::Host* src, sg4::Host* dst, double bytes, double now) {
  queue_.push_back({r, from, from->epoch(), src, dst, bytes, now});
  ++in_flight_;
  jobs_->release();
  if (idle_workers_ < static_cast<int64_t>(queue_.size()))
    sg4::Actor::create("kv-transfer", controller_, [this] { worker(); })->daemonize();
}

void KvTransfers::worker() {
  while (true) {
    ++idle_workers_;
    run_->transfer_activities += 2;  // the acquire and the flow
    jobs_->acquire();
    --idle_workers_;
    const Transfer job = queue_.front();
    queue_.pop_front();
    bool lost = false;
    if (job.dst_host && job.bytes > 0) {
      try {
        sg4::Comm::sendto(job.src_host, job.dst_host, job.bytes);
      } catch (const simgrid::Exception&) {
        lost = true;  // a chip on the way failed
      }
    }
    const double t = sg4::Engine::get_clock();
    if (job.source->epoch() != job.epoch)
      lost = true;  // the prefill instance failed meanwhile
    else
      job.source->release_transferred(job.req);
    --in_flight_;
    if (lost) {
      lost_(job.req);
      continue;
    }
    run_->kv_transfer.add(t - job.start);
    landed_(job.req, t);
  }
}

}  // namespace stacksim
