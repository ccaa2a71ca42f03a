// `covcheck bundle`: build a versioned rule bundle (engine/bundle/) for `serve --bundle`, or
// verify one. docs/deploy.md.
#pragma once

#include <CLI/CLI.hpp>

#include "tools/covcheck/command.hpp"

namespace covcheck::cli {

Command add_bundle_command(CLI::App& app);

}  // namespace covcheck::cli
