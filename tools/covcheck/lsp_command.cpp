// `covcheck lsp`: wires stdin/stdout to the language server. stdout carries only protocol
// messages; a client that closes the pipe ends the server (writes fail quietly, no SIGPIPE).
#include "tools/covcheck/lsp_command.hpp"

#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>

#include "lsp/server.hpp"

namespace covcheck::cli {

Command add_lsp_command(CLI::App& app) {
  auto debounce_ms = std::make_shared<int>(150);
  auto stdio = std::make_shared<bool>(true);
  CLI::App* lsp = app.add_subcommand("lsp", "Run the CPL language server (LSP 3.17 over stdin/stdout) for editors");
  lsp->add_option("--debounce-ms", *debounce_ms, "Wait this long after an edit before checking the document")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
  lsp->add_flag("--stdio", *stdio, "Accepted for clients that pass it; stdio is the only transport");
  lsp->footer("Set-up for VS Code, Neovim and other editors: docs/editor.md.");
  return {lsp, [debounce_ms, stdio]() {
            std::signal(SIGPIPE, SIG_IGN);
            std::ios::sync_with_stdio(false);
            lsp::ServerOptions options;
            options.debounce = std::chrono::milliseconds(*debounce_ms);
            // The "run tests" code lens runs this same binary's `covcheck test`.
            std::error_code ec;
            options.covcheck_path = std::filesystem::read_symlink("/proc/self/exe", ec).string();
            return lsp::run_server(std::cin, std::cout, options);
          }};
}

}  // namespace covcheck::cli
