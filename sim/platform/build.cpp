#include "platform/build.h"

#include <algorithm>
#include <string>

namespace sg4 = simgrid::s4u;

namespace stacksim {

ClusterHosts build_platform(sg4::Engine& engine, const Platform& p, int chips) {
  // SimGrid's default network model is calibrated for TCP over Ethernet; these links
  // are RDMA and NVLink/UB, whose achieved efficiencies live in the platform file.
  engine.set_config("network/latency-factor:1");
  engine.set_config("network/bandwidth-factor:1");
  engine.set_config("network/crosstraffic:0");

  ClusterHosts out;
  out.chips.reserve(chips);
  const int per_domain = p.scale_up.chips_per_domain;
  const int domains = (chips + per_domain - 1) / per_domain;
  const double chip_speed = p.chip.peak(Precision::BF16);

  sg4::NetZone* cluster = sg4::create_star_zone("cluster");
  for (int d = 0; d < domains; ++d) {
    const std::string dn = "domain-" + std::to_string(d);
    sg4::NetZone* domain = sg4::create_star_zone(dn);
    domain->set_parent(cluster);
    const int first = d * per_domain, last = std::min(chips, first + per_domain);
    for (int i = first; i < last; ++i) {
      const std::string name = "chip-" + std::to_string(i);
      sg4::Host* h = domain->create_host(name, chip_speed);
      h->seal();
      const sg4::Link* link = domain->create_split_duplex_link("su-" + std::to_string(i), p.scale_up.bandwidth_per_chip)
                                  ->set_latency(p.scale_up.latency / 2)
                                  ->seal();
      domain->add_route(h->get_netpoint(), nullptr, nullptr, nullptr,
                        {{link, sg4::LinkInRoute::Direction::UP}}, true);
      out.chips.push_back(h);
    }
    auto* gw = domain->create_router("gw-" + std::to_string(d));
    domain->add_route(gw, nullptr, nullptr, nullptr, {}, true);
    domain->seal();

    // The domain's share of the scale-out fabric.
    const double uplink_bw = (last - first) * p.scale_out.nic_bandwidth_per_chip / p.scale_out.oversubscription;
    const sg4::Link* up = cluster->create_split_duplex_link("uplink-" + std::to_string(d), uplink_bw)
                              ->set_latency(p.scale_out.latency / 2)
                              ->seal();
    cluster->add_route(domain->get_netpoint(), nullptr, gw, nullptr, {{up, sg4::LinkInRoute::Direction::UP}}, true);
  }
  cluster->seal();
  return out;
}

}  // namespace stacksim
