// Plain POSIX tar (ustar), in memory: the archive form of a rule bundle. Only regular files
// are written or accepted; every path is checked before anything is used, so a hostile
// archive (`../`, absolute paths, links, sizes it does not hold) is an error, never a file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace covcheck::engine {

struct TarEntry {
  std::string path;  // relative, `/`-separated, no `.` or `..` parts
  std::string data;
};

struct TarLimits {
  std::uint64_t max_file = 16u << 20;    // a rule file's own limit
  std::uint64_t max_total = 256u << 20;  // every file's bytes together
  std::size_t max_entries = 100'000;
};

// A path as a bundle may hold it: relative, no empty, `.` or `..` parts, no backslash, no
// control character. "" when it is, else why not.
std::string bad_bundle_path(std::string_view path);

struct TarWrite {
  std::string archive;  // empty on error
  std::string error;    // names the entry
};

// The archive of `entries` in their order: mode 0644, owner 0, `mtime` on every entry, then
// the two zero blocks; the same entries give the same bytes.
TarWrite write_tar(const std::vector<TarEntry>& entries, std::int64_t mtime);

struct TarRead {
  std::vector<TarEntry> entries;  // regular files, in archive order (directories are skipped)
  std::string error;              // empty when the archive was read whole
};

// Reads an archive written by write_tar or by `tar --format=ustar` (GNU and v7 headers are
// read too). Refused: links and other special entries, pax or GNU long-name headers, a
// path bad_bundle_path refuses, a path twice, a bad header checksum, a size field that is not
// octal or over the limits, data that ends early, no end-of-archive block.
TarRead read_tar(std::string_view archive, const TarLimits& limits = {});

}  // namespace covcheck::engine
