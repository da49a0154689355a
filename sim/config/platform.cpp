#include "config/platform.h"

#include <cmath>
#include <stdexcept>

#include "config/model.h"
#include "config/stack_params.h"

namespace stacksim {

double Chip::find_peak(Precision p) const {
  static const std::map<Precision, std::vector<Precision>> family = {
      {Precision::FP4, {Precision::FP4, Precision::NVFP4, Precision::MXFP4}},
      {Precision::FP8, {Precision::FP8, Precision::MXFP8, Precision::HIF8}},
  };
  const auto f = family.find(p);
  for (Precision q : f == family.end() ? std::vector<Precision>{p} : f->second) {
    auto it = flops.find(q);
    if (it != flops.end()) return it->second;
  }
  return 0;
}

double Chip::peak(Precision p) const {
  const double v = find_peak(p);
  if (v <= 0) throw std::logic_error(std::string("chip ") + name + " has no " + precision_name(p) + " peak");
  return v;
}

const std::vector<std::string>& fabric_names() {
  static const std::vector<std::string> names = {"nvlink", "ub", "infiniband", "roce"};
  return names;
}

void check_chip_precisions(const Model& m, const Chip& chip, const std::string& platform_file) {
  const auto check = [&](Precision p, const std::string& part, const std::string& what) {
    if (chip.find_peak(p) > 0) return;
    const auto at = m.precision_at.find(part);
    const Location where = at != m.precision_at.end() ? at->second : Location{platform_file, 0, 0, "chip.flops"};
    where.fail(what + " in " + precision_name(p) + ", which the chip of " + platform_file +
               " has no peak for (its flops: " + chip.listed() + ")");
  };
  // A part's GEMMs run in the wider of its weights and the activations: the error names
  // the key that made it that wide.
  const auto gemm = [&](Precision w, const std::string& part, const std::string& what) {
    const Precision p = wider(w, m.activations);
    check(p, p == w ? part : "activations",
          what + " GEMMs (" + precision_name(w) + " weights, " + precision_name(m.activations) + " activations) run");
  };
  const Model::WeightParts& w = m.weight_parts;
  gemm(w.attention, "attention", "attention-projection");
  gemm(w.head, "head", "LM-head");
  if (m.dense_layers > 0) gemm(w.dense, "dense", "dense-FFN");
  if (m.routed_experts > 0) {
    gemm(w.shared, "shared", "shared-expert and router");
    gemm(w.routed, "routed", "routed-expert");
  }
  const Precision core = m.attention_core_precision();
  check(core,
        m.attention_core     ? "attention_core"
        : core == m.kv_cache ? "kv_cache"
                             : "activations",
        "the attention core runs");
  if (m.attention.indexer.heads > 0) check(m.attention.indexer.precision, "indexer", "the indexer runs");
}

std::string Chip::listed() const {
  std::string s;
  for (const auto& [p, v] : flops) s += std::string(s.empty() ? "" : ", ") + precision_name(p);
  return s;
}

double capital_recovery(double rate, double years) {
  if (rate <= 0) return 1 / years;
  return rate / (1 - std::pow(1 + rate, -years));
}

namespace {
constexpr double kYear = 365.25 * 86400;  // s
}  // namespace

double Cost::capex_per_chip_second() const {
  return it_capex() * capital_recovery(cost_of_capital, lifetime / kYear) / kYear;
}

double Cost::ownership_per_chip_second(double watts) const {
  double s = capex_per_chip_second() + it_capex() * maintenance / kYear + facility_watts(watts) * electricity_price;
  if (dc_capex_per_watt > 0)
    s += it_watts() * dc_capex_per_watt * capital_recovery(cost_of_capital, dc_lifetime / kYear) / kYear;
  s += it_watts() * hosting_per_watt_second;
  return s;
}

// Reads the parameters of a stack, or only the calibrated ones for its prior. With
// keys_optional (a stack that inherits), a key left out keeps the inherited value.
static void read_stack_values(MapReader& st, Stack* k, bool calibrated_only, bool keys_optional) {
  for (const StackParam& p : stack_params())
    if ((p.calibrated || !calibrated_only) && (!keys_optional || st.has(p.name)))
      k->*(p.field) = st.quantity(p.name, p.dimension, p.min, p.max);
}

// Stack files inherit at most this deep (a cycle is reported rather than followed).
constexpr int kMaxInheritance = 8;

static Stack read_stack_file(MapReader& st, int depth) {
  Stack k;
  const bool inherits = st.has("inherits");
  if (inherits) {
    if (depth >= kMaxInheritance) st.fail("inherits", "stacks inherit at most 8 deep (is there a cycle?)");
    const std::string parent = st.file_at("inherits");
    MapReader pr(load_yaml_file(parent), Origin(parent), "");
    k = read_stack_file(pr, depth + 1);
    k.inherits = k.name;
    k.inherits_file = parent;
    k.inherited_because = st.str("inherited_because");
  }
  k.name = st.name("name");
  if (st.has("fabrics")) {
    MapReader f = st.child("fabrics");
    k.scale_up_fabric = f.choice("scale_up", fabric_names());
    k.scale_out_fabric = f.choice("scale_out", fabric_names());
    f.finish();
  }
  read_stack_values(st, &k, false, inherits);
  if (st.has("prior")) {
    MapReader pr = st.child("prior");
    auto prior = std::make_shared<Stack>(k);
    read_stack_values(pr, prior.get(), true, false);
    pr.finish();
    k.prior = prior;
  }
  st.finish();
  return k;
}

Stack stack_from_yaml(MapReader& st) { return read_stack_file(st, 0); }

namespace {

void read_chip(MapReader& r, Platform& p) {
  MapReader c = r.child("chip");
  p.chip.name = c.name("name");
  MapReader f = c.child("flops");
  for (Precision prec : all_precisions())
    if (f.has(precision_name(prec))) p.chip.flops[prec] = f.quantity(precision_name(prec), Dimension::Flops, 1);
  f.finish();
  if (!p.chip.flops.count(Precision::BF16)) f.fail("bf16", "missing required key (every chip needs a bf16 peak)");
  p.chip.hbm_capacity = c.quantity("hbm_capacity", Dimension::Bytes, 1);
  p.chip.hbm_bandwidth = c.quantity("hbm_bandwidth", Dimension::Bandwidth, 1);
  p.chip.power_idle = c.quantity("power_idle", Dimension::Power, 0);
  p.chip.power_busy = c.quantity("power_busy", Dimension::Power, 0);
  if (p.chip.power_busy < p.chip.power_idle) c.fail("power_busy", "must be at least power_idle");
  if (c.has("ranks_per_chip")) p.chip.ranks = static_cast<int>(c.integer("ranks_per_chip", 1, 64));
  c.finish();
}

// A link's `fabric` and `efficiency`: on another fabric than the one its stack's
// efficiency was fitted on, the link must say what it delivers relative to that one.
template <class Link>
void read_fabric(MapReader& l, const char* link, const std::string& fitted_on, const Stack& stack, Link* out) {
  out->fabric = l.choice_or("fabric", fabric_names(), "");
  out->efficiency = l.quantity_or("efficiency", Dimension::Number, 1, 1e-3, 1);
  if (out->fabric.empty() || fitted_on.empty() || out->fabric == fitted_on || l.has("efficiency")) return;
  l.fail("fabric", "is " + out->fabric + ", but the stack " + stack.name + " fitted its " + link + "_efficiency on " +
                       fitted_on + ": give efficiency, the rate " + out->fabric + " delivers relative to " + fitted_on +
                       " (stacksim has no measurement of it)");
}

void read_networks(MapReader& r, Platform& p) {
  MapReader su = r.child("scale_up");
  p.scale_up.name = su.name("name");
  read_fabric(su, "scale_up", p.stack.scale_up_fabric, p.stack, &p.scale_up);
  p.scale_up.chips_per_domain = static_cast<int>(su.integer("chips_per_domain", 1, 1 << 20));
  p.scale_up.bandwidth_per_chip = su.quantity("bandwidth_per_chip", Dimension::Bandwidth, 1);
  p.scale_up.latency = su.quantity("latency", Dimension::Time, 0);
  // A scale-up domain is one switched star (build.cpp): a key that named another shape
  // would change nothing, so it is refused rather than silently ignored.
  if (su.has("topology"))
    su.fail("topology",
            "is not a key: a scale-up domain is modelled as a switched star (each chip its own link "
            "at bandwidth_per_chip to a non-blocking switch); remove it");
  su.finish();

  MapReader so = r.child("scale_out");
  p.scale_out.name = so.name("name");
  read_fabric(so, "scale_out", p.stack.scale_out_fabric, p.stack, &p.scale_out);
  p.scale_out.nic_bandwidth_per_chip = so.quantity("nic_bandwidth_per_chip", Dimension::Bandwidth, 1);
  p.scale_out.latency = so.quantity("latency", Dimension::Time, 0);
  p.scale_out.oversubscription = so.quantity("oversubscription", Dimension::Number, 1);
  so.finish();

  if (r.has("host_memory")) {
    MapReader hm = r.child("host_memory");
    p.host_memory.name = hm.name("name");
    p.host_memory.capacity_per_chip = hm.quantity("capacity_per_chip", Dimension::Bytes, 1);
    p.host_memory.bandwidth_per_chip = hm.quantity("bandwidth_per_chip", Dimension::Bandwidth, 1);
    hm.finish();
  }

  MapReader cl = r.child("cluster");
  p.cluster_chips = static_cast<int>(cl.integer("chips", 1, 1 << 24));
  if (p.cluster_chips > p.scale_up.chips_per_domain && p.cluster_chips % p.scale_up.chips_per_domain != 0)
    cl.fail("chips", "expected a whole number of scale-up domains (scale_up.chips_per_domain = " +
                         std::to_string(p.scale_up.chips_per_domain) + "), found " + std::to_string(p.cluster_chips));
  cl.finish();
}

void read_stack(MapReader& r, const Origin& origin, const std::vector<Override>& stack_overrides, Platform& p) {
  // The stack: a file shared by every platform of that software stack (so that its
  // calibrated parameters apply to chips nobody has measured), or an inline mapping.
  YAML::Node sn = r.node("stack");
  if (sn.IsScalar()) {
    const std::string path = r.file_at("stack");
    YAML::Node tree = load_yaml_file(path);
    Origin so(path);
    so.via = origin.via;
    apply_overrides(tree, stack_overrides, "platform.stack.", &so);
    MapReader st(tree, so, "");
    p.stack = stack_from_yaml(st);
    p.stack_file = path;
  } else {
    MapReader st(sn, origin, "stack");
    p.stack = stack_from_yaml(st);
  }
  if (p.stack.hbm_reserved >= p.chip.hbm_capacity)
    r.fail("stack", "hbm_reserved (" + format_bytes(p.stack.hbm_reserved) +
                        ") leaves no HBM for weights and KV cache (must be below chip.hbm_capacity)");
}

// The ownership section: IT capex and its repayment, maintenance, the data centre (its
// capex or a hosting price), electricity.
void read_ownership(MapReader& co, Cost& c) {
  MapReader o = co.child("ownership");
  c.capex_per_chip = o.quantity("capex_per_chip", Dimension::Money, 0);
  c.capex_per_rack = o.quantity_or("capex_per_rack", Dimension::Money, 0, 0);
  c.cost_of_capital = o.quantity_or("cost_of_capital", Dimension::Number, 0, 0, 1);
  c.lifetime = o.quantity("lifetime", Dimension::Time, 1);
  c.maintenance = o.quantity_or("maintenance", Dimension::Number, 0, 0, 1);
  if (o.has("dc_capex_per_kw") && o.has("hosting_per_kw_month"))
    o.fail("hosting_per_kw_month", "give dc_capex_per_kw (owned data centre) or hosting_per_kw_month, not both");
  if (o.has("dc_capex_per_kw")) {
    c.dc_capex_per_watt = o.quantity("dc_capex_per_kw", Dimension::PowerPrice, 0);
    c.dc_lifetime = o.quantity("dc_lifetime", Dimension::Time, 1);
  }
  c.hosting_per_watt_second = o.quantity_or("hosting_per_kw_month", Dimension::PowerRent, 0, 0);
  c.electricity_price = o.quantity("electricity_price", Dimension::EnergyPrice, 0);
  if (!c.has_facility)
    o.fail("electricity_price",
           "ownership pricing needs the platform's facility section "
           "(chips_per_rack, rack_overhead_power, pue) for its electricity bill");
  o.finish();
}

void read_facility_and_cost(MapReader& r, Platform& p) {
  if (r.has("facility")) {
    MapReader f = r.child("facility");
    p.cost.has_facility = true;
    p.cost.chips_per_rack = static_cast<int>(f.integer("chips_per_rack", 1, 1 << 20));
    p.cost.rack_overhead_power = f.quantity("rack_overhead_power", Dimension::Power, 0);
    p.cost.pue = f.quantity("pue", Dimension::Number, 1, 5);
    f.finish();
  }

  MapReader co = r.child("cost");
  Cost& c = p.cost;
  c.chip_peak_watts = p.chip.power_busy;
  c.has_rental = co.has("rental_per_chip_hour");
  c.has_ownership = co.has("ownership");
  if (!c.has_rental && !c.has_ownership)
    co.fail("rental_per_chip_hour", "give rental_per_chip_hour, ownership or both");
  if (c.has_rental) c.rental_per_chip_second = co.quantity("rental_per_chip_hour", Dimension::MoneyPerTime, 0);
  if (c.has_ownership) read_ownership(co, c);
  const std::string basis = co.choice_or("basis", {"ownership", "rental"}, c.has_ownership ? "ownership" : "rental");
  if ((basis == "rental" && !c.has_rental) || (basis == "ownership" && !c.has_ownership))
    co.fail("basis", "the platform gives no " + basis + " price");
  c.rental = basis == "rental";
  co.finish();
}

}  // namespace

Platform platform_from_yaml(const YAML::Node& root, const Origin& origin,
                            const std::vector<Override>& stack_overrides) {
  Platform p;
  p.file = origin.file;
  MapReader r(root, origin, "");
  p.name = r.name("name");
  p.description = r.str_or("description", "");
  read_chip(r, p);
  read_stack(r, origin, stack_overrides, p);  // before the links, which check its fabrics
  read_networks(r, p);
  read_facility_and_cost(r, p);
  r.finish();
  return p;
}

Platform load_platform(const std::string& path) { return platform_from_yaml(load_yaml_file(path), path); }

}  // namespace stacksim
