#include "sweep/sweep.h"

#include "config/yaml_reader.h"
#include "perf/fit.h"

namespace stacksim {

namespace {

const char* const kPathKeys[] = {"platform", "model", "workload"};

// A YAML value as the text --set would take.
std::string as_override_text(const YAML::Node& n) {
  if (n.IsScalar()) return n.Scalar();
  YAML::Emitter e;
  e << YAML::Flow << n;
  return e.c_str();
}

nlohmann::json as_json(const YAML::Node& n) {
  if (n.IsScalar()) return n.Scalar();
  return as_override_text(n);
}

struct Axis {
  std::string key;
  std::vector<YAML::Node> values;
};

std::vector<Axis> read_axes(MapReader& r, const std::string& key) {
  std::vector<Axis> axes;
  if (!r.has(key)) return axes;
  const YAML::Node m = r.node(key);
  if (!m.IsMap()) fail_at(m, r.origin(), key, "expected a mapping of key: [values]");
  for (const auto& kv : m) {
    const std::string k = kv.first.Scalar();
    if (!kv.second.IsSequence() || kv.second.size() == 0)
      fail_at(kv.second, r.origin(), key + "." + k, "expected a non-empty list of values");
    Axis a{k, {}};
    for (const auto& v : kv.second) a.values.push_back(v);
    axes.push_back(std::move(a));
  }
  return axes;
}

// The number of points, refused past `max_points` (checked as it multiplies: no overflow).
int64_t count_points(MapReader& r, const std::vector<Axis>& grid, size_t zip_len, int64_t max_points) {
  int64_t n = static_cast<int64_t>(zip_len);
  std::string shape = zip_len > 1 ? "zip " + std::to_string(zip_len) : "";
  for (const Axis& a : grid) {
    shape += (shape.empty() ? "" : " x ") + std::to_string(a.values.size());
    n = int64_t(a.values.size()) > max_points / n ? max_points + 1 : n * int64_t(a.values.size());
  }
  if (n > max_points)
    r.fail(grid.empty() ? "zip" : "grid", "the sweep has more than " + std::to_string(max_points) + " points (" +
                                              shape + "): give sweep --max-points N to run that many");
  return n;
}

}  // namespace

std::string value_for(const std::string& key, const YAML::Node& n, const std::string& file) {
  std::string v = as_override_text(n);
  for (const char* k : kPathKeys)
    if (key == k) v = resolve_path(v, file);
  return v;
}

SweepSpec load_sweep(const std::string& path, int64_t max_points) {
  SweepSpec spec;
  spec.file = path;
  const YAML::Node root = load_yaml_file(path);
  MapReader r(root, path, "");
  spec.base = r.file_at("base");
  std::vector<Override> fixed;
  if (r.has("set")) {
    const YAML::Node s = r.node("set");
    if (!s.IsMap()) fail_at(s, r.origin(), "set", "expected a mapping of key: value");
    for (const auto& kv : s) fixed.push_back({kv.first.Scalar(), value_for(kv.first.Scalar(), kv.second, path)});
  }
  const std::vector<Axis> grid = read_axes(r, "grid"), zip = read_axes(r, "zip");
  size_t zip_len = zip.empty() ? 1 : zip[0].values.size();
  spec.zip_rows = zip_len;
  for (const auto& a : zip)
    if (a.values.size() != zip_len)
      r.fail("zip", "every zip list must have the same length (" + a.key + " has " + std::to_string(a.values.size()) +
                        ", " + zip[0].key + " has " + std::to_string(zip_len) + ")");
  r.finish();
  const int64_t total = count_points(r, grid, zip_len, max_points);
  spec.points.reserve(size_t(total));
  // One check per axis value, the other axes at their first (expand_sweep loads them).
  for (size_t g = 0; g < grid.size(); ++g)
    for (size_t v = 1; v < grid[g].values.size(); ++v) {
      std::vector<Override> o = fixed;
      for (size_t h = 0; h < grid.size(); ++h)
        o.push_back({grid[h].key, value_for(grid[h].key, grid[h].values[h == g ? v : 0], path)});
      for (const auto& a : zip) o.push_back({a.key, value_for(a.key, a.values[0], path)});
      spec.axes_checks.push_back(std::move(o));
    }

  // Cartesian product of the grid (the last key varies fastest), times the zip rows.
  std::vector<size_t> pos(grid.size(), 0);
  int64_t index = 0;
  while (true) {
    for (size_t z = 0; z < zip_len; ++z) {
      SweepPoint p;
      p.index = index++;
      p.overrides = fixed;
      p.inputs = nlohmann::json::object();
      for (size_t g = 0; g < grid.size(); ++g) {
        p.overrides.push_back({grid[g].key, value_for(grid[g].key, grid[g].values[pos[g]], path)});
        p.inputs[grid[g].key] = as_json(grid[g].values[pos[g]]);
      }
      for (const auto& a : zip) {
        p.overrides.push_back({a.key, value_for(a.key, a.values[z], path)});
        p.inputs[a.key] = as_json(a.values[z]);
      }
      spec.points.push_back(std::move(p));
    }
    size_t g = grid.size();
    while (g > 0 && ++pos[g - 1] == grid[g - 1].values.size()) pos[--g] = 0;
    if (g == 0) break;
  }
  return spec;
}

std::vector<SweepScenario> expand_sweep(const SweepSpec& spec, const std::vector<Override>& cli,
                                        const std::function<void(size_t done, size_t total)>& progress) {
  // The first point (every zip row) and every grid value, before the rest.
  for (const SweepPoint& p : spec.points) {
    if (p.index >= int64_t(spec.zip_rows)) break;
    std::vector<Override> o = p.overrides;
    o.insert(o.end(), cli.begin(), cli.end());
    load_fitting_scenarios(spec.base, o);
  }
  for (std::vector<Override> o : spec.axes_checks) {
    o.insert(o.end(), cli.begin(), cli.end());
    load_fitting_scenarios(spec.base, o);
  }
  std::vector<SweepScenario> out;
  size_t done = 0;
  for (const SweepPoint& p : spec.points) {
    if (progress) progress(done++, spec.points.size());
    std::vector<Override> o = p.overrides;
    o.insert(o.end(), cli.begin(), cli.end());
    std::vector<Scenario> variants = load_fitting_scenarios(spec.base, o);
    for (size_t v = 0; v < variants.size(); ++v) {
      SweepScenario s;
      s.index = p.index * static_cast<int64_t>(variants.size()) + static_cast<int64_t>(v);
      s.inputs = p.inputs;
      if (variants.size() > 1) s.inputs["variant"] = variants[v].name;
      s.scenario = std::move(variants[v]);
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace stacksim
