// Building, writing, reading and verifying rule bundles, and compiling one from memory.
#include "engine/bundle/bundle.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "dsl/source/dates.hpp"
#include "engine/compile/pipeline.hpp"

namespace covcheck::engine {

namespace fs = std::filesystem;

namespace {

constexpr TarLimits limits;

// Where each file the compiler read goes inside the bundle. Under the working directory a
// file keeps the name it was compiled under (`rules/acme/acme-2026.1.cpl`), so answers served
// from the bundle point at the same places as answers from the rules themselves; otherwise
// names are taken relative to the files' common folder.
class BundleNames {
 public:
  explicit BundleNames(const std::vector<std::string>& names) {
    std::error_code ec;
    fs::path cwd = fs::current_path(ec);
    bool under_cwd = !ec;
    for (const std::string& n : names) under_cwd = under_cwd && inside(absolute(n), cwd);
    if (under_cwd) {
      base_ = cwd;
      return;
    }
    for (const std::string& n : names) {
      fs::path folder = absolute(n).parent_path();
      base_ = base_.empty() ? folder : common(base_, folder);
    }
  }
  std::string operator()(const std::string& name) const {
    return absolute(name).lexically_relative(base_).generic_string();
  }

 private:
  static fs::path absolute(const std::string& name) {
    std::error_code ec;
    fs::path p = fs::absolute(fs::path(name), ec).lexically_normal();
    return p.has_filename() ? p : p.parent_path();  // `dir/` is `dir`
  }
  static bool inside(const fs::path& p, const fs::path& dir) {
    auto [d, pi] = std::mismatch(dir.begin(), dir.end(), p.begin(), p.end());
    return d == dir.end() && pi != p.end();
  }
  static fs::path common(const fs::path& a, const fs::path& b) {
    fs::path out;
    for (auto i = a.begin(), j = b.begin(); i != a.end() && j != b.end() && *i == *j; ++i, ++j) out /= *i;
    return out;
  }
  fs::path base_;
};

// The files one compiled rule set read, by the name it read them under. The default case
// schema the checker adds (`<built-in>/…`, dsl/check/checker.cpp) is in every binary, not
// in a bundle.
void collect(const Program& program, const dsl::SourceRegistry& sources, std::map<std::string, std::string>& out) {
  constexpr std::string_view built_in = "<built-in>/";
  for (const dsl::ast::File& f : program.checked->files.files) {
    const dsl::SourceFile& file = sources.file(f.file);
    if (file.name().compare(0, built_in.size(), built_in) != 0) out.emplace(file.name(), std::string(file.text()));
  }
}

std::optional<std::string> read_file(const fs::path& path, std::uint64_t limit, std::string& error) {
  std::error_code ec;
  fs::file_status st = fs::symlink_status(path, ec);
  if (ec || !fs::exists(st)) {
    error = "does not exist";
    return std::nullopt;
  }
  if (fs::is_symlink(st)) {
    error = "is a symbolic link; a bundle holds regular files only";
    return std::nullopt;
  }
  if (!fs::is_regular_file(st)) {
    error = "is not a regular file";
    return std::nullopt;
  }
  std::uintmax_t size = fs::file_size(path, ec);
  if (!ec && size > limit) {
    error = fmt::format("is {} bytes, over the limit of {}", size, limit);
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  if (in) buffer << in.rdbuf();
  if (!in || in.bad()) {
    error = "cannot be read";
    return std::nullopt;
  }
  return std::move(buffer).str();
}

// The manifest against the files: each listed one present with its size and SHA-256, and the
// bundle digest recomputed. `name` is the bundle as the user named it.
bool verify(const Manifest& m, const dsl::SourceOverlay& files, const std::string& name,
            dsl::Diagnostics& diagnostics) {
  bool ok = true;
  for (const BundleFile& f : m.files) {
    auto it = files.find(f.path);
    if (it == files.end()) {
      diagnostics.error("bundle.missing_file", dsl::SourceSpan{},
                        fmt::format("bundle `{}`: `{}` is in the manifest but not in the bundle", name, f.path));
      ok = false;
    } else if (it->second.size() != f.size || sha256_hex(it->second) != f.sha256) {
      diagnostics
          .error("bundle.digest_mismatch", dsl::SourceSpan{},
                 fmt::format("bundle `{}`: `{}` does not match its SHA-256 in the manifest", name, f.path))
          .help = "the file changed after the bundle was built; rebuild it with `covcheck bundle`";
      ok = false;
    }
  }
  if (std::string digest = bundle_digest(m); digest != m.digest) {
    diagnostics
        .error("bundle.digest_mismatch", dsl::SourceSpan{},
               fmt::format("bundle `{}`: the manifest's digest is `{}`, its entries give `{}`", name, m.digest, digest))
        .help = "manifest.json changed after the bundle was built; rebuild it with `covcheck bundle`";
    ok = false;
  }
  return ok;
}

std::optional<Manifest> manifest_of(std::string_view text, const std::string& name, dsl::Diagnostics& diagnostics) {
  std::string error;
  std::optional<Manifest> m = parse_manifest(text, error);
  if (!m)
    diagnostics.error("bundle.manifest", dsl::SourceSpan{},
                      fmt::format("bundle `{}`: {}: {}", name, manifest_name, error));
  return m;
}

}  // namespace

BundleBuild make_bundle(const BundleInputs& inputs, dsl::SourceRegistry& sources, dsl::Diagnostics& diagnostics) {
  BundleBuild out;
  std::optional<std::string> registry = inputs.registry ? inputs.registry : registry_file_in(inputs.rules);
  RuleSource built = registry ? rule_source_of(build_payer_registry(*registry, sources, diagnostics))
                              : rule_source_of(build_rule_set(inputs.rules, sources, diagnostics));
  if (built.status != RuleSetStatus::ok) {
    out.status = built.status == RuleSetStatus::unreadable ? BundleStatus::unreadable : BundleStatus::does_not_compile;
    return out;
  }
  std::map<std::string, std::string> texts;  // by the name compiled
  if (built.registry) {
    for (const auto& program : built.registry->programs) collect(*program, sources, texts);
    const dsl::SourceFile& file = sources.file(built.registry->entries.front().span.file);
    texts.emplace(file.name(), std::string(file.text()));
  } else {
    collect(*built.program, sources, texts);
  }
  std::vector<std::string> names;
  for (const auto& [name, text] : texts) names.push_back(name);
  if (registry) names.push_back(*registry);
  for (const std::string& r : inputs.rules) names.push_back(r);
  BundleNames place(names);

  Bundle bundle;
  bundle.manifest.version = inputs.version;
  bundle.manifest.built_at = inputs.built_at;
  bool ok = true;
  auto checked = [&](const std::string& name) {
    std::string path = place(name);
    if (std::string why = bad_bundle_path(path); !why.empty()) {
      diagnostics.error("bundle.path", dsl::SourceSpan{},
                        fmt::format("`{}` would be `{}` in the bundle, {}", name, path, why));
      ok = false;
    }
    return path;
  };
  if (registry) bundle.manifest.registry = checked(*registry);
  else
    for (const std::string& r : inputs.rules) bundle.manifest.rules.push_back(dsl::rule_tree_key(checked(r)));
  for (const auto& [name, text] : texts) {
    std::string path = checked(name);
    bundle.manifest.files.push_back(BundleFile{path, sha256_hex(text), text.size()});
    bundle.files.emplace(path, text);
  }
  if (!ok) {
    out.status = BundleStatus::unreadable;
    return out;
  }
  std::sort(bundle.manifest.files.begin(), bundle.manifest.files.end(),
            [](const BundleFile& a, const BundleFile& b) { return a.path < b.path; });
  bundle.manifest.digest = bundle_digest(bundle.manifest);

  // As a replica will load it: from memory, nothing else on disk to lean on.
  dsl::SourceRegistry again;
  dsl::Diagnostics replay;
  if (load_bundle_rules(bundle, again, replay).status != RuleSetStatus::ok) {
    diagnostics.error("bundle.layout", dsl::SourceSpan{},
                      "the rules compile from disk but not from the bundle's files (a file outside the rule paths, "
                      "reached through a link?)");
    diagnostics.append(replay);
    out.status = BundleStatus::does_not_compile;
    return out;
  }
  out.bundle = std::move(bundle);
  return out;
}

std::string bundle_archive(const Bundle& bundle) {
  std::vector<TarEntry> entries;
  entries.push_back(TarEntry{std::string(manifest_name), render_manifest(bundle.manifest)});
  for (const BundleFile& f : bundle.manifest.files) entries.push_back(TarEntry{f.path, bundle.files.at(f.path)});
  // Paths were checked when the bundle was made, so writing cannot fail on them.
  return write_tar(entries, utc_seconds(bundle.manifest.built_at).value_or(0)).archive;
}

bool write_bundle(const Bundle& bundle, const std::string& out, dsl::Diagnostics& diagnostics) {
  auto fail = [&](std::string message) {
    diagnostics.error("bundle.write", dsl::SourceSpan{}, std::move(message));
    return false;
  };
  std::error_code ec;
  if (fs::path(out).extension() == ".tar") {
    std::string partial = out + ".partial";
    {
      std::ofstream file(partial, std::ios::binary | std::ios::trunc);
      std::string archive = bundle_archive(bundle);
      file.write(archive.data(), static_cast<std::streamsize>(archive.size()));
      if (!file) return fail(fmt::format("cannot write `{}`", partial));
    }
    fs::rename(partial, out, ec);
    if (ec) return fail(fmt::format("cannot rename `{}` to `{}`: {}", partial, out, ec.message()));
    return true;
  }
  if (fs::exists(out, ec) && !(fs::is_directory(out, ec) && fs::is_empty(out, ec)))
    return fail(fmt::format("`{}` exists and is not an empty directory; give a new path (or a `.tar` file)", out));
  std::vector<std::pair<std::string, const std::string*>> files;
  std::string manifest = render_manifest(bundle.manifest);
  files.emplace_back(std::string(manifest_name), &manifest);
  for (const BundleFile& f : bundle.manifest.files) files.emplace_back(f.path, &bundle.files.at(f.path));
  for (const auto& [path, text] : files) {
    fs::path target = fs::path(out) / path;
    fs::create_directories(target.parent_path(), ec);
    std::ofstream file(target, std::ios::binary | std::ios::trunc);
    file.write(text->data(), static_cast<std::streamsize>(text->size()));
    if (!file) return fail(fmt::format("cannot write `{}`", target.generic_string()));
  }
  return true;
}

std::optional<Bundle> read_bundle_archive(std::string_view archive, const std::string& name,
                                          dsl::Diagnostics& diagnostics, BundleStatus& status) {
  status = BundleStatus::does_not_verify;
  TarRead read = read_tar(archive, limits);
  if (!read.error.empty()) {
    diagnostics.error("bundle.tar", dsl::SourceSpan{}, fmt::format("bundle `{}`: {}", name, read.error));
    return std::nullopt;
  }
  Bundle bundle;
  std::optional<std::string> manifest;
  for (TarEntry& e : read.entries) {
    if (e.path == manifest_name) manifest = std::move(e.data);
    else bundle.files.emplace(e.path, std::move(e.data));
  }
  if (!manifest) {
    diagnostics.error("bundle.manifest", dsl::SourceSpan{},
                      fmt::format("bundle `{}` has no {}: not a covcheck bundle", name, manifest_name));
    return std::nullopt;
  }
  std::optional<Manifest> m = manifest_of(*manifest, name, diagnostics);
  if (!m) return std::nullopt;
  bool ok = verify(*m, bundle.files, name, diagnostics);
  std::set<std::string_view> listed;
  for (const BundleFile& f : m->files) listed.insert(f.path);
  for (const auto& [path, text] : bundle.files) {
    if (listed.count(path)) continue;
    diagnostics.error("bundle.extra_file", dsl::SourceSpan{},
                      fmt::format("bundle `{}`: `{}` is in the archive but not in the manifest", name, path));
    ok = false;
  }
  if (!ok) return std::nullopt;
  bundle.manifest = std::move(*m);
  status = BundleStatus::ok;
  return bundle;
}

std::optional<Bundle> read_bundle(const std::string& path, dsl::Diagnostics& diagnostics, BundleStatus& status) {
  status = BundleStatus::unreadable;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    diagnostics.error("io.not_found", dsl::SourceSpan{}, fmt::format("bundle `{}` does not exist", path));
    return std::nullopt;
  }
  std::string error;
  if (!fs::is_directory(path, ec)) {
    std::optional<std::string> archive = read_file(path, limits.max_total + (64u << 20), error);
    if (!archive) {
      diagnostics.error("io.read", dsl::SourceSpan{}, fmt::format("bundle `{}` {}", path, error));
      return std::nullopt;
    }
    return read_bundle_archive(*archive, path, diagnostics, status);
  }
  std::optional<std::string> manifest_text = read_file(fs::path(path) / manifest_name, limits.max_file, error);
  if (!manifest_text) {
    diagnostics.error("bundle.manifest", dsl::SourceSpan{},
                      fmt::format("bundle `{}`: {} {}: not a covcheck bundle", path, manifest_name, error));
    return std::nullopt;
  }
  status = BundleStatus::does_not_verify;
  std::optional<Manifest> m = manifest_of(*manifest_text, path, diagnostics);
  if (!m) return std::nullopt;
  Bundle bundle;
  std::uint64_t total = 0;
  for (const BundleFile& f : m->files) {
    // Only what the manifest lists is read: other files in the folder are not part of it.
    std::optional<std::string> text = read_file(fs::path(path) / f.path, limits.max_file, error);
    if (!text) {
      diagnostics.error("bundle.missing_file", dsl::SourceSpan{},
                        fmt::format("bundle `{}`: `{}` {}", path, f.path, error));
      continue;
    }
    total += text->size();
    if (total > limits.max_total) {
      diagnostics.error("bundle.too_large", dsl::SourceSpan{},
                        fmt::format("bundle `{}`: its files pass {} bytes at `{}`", path, limits.max_total, f.path));
      return std::nullopt;
    }
    bundle.files.emplace(f.path, std::move(*text));
  }
  if (!verify(*m, bundle.files, path, diagnostics)) return std::nullopt;
  bundle.manifest = std::move(*m);
  status = BundleStatus::ok;
  return bundle;
}

RuleSource load_bundle_rules(const Bundle& bundle, dsl::SourceRegistry& sources, dsl::Diagnostics& diagnostics) {
  if (bundle.manifest.registry)
    return rule_source_of(build_payer_registry(*bundle.manifest.registry, sources, diagnostics, &bundle.files));
  return rule_source_of(
      build_rule_set(bundle.manifest.rules, sources, diagnostics, &bundle.files, dsl::RuleTree::overlay_only));
}

std::optional<std::int64_t> utc_seconds(std::string_view text) {
  // Exactly `YYYY-MM-DDTHH:MM:SSZ`.
  if (text.size() != 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z')
    return std::nullopt;
  std::optional<std::int32_t> days = dsl::parse_iso_date(text.substr(0, 10));
  auto two = [&](std::size_t at) -> int {
    char a = text[at], b = text[at + 1];
    return a >= '0' && a <= '9' && b >= '0' && b <= '9' ? (a - '0') * 10 + (b - '0') : -1;
  };
  int h = two(11), m = two(14), s = two(17);
  if (!days || h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59) return std::nullopt;
  return static_cast<std::int64_t>(*days) * 86400 + h * 3600 + m * 60 + s;
}

std::string utc_text(std::int64_t seconds) {
  std::int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  std::int64_t rest = seconds - days * 86400;
  return fmt::format("{}T{:02}:{:02}:{:02}Z", dsl::format_iso_date(static_cast<std::int32_t>(days)), rest / 3600,
                     rest / 60 % 60, rest % 60);
}

}  // namespace covcheck::engine
