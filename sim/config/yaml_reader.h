// MapReader: strict, located reading of one YAML mapping into plain values.
//
// Every accessor names the key it reads; finish() rejects any key that was not read,
// so a typo never silently does nothing. Every failure throws ConfigError with the
// file, line, column and full key path ("serving.router.type").
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config/error.h"
#include "config/units.h"

namespace stacksim {

// Loads a YAML file, turning parse errors and unreadable files into ConfigError.
YAML::Node load_yaml_file(const std::string& path);

// Where a YAML tree came from: its file, and the command-line overrides applied to it
// (key path inside this file -> "--set key=value" as the user wrote it, `via` naming
// where overrides come from: "--set", or a validation case's "case.yaml set"). Errors at
// an overridden key name the override instead of a line of the file.
struct Origin {
  Origin(std::string f) : file(std::move(f)) {}  // NOLINT: implicit, a plain file is an Origin
  Origin(const char* f) : file(f) {}             // NOLINT
  std::string file;
  std::map<std::string, std::string> overrides;
  std::string via = "--set";
};

class MapReader {
 public:
  // REQUIRES: node is a mapping (throws ConfigError otherwise). `path` is the key path
  // of this mapping ("" for a document root), used as the prefix in error messages.
  MapReader(const YAML::Node& node, const Origin& origin, std::string path);

  bool has(const std::string& key) const;
  const std::string& file() const { return origin_.file; }
  const Origin& origin() const { return origin_; }
  std::string path_of(const std::string& key) const;
  // Where an error at `key` (or at the mapping when key is absent) is reported, for a
  // check made after loading.
  Location where(const std::string& key) const;

  // Required values (throw when missing or malformed).
  std::string str(const std::string& key);
  // A name printed in tables and file names: one line of printable text, not empty.
  std::string name(const std::string& key);
  bool boolean(const std::string& key);
  int64_t integer(const std::string& key, int64_t min = std::numeric_limits<int64_t>::min(),
                  int64_t max = std::numeric_limits<int64_t>::max());
  // A number (or a quantity of dimension `d`) within [min, max].
  double quantity(const std::string& key, Dimension d, double min = -std::numeric_limits<double>::max(),
                  double max = std::numeric_limits<double>::max());
  // A non-empty list (raw, marked as read), and lists of the values above; element i's
  // errors name "key[i]".
  YAML::Node list(const std::string& key);
  std::vector<int64_t> integer_list(const std::string& key, int64_t min = std::numeric_limits<int64_t>::min(),
                                    int64_t max = std::numeric_limits<int64_t>::max());
  std::vector<double> quantity_list(const std::string& key, Dimension d,
                                    double min = -std::numeric_limits<double>::max(),
                                    double max = std::numeric_limits<double>::max());
  MapReader child(const std::string& key);
  // A file path: the value, relative to this file's directory; fails at the key when the
  // file cannot be opened.
  std::string file_at(const std::string& key);
  YAML::Node node(const std::string& key);  // raw sub-node, marked as read

  // Optional values: the default when the key is absent, the same checks otherwise.
  std::string str_or(const std::string& key, const std::string& def);
  bool boolean_or(const std::string& key, bool def);
  int64_t integer_or(const std::string& key, int64_t def, int64_t min = std::numeric_limits<int64_t>::min(),
                     int64_t max = std::numeric_limits<int64_t>::max());
  double quantity_or(const std::string& key, Dimension d, double def, double min = -std::numeric_limits<double>::max(),
                     double max = std::numeric_limits<double>::max());
  // One of `choices`, or the default when absent.
  std::string choice(const std::string& key, const std::vector<std::string>& choices);
  std::string choice_or(const std::string& key, const std::vector<std::string>& choices, const std::string& def);

  // Throws for the first key of the mapping that no accessor read.
  void finish() const;

  // Throws ConfigError located at `key` (or at the mapping when key is absent).
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;

 private:
  YAML::Node get(const std::string& key);  // required scalar-or-any node
  YAML::Node node_;
  Origin origin_;
  std::string path_;
  std::set<std::string> read_;
};

// "key=value" from the command line (or a variant's set:); value is YAML.
using Override = std::pair<std::string, std::string>;

// Resolves `path` relative to the directory of `relative_to_file` (absolute paths unchanged).
std::string resolve_path(const std::string& path, const std::string& relative_to_file);

// Splits "a.b.c" into its segments.
std::vector<std::string> split_key(const std::string& key);

// Applies the overrides whose key starts with `prefix` ("platform.") to `root`, with the
// prefix stripped, creating mappings on the way, and records them in `origin` so that
// errors at those keys name the override.
void apply_overrides(YAML::Node root, const std::vector<Override>& overrides, const std::string& prefix,
                     Origin* origin);

// Where an error at `node` of `origin` with key path `path` is reported: the --set
// override that supplied the key, else the node's line and column (0 when it has none).
Location locate(const YAML::Node& node, const Origin& origin, const std::string& path);

// Throws ConfigError located at `node` of `origin` with key path `path`.
[[noreturn]] void fail_at(const YAML::Node& node, const Origin& origin, const std::string& path,
                          const std::string& what);

}  // namespace stacksim
