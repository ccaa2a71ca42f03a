// The web page's files, compiled into the binary at build time (server/embed_assets.cmake):
// `/` and its assets never touch the file system.
#pragma once

#include <string_view>
#include <vector>

namespace covcheck::server {

struct WebAsset {
  std::string_view path;  // "/index.html", "/app.js"
  std::string_view content_type;
  std::string_view body;
};

// Sorted by path; the table lives for the whole program.
const std::vector<WebAsset>& web_assets();

}  // namespace covcheck::server
