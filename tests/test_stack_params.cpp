#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "config/platform.h"
#include "config/stack_params.h"
#include "helpers.h"

using namespace stacksim;

namespace {

Stack read(const std::string& yaml) {
  MapReader r(YAML::Load(yaml), "stack.yaml", "");
  return stack_from_yaml(r);
}

const StackParam& param(const std::string& name) {
  for (const auto& p : stack_params())
    if (name == p.name) return p;
  FAIL("no stack parameter " << name);
  throw;
}

}  // namespace

TEST_CASE("the stack parameters are listed once, each a distinct member of Stack", "[stack]") {
  std::set<std::string> names;
  for (const auto& p : stack_params()) names.insert(p.name);
  CHECK(names.size() == stack_params().size());
  CHECK(stack_params().size() == 13);
  std::vector<std::string> fitted;
  for (const auto& p : calibrated_stack_params()) fitted.push_back(p.name);
  CHECK(fitted == std::vector<std::string>{"gemm_efficiency", "attention_efficiency", "memory_efficiency",
                                           "scale_up_efficiency", "scale_out_efficiency", "layer_overhead",
                                           "step_overhead", "kernel_floor"});
  // Writing a distinct value into each member through the table touches each once.
  Stack s;
  double v = 1;
  for (const auto& p : stack_params()) s.*(p.field) = v++;
  v = 1;
  for (const auto& p : stack_params()) CHECK(s.*(p.field) == v++);
}

TEST_CASE("a stack's parameters are formatted as its file holds them, and read back", "[stack]") {
  Stack s;
  s.gemm_efficiency = 0.5864;
  s.layer_overhead = 20.18e-6;
  s.step_overhead = 2.0291e-3;
  s.hbm_reserved = 10e9;
  s.dispatch_latency = 28.6e-6;
  s.kernel_floor = 2.84e-6;
  CHECK(format_stack_param(param("gemm_efficiency"), s) == "0.586");
  CHECK(format_stack_param(param("kernel_floor"), s) == "2.84 us");
  CHECK(format_stack_param(param("dispatch_latency"), s) == "28.60 us");
  CHECK(format_stack_param(param("layer_overhead"), s) == "20.18 us");
  CHECK(format_stack_param(param("step_overhead"), s) == "2.029 ms");
  CHECK(format_stack_param(param("hbm_reserved"), s) == "10.0 GB");
  std::string yaml = "name: t\n";
  for (const auto& p : stack_params()) yaml += std::string(p.name) + ": " + format_stack_param(p, s) + "\n";
  const Stack back = read(yaml);
  for (const auto& p : stack_params()) CHECK(format_stack_param(p, back) == format_stack_param(p, s));
  CHECK(back.layer_overhead == Approx(20.18e-6));
  CHECK(describe_stack(back) ==
        "gemm_efficiency 0.586, attention_efficiency 0.500, memory_efficiency 0.800, scale_up_efficiency 0.700, "
        "scale_out_efficiency 0.800, layer_overhead 20.18 us, step_overhead 2.029 ms, kernel_floor 2.84 us, "
        "launch_latency 0.00 us, hbm_reserved 10.0 GB, "
        "dispatch_latency 28.60 us, combine_latency 0.00 us, all_reduce_latency 0.00 us");
}

TEST_CASE("the stack reader applies the table's bounds, and a prior holds only calibrated keys", "[stack]") {
  const std::string base =
      "name: t\nattention_efficiency: 0.5\nmemory_efficiency: 0.8\nscale_up_efficiency: 0.7\n"
      "scale_out_efficiency: 0.8\nlayer_overhead: 20 us\nstep_overhead: 2 ms\nkernel_floor: 2 us\nlaunch_latency: 4 "
      "us\nhbm_reserved: 1 GB\n"
      "dispatch_latency: 30 us\ncombine_latency: 20 us\nall_reduce_latency: 7 us\n";
  CHECK(read(base + "gemm_efficiency: 0.6\n").gemm_efficiency == 0.6);
  CHECK_THROWS_AS(read(base + "gemm_efficiency: 1.5\n"), ConfigError);
  CHECK_THROWS_AS(read(base + "gemm_efficiency: 0\n"), ConfigError);
  CHECK_THROWS_AS(read(base + "gemm_efficiency: 0.6\nlayer_overhead_typo: 1 us\n"), ConfigError);
  const std::string prior =
      "prior:\n  gemm_efficiency: 0.5\n  attention_efficiency: 0.4\n  memory_efficiency: 0.7\n"
      "  scale_up_efficiency: 0.6\n  scale_out_efficiency: 0.7\n  layer_overhead: 10 us\n"
      "  step_overhead: 1 ms\n  kernel_floor: 1 us\n";
  const Stack s = read(base + "gemm_efficiency: 0.6\n" + prior);
  REQUIRE(s.prior);
  CHECK(s.prior->gemm_efficiency == 0.5);
  CHECK(s.prior->hbm_reserved == 1e9);  // not a prior's key: the stack's own
  CHECK_THROWS_AS(read(base + "gemm_efficiency: 0.6\n" + prior + "  hbm_reserved: 2 GB\n"), ConfigError);
}

TEST_CASE("a stack file inherits another's values, overrides what it gives, and says why", "[stack]") {
  const stacksim::test::TempDir tmp("stacksim-stack");
  const std::string d = tmp.path();
  std::ofstream(d + "/parent.yaml")
      << "name: parent\ngemm_efficiency: 0.6\nattention_efficiency: 0.5\n"
         "memory_efficiency: 0.8\nscale_up_efficiency: 0.7\nscale_out_efficiency: 0.8\n"
         "layer_overhead: 20 us\nstep_overhead: 2 ms\nkernel_floor: 2 us\nlaunch_latency: 4 us\nhbm_reserved: 10 GB\n"
         "dispatch_latency: 30 us\ncombine_latency: 20 us\nall_reduce_latency: 7 us\n"
         "prior: {gemm_efficiency: 0.65, attention_efficiency: 0.5, memory_efficiency: "
         "0.8, scale_up_efficiency: 0.7, scale_out_efficiency: 0.8, layer_overhead: 20 "
         "us, step_overhead: 2 ms, kernel_floor: 2 us}\n";
  std::ofstream(d + "/child.yaml") << "name: child\ninherits: parent.yaml\ninherited_because: \"ASSUMPTION: x\"\n"
                                      "step_overhead: 3 ms\n";
  MapReader r(load_yaml_file(d + "/child.yaml"), Origin(d + "/child.yaml"), "");
  const Stack s = stack_from_yaml(r);
  CHECK(s.name == "child");
  CHECK(s.inherits == "parent");
  CHECK(s.inherited_because == "ASSUMPTION: x");
  CHECK(s.gemm_efficiency == 0.6);  // inherited
  CHECK(s.hbm_reserved == 10e9);
  CHECK(s.step_overhead == Approx(3e-3));  // its own
  REQUIRE(s.prior);
  CHECK(s.prior->gemm_efficiency == 0.65);  // the parent's prior
  // The reason is required, and a cycle is reported rather than followed.
  std::ofstream(d + "/bare.yaml") << "name: bare\ninherits: parent.yaml\n";
  MapReader b(load_yaml_file(d + "/bare.yaml"), Origin(d + "/bare.yaml"), "");
  CHECK_THROWS_WITH(stack_from_yaml(b), Catch::Contains("inherited_because"));
  std::ofstream(d + "/loop.yaml") << "name: loop\ninherits: loop.yaml\ninherited_because: x\n";
  MapReader l(load_yaml_file(d + "/loop.yaml"), Origin(d + "/loop.yaml"), "");
  CHECK_THROWS_WITH(stack_from_yaml(l), Catch::Contains("inherits: stacks inherit at most 8 deep"));
  std::filesystem::remove_all(d);
}
