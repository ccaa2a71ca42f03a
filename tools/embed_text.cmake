# Turns a text file into a C++ translation unit defining covcheck::embedded::default_schema_text.
file(READ ${INPUT} CONTENT)
set(DELIM "covcheck_embed")
file(WRITE ${OUTPUT} "// Generated from ${INPUT}; do not edit.\n#include <string_view>\nnamespace covcheck::embedded {\nextern const std::string_view default_schema_text;\nconst std::string_view default_schema_text = R\"${DELIM}(${CONTENT})${DELIM}\";\n}\n")
