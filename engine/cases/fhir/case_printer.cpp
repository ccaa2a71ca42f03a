// YAML and JSON renderings of a mapped case tree. Strings that YAML would read as another
// type (a number, a boolean, null) are quoted; so are codes made of digits.
#include "engine/cases/fhir/case_printer.hpp"

#include <cctype>

#include "engine/answer/json_writer.hpp"

namespace covcheck::engine::fhir {

namespace {

using Kind = YamlNode::Kind;

bool plain_safe(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) {
    // A full date reads back as the same text.
    return s.size() == 10 && s[4] == '-' && s[7] == '-' && s.find_first_not_of("0123456789-") == std::string_view::npos;
  }
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') return false;
  static const char* words[] = {"true", "false", "yes",   "no",   "on",   "off",  "null", "y",
                                "n",    "True",  "False", "Null", "NULL", "TRUE", "FALSE"};
  for (const char* w : words)
    if (s == w) return false;
  return true;
}

void scalar(std::string& out, const YamlTree& t, const YamlNode& n) {
  std::string_view s = t.scalar(n);
  if (!n.quoted || plain_safe(s)) out.append(s);
  else JsonWriter::escape(out, s);
}

void comment(std::string& out, const FhirCase& c, std::uint32_t node) {
  if (!c.sources[node].empty()) out.append("  # ").append(c.sources[node]);
  out.push_back('\n');
}

void yaml(std::string& out, const FhirCase& c, std::uint32_t node, int indent);

// The value after `key:` (or after `- `): scalars on the line, collections below it.
void after_key(std::string& out, const FhirCase& c, std::uint32_t value, int indent) {
  const YamlTree& t = c.tree;
  const YamlNode& v = t.nodes[value];
  if (v.kind == Kind::scalar) {
    out.push_back(' ');
    scalar(out, t, v);
    comment(out, c, value);
  } else if (v.count == 0) {
    out.append(v.kind == Kind::sequence ? " []" : " {}");
    comment(out, c, value);
  } else {
    comment(out, c, value);
    yaml(out, c, value, indent + 2);
  }
}

void yaml(std::string& out, const FhirCase& c, std::uint32_t node, int indent) {
  const YamlTree& t = c.tree;
  const YamlNode& n = t.nodes[node];
  std::string pad(static_cast<std::size_t>(indent), ' ');
  if (n.kind == Kind::mapping) {
    for (std::uint32_t i = 0; i + 1 < n.count; i += 2) {
      out.append(pad).append(t.scalar(t.nodes[t.children[n.first + i]])).push_back(':');
      after_key(out, c, t.children[n.first + i + 1], indent);
    }
    return;
  }
  for (std::uint32_t i = 0; i < n.count; ++i) {
    std::uint32_t e = t.children[n.first + i];
    const YamlNode& en = t.nodes[e];
    out.append(pad).append("-");
    if (en.kind == Kind::mapping && en.count > 0) {
      // A record element: its source on the dash line, its fields below.
      comment(out, c, e);
      yaml(out, c, e, indent + 2);
    } else {
      after_key(out, c, e, indent);
    }
  }
}

void json(JsonWriter& w, const YamlTree& t, std::uint32_t node) {
  const YamlNode& n = t.nodes[node];
  if (n.kind == Kind::mapping) {
    w.begin_object();
    for (std::uint32_t i = 0; i + 1 < n.count; i += 2) {
      w.key(t.scalar(t.nodes[t.children[n.first + i]]));
      json(w, t, t.children[n.first + i + 1]);
    }
    w.end_object();
  } else if (n.kind == Kind::sequence) {
    w.begin_array();
    for (std::uint32_t i = 0; i < n.count; ++i) json(w, t, t.children[n.first + i]);
    w.end_array();
  } else if (n.kind == Kind::scalar && n.quoted) {
    w.value(t.scalar(n));
  } else if (n.kind == Kind::scalar && (t.scalar(n) == "true" || t.scalar(n) == "false")) {
    w.value(t.scalar(n) == "true");
  } else if (n.kind == Kind::scalar) {
    w.value(static_cast<std::int64_t>(std::stoll(std::string(t.scalar(n)))));
  } else {
    w.null();
  }
}

}  // namespace

std::string print_case_yaml(const FhirCase& c) {
  std::string out = "# The case covcheck read from this FHIR bundle; each value's FHIR source follows it.\n";
  if (c.tree.root == yaml_none || c.tree.nodes[c.tree.root].count == 0) return out + "{}\n";
  yaml(out, c, c.tree.root, 0);
  return out;
}

std::string print_case_json(const FhirCase& c) {
  JsonWriter w(true);
  if (c.tree.root == yaml_none) w.begin_object().end_object();
  else json(w, c.tree, c.tree.root);
  return w.str() + "\n";
}

}  // namespace covcheck::engine::fhir
