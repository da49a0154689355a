#include "config/part.h"

#include "config/error.h"

namespace stacksim {

Part load_part(MapReader& r, const std::string& key, const std::vector<Override>& overrides, const std::string& via) {
  YAML::Node n = r.node(key);
  Part out{YAML::Node(), Origin(r.file()), {}};
  if (n.IsMap()) {
    out.tree = n;
  } else if (n.IsScalar()) {
    const std::string path = r.file_at(key);
    out.origin = Origin(path);
    if (path.size() > 5 && path.substr(path.size() - 5) == ".json") {
      out.tree = YAML::Node(path);  // a Hugging Face config: loaded by load_model
      for (const auto& o : overrides)
        if (o.first.compare(0, key.size() + 1, key + ".") == 0)
          throw ConfigError(via, 0, 0, o.first, "cannot override keys of a Hugging Face config.json");
      return out;
    }
    out.tree = load_yaml_file(path);
  } else {
    r.fail(key, "expected a file path or a mapping");
  }
  // A platform whose stack is a file: "platform.stack.*" overrides go to that file.
  const std::string stack_prefix = key + ".stack.";
  std::vector<Override> own;
  for (const auto& o : overrides) {
    if (key == "platform" && out.tree.IsMap() && out.tree["stack"] && out.tree["stack"].IsScalar() &&
        o.first.compare(0, stack_prefix.size(), stack_prefix) == 0)
      out.stack_overrides.push_back(o);
    else
      own.push_back(o);
  }
  out.origin.via = via;
  apply_overrides(out.tree, own, key + ".", &out.origin);
  return out;
}

}  // namespace stacksim
