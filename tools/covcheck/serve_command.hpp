// `covcheck serve`: the pre-screening HTTP service (server/), started from the command line.
#pragma once

#include <CLI/CLI.hpp>

#include "tools/covcheck/command.hpp"

namespace covcheck::cli {

Command add_serve_command(CLI::App& app);

}  // namespace covcheck::cli
