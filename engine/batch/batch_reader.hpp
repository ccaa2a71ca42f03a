// Streaming input for `batch`: reads a file descriptor in chunks and cuts them into whole
// records (JSON Lines: one per non-blank line; YAML: one per `---` document), carrying a
// partial record over to the next chunk, so memory stays bounded whatever the input size.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace covcheck::engine {

enum class InputFormat { jsonl, yaml };

struct RecordRef {
  std::uint32_t offset = 0;  // into Chunk::text
  std::uint32_t length = 0;
  std::uint64_t line = 0;  // 1-based line of the record's first line in the whole input
  bool oversized = false;  // longer than the limit: only its line is kept, as an error record
};

// A run of whole records. `text` keeps 64 readable bytes past its end (simdjson's padding).
struct Chunk {
  std::string text;
  std::vector<RecordRef> records;
  std::uint64_t bytes_consumed = 0;  // input bytes up to the end of this chunk, for progress
};

class RecordReader {
 public:
  static constexpr std::size_t padding = 64;
  // `max_record`: longer records become error records instead of growing the buffer.
  RecordReader(int fd, InputFormat format, std::size_t chunk_size = 256 * 1024,
               std::size_t max_record = 64 * 1024 * 1024);

  // Fills `chunk` with the next records; false at the end of input (chunk then empty). An
  // I/O error also ends the input and sets error().
  bool next(Chunk& chunk);
  const std::string& error() const { return error_; }

 private:
  bool fill();                              // reads more into buf_; false at EOF or error
  std::size_t boundary(bool at_eof) const;  // end of the last whole record in buf_
  std::uint64_t split(std::string_view text, Chunk& chunk, bool oversized_first);  // newlines in text

  int fd_;
  InputFormat format_;
  std::size_t chunk_size_;
  std::size_t max_record_;
  std::string buf_;         // carried-over partial record + new data
  std::uint64_t line_ = 1;  // line number of buf_[0]
  std::uint64_t consumed_ = 0;
  bool eof_ = false;
  bool skipping_ = false;  // discarding the rest of an oversized record
  std::string error_;
};

// Splits whole records out of `text` (exposed for tests): JSON Lines, or YAML documents.
// With `first_line` 1 (the start of the input), a byte-order mark is skipped. Returns how
// many newlines `text` holds (the reader's line count, without a second pass).
std::uint64_t split_records(std::string_view text, InputFormat format, std::uint64_t first_line,
                            std::vector<RecordRef>& out);

}  // namespace covcheck::engine
