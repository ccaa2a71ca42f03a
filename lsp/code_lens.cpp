// Code lenses on each rule: "run tests" (the suites in `tests/` beside the policy, run by
// `covcheck test`; the last result is shown in the lens) and "evaluate with case…" (a case
// file from `cases/` beside it, decided in-process against the open buffers).
#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/answer/render.hpp"
#include "engine/compile/compile.hpp"
#include "engine/compile/pipeline.hpp"
#include "engine/session/session.hpp"
#include "lsp/code_lens.hpp"

namespace covcheck::lsp {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t max_case_file_bytes = std::uintmax_t{64} << 20;  // as for `covcheck check`

std::vector<std::string> files_in(const fs::path& dir, std::initializer_list<const char*> extensions) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string ext = it->path().extension().string();
    if (std::find(extensions.begin(), extensions.end(), ext) != extensions.end()) out.push_back(it->path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

fs::path tests_dir(const Document& d) { return fs::path(d.path).parent_path() / "tests"; }
fs::path cases_dir(const Document& d) { return fs::path(d.path).parent_path() / "cases"; }

std::vector<std::string> case_files(const Document& d) { return files_in(cases_dir(d), {".yaml", ".yml", ".json"}); }

Json code_lenses(const Analysis& a, const Document& d, const std::map<std::string, std::string>& results,
                 bool can_run_tests) {
  Json out = Json::array();
  const ast::File* file = a.document_ast();
  if (!file || !a.file) return out;
  std::string suites = tests_dir(d).string();
  bool has_tests = can_run_tests && !files_in(suites, {".yaml", ".yml"}).empty();
  bool has_cases = !case_files(d).empty();
  LineIndex lines(d.text);
  for (const ast::Item& item : file->items) {
    const auto* rule = std::get_if<ast::Rule>(&item);
    if (!rule) continue;
    Json range = to_json(lines.range(rule->name.span.begin, rule->name.span.end));
    if (has_tests) {
      auto r = results.find(suites);
      std::string title = r == results.end() ? "▶ run tests" : "▶ run tests (" + r->second + ")";
      out.push_back(
          Json{{"range", range},
               {"command", {{"title", title}, {"command", run_tests_command}, {"arguments", Json::array({suites})}}}});
    }
    if (has_cases)
      out.push_back(Json{
          {"range", range},
          {"command",
           {{"title", "evaluate with case…"}, {"command", evaluate_command}, {"arguments", Json::array({d.uri})}}}});
  }
  return out;
}

TestRun run_tests(const std::string& covcheck, const std::string& suites) {
  TestRun run;
  int pipe_fds[2];
  if (covcheck.empty() || pipe(pipe_fds) != 0) {
    run.summary = "cannot start `covcheck test`";
    return run;
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], 1);
    dup2(pipe_fds[1], 2);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    execl(covcheck.c_str(), covcheck.c_str(), "test", suites.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_fds[1]);
  if (pid < 0) {
    close(pipe_fds[0]);
    run.summary = "cannot start `covcheck test`";
    return run;
  }
  std::array<char, 65536> buffer;
  for (ssize_t n; (n = read(pipe_fds[0], buffer.data(), buffer.size())) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    run.output.append(buffer.data(), static_cast<std::size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  // `covcheck test` ends with its summary line.
  std::string trimmed = run.output.substr(0, run.output.find_last_not_of("\n ") + 1);
  std::size_t last = trimmed.rfind('\n');
  run.summary = last == std::string::npos ? trimmed : trimmed.substr(last + 1);
  if (run.summary.empty()) run.summary = fmt::format("exit status {}", run.status);
  return run;
}

std::string evaluate_with_case(const Document& d, const DocumentStore& documents, const std::string& case_path) {
  std::unique_ptr<Analysis> a = analyse(d, documents);
  if (!a->checked || a->diagnostics.has_errors())
    return fmt::format("`{}` has errors: fix them before evaluating", fs::path(d.path).filename().string());
  // Only a regular file of a case's size: a client's path could name a device or a pipe.
  std::error_code ec;
  if (!fs::is_regular_file(case_path, ec) || fs::file_size(case_path, ec) > max_case_file_bytes || ec)
    return fmt::format("cannot read `{}`: not a case file", case_path);
  std::ifstream in(case_path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return fmt::format("cannot read `{}`", case_path);
  std::shared_ptr<const engine::Program> program = engine::compile(std::move(a->checked));
  // The same road as `covcheck check`: one decision session.
  engine::DecisionSession session(*program, a->sources);
  const std::string case_text = std::move(text).str();
  engine::CaseInput input;
  input.text = case_text;
  input.name = case_path;
  engine::CaseOutcome& result = session.decide(input, engine::SessionOptions{});
  if (!result.determination) {
    result.diagnostics.sort();
    return dsl::render_all(result.diagnostics, session.sources());
  }
  return engine::render_text(*result.determination, session.sources(), false);
}

}  // namespace covcheck::lsp
