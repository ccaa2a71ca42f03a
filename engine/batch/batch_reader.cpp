// Cutting an input stream into records: JSON Lines by newline, YAML streams by `---`
// document markers at the start of a line (the only place one may stand).
#include "engine/batch/batch_reader.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace covcheck::engine {

namespace {

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

// A YAML line that starts a document: `---` followed by the line's end or a space.
bool document_marker(std::string_view text, std::size_t pos) {
  if (text.size() < pos + 4 || text.compare(pos, 3, "---") != 0) return false;
  char c = text[pos + 3];
  return c == '\n' || c == '\r' || c == ' ' || c == '\t';
}

// A YAML line with content: neither blank nor only a comment.
bool has_content(std::string_view line) {
  std::size_t i = line.find_first_not_of(" \t\r");
  return i != std::string_view::npos && line[i] != '#';
}

}  // namespace

std::uint64_t split_records(std::string_view text, InputFormat format, std::uint64_t first_line,
                            std::vector<RecordRef>& out) {
  std::uint64_t line = first_line, newlines = 0;
  // A byte-order mark at the start of the input (Windows exports) is not part of record 1;
  // columns do not count it, as in case files.
  std::size_t pos = first_line == 1 && text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  if (format == InputFormat::jsonl) {
    while (pos < text.size()) {
      const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
      std::size_t end = nl ? static_cast<const char*>(nl) - text.data() : text.size();
      newlines += nl != nullptr;
      std::size_t stop = end;
      if (stop > pos && text[stop - 1] == '\r') --stop;
      if (!blank(text.substr(pos, stop - pos)))
        out.push_back({static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(stop - pos), line, false});
      ++line;
      pos = end + 1;
    }
    return newlines;
  }
  // YAML: a document runs from its `---` line (or the start) to the next `---` line. The
  // text before the first marker is a document only when it has content; an explicit
  // document is a record even when empty, so that it is reported rather than dropped.
  std::size_t doc_start = pos;
  std::uint64_t doc_line = line;
  bool explicit_doc = false, content = false;
  auto close = [&](std::size_t end) {
    if (explicit_doc || content) {
      out.push_back(
          {static_cast<std::uint32_t>(doc_start), static_cast<std::uint32_t>(end - doc_start), doc_line, false});
    }
  };
  while (pos < text.size()) {
    const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
    std::size_t end = nl ? static_cast<const char*>(nl) - text.data() : text.size();
    newlines += nl != nullptr;
    std::string_view whole = text.substr(pos, end - pos);
    if (document_marker(text, pos) || whole == "---") {
      close(pos);
      doc_start = pos;
      doc_line = line;
      explicit_doc = true;
      content = has_content(whole.substr(3));
    } else if (!content && has_content(whole)) {
      content = true;
    }
    ++line;
    pos = end + 1;
  }
  close(text.size());
  return newlines;
}

RecordReader::RecordReader(int fd, InputFormat format, std::size_t chunk_size, std::size_t max_record)
    : fd_(fd), format_(format), chunk_size_(std::max<std::size_t>(chunk_size, 4096)), max_record_(max_record) {}

bool RecordReader::fill() {
  if (eof_) return false;
  std::size_t old = buf_.size();
  buf_.resize(old + chunk_size_);
  for (;;) {
    ssize_t got = ::read(fd_, buf_.data() + old, chunk_size_);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      error_ = std::strerror(errno);
      got = 0;
    }
    buf_.resize(old + static_cast<std::size_t>(got));
    consumed_ += static_cast<std::uint64_t>(got);
    if (got == 0) eof_ = true;
    return got > 0;
  }
}

std::size_t RecordReader::boundary(bool at_eof) const {
  if (at_eof) return buf_.size();
  if (format_ == InputFormat::jsonl) {
    std::size_t nl = buf_.rfind('\n');
    return nl == std::string::npos ? 0 : nl + 1;
  }
  // The start of the last complete `---` line: everything before it is whole documents.
  std::size_t pos = buf_.size();
  while (pos > 0) {
    std::size_t nl = buf_.rfind('\n', pos - 1);
    if (nl == std::string::npos) break;
    if (nl + 1 < buf_.size() && document_marker(buf_, nl + 1)) return nl + 1;
    pos = nl;
  }
  return 0;
}

std::uint64_t RecordReader::split(std::string_view text, Chunk& chunk, bool) {
  return split_records(text, format_, line_, chunk.records);
}

bool RecordReader::next(Chunk& chunk) {
  chunk.text.clear();
  chunk.records.clear();
  for (;;) {
    if (skipping_) {
      // Drop the rest of an oversized record: up to its line end (JSON Lines) or the next
      // document (YAML).
      std::size_t cut = std::string::npos;
      if (format_ == InputFormat::jsonl) {
        std::size_t nl = buf_.find('\n');
        if (nl != std::string::npos) cut = nl + 1;
      } else {
        for (std::size_t nl = buf_.find('\n'); nl != std::string::npos; nl = buf_.find('\n', nl + 1)) {
          if (document_marker(buf_, nl + 1)) {
            cut = nl + 1;
            break;
          }
        }
      }
      std::size_t drop = cut == std::string::npos ? buf_.size() : cut;
      line_ +=
          static_cast<std::uint64_t>(std::count(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(drop), '\n'));
      buf_.erase(0, drop);
      if (cut != std::string::npos) {
        skipping_ = false;
      } else if (!fill()) {
        skipping_ = false;
        return false;
      }
      continue;
    }
    if (!eof_ && buf_.size() < chunk_size_) {
      fill();
      continue;
    }
    std::size_t b = boundary(eof_);
    if (b == 0 && !eof_) {
      if (buf_.size() > max_record_) {
        chunk.records.push_back({0, 0, line_, true});
        chunk.text.assign(RecordReader::padding, ' ');
        chunk.bytes_consumed = consumed_;
        skipping_ = true;
        return true;
      }
      std::size_t before = buf_.size();
      fill();
      if (buf_.size() == before && !eof_) return false;
      continue;
    }
    if (b == 0 && buf_.empty()) return false;
    // The buffer becomes the chunk (no copy of the records); only the partial record after
    // them is carried over, into the chunk's old buffer.
    std::swap(chunk.text, buf_);
    buf_.assign(chunk.text, b, std::string::npos);
    chunk.text.resize(b);
    line_ += split(chunk.text, chunk, false);
    chunk.text.append(padding, ' ');
    chunk.bytes_consumed = consumed_ - buf_.size();
    if (chunk.records.empty() && !eof_) continue;  // only blank lines so far
    return !chunk.records.empty() || !eof_ || !buf_.empty();
  }
}

}  // namespace covcheck::engine
