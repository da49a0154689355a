// The SimGrid platform: a host per chip, scale-up links inside a domain, a NIC per chip
// and domain uplinks across. Checked by timing messages between chips (each run in a
// child process).
#include <catch2/catch.hpp>
#include <simgrid/s4u.hpp>
#include <sstream>

#include "helpers.h"
#include "platform/build.h"

using namespace stacksim;
namespace sg4 = simgrid::s4u;

namespace {

// Sends `bytes` from chip `src` to chip `dst` (and optionally a second flow at the same
// time) and returns the simulated times at which the transfers ended, as "t1 t2".
std::string time_transfers(const Platform& p, int chips, int src, int dst, double bytes, int src2 = -1, int dst2 = -1) {
  int argc = 2;
  char a0[] = "t", a1[] = "--log=root.thresh:critical";
  char* argv[] = {a0, a1, nullptr};
  sg4::Engine e(&argc, argv);
  ClusterHosts hosts = build_platform(e, p, chips);
  std::string out = std::to_string(e.get_host_count()) + " ";
  double t1 = -1, t2 = -1;
  sg4::Actor::create("a", hosts.chips[src], [&] {
    sg4::Comm::sendto(hosts.chips[src], hosts.chips[dst], bytes);
    t1 = sg4::Engine::get_clock();
  });
  if (src2 >= 0)
    sg4::Actor::create("b", hosts.chips[src2], [&] {
      sg4::Comm::sendto(hosts.chips[src2], hosts.chips[dst2], bytes);
      t2 = sg4::Engine::get_clock();
    });
  e.run();
  char buf[128];
  std::snprintf(buf, sizeof buf, "%.12g %.12g", t1, t2);
  return out + buf;
}

std::vector<double> run_transfers(const Platform& p, int chips, int src, int dst, double bytes, int src2 = -1,
                                  int dst2 = -1) {
  auto r = run_isolated({[&] { return time_transfers(p, chips, src, dst, bytes, src2, dst2); }}, 1);
  REQUIRE(r[0].ok);
  std::istringstream in(r[0].output);
  std::vector<double> v(3);
  in >> v[0] >> v[1] >> v[2];
  return v;
}

}  // namespace

TEST_CASE("the platform has a host per chip, scale-up links inside a domain and NICs across", "[platform]") {
  // tiny: 4 chips per domain, 100 GB/s scale-up (1 us), 400 Gb/s NIC (5 us).
  Platform p = test::load_one(test::data("lone.yaml")).pools[0].platform;
  const double gb = 1e9;
  // Inside a domain: the two chips' scale-up links (latency 0.5 us each).
  auto v = run_transfers(p, 8, 0, 1, gb);
  CHECK(v[0] == 9);  // 8 chips and the controller
  CHECK(v[1] == Approx(gb / 100e9 + 1e-6).epsilon(1e-9));
  // Two flows out of the same chip share its link: both take twice as long.
  v = run_transfers(p, 8, 0, 1, gb, 0, 2);
  CHECK(v[1] == Approx(2 * gb / 100e9 + 1e-6).epsilon(1e-9));
  CHECK(v[2] == Approx(v[1]));
  // Across domains: out through the chip's own NIC (50 GB/s, not its 100 GB/s scale-up
  // link), over the two domain uplinks (200 GB/s each, the fabric's 5 us), in through the
  // other chip's NIC.
  v = run_transfers(p, 8, 0, 5, gb);
  CHECK(v[1] == Approx(gb / 50e9 + 5e-6).epsilon(1e-9));
  // Two flows out of one chip to two chips of the other domain share its NIC.
  v = run_transfers(p, 8, 0, 4, gb, 0, 5);
  CHECK(v[1] == Approx(2 * gb / 50e9 + 5e-6).epsilon(1e-9));
  CHECK(v[2] == Approx(v[1]));
  // Two chips sending to two chips across: each has a NIC of its own, full rate.
  v = run_transfers(p, 8, 0, 4, gb, 1, 5);
  CHECK(v[1] == Approx(gb / 50e9 + 5e-6).epsilon(1e-9));
  CHECK(v[2] == Approx(v[1]));
  // Four chips of domain 0 sending to four of domain 1 at once: the time the last ends.
  auto four = [&] {
    auto r = run_isolated({[&] {
                            int argc = 2;
                            char a0[] = "t", a1[] = "--log=root.thresh:critical";
                            char* argv[] = {a0, a1, nullptr};
                            sg4::Engine e(&argc, argv);
                            ClusterHosts h = build_platform(e, p, 8);
                            double last = 0;
                            for (int i = 0; i < 4; ++i)
                              sg4::Actor::create("s", h.chips[i], [&, i] {
                                sg4::Comm::sendto(h.chips[i], h.chips[4 + i], gb);
                                last = std::max(last, sg4::Engine::get_clock());
                              });
                            e.run();
                            return std::to_string(last);
                          }},
                          1);
    REQUIRE(r[0].ok);
    return std::stod(r[0].output);
  };
  // Without oversubscription the uplink carries the four NICs' sum: each flow at its NIC's
  // rate, 20 ms (the uplink, never the narrowest, is left out of the routes but for its
  // latency).
  CHECK(four() == Approx(gb / 50e9 + 5e-6).epsilon(1e-4));
  // Oversubscribed 2:1, they share its 100 GB/s: 4 GB in 40 ms.
  p.scale_out.oversubscription = 2;
  CHECK(four() == Approx(4 * gb / 100e9 + 5e-6).epsilon(1e-4));
}

TEST_CASE("a chip pair's top rate is its route's narrowest link", "[platform]") {
  // KvTransfers bounds a flow's landing with ClusterHosts::top_rate, read from the build's
  // figures: it must be what the route's links give, inside a domain and across, between
  // two groups of different NICs, from and to partial domains, with open uplinks (left
  // out of the route: two links across) and with oversubscribed ones (four links).
  Platform p = test::load_one(test::data("lone.yaml")).pools[0].platform;
  for (const double oversubscription : {1.0, 8.0}) {
    p.scale_out.oversubscription = oversubscription;
    Platform q = p;
    q.scale_out.nic_bandwidth_per_chip *= 2;
    auto r =
        run_isolated({[&] {
                       int argc = 2;
                       char a0[] = "t", a1[] = "--log=root.thresh:critical";
                       char* argv[] = {a0, a1, nullptr};
                       sg4::Engine e(&argc, argv);
                       // Domains: chips 0-3 and 4-5 (p), 6-9 and 10 (q).
                       ClusterHosts h = build_platform(e, {ChipGroup{&p, 6}, ChipGroup{&q, 5}});
                       std::string out;
                       for (auto [a, b] : {std::pair<size_t, size_t>{0, 1}, {0, 5}, {4, 7}, {10, 2}, {6, 9}, {1, 10}}) {
                         std::vector<sg4::Link*> links;
                         h.chips[a]->route_to(h.chips[b], links, nullptr);
                         double narrowest = INFINITY;
                         for (const sg4::Link* l : links) narrowest = std::min(narrowest, l->get_bandwidth());
                         char buf[128];
                         std::snprintf(buf, sizeof buf, "%.17g %.17g %zu %d\n", h.top_rate(a, b), narrowest,
                                       links.size(), int(h.ports[a].domain == h.ports[b].domain));
                         out += buf;
                       }
                       return out;
                     }},
                     1);
    REQUIRE(r[0].ok);
    std::istringstream in(r[0].output);
    double top = 0, narrowest = 0;
    size_t links = 0;
    int same = 0, pairs = 0;
    std::vector<double> tops;
    while (in >> top >> narrowest >> links >> same) {
      ++pairs;
      CHECK(top == narrowest);
      CHECK(links == (same || oversubscription == 1 ? 2u : 4u));
      tops.push_back(top);
    }
    REQUIRE(pairs == 6);
    CHECK(tops[0] == Approx(100e9));  // scale-up links
    // 0 -> 5: p's NICs (50 GB/s); the partial domain's uplink (2 x 50 / 8) is narrower.
    CHECK(tops[1] == Approx(oversubscription > 1 ? 12.5e9 : 50e9));
    // 4 -> 7: p's NIC (50) against q's (100); q's full uplink 4 x 100 / 8 = 50.
    CHECK(tops[2] == Approx(oversubscription > 1 ? 12.5e9 : 50e9));
    // 10 -> 2: q's lone chip's uplink 100 / 8.
    CHECK(tops[3] == Approx(oversubscription > 1 ? 12.5e9 : 50e9));
    CHECK(tops[4] == Approx(100e9));
  }
}

TEST_CASE("a flow inside a fast domain is not capped by a TCP window", "[platform]") {
  // SimGrid's default caps a flow at TCP-gamma / (2 latency): 4 MiB over 2 x 0.5 us is
  // 2.1 TB/s, below an NVLink 6 link. The platform turns it off: 1 GB over 4 TB/s links.
  Platform p = test::load_one(test::data("lone.yaml")).pools[0].platform;
  p.scale_up.bandwidth_per_chip = 4e12 / p.scale_up.efficiency;
  const auto v = run_transfers(p, 8, 0, 1, 1e9);
  CHECK(v[1] == Approx(1e9 / 4e12 + 1e-6).epsilon(1e-9));
}

TEST_CASE("a group on the same platform continues in the last domain of the one before", "[platform]") {
  // tiny: 4 chips per domain. 1 + 5 chips of one platform: chips 0-3 in one domain (the
  // second group's first three join the first's), 4-5 in the next. A second platform
  // (another NIC) starts a domain of its own.
  Platform p = test::load_one(test::data("lone.yaml")).pools[0].platform;
  Platform q = p;
  q.scale_out.nic_bandwidth_per_chip *= 2;
  auto r = run_isolated({[&] {
                          int argc = 2;
                          char a0[] = "t", a1[] = "--log=root.thresh:critical";
                          char* argv[] = {a0, a1, nullptr};
                          sg4::Engine e(&argc, argv);
                          ClusterHosts h = build_platform(e, {ChipGroup{&p, 1}, ChipGroup{&p, 5}, ChipGroup{&q, 2}});
                          std::string out;
                          for (const auto& port : h.ports) out += std::to_string(port.domain) + " ";
                          return out;
                        }},
                        1);
  REQUIRE(r[0].ok);
  CHECK(r[0].output == "0 0 0 0 1 1 2 2 ");
}
