// `file://` URIs and filesystem paths, both ways (RFC 3986 percent-encoding).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace covcheck::lsp {

// The path of a `file:` URI, percent-decoded; nullopt for any other scheme (`untitled:`).
std::optional<std::string> uri_to_path(std::string_view uri);
// A `file://` URI for an absolute path.
std::string path_to_uri(std::string_view path);

}  // namespace covcheck::lsp
