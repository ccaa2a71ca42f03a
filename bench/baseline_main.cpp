// covcheck_baseline: the hand-written C++ baseline end to end (JSON Lines of workload cases
// in, the reference's outcome lines out, one thread), for bench/run.sh's end-to-end column.
//   covcheck_baseline CASES.jsonl OUT.jsonl
#include <cstdio>
#include <fstream>
#include <iostream>

#include "bench/baseline.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: covcheck_baseline CASES.jsonl OUT.jsonl\n";
    return 2;
  }
  simdjson::padded_string input;
  if (simdjson::padded_string::load(argv[1]).get(input)) {
    std::cerr << "cannot read " << argv[1] << "\n";
    return 2;
  }
  std::FILE* out = std::fopen(argv[2], "wb");
  if (!out) return 2;
  simdjson::ondemand::parser parser;
  baseline::Case c;
  std::string buffer;
  std::string_view all(input.data(), input.size());
  std::size_t pos = 0;
  while (pos < all.size()) {
    std::size_t nl = all.find('\n', pos);
    if (nl == std::string_view::npos) nl = all.size();
    if (nl > pos) {
      // Each line is followed by the rest of the padded input, so it is readable padding.
      simdjson::padded_string_view line(all.data() + pos, nl - pos, input.size() + simdjson::SIMDJSON_PADDING - pos);
      if (baseline::parse(parser, line, c)) baseline::write_result(buffer, c, baseline::evaluate(c));
    }
    if (buffer.size() > (1 << 20)) {
      std::fwrite(buffer.data(), 1, buffer.size(), out);
      buffer.clear();
    }
    pos = nl + 1;
  }
  std::fwrite(buffer.data(), 1, buffer.size(), out);
  return std::fclose(out) == 0 ? 0 : 2;
}
