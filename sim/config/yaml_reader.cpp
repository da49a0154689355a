#include "config/yaml_reader.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "util/io.h"
#include "util/table.h"

namespace stacksim {

Location locate(const YAML::Node& node, const Origin& origin, const std::string& path) {
  for (const auto& [key, text] : origin.overrides)
    if (path == key || path.compare(0, key.size() + 1, key + ".") == 0)
      return {origin.file + " (" + text + ")", 0, 0, path};
  const YAML::Mark m = node.Mark();
  if (m.is_null()) return {origin.file, 0, 0, path};
  return {origin.file, m.line + 1, m.column + 1, path};
}

void fail_at(const YAML::Node& node, const Origin& origin, const std::string& path, const std::string& what) {
  locate(node, origin, path).fail(what);
}

// The offset of the first byte of `s` that is not part of valid UTF-8 text (a control
// character other than tab, newline and carriage return included), or npos.
static size_t invalid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) return i;
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size() || (n == 2 && c < 0xC2)) return i;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return i;
    i += n;
  }
  return std::string::npos;
}

// The line (1-based) of the first content of a second YAML document: content after a
// `---` or `...` marker line that follows content; 0 when there is none.
static int second_document_line(const std::string& text) {
  bool content = false, marker = false;
  int line = 0;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    ++line;
    const bool is_marker = (l.compare(0, 3, "---") == 0 || l.compare(0, 3, "...") == 0) &&
                           (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
    if (is_marker) {
      marker = marker || content;
      continue;
    }
    const size_t first = l.find_first_not_of(" \t\r");
    if (first == std::string::npos || l[first] == '#') continue;
    if (marker) return line;
    content = true;
  }
  return 0;
}

YAML::Node load_yaml_file(const std::string& path) {
  std::string text, why;
  if (!read_text(path, &text, &why)) throw ConfigError(path, 0, 0, "", unreadable(why));
  // Text only: a name in another encoding would pass the reader and break the JSON output.
  if (const size_t bad = invalid_utf8(text); bad != std::string::npos) {
    const size_t line_start = text.rfind('\n', bad) == std::string::npos ? 0 : text.rfind('\n', bad) + 1;
    const int line = 1 + int(std::count(text.begin(), text.begin() + std::ptrdiff_t(bad), '\n'));
    const unsigned char c = static_cast<unsigned char>(text[bad]);
    throw ConfigError(path, line, int(bad - line_start) + 1, "",
                      c < 0x80 ? strprintf("a control character (byte 0x%02X) in a text file", c)
                               : std::string("not UTF-8 text (a byte of another encoding)"));
  }
  try {
    // One document per file: whatever follows a `---` or `...` would otherwise be ignored.
    // Found in the text (a marker starts its line), not with yaml-cpp's LoadAll, which
    // loops forever on some inputs.
    if (const int second = second_document_line(text); second > 0)
      throw ConfigError(path, second, 1, "", "a second YAML document (after --- or ...): a file holds one");
    const YAML::Node n = YAML::Load(text);
    if (!n.IsDefined() || n.IsNull()) throw ConfigError(path, 0, 0, "", "the file is empty");
    return n;
  } catch (const YAML::Exception& e) {
    throw ConfigError(path, e.mark.line + 1, e.mark.column + 1, "", "YAML syntax error: " + e.msg);
  }
}

// What a node that is not the expected kind holds, for the error.
static std::string found_kind(const YAML::Node& n) {
  if (n.IsNull()) return "nothing (an empty value or null)";
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  return "a single value";
}

MapReader::MapReader(const YAML::Node& node, const Origin& origin, std::string path)
    : node_(node), origin_(origin), path_(std::move(path)) {
  if (!node_.IsMap())
    fail_at(node_, origin_, path_.empty() ? "(document)" : path_,
            "expected a mapping of keys, found " + found_kind(node_));
  // yaml-cpp keeps both copies of a repeated key and node[key] returns the first: a
  // second value would be silently ignored.
  std::map<std::string, YAML::Mark> seen;
  for (const auto& kv : node_) {
    if (!kv.first.IsScalar()) fail_at(kv.first, origin_, path_, "keys must be plain names");
    if (kv.first.Scalar() == "<<")
      fail_at(kv.first, origin_, path_of("<<"), "YAML merge keys are not supported: write the keys out");
    const auto [it, fresh] = seen.emplace(kv.first.Scalar(), kv.first.Mark());
    if (!fresh)
      fail_at(kv.first, origin_, path_of(kv.first.Scalar()),
              "duplicate key (first given on line " + std::to_string(it->second.line + 1) + ")");
  }
}

bool MapReader::has(const std::string& key) const { return bool(node_[key]); }

std::string MapReader::path_of(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

void MapReader::fail(const std::string& key, const std::string& what) const { where(key).fail(what); }

Location MapReader::where(const std::string& key) const {
  YAML::Node n = node_[key];
  return locate(n ? n : node_, origin_, path_of(key));
}

// Edit distance (insertions, deletions, substitutions, adjacent swaps), for typo hints.
static size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

YAML::Node MapReader::get(const std::string& key) {
  YAML::Node n = node_[key];
  if (!n) {
    // A key of this mapping that is one or two edits away is probably this one, misspelt.
    for (const auto& kv : node_) {
      const std::string& k = kv.first.Scalar();
      if (k.size() > 3 && edit_distance(k, key) <= (key.size() >= 8 ? 2u : 1u))
        fail_at(kv.first, origin_, path_of(k), "unknown key (did you mean " + key + "?)");
    }
    fail_at(node_, origin_, path_of(key), "missing required key");
  }
  read_.insert(key);
  return n;
}

static const std::string& scalar_or_fail(const YAML::Node& n, const Origin& file, const std::string& path) {
  if (!n.IsScalar()) fail_at(n, file, path, "expected a single value, found " + found_kind(n));
  return n.Scalar();
}

std::string MapReader::str(const std::string& key) {
  YAML::Node n = get(key);
  return scalar_or_fail(n, origin_, path_of(key));
}

std::string MapReader::name(const std::string& key) {
  const std::string s = str(key);
  if (s.empty()) fail(key, "expected a name, found an empty string");
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f)
      fail(key, strprintf("a control character (byte 0x%02x) in a name: names are one line of printable text", c));
  return s;
}

bool MapReader::boolean(const std::string& key) {
  YAML::Node n = get(key);
  const std::string& s = scalar_or_fail(n, origin_, path_of(key));
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  fail_at(n, origin_, path_of(key), "expected true or false, found \"" + s + "\"");
}

namespace {

// A whole number in [min, max] at `n` (path: its key path, for errors).
int64_t integer_at(const YAML::Node& n, const Origin& origin, const std::string& path, int64_t min, int64_t max) {
  const std::string& s = scalar_or_fail(n, origin, path);
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno == ERANGE) {
    // Accept exact integers written in decimal scientific notation ("1e6"); not hex
    // ("0x10", "0x1p2"), which strtod would also take.
    char* end2 = nullptr;
    double d = std::strtod(s.c_str(), &end2);
    const bool decimal = s.find_first_not_of("0123456789+-.eE") == std::string::npos;
    if (s.empty() || !decimal || *end2 != '\0' || !std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9e18)
      fail_at(n, origin, path, "expected a whole number, found \"" + s + "\"");
    v = static_cast<long long>(d);
  }
  if (v < min || v > max) {
    std::string range = v < min ? "at least " + std::to_string(min) : "at most " + std::to_string(max);
    fail_at(n, origin, path, "expected a whole number " + range + ", found " + s);
  }
  return v;
}

// The largest value of a dimension that describes anything physical, where a key gives no
// bound of its own: far above any real chip, cluster or price, low enough that every figure
// derived from it stays finite and every count fits 64 bits (tokens = bytes / bytes per
// token, times in SimGrid, dollars over a lifetime).
double physical_max(Dimension d) {
  switch (d) {
    case Dimension::Bytes: return 1e15;        // 1 PB per chip or link
    case Dimension::Bandwidth: return 1e15;    // 1 PB/s
    case Dimension::Flops: return 1e20;        // 100 EFLOPS
    case Dimension::Time: return 1e10;         // ~300 years
    case Dimension::Power: return 1e8;         // 100 MW
    case Dimension::Money: return 1e12;        // $1 trillion
    case Dimension::MoneyPerTime: return 1e3;  // $3.6M per hour
    case Dimension::EnergyPrice: return 1e-3;  // $3,600 per kWh
    case Dimension::PowerPrice: return 1e3;    // $1M per kW
    case Dimension::PowerRent: return 1e-3;    // $2.6M per kW-month
    case Dimension::Rate: return 1e8;          // 100 million per second
    case Dimension::Number: break;
  }
  return std::numeric_limits<double>::infinity();
}

// A quantity of dimension `d` in [min, max] at `n`.
double quantity_at(const YAML::Node& n, const Origin& origin, const std::string& path, Dimension d, double min,
                   double max) {
  const std::string& s = scalar_or_fail(n, origin, path);
  std::string why;
  auto v = parse_quantity(s, d, &why);
  if (!v) fail_at(n, origin, path, why);
  max = std::min(max, physical_max(d));
  if (*v < min || *v > max) {
    std::ostringstream os;
    // Bounds are in SI units; a tiny positive minimum only means "above zero".
    auto bound = [d](double b) {
      std::ostringstream o;
      if (d == Dimension::Money) o << "$";
      o << b;
      if (d != Dimension::Number && d != Dimension::Money) o << (d == Dimension::Rate ? "" : " ") << si_unit(d);
      return o.str();
    };
    os << "value " << s << " is out of range (";
    if (*v < min)
      os << (min > 0 && min <= 1e-9 ? std::string("must be above 0") : "must be at least " + bound(min));
    else
      os << "must be at most " << bound(max);
    os << ")";
    fail_at(n, origin, path, os.str());
  }
  return *v;
}

}  // namespace

int64_t MapReader::integer(const std::string& key, int64_t min, int64_t max) {
  return integer_at(get(key), origin_, path_of(key), min, max);
}

double MapReader::quantity(const std::string& key, Dimension d, double min, double max) {
  return quantity_at(get(key), origin_, path_of(key), d, min, max);
}

YAML::Node MapReader::list(const std::string& key) {
  YAML::Node n = node(key);
  if (!n.IsSequence() || n.size() == 0)
    fail_at(n, origin_, path_of(key),
            "expected a non-empty list, found " + (n.IsSequence() ? std::string("an empty list") : found_kind(n)));
  return n;
}

std::vector<int64_t> MapReader::integer_list(const std::string& key, int64_t min, int64_t max) {
  std::vector<int64_t> out;
  const YAML::Node n = list(key);
  for (size_t i = 0; i < n.size(); ++i)
    out.push_back(integer_at(n[i], origin_, path_of(key) + "[" + std::to_string(i) + "]", min, max));
  return out;
}

std::vector<double> MapReader::quantity_list(const std::string& key, Dimension d, double min, double max) {
  std::vector<double> out;
  const YAML::Node n = list(key);
  for (size_t i = 0; i < n.size(); ++i)
    out.push_back(quantity_at(n[i], origin_, path_of(key) + "[" + std::to_string(i) + "]", d, min, max));
  return out;
}

std::string MapReader::file_at(const std::string& key) {
  const std::string path = resolve_path(str(key), origin_.file);
  // Checked here, not opened (a FIFO would block): any size, as traces are streamed.
  const std::string problem = input_problem(path, 0);
  if (problem == "does not exist") fail(key, "cannot open \"" + path + "\"");
  if (!problem.empty()) fail(key, "\"" + path + "\" " + problem);
  return path;
}

MapReader MapReader::child(const std::string& key) { return MapReader(get(key), origin_, path_of(key)); }

YAML::Node MapReader::node(const std::string& key) { return get(key); }

std::string MapReader::str_or(const std::string& key, const std::string& def) { return has(key) ? str(key) : def; }
bool MapReader::boolean_or(const std::string& key, bool def) { return has(key) ? boolean(key) : def; }
int64_t MapReader::integer_or(const std::string& key, int64_t def, int64_t min, int64_t max) {
  return has(key) ? integer(key, min, max) : def;
}
double MapReader::quantity_or(const std::string& key, Dimension d, double def, double min, double max) {
  return has(key) ? quantity(key, d, min, max) : def;
}

std::string MapReader::choice(const std::string& key, const std::vector<std::string>& choices) {
  std::string v = str(key);
  for (const auto& c : choices)
    if (v == c) return v;
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  fail(key, "expected one of " + list + ", found \"" + v + "\"");
}

std::string MapReader::choice_or(const std::string& key, const std::vector<std::string>& choices,
                                 const std::string& def) {
  return has(key) ? choice(key, choices) : def;
}

void MapReader::finish() const {
  for (const auto& kv : node_) {
    const std::string& k = kv.first.Scalar();
    if (!read_.count(k)) fail_at(kv.first, origin_, path_of(k), "unknown key");
  }
}

std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t dot = key.find('.', start);
    out.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

// Sets root[seg0][seg1]... = value, creating mappings on the way. Each step takes a
// fresh Node (yaml-cpp's Node assignment would overwrite the tree instead of moving).
static void set_path(YAML::Node node, const std::vector<std::string>& segs, size_t i, const YAML::Node& value,
                     const std::string& key, const std::string& via) {
  if (!node.IsMap() && !node.IsNull())
    throw ConfigError(via, 0, 0, key, "cannot set a key below \"" + segs[i - 1] + "\", which is a single value");
  if (i + 1 == segs.size()) {
    node[segs[i]] = value;
    return;
  }
  YAML::Node child = node[segs[i]];
  if (!child) {
    node[segs[i]] = YAML::Node(YAML::NodeType::Map);
    child = node[segs[i]];
  }
  set_path(child, segs, i + 1, value, key, via);
}

static YAML::Node parse_value(const Override& o, const std::string& via) {
  try {
    return YAML::Load(o.second);
  } catch (const YAML::Exception& e) {
    throw ConfigError(via, 0, 0, o.first, "value is not valid YAML: " + e.msg);
  }
}

// Applies the overrides whose key starts with `prefix` ("platform.") to a file's tree,
// with the prefix stripped, and records them in `origin` for error messages.
void apply_overrides(YAML::Node root, const std::vector<Override>& overrides, const std::string& prefix,
                     Origin* origin) {
  for (const auto& o : overrides) {
    if (o.first.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string key = o.first.substr(prefix.size());
    auto segs = split_key(key);
    for (const auto& s : segs)
      if (s.empty()) throw ConfigError(origin->via, 0, 0, o.first, "empty key segment");
    set_path(root, segs, 0, parse_value(o, origin->via), o.first, origin->via);
    origin->overrides[key] = origin->via + " " + o.first + "=" + o.second;
  }
}

std::string resolve_path(const std::string& path, const std::string& relative_to_file) {
  if (path.empty() || path[0] == '/') return std::filesystem::path(path).lexically_normal().string();
  const size_t slash = relative_to_file.find_last_of('/');
  if (slash == std::string::npos) return path;
  return std::filesystem::path(relative_to_file.substr(0, slash + 1) + path).lexically_normal().string();
}

}  // namespace stacksim
