#include "config/canonical.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "config/units.h"
#include "util/io.h"

namespace stacksim {

namespace {

std::string canonical_scalar(const std::string& s) {
  if (s == "true" || s == "yes" || s == "on") return "true";
  if (s == "false" || s == "no" || s == "off") return "false";
  const unsigned char c = s.empty() ? 0 : static_cast<unsigned char>(s[0]);
  if (std::isdigit(c) || c == '$' || c == '.' || c == '-' || c == '+') {
    for (Dimension d : {Dimension::Number, Dimension::Bytes, Dimension::Bandwidth, Dimension::Flops, Dimension::Time,
                        Dimension::Power, Dimension::Money, Dimension::MoneyPerTime, Dimension::EnergyPrice,
                        Dimension::PowerPrice, Dimension::PowerRent, Dimension::Rate}) {
      std::string why;
      if (const auto v = parse_quantity(s, d, &why)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%s:%.17g", dimension_name(d), *v);
        return buf;
      }
    }
  }
  std::string quoted = "\"";
  for (char ch : s) quoted += ch == '"' || ch == '\\' ? std::string("\\") + ch : std::string(1, ch);
  return quoted + "\"";
}

void append(const YAML::Node& n, bool file_keys, std::string* out) {
  if (n.IsMap()) {
    // Sorted by index: assigning a YAML::Node (as std::sort would) writes into the tree.
    std::vector<std::string> keys;
    std::vector<YAML::Node> values;
    for (const auto& kv : n) {
      keys.push_back(kv.first.Scalar());
      values.push_back(kv.second);
    }
    std::vector<size_t> order(keys.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return keys[a] < keys[b]; });
    *out += '{';
    for (size_t i : order) {
      const std::string& key = keys[i];
      const YAML::Node& value = values[i];
      *out += canonical_scalar(key) + ':';
      if (file_keys && value.IsScalar() && (key == "platform" || key == "model" || key == "workload"))
        *out += "(file)";
      else
        append(value, file_keys, out);
      *out += ',';
    }
    *out += '}';
  } else if (n.IsSequence()) {
    *out += '[';
    for (const auto& v : n) {
      append(v, file_keys, out);
      *out += ',';
    }
    *out += ']';
  } else if (n.IsScalar()) {
    *out += canonical_scalar(n.Scalar());
  } else {
    *out += '~';
  }
}

}  // namespace

std::string canonical_file(const std::string& path) {
  std::string text;
  read_text(path, &text);
  if (path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0) {
    try {
      return nlohmann::json::parse(text).dump();
    } catch (const nlohmann::json::exception&) {
      return text;
    }
  }
  return canonical_text(YAML::Load(text));
}

std::string canonical_text(const YAML::Node& node, bool file_keys) {
  std::string out;
  append(node, file_keys, &out);
  return out;
}

}  // namespace stacksim
