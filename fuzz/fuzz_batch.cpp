// libFuzzer target: the batch engine (engine/batch/batch.cpp) over an arbitrary input stream, JSON
// Lines or a YAML stream, from a memory file into a memory file, against the Acme reference
// rules. Aborts unless every record yields exactly one JSON object line, in input order,
// error records naming the record's line, and unless one thread with large chunks and two
// threads with the smallest chunks (4 KiB: longer inputs have records cut across chunk
// boundaries) write identical bytes.
#include <sys/mman.h>
#include <unistd.h>

#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "engine/batch/batch.hpp"
#include "engine/batch/batch_reader.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace covcheck;

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  fprintf(stderr, "fuzz_batch: %s\n%s\n", what, detail.c_str());
  abort();
}

int memory_file(std::string_view content) {
  int fd = ::memfd_create("fuzz_batch", 0);
  if (fd < 0) fail("memfd_create failed", "");
  for (std::size_t done = 0; done < content.size();) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n <= 0) fail("write to a memory file failed", "");
    done += static_cast<std::size_t>(n);
  }
  ::lseek(fd, 0, SEEK_SET);
  return fd;
}

std::string read_all(int fd) {
  std::string out;
  ::lseek(fd, 0, SEEK_SET);
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

struct Run {
  engine::BatchSummary summary;
  std::string output;
};

Run run(std::string_view input, const engine::BatchOptions& options) {
  const fuzz::ReferenceRuleSet& ref = fuzz::reference_rule_set();
  int in = memory_file(input), out = memory_file("");
  Run r;
  r.summary = engine::run_batch(*ref.program, ref.sources, in, out, options);
  r.output = read_all(out);
  ::close(in);
  ::close(out);
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 128 * 1024) return -1;
  // The first byte picks the format and the output mode.
  const std::uint8_t control = data[0];
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  engine::BatchOptions options;
  options.format = control & 1 ? engine::InputFormat::yaml : engine::InputFormat::jsonl;
  options.mode = static_cast<engine::OutputMode>((control >> 1) % 3);
  options.input_name = "fuzz.stream";
  options.threads = 1;
  Run one = run(input, options);

  // The records, as the reader must find them (the whole text at once, no chunks).
  std::vector<engine::RecordRef> records;
  engine::split_records(input, options.format, 1, records);
  if (one.summary.records != records.size())
    fail("records counted differ from the records in the input",
         std::to_string(one.summary.records) + " vs " + std::to_string(records.size()));
  if (!one.summary.input_error.empty() || !one.summary.output_error.empty())
    fail("I/O error on memory files", one.summary.input_error + one.summary.output_error);

  simdjson::dom::parser parser;
  std::size_t line_start = 0, lines = 0, errors = 0;
  while (line_start < one.output.size()) {
    std::size_t nl = one.output.find('\n', line_start);
    if (nl == std::string::npos) fail("the last output line has no newline", one.output);
    std::string_view line(one.output.data() + line_start, nl - line_start);
    simdjson::dom::element element;
    if (parser.parse(line.data(), line.size()).get(element) || !element.is_object())
      fail("an output line is not a JSON object", std::string(line));
    if (lines >= records.size()) fail("more output lines than records", one.output);
    std::int64_t at = 0;
    if (!element["line"].get(at)) {  // an error record names its record's first line
      ++errors;
      if (static_cast<std::uint64_t>(at) != records[lines].line)
        fail("an error record names the wrong line",
             std::string(line) + "\nexpected line " + std::to_string(records[lines].line));
    }
    ++lines;
    line_start = nl + 1;
  }
  if (lines != records.size())
    fail("output lines differ from records", std::to_string(lines) + " vs " + std::to_string(records.size()));
  if (errors != one.summary.errors) fail("error records differ from the summary's count", one.output);

  // Two threads, the smallest chunks the reader takes (it raises any size below 4 KiB).
  options.threads = 2;
  options.chunk_size = 1 + (control >> 3);
  Run two = run(input, options);
  if (two.output != one.output) fail("threads or chunk size changed the output", one.output + "\n---\n" + two.output);
  return 0;
}
