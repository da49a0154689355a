#include "platform/build.h"

#include <algorithm>
#include <string>

namespace sg4 = simgrid::s4u;

namespace stacksim {

// Chip `chip` of `domain`: a host with two power states and its own link (what its
// fabric delivers) to the domain's switch.
static sg4::Host* add_chip(sg4::NetZone* domain, int chip, const Platform& p, double speed,
                           const std::string& wattage) {
  sg4::Host* h = domain->create_host("chip-" + std::to_string(chip), std::vector<double>{speed, speed});
  h->set_property("wattage_per_state", wattage);
  h->set_property("wattage_off", "0");
  h->seal();
  const sg4::Link* link = domain->create_split_duplex_link("su-" + std::to_string(chip), p.scale_up.rate_per_chip())
                              ->set_latency(p.scale_up.latency / 2)
                              ->seal();
  domain->add_route(h->get_netpoint(), nullptr, nullptr, nullptr, {{link, sg4::LinkInRoute::Direction::UP}}, true);
  return h;
}

ClusterHosts build_platform(sg4::Engine& engine, const std::vector<ChipGroup>& groups) {
  // SimGrid's default network model is calibrated for TCP over Ethernet; these links
  // are RDMA and NVLink/UB, whose achieved efficiencies live in the platform file.
  engine.set_config("network/latency-factor:1");
  engine.set_config("network/bandwidth-factor:1");
  engine.set_config("network/crosstraffic:0");

  ClusterHosts out;
  sg4::NetZone* cluster = sg4::create_star_zone("cluster");
  int d = 0, chip = 0;
  for (const ChipGroup& g : groups) {
    const Platform& p = *g.platform;
    const int per_domain = p.scale_up.chips_per_domain;
    const double chip_speed = p.chip.peak(Precision::BF16);
    // Two power states for the energy plugin: 0 idle, 1 busy (stepping). A chip's draw
    // is its state's wattage; the instance switches its chips' state (see Instance).
    const std::string idle = std::to_string(p.chip.power_idle), busy = std::to_string(p.chip.power_busy);
    const std::string wattage = idle + ":" + idle + ":" + idle + ", " + busy + ":" + busy + ":" + busy;
    for (int first = 0; first < g.chips; first += per_domain, ++d) {
      const int last = std::min(g.chips, first + per_domain);
      sg4::NetZone* domain = sg4::create_star_zone("domain-" + std::to_string(d));
      domain->set_parent(cluster);
      for (int i = first; i < last; ++i, ++chip) out.chips.push_back(add_chip(domain, chip, p, chip_speed, wattage));
      auto* gw = domain->create_router("gw-" + std::to_string(d));
      domain->add_route(gw, nullptr, nullptr, nullptr, {}, true);
      domain->seal();
      // The domain's share of the scale-out fabric (what its fabric delivers).
      const double uplink_bw = (last - first) * p.scale_out.rate_per_chip() / p.scale_out.oversubscription;
      const sg4::Link* up = cluster->create_split_duplex_link("uplink-" + std::to_string(d), uplink_bw)
                                ->set_latency(p.scale_out.latency / 2)
                                ->seal();
      cluster->add_route(domain->get_netpoint(), nullptr, gw, nullptr, {{up, sg4::LinkInRoute::Direction::UP}}, true);
    }
  }
  // The controller: a host of its own, off the chips' links.
  sg4::NetZone* ctl = sg4::create_star_zone("control");
  ctl->set_parent(cluster);
  out.controller = ctl->create_host("controller", 1e9);
  out.controller->seal();
  const sg4::Link* ctl_link = ctl->create_split_duplex_link("control-link", 1e12)->seal();
  ctl->add_route(out.controller->get_netpoint(), nullptr, nullptr, nullptr,
                 {{ctl_link, sg4::LinkInRoute::Direction::UP}}, true);
  auto* cgw = ctl->create_router("gw-control");
  ctl->add_route(cgw, nullptr, nullptr, nullptr, {}, true);
  ctl->seal();
  cluster->add_route(ctl->get_netpoint(), nullptr, cgw, nullptr, {}, true);
  cluster->seal();
  return out;
}

ClusterHosts build_platform(sg4::Engine& engine, const Platform& platform, int chips) {
  return build_platform(engine, {ChipGroup{&platform, chips}});
}

}  // namespace stacksim
