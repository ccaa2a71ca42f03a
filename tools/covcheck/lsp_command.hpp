// `covcheck lsp`: the CPL language server over stdin/stdout (lsp/server.hpp).
#pragma once

#include "tools/covcheck/command.hpp"

namespace covcheck::cli {

Command add_lsp_command(CLI::App& app);

}  // namespace covcheck::cli
