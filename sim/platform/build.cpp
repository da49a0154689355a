#include "platform/build.h"

#include <algorithm>
#include <cmath>
#include <simgrid/kernel/routing/NetPoint.hpp>
#include <simgrid/kernel/routing/NetZoneImpl.hpp>
#include <string>

namespace sg4 = simgrid::s4u;
namespace kr = simgrid::kernel::routing;
using kernel_link = simgrid::kernel::resource::StandardLinkImpl;

namespace stacksim {

namespace {

// The whole cluster as one SimGrid zone with its own routing. A chip reaches its domain's
// switch over its own split-duplex scale-up link, and the scale-out fabric over its own
// NIC; a domain reaches the others over its uplink (the domain's share of the scale-out
// fabric). A route between two chips is
//   same domain:       chip's scale-up link up, the other's down;
//   different domains: chip's NIC up, its domain's uplink up, the other domain's uplink
//                      down, the other chip's NIC down.
// (A chip's traffic to another domain leaves through its own NIC, as RDMA transfers of KV
// do; the scale-up links do not carry it.) An uplink is a link only on an oversubscribed
// fabric; otherwise it can never be the narrowest (add_open_domain) and a route takes its
// latency only.
// One zone rather than a star zone per domain under a star of domains: SimGrid 3.32 checks
// every new host's and link's name by walking all zones, so building N chips in N/k zones
// cost O(N^2/k) (4,096 chips in 4-chip domains took 1.1 s, 65,536 several minutes). Here a
// host or link is one lookup in this zone's map, and a route two table reads.
class FabricZone final : public kr::NetZoneImpl {
 public:
  explicit FabricZone(const std::string& name) : NetZoneImpl(name) {}

  // A domain with the given uplink (nullptr: none, the controller's own corner).
  int add_domain(const sg4::SplitDuplexLink* uplink) {
    domains_.push_back(uplink ? Duplex(uplink) : Duplex());
    return static_cast<int>(domains_.size()) - 1;
  }
  // A domain whose uplink carries at least its chips' NICs' sum (no oversubscription): a
  // flow through it comes out of or goes into one of those NICs, so the uplink can never
  // be the narrowest constraint of SimGrid's max-min sharing, and a route through it
  // takes its latency only. The solver then couples flows only where they share a NIC,
  // instead of every flow that crosses the fabric (which grew its work per flow with the
  // cluster).
  int add_open_domain(double latency) {
    Duplex d;
    d.up.latency = d.down.latency = latency;
    domains_.push_back(d);
    return static_cast<int>(domains_.size()) - 1;
  }
  int domains() const { return static_cast<int>(domains_.size()); }
  // `host` joins `domain` over `link` (its up direction leads to the domain's switch) and
  // the scale-out fabric over `nic` (nullptr: over `link`, as the controller does).
  void attach(const sg4::Host* host, const sg4::SplitDuplexLink* link, const sg4::SplitDuplexLink* nic, int domain) {
    const unsigned long id = host->get_netpoint()->id();
    if (members_.size() <= id) members_.resize(id + 1);
    members_[id] = Member{Duplex(link), Duplex(nic ? nic : link), domain};
  }

  void get_local_route(const kr::NetPoint* src, const kr::NetPoint* dst, kr::Route* into, double* latency) override {
    const Member& s = members_.at(src->id());
    const Member& d = members_.at(dst->id());
    if (s.domain == d.domain) {
      add(into, s.link.up, latency);
      add(into, d.link.down, latency);
      return;
    }
    add(into, s.nic.up, latency);
    add(into, domains_[size_t(s.domain)].up, latency);
    add(into, domains_[size_t(d.domain)].down, latency);
    add(into, d.nic.down, latency);
  }

 private:
  // One direction of a link as a route takes it: its kernel object and latency, read once
  // (the s4u accessors cast on every call, ~4% of a KV flow's cost).
  struct Hop {
    kernel_link* impl = nullptr;
    double latency = 0;
  };
  struct Duplex {
    Duplex() = default;
    explicit Duplex(const sg4::SplitDuplexLink* l) : up(hop(l->get_link_up())), down(hop(l->get_link_down())) {}
    static Hop hop(const sg4::Link* l) { return {l->get_impl(), l->get_latency()}; }
    Hop up, down;
  };
  struct Member {
    Duplex link, nic;
    int domain = -1;
  };
  static void add(kr::Route* into, const Hop& hop, double* latency) {
    if (hop.impl) into->link_list_.push_back(hop.impl);  // (none: an open or no uplink)
    if (latency) *latency += hop.latency;
  }
  std::vector<Duplex> domains_;
  std::vector<Member> members_;  // by netpoint id (a host's index in this zone)
};

// Whether chips of platforms a and b can share a scale-up domain: the same platform, with
// the same links.
bool same_domains(const Platform& a, const Platform& b) {
  return a.name == b.name && a.file == b.file && a.scale_up.chips_per_domain == b.scale_up.chips_per_domain &&
         a.scale_up.rate_per_chip() == b.scale_up.rate_per_chip() && a.scale_up.latency == b.scale_up.latency &&
         a.scale_out.rate_per_chip() == b.scale_out.rate_per_chip() && a.scale_out.latency == b.scale_out.latency &&
         a.scale_out.oversubscription == b.scale_out.oversubscription;
}

// A scale-up domain as placed: its platform and its chips.
struct Domain {
  const Platform* platform;
  int chips;
};

// Placement: chips fill scale-up domains in order, group by group; a group on the same
// platform as the one before continues in its last domain while it has room (a
// disaggregated deployment of 36 prefill and 36 decode chips is one NVL72 rack, and its
// KV moves over NVLink). `placed`: each chip's platform and domain.
void place(const std::vector<ChipGroup>& groups, std::vector<Domain>* domains,
           std::vector<std::pair<const Platform*, size_t>>* placed) {
  for (const ChipGroup& g : groups)
    for (int i = 0; i < g.chips; ++i) {
      const bool room = !domains->empty() && same_domains(*domains->back().platform, *g.platform) &&
                        domains->back().chips < g.platform->scale_up.chips_per_domain;
      if (!room) domains->push_back({g.platform, 0});
      ++domains->back().chips;
      placed->emplace_back(g.platform, domains->size() - 1);
    }
}

// Chip `chip`, joined to `domain` over its own scale-up link and to the scale-out fabric
// over its own NIC (the fabric's latency is on the uplinks).
sg4::Host* add_chip(FabricZone* zone, int domain, int chip, const Platform& p, double speed) {
  sg4::NetZone* z = zone->get_iface();
  sg4::Host* h = z->create_host("chip-" + std::to_string(chip), speed);
  h->seal();
  auto* link = z->create_split_duplex_link("su-" + std::to_string(chip), p.scale_up.rate_per_chip());
  link->set_latency(p.scale_up.latency / 2)->seal();
  auto* nic = z->create_split_duplex_link("nic-" + std::to_string(chip), p.scale_out.rate_per_chip());
  nic->seal();
  zone->attach(h, link, nic, domain);
  return h;
}

}  // namespace

ClusterHosts build_platform(sg4::Engine& engine, const std::vector<ChipGroup>& groups) {
  // SimGrid's default network model (LV08) is calibrated for TCP over Ethernet; these
  // links are RDMA and NVLink/UB, whose achieved efficiencies live in the platform file.
  // Off with its TCP terms: the latency and bandwidth factors, the ACKs' cross traffic,
  // the RTT unfairness of weight-S (a flow's share then depends on its route's latency
  // alone, so a route that keeps an open uplink's latency but not its link shares as if
  // the link were there), and the TCP window's cap on a flow's rate (TCP-gamma / 2
  // latency: 2.1 TB/s at 1 us, below an NVLink 6 link).
  engine.set_config("network/latency-factor:1");
  engine.set_config("network/bandwidth-factor:1");
  engine.set_config("network/crosstraffic:0");
  engine.set_config("network/weight-S:0");
  engine.set_config("network/TCP-gamma:1e30");

  std::vector<Domain> domains;
  std::vector<std::pair<const Platform*, size_t>> placed;  // each chip's platform and domain
  place(groups, &domains, &placed);

  ClusterHosts out;
  auto* zone = new FabricZone("cluster");  // the first zone: SimGrid's root, which owns it
  sg4::NetZone* z = zone->get_iface();
  for (const Domain& dom : domains) {
    // The domain's share of the scale-out fabric (what its fabric delivers): a link of its
    // own only when oversubscribed.
    const ScaleOut& so = dom.platform->scale_out;
    if (so.oversubscription > 1) {
      const double uplink_bw = dom.chips * so.rate_per_chip() / so.oversubscription;
      auto* up = z->create_split_duplex_link("uplink-" + std::to_string(zone->domains()), uplink_bw);
      up->set_latency(so.latency / 2)->seal();
      zone->add_domain(up);
      out.uplink.push_back(uplink_bw);
    } else {
      zone->add_open_domain(so.latency / 2);
      out.uplink.push_back(INFINITY);
    }
  }
  for (size_t chip = 0; chip < placed.size(); ++chip) {
    const Platform& p = *placed[chip].first;
    const int d = int(placed[chip].second);
    out.chips.push_back(add_chip(zone, d, int(chip), p, p.chip.peak(Precision::BF16)));
    out.ports.push_back({d, p.scale_up.rate_per_chip(), p.scale_out.rate_per_chip()});
  }
  // The controller: a host of its own in a corner with no uplink (it runs the calendar and
  // sends nothing).
  out.controller = z->create_host("controller", 1e9);
  out.controller->seal();
  auto* ctl_link = z->create_split_duplex_link("control-link", 1e12);
  ctl_link->seal();
  zone->attach(out.controller, ctl_link, nullptr, zone->add_domain(nullptr));
  z->seal();
  return out;
}

ClusterHosts build_platform(sg4::Engine& engine, const Platform& platform, int chips) {
  return build_platform(engine, {ChipGroup{&platform, chips}});
}

}  // namespace stacksim
