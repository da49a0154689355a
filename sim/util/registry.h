// Registry<I, Args...>: the variants of one interface by name (routers, batch policies).
// Its names are the choices the strict YAML reader accepts, in the order listed, so a
// variant added here is at once accepted in scenarios and constructible by make().
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace stacksim {

template <typename I, typename... Args>
class Registry {
 public:
  using Factory = std::function<std::unique_ptr<I>(Args...)>;

  explicit Registry(std::vector<std::pair<std::string, Factory>> entries) : entries_(std::move(entries)) {}

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : entries_) out.push_back(e.first);
    return out;
  }
  bool has(const std::string& name) const {
    for (const auto& e : entries_)
      if (e.first == name) return true;
    return false;
  }
  // Throws std::invalid_argument for a name not registered (the reader rejects those first).
  std::unique_ptr<I> make(const std::string& name, Args... args) const {
    for (const auto& e : entries_)
      if (e.first == name) return e.second(std::forward<Args>(args)...);
    throw std::invalid_argument("no variant named " + name);
  }

 private:
  std::vector<std::pair<std::string, Factory>> entries_;
};

}  // namespace stacksim
