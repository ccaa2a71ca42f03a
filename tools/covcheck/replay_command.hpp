// `covcheck replay AUDIT_FILE CASE_FILE --rules PATH...`: decides the case again as the
// audit file's last record says it was decided, and says whether the answer is the same.
#pragma once

#include "tools/covcheck/command.hpp"

namespace covcheck::cli {

Command add_replay_command(CLI::App& app);

}  // namespace covcheck::cli
