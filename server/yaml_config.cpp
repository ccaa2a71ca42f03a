// The shared loader of the server's YAML configuration files.
#include "server/yaml_config.hpp"

#include <fmt/format.h>

namespace covcheck::server {

std::optional<YAML::Node> load_yaml_config(const std::string& path, std::string& error) {
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    error = fmt::format("{}: cannot be read", path);
  } catch (const YAML::Exception& e) {
    error = fmt::format("{}:{}:{}: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg);
  }
  return std::nullopt;
}

std::string yaml_at(const std::string& path, const YAML::Node& node) {
  YAML::Mark m = node.Mark();
  return m.is_null() ? path : fmt::format("{}:{}:{}", path, m.line + 1, m.column + 1);
}

}  // namespace covcheck::server
