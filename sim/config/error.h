// ConfigError: the one exception type for bad input. It carries where the problem is
// (file, line, column, key path) so that `main` can print one clear line and exit 2.
#pragma once

#include <stdexcept>
#include <string>

namespace stacksim {

class ConfigError : public std::runtime_error {
 public:
  // line and column are 1-based; 0 means unknown (for example a --set override).
  ConfigError(std::string file, int line, int column, std::string key, std::string what)
      : std::runtime_error(format(file, line, column, key, what)),
        file_(std::move(file)),
        line_(line),
        column_(column),
        key_(std::move(key)) {}

  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& key() const { return key_; }

 private:
  static std::string format(const std::string& file, int line, int column, const std::string& key,
                            const std::string& what) {
    std::string s = file;
    if (line > 0) s += ":" + std::to_string(line) + ":" + std::to_string(column);
    s += ": ";
    if (!key.empty()) s += key + ": ";
    return s + what;
  }
  std::string file_;
  int line_;
  int column_;
  std::string key_;
};

// Where a ConfigError is reported: what fail_at (config/yaml_reader.h) resolves a YAML
// node and key path to, kept so that a check made after loading can fail at the same place.
struct Location {
  std::string file;
  int line = 0;
  int column = 0;
  std::string key;

  [[noreturn]] void fail(const std::string& what) const { throw ConfigError(file, line, column, key, what); }
};

}  // namespace stacksim
