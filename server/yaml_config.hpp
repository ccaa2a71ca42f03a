// Reading the server's small YAML configuration files (API keys, CDS Hooks clients): one
// loader, so every such file reports an unreadable or malformed file the same way.
#pragma once

#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

namespace covcheck::server {

// The file's document, or nullopt with `error` set to "PATH: cannot be read" or
// "PATH:LINE:COL: <yaml-cpp's message>".
std::optional<YAML::Node> load_yaml_config(const std::string& path, std::string& error);

// "PATH:LINE:COL" of a node, or PATH when the node has no position (a missing key).
std::string yaml_at(const std::string& path, const YAML::Node& node);

}  // namespace covcheck::server
