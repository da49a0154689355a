// Platform: one cluster of identical chips — the chip, its scale-up domain, the
// scale-out network, the software stack's achieved efficiencies, and the price.
// Loaded from platforms/*.yaml; all values SI (seconds, bytes, bytes/s, FLOP/s, W, $).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "config/precision.h"
#include "config/yaml_reader.h"

namespace stacksim {

struct Chip {
  std::string name;
  std::map<Precision, double> flops;  // dense peak FLOP/s per precision
  double hbm_capacity = 0;            // bytes
  double hbm_bandwidth = 0;           // bytes/s
  double power_idle = 0;              // W
  double power_busy = 0;              // W
  // Mean power of a chip busy this fraction of the time (between idle and busy power).
  double watts_at(double busy) const { return power_idle + (power_busy - power_idle) * busy; }
  // Devices the serving software sees per chip: 2 for the 910C, whose two dies are two
  // NPUs (EP32 over 16 packages); 1 where a multi-die package is one GPU (B200). Expert
  // routing's imbalance grows with the number of expert-parallel ranks (config/routing.h).
  int ranks = 1;

  // Peak FLOP/s in precision p: the chip's figure for p, and for the generic fp4 / fp8
  // the figure of any format of that width it lists (fp4, nvfp4, mxfp4 / fp8, mxfp8,
  // hif8). 0 when it lists none: a chip without FP4 units does not run FP4 arithmetic
  // (FP4 weights with FP8 activations run in FP8), and check_chip_precisions() rejects
  // a model that asks for it.
  double find_peak(Precision p) const;
  // find_peak, which the scenario's checks made sure is there (std::logic_error if not).
  double peak(Precision p) const;
  // "fp8, int8, bf16": the precisions the chip lists, for error messages.
  std::string listed() const;
};

struct Model;

// Fails, at the key that set it, for a precision the model computes in that the chip has
// no peak for: each weight part's GEMMs (in the wider of the part's weights and the
// activations), the attention core and the indexer. `platform_file` names the chip's file.
void check_chip_precisions(const Model& m, const Chip& chip, const std::string& platform_file);

// The fabrics a link may be: its stack's scale_up/scale_out_efficiency is fitted on one.
const std::vector<std::string>& fabric_names();  // nvlink, ub, infiniband, roce

struct ScaleUp {
  std::string name;
  std::string fabric;  // one of fabric_names(), or "" (the fabric its stack was fitted on)
  // The rate the fabric delivers relative to the one the stack's efficiency was fitted on
  // (1 on that fabric): a platform datum, required where the fabrics differ.
  double efficiency = 1;
  int chips_per_domain = 1;
  double bandwidth_per_chip = 0;  // bytes/s, per direction
  double latency = 0;             // s
  // What the fabric delivers per chip (bytes/s), before the stack's efficiency.
  double rate_per_chip() const { return bandwidth_per_chip * efficiency; }
};

struct ScaleOut {
  std::string name;
  std::string fabric;                 // as ScaleUp's
  double efficiency = 1;              // as ScaleUp's
  double nic_bandwidth_per_chip = 0;  // bytes/s, per direction
  double latency = 0;                 // s
  double oversubscription = 1;        // >= 1: the fabric carries 1/x of the NICs' sum
  // What the fabric delivers per chip's NIC (bytes/s), before the stack's efficiency and
  // the oversubscription.
  double rate_per_chip() const { return nic_bandwidth_per_chip * efficiency; }
};

// Host memory behind each chip (Grace / Vera LPDDR5X over NVLink-C2C, Kunpeng DDR over
// UB or PCIe): a tier for offloaded weights and KV. Capacity 0 = none described.
struct HostMemory {
  std::string name;
  double capacity_per_chip = 0;   // bytes: the host's memory / the chips that share it
  double bandwidth_per_chip = 0;  // bytes/s per direction: min(link, memory) / chips sharing
};

// Achieved fractions of peak and fixed costs of the software stack (CUDA, CANN ...).
struct Stack {
  std::string name;
  // The fabrics its scale_up_efficiency and scale_out_efficiency were fitted on ("" when
  // it does not say): a platform whose link is another fabric states its efficiency.
  std::string scale_up_fabric, scale_out_fabric;
  double gemm_efficiency = 0.6;
  double attention_efficiency = 0.5;
  double memory_efficiency = 0.8;
  double scale_up_efficiency = 0.7;
  double scale_out_efficiency = 0.8;
  double layer_overhead = 0;  // s per layer per step (kernel launches, syncs)
  double step_overhead = 0;   // s per step (scheduler, sampling)
  // The shortest time one kernel takes, however little work it has (graph-captured
  // launch gap, ramp-up and tail): a part of a layer runs its kernels for at least their
  // count times this. It binds at small batches only.
  double kernel_floor = 0;  // s
  // The host's time to issue one kernel, framework dispatch included, in a step that
  // replays no captured graph (serving.graphs): such a step takes at least its kernels
  // and collectives times this (perf/perf_model.h).
  double launch_latency = 0;  // s
  double hbm_reserved = 0;    // bytes per chip for activations, workspace and runtime
  // Fixed latencies of one operation, on top of its bytes over the links (measured by the
  // libraries' microbenchmarks, not fitted): an expert-parallel dispatch and combine (once
  // each per MoE layer per step) and a tensor-parallel all-reduce (twice per layer).
  double dispatch_latency = 0;    // s
  double combine_latency = 0;     // s
  double all_reduce_latency = 0;  // s
  // The documented starting values (the stack file's `prior:`) that calibration fits
  // from and is regularised towards, so that refitting gives the same result. Absent:
  // the values above.
  std::shared_ptr<const Stack> prior;
  const Stack& prior_or_self() const { return prior ? *prior : *this; }
  // A stack file may inherit another's values (`inherits: FILE`, with the reason in
  // `inherited_because`): a chip nobody has measured carries over a measured
  // generation's fit, and says so. The keys it gives override the inherited ones.
  std::string inherits;           // the inherited stack's name ("" = none)
  std::string inherits_file;      // its file
  std::string inherited_because;  // ASSUMPTION: why its values are taken to hold here
};

struct Cost {
  // Two bases: a rental price, and ownership (the total cost of owning and running the
  // chips). A platform gives either or both; `rental` says which prices the run: the
  // platform's `basis`, or the scenario's `pricing`, which sets one basis for every pool.
  bool rental = true;
  bool has_rental = false, has_ownership = false;
  double rental_per_chip_second = 0;  // $/s
  // Ownership: the IT capex repaid over its lifetime at the cost of capital, maintenance,
  // the data centre (its capex per W of IT power repaid over its own lifetime, or a hosting
  // price per W and second), and electricity at facility power.
  double capex_per_chip = 0;           // $
  double capex_per_rack = 0;           // $ for a rack's share not in the chips (CPUs, switches, chassis)
  double cost_of_capital = 0;          // annual rate: the capex is paid back as an annuity
  double lifetime = 0;                 // s
  double maintenance = 0;              // of the IT capex, per year (spares, support, site staff)
  double dc_capex_per_watt = 0;        // $ per W of IT power provisioned
  double dc_lifetime = 0;              // s
  double hosting_per_watt_second = 0;  // $ per W of IT power provisioned, per s (colocation; power extra)
  double electricity_price = 0;        // $/J
  // Facility (the platform's `facility` section; without one, only the chips count):
  bool has_facility = false;
  int chips_per_rack = 1;
  double rack_overhead_power = 0;  // W per rack not in the chips: CPUs, NICs, switches
  double pue = 1;                  // facility power / IT power (cooling, conversion)
  double chip_peak_watts = 0;      // the chip's busy power (the IT power a data centre provisions)

  // Facility power per chip drawing `chip_watts`: its share of the rack overhead, x PUE.
  double facility_watts(double chip_watts) const { return (chip_watts + rack_overhead_power / chips_per_rack) * pue; }
  // IT power provisioned per chip: its busy power and its share of the rack overhead.
  double it_watts() const { return chip_peak_watts + rack_overhead_power / chips_per_rack; }
  // IT capex per chip: the chip and its share of the rack.
  double it_capex() const { return capex_per_chip + capex_per_rack / chips_per_rack; }

  // Capex per chip-second: (chip + its share of the rack) repaid over the lifetime at the
  // cost of capital (straight-line when it is 0).
  double capex_per_chip_second() const;
  // Ownership $/s for one chip drawing `watts` on average: capex, maintenance, data centre
  // or hosting, electricity at facility_watts.
  double ownership_per_chip_second(double watts) const;
  // $/s on the basis in use.
  double per_chip_second(double watts) const {
    return rental ? rental_per_chip_second : ownership_per_chip_second(watts);
  }
  // $/s on the other basis, or < 0 when the platform gives none.
  double other_per_chip_second(double watts) const {
    if (rental) return has_ownership ? ownership_per_chip_second(watts) : -1;
    return has_rental ? rental_per_chip_second : -1;
  }
};

// The capital recovery factor: the annual payment that repays 1 over `years` at `rate`
// (1 / years when the rate is 0).
double capital_recovery(double rate, double years);

struct Platform {
  std::string name;
  std::string description;
  std::string file;        // where it was loaded from
  std::string stack_file;  // the stack file, when the stack is not inline
  Chip chip;
  ScaleUp scale_up;
  ScaleOut scale_out;
  HostMemory host_memory;
  int cluster_chips = 0;
  Stack stack;
  Cost cost;
};

// Reads a platform. Its `stack:` is an inline mapping or a path to a stack file
// (relative to the platform file); `stack_overrides` ("platform.stack.gemm_efficiency=0.5")
// apply to such a file.
Platform platform_from_yaml(const YAML::Node& root, const Origin& origin,
                            const std::vector<Override>& stack_overrides = {});
// Reads the keys of a software stack (efficiencies, overheads, reserved HBM); with
// `inherits: FILE` (and `inherited_because`), the keys it leaves out are that file's.
Stack stack_from_yaml(MapReader& r);
// Loads a platform file.
Platform load_platform(const std::string& path);

}  // namespace stacksim
