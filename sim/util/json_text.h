// A JSON value as an error message quotes it: a scalar as written (a string cut to 40
// characters), a list or an object by its type and size. Never a recursive dump: a value
// nested 100,000 deep would overflow the stack. A string that is not valid UTF-8 (or is
// cut inside a character) is shown with U+FFFD in place of the bad bytes.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace stacksim {

inline std::string json_text(const nlohmann::json& v) {
  if (v.is_array()) return "a list of " + std::to_string(v.size()) + (v.size() == 1 ? " item" : " items");
  if (v.is_object()) return "an object of " + std::to_string(v.size()) + (v.size() == 1 ? " key" : " keys");
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    const auto replace = nlohmann::json::error_handler_t::replace;
    return s.size() > 40 ? nlohmann::json(s.substr(0, 40)).dump(-1, ' ', false, replace) + "..."
                         : v.dump(-1, ' ', false, replace);
  }
  return v.dump();  // a number, a boolean or null
}

}  // namespace stacksim
