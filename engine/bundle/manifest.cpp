// Rendering, reading and digesting a bundle manifest (manifest.hpp).
#include "engine/bundle/manifest.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <simdjson.h>

#include "engine/answer/json_writer.hpp"
#include "engine/bundle/tar.hpp"

namespace covcheck::engine {

std::string bundle_digest(const Manifest& m) {
  std::string lines;
  for (const BundleFile& f : m.files) lines += fmt::format("{}  {}\n", f.sha256, f.path);
  if (m.registry) lines += fmt::format("registry {}\n", *m.registry);
  for (const std::string& r : m.rules) lines += fmt::format("rules {}\n", r);
  return "sha256:" + sha256_hex(lines);
}

std::string render_manifest(const Manifest& m) {
  JsonWriter w(true);
  w.begin_object().member("format", bundle_format).member("version", m.version).member("built_at", m.built_at);
  w.member("registry", m.registry).key("rules").begin_array();
  for (const std::string& r : m.rules) w.value(r);
  w.end_array().key("files").begin_array();
  for (const BundleFile& f : m.files)
    w.begin_object()
        .member("path", f.path)
        .member("sha256", f.sha256)
        .member("size", static_cast<std::int64_t>(f.size))
        .end_object();
  w.end_array().member("digest", m.digest).end_object();
  return w.str() + "\n";
}

namespace {

bool is_hex_digest(std::string_view s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// One failure message, and the keys read so far, while reading the manifest.
struct ManifestReader {
  std::string& error;

  bool fail(std::string message) {
    if (error.empty()) error = std::move(message);
    return false;
  }
  bool text(simdjson::dom::element v, std::string_view key, std::string& out) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return fail(fmt::format("`{}` must be a string", key));
    out = std::string(s);
    return true;
  }
  bool path(simdjson::dom::element v, std::string_view key, std::string& out) {
    if (!text(v, key, out)) return false;
    if (std::string why = bad_bundle_path(out); !why.empty())
      return fail(fmt::format("`{}`: `{}` is {}", key, out, why));
    return true;
  }
  bool file(simdjson::dom::element v, BundleFile& f) {
    simdjson::dom::object o;
    if (v.get_object().get(o) != simdjson::SUCCESS) return fail("`files` must hold objects {path, sha256, size}");
    bool has_path = false, has_sha = false, has_size = false;
    for (auto [key, value] : o) {
      if (key == "path") has_path = path(value, "files[].path", f.path);
      else if (key == "sha256") {
        has_sha = text(value, "files[].sha256", f.sha256);
        if (has_sha && !is_hex_digest(f.sha256))
          return fail(fmt::format("`{}`: sha256 must be 64 lowercase hex digits", f.path));
      } else if (key == "size") {
        has_size = value.get_uint64().get(f.size) == simdjson::SUCCESS;
        if (!has_size) return fail("`files[].size` must be a whole number");
      } else {
        return fail(fmt::format("unknown key `files[].{}`", key));
      }
    }
    if (!has_path || !has_sha || !has_size) return fail("each of `files` needs `path`, `sha256` and `size`");
    return true;
  }
};

}  // namespace

std::optional<Manifest> parse_manifest(std::string_view text, std::string& error) {
  error.clear();
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element root;
  if (auto e = parser.parse(padded).get(root); e != simdjson::SUCCESS) {
    error = fmt::format("not valid JSON: {}", simdjson::error_message(e));
    return std::nullopt;
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    error = "the manifest must be a JSON object";
    return std::nullopt;
  }
  ManifestReader r{error};
  Manifest m;
  std::string format;
  bool ok = true, has_files = false, has_digest = false;
  for (auto [key, value] : object) {
    if (key == "format") ok = r.text(value, key, format) && ok;
    else if (key == "version") ok = r.text(value, key, m.version) && ok;
    else if (key == "built_at") ok = r.text(value, key, m.built_at) && ok;
    else if (key == "digest") ok = (has_digest = r.text(value, key, m.digest)) && ok;
    else if (key == "registry") {
      if (!value.is_null()) ok = r.path(value, key, m.registry.emplace()) && ok;
    } else if (key == "rules" || key == "files") {
      simdjson::dom::array list;
      if (value.get_array().get(list) != simdjson::SUCCESS) {
        ok = r.fail(fmt::format("`{}` must be a list", key));
        continue;
      }
      has_files = has_files || key == "files";
      for (simdjson::dom::element item : list) {
        if (key == "rules") ok = r.path(item, "rules[]", m.rules.emplace_back()) && ok;
        else ok = r.file(item, m.files.emplace_back()) && ok;
      }
    } else {
      ok = r.fail(fmt::format("unknown key `{}`", key));
    }
  }
  if (!ok) return std::nullopt;
  if (format != bundle_format) {
    error = fmt::format("`format` is `{}`; this covcheck reads `{}`", format, bundle_format);
    return std::nullopt;
  }
  if (!has_files || !has_digest || m.version.empty()) {
    error = "the manifest needs `version`, `files` and `digest`";
    return std::nullopt;
  }
  if (m.registry.has_value() == !m.rules.empty()) {
    error = "the manifest names either a `registry` or `rules`, one of them";
    return std::nullopt;
  }
  for (std::size_t i = 1; i < m.files.size(); ++i)
    if (!(m.files[i - 1].path < m.files[i].path)) {
      error = fmt::format("`files` must be sorted by path, each once (at `{}`)", m.files[i].path);
      return std::nullopt;
    }
  return m;
}

}  // namespace covcheck::engine
