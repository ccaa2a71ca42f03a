// POSIX ustar reading and writing for rule bundles (tar.hpp); the header layout is POSIX.1-1988.
#include "engine/bundle/tar.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <set>

#include <fmt/format.h>

namespace covcheck::engine {

namespace {

constexpr std::size_t block = 512;

// Header fields: offset and length in the 512-byte block.
struct Field {
  std::size_t offset, length;
};
constexpr Field name_field{0, 100}, mode_field{100, 8}, uid_field{108, 8}, gid_field{116, 8}, size_field{124, 12},
    mtime_field{136, 12}, checksum_field{148, 8}, type_field{156, 1}, magic_field{257, 6}, version_field{263, 2},
    devmajor_field{329, 8}, devminor_field{337, 8}, prefix_field{345, 155};

using Header = std::array<char, block>;

void put_octal(Header& h, Field f, std::uint64_t value) {
  // `length - 1` digits and a NUL, as GNU tar writes them.
  std::string digits = fmt::format("{:0{}o}", value, f.length - 1);
  std::memcpy(h.data() + f.offset, digits.data(), f.length - 1);
  h[f.offset + f.length - 1] = '\0';
}

void put_text(Header& h, Field f, std::string_view text) {
  // An empty view may hold a null pointer, which memcpy must not get even for 0 bytes.
  if (!text.empty()) std::memcpy(h.data() + f.offset, text.data(), std::min(text.size(), f.length));
}

std::uint64_t checksum_of(const unsigned char* h) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < block; ++i)
    sum += (i >= checksum_field.offset && i < checksum_field.offset + checksum_field.length) ? ' ' : h[i];
  return sum;
}

// Old tars summed signed chars; both sums are accepted.
std::int64_t signed_checksum_of(const unsigned char* h) {
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < block; ++i)
    sum += (i >= checksum_field.offset && i < checksum_field.offset + checksum_field.length)
               ? ' '
               : static_cast<signed char>(h[i]);
  return sum;
}

// An octal number field: optional leading spaces, digits, then NUL or spaces. A base-256
// field (high bit set) holds sizes past 8 GiB: far over any limit, so it is refused as such.
std::optional<std::uint64_t> octal(std::string_view field, bool& huge) {
  huge = !field.empty() && (static_cast<unsigned char>(field[0]) & 0x80);
  if (huge) return std::nullopt;
  std::size_t i = 0;
  while (i < field.size() && field[i] == ' ') ++i;
  std::uint64_t value = 0;
  std::size_t digits = 0;
  for (; i < field.size() && field[i] >= '0' && field[i] <= '7'; ++i, ++digits) value = value * 8 + (field[i] - '0');
  for (; i < field.size(); ++i)
    if (field[i] != '\0' && field[i] != ' ') return std::nullopt;
  if (digits == 0) return std::nullopt;
  return value;
}

std::string_view text_field(const char* h, Field f) {
  std::string_view s(h + f.offset, f.length);
  return s.substr(0, s.find('\0'));
}

bool all_zero(const char* h) {
  return std::all_of(h, h + block, [](char c) { return c == '\0'; });
}

}  // namespace

std::string bad_bundle_path(std::string_view path) {
  if (path.empty()) return "an empty path";
  if (path.front() == '/') return "an absolute path";
  for (char c : path) {
    if (c == '\\') return "a path with a backslash";
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "a path with a control character";
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    std::string_view part = path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (part.empty()) return "a path with an empty part (`//` or a trailing `/`)";
    if (part == ".") return "a path with a `.` part";
    if (part == "..") return "a path that climbs out with `..`";
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return "";
}

TarWrite write_tar(const std::vector<TarEntry>& entries, std::int64_t mtime) {
  TarWrite out;
  std::string archive;
  for (const TarEntry& e : entries) {
    if (std::string why = bad_bundle_path(e.path); !why.empty()) {
      out.error = fmt::format("`{}` is {}", e.path, why);
      return out;
    }
    // A name over 100 bytes is split at a `/` into the 155-byte prefix and the name.
    std::string_view name = e.path, prefix;
    if (name.size() > name_field.length) {
      std::size_t cut = e.path.rfind('/', prefix_field.length);
      while (cut != std::string::npos && e.path.size() - cut - 1 > name_field.length) cut = std::string::npos;
      if (cut == std::string::npos || cut == 0) {
        out.error = fmt::format("`{}` is too long for a tar header (255 bytes, a name part at most 100)", e.path);
        return out;
      }
      prefix = std::string_view(e.path).substr(0, cut);
      name = std::string_view(e.path).substr(cut + 1);
    }
    Header h{};
    put_text(h, name_field, name);
    put_octal(h, mode_field, 0644);
    put_octal(h, uid_field, 0);
    put_octal(h, gid_field, 0);
    put_octal(h, size_field, e.data.size());
    put_octal(h, mtime_field, static_cast<std::uint64_t>(std::max<std::int64_t>(0, mtime)));
    h[type_field.offset] = '0';
    put_text(h, magic_field, std::string_view("ustar\0", 6));
    put_text(h, version_field, "00");
    put_octal(h, devmajor_field, 0);
    put_octal(h, devminor_field, 0);
    put_text(h, prefix_field, prefix);
    std::string sum = fmt::format("{:06o}", checksum_of(reinterpret_cast<const unsigned char*>(h.data())));
    std::memcpy(h.data() + checksum_field.offset, sum.data(), 6);
    h[checksum_field.offset + 6] = '\0';
    h[checksum_field.offset + 7] = ' ';
    archive.append(h.data(), block);
    archive += e.data;
    archive.append((block - e.data.size() % block) % block, '\0');
  }
  archive.append(2 * block, '\0');
  out.archive = std::move(archive);
  return out;
}

TarRead read_tar(std::string_view archive, const TarLimits& limits) {
  TarRead out;
  auto fail = [&](std::string message) {
    out.entries.clear();
    out.error = std::move(message);
    return out;
  };
  std::set<std::string, std::less<>> seen;
  std::uint64_t total = 0;
  std::size_t at = 0;
  for (;;) {
    if (archive.size() - at < block)
      return fail(at == archive.size() ? "the archive ends without its end-of-archive block (truncated?)"
                                       : fmt::format("the archive ends inside a header at byte {} (truncated?)", at));
    const char* h = archive.data() + at;
    if (all_zero(h)) break;  // the end-of-archive block; what follows is padding
    const auto* bytes = reinterpret_cast<const unsigned char*>(h);
    bool huge = false;
    std::optional<std::uint64_t> stored = octal(text_field(h, checksum_field), huge);
    if (!stored || (*stored != checksum_of(bytes) && static_cast<std::int64_t>(*stored) != signed_checksum_of(bytes)))
      return fail(fmt::format("the header at byte {} has a bad checksum: not a tar archive, or a damaged one", at));

    std::string path(text_field(h, name_field));
    // The prefix field is POSIX ustar's ("ustar\0"); GNU tar keeps other data there.
    if (std::string_view(h + magic_field.offset, 6) == std::string_view("ustar\0", 6)) {
      std::string_view prefix = text_field(h, prefix_field);
      if (!prefix.empty()) path = fmt::format("{}/{}", prefix, path);
    }
    while (path.compare(0, 2, "./") == 0) path.erase(0, 2);  // `tar -C dir .` writes `./name`
    char type = h[type_field.offset];
    std::optional<std::uint64_t> size = octal(std::string_view(h + size_field.offset, size_field.length), huge);
    if (huge) return fail(fmt::format("`{}` declares a size over 8 GiB", path));
    if (!size) return fail(fmt::format("`{}` has a malformed size field", path));
    std::uint64_t padded = (*size + block - 1) / block * block;

    if (type == '5') {  // a directory: implied by the files' paths
      if (!path.empty() && path.back() == '/') path.pop_back();
      if (!path.empty() && path != ".")
        if (std::string why = bad_bundle_path(path); !why.empty())
          return fail(fmt::format("directory `{}` is {}", path, why));
      if (padded > archive.size() - at - block) return fail(fmt::format("directory `{}` ends early", path));
      at += block + padded;
      continue;
    }
    if (type == '1' || type == '2')
      return fail(
          fmt::format("`{}` is a {} link; a bundle holds regular files only", path, type == '2' ? "symbolic" : "hard"));
    if (type == 'x' || type == 'g' || type == 'L' || type == 'K')
      return fail(fmt::format("`{}` is a {} header; write the bundle with `covcheck bundle` or `tar --format=ustar`",
                              path, type == 'x' || type == 'g' ? "pax extended" : "GNU long-name"));
    if (type != '0' && type != '\0' && type != '7')
      return fail(fmt::format("`{}` is a special file (tar type `{}`); a bundle holds regular files only", path, type));
    if (std::string why = bad_bundle_path(path); !why.empty()) return fail(fmt::format("`{}` is {}", path, why));
    if (*size > limits.max_file)
      return fail(
          fmt::format("`{}` is {} bytes; a bundle's files are limited to {} bytes", path, *size, limits.max_file));
    total += *size;
    if (total > limits.max_total)
      return fail(fmt::format("the archive's files pass {} bytes at `{}`", limits.max_total, path));
    if (out.entries.size() >= limits.max_entries)
      return fail(fmt::format("the archive holds more than {} files", limits.max_entries));
    if (*size > archive.size() - at - block)
      return fail(fmt::format("`{}` declares {} bytes but the archive ends after {} (truncated?)", path, *size,
                              archive.size() - at - block));
    if (!seen.insert(path).second) return fail(fmt::format("`{}` is in the archive twice", path));
    out.entries.push_back(TarEntry{path, std::string(archive.substr(at + block, *size))});
    at += block + std::min<std::uint64_t>(padded, archive.size() - at - block);
  }
  return out;
}

}  // namespace covcheck::engine
