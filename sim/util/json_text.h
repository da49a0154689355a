// A JSON value as an error message quotes it: a scalar as written (a string cut to 40
// characters), a list or an object by its type and size. Never a recursive dump: a value
// nested 100,000 deep would overflow the stack.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace stacksim {

inline std::string json_text(const nlohmann::json& v) {
  if (v.is_array()) return "a list of " + std::to_string(v.size()) + (v.size() == 1 ? " item" : " items");
  if (v.is_object()) return "an object of " + std::to_string(v.size()) + (v.size() == 1 ? " key" : " keys");
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    return s.size() > 40 ? nlohmann::json(s.substr(0, 40)).dump() + "..." : v.dump();
  }
  return v.dump();  // a number, a boolean or null
}

}  // namespace stacksim
