// `# covcheck:ignore CODE [CODE...]` comments: a deliberate exception to a warning or a
// lint finding, written on the finding's line or on the line above it, so it stays visible
// in the source. Shared by the checker (warnings) and the linter (findings).
#pragma once

#include <vector>

#include "dsl/source/diagnostics.hpp"
#include "dsl/syntax/ast.hpp"

namespace covcheck::dsl {

// True when a comment on the diagnostic's line, or on the line above, names its code.
bool is_ignored(const std::vector<ast::File>& files, const SourceRegistry& sources, const Diagnostic& d);

// Drops the diagnostics that an ignore comment silences. Errors are kept unless
// `errors_too` (the checker's errors can never be silenced; a lint error can).
void drop_ignored(const std::vector<ast::File>& files, const SourceRegistry& sources, Diagnostics& diagnostics,
                  bool errors_too = false);

}  // namespace covcheck::dsl
