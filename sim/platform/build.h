// Builds the SimGrid platform of one cluster: a host per chip, grouped in scale-up
// domains (an NVLink / UB domain: a split-duplex link per chip at the scale-up bandwidth)
// in placement order, a group continuing in the previous group's last domain when both
// are on the same platform; a NIC per chip; and the domains joined by the scale-out
// network (one uplink per domain carrying its chips' NIC bandwidth divided by the
// oversubscription; a link only when oversubscribed, as it cannot bind otherwise). The
// whole cluster is one zone with its own routing, so building it is linear in chips.
//
// This is the only file that creates S4U platform objects; it also sets the network
// model options suited to RDMA and NVLink (no TCP latency/bandwidth factors).
#pragma once

#include <algorithm>
#include <simgrid/s4u.hpp>
#include <vector>

#include "config/platform.h"

namespace stacksim {

struct ClusterHosts {
  std::vector<simgrid::s4u::Host*> chips;    // in placement order: group by group, domain by domain
  simgrid::s4u::Host* controller = nullptr;  // runs the calendar's actor; never fails
  // Each chip's links (bytes/s) and domain, and each domain's uplink (infinite when open).
  struct Ports {
    int domain;
    double scale_up, nic;
  };
  std::vector<Ports> ports;    // by chip
  std::vector<double> uplink;  // by domain
  // The bandwidth of the narrowest link between chips a and b, the most a flow between
  // them can get: what the route's links give, read from the build's figures (no route
  // is computed: thousands of chip pairs at 1,152 chips).
  double top_rate(size_t a, size_t b) const {
    const Ports &s = ports[a], &d = ports[b];
    if (s.domain == d.domain) return std::min(s.scale_up, d.scale_up);
    return std::min(std::min(s.nic, d.nic), std::min(uplink[size_t(s.domain)], uplink[size_t(d.domain)]));
  }
};

// One group of chips of one platform (a serving pool).
struct ChipGroup {
  const Platform* platform;
  int chips;
};

// Builds every group into one cluster, joined by the scale-out network.
// (The chips' energy is stacksim's: serving/chip_power.h.)
// REQUIRES: called once per process, after the Engine is created and before run().
ClusterHosts build_platform(simgrid::s4u::Engine& engine, const std::vector<ChipGroup>& groups);
// The same for a single group.
ClusterHosts build_platform(simgrid::s4u::Engine& engine, const Platform& platform, int chips);

}  // namespace stacksim
