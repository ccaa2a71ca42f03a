// Schema building from hand-made ASTs (independent of the parser), type names, and the
// code-format checks for ICD-10-CM, CPT and HCPCS.
#include <catch2/catch.hpp>

#include "dsl/check/schema.hpp"

using namespace covcheck;
using namespace covcheck::dsl;

namespace {

// Distinct spans so that a diagnostic's location identifies the construct it blames.
SourceSpan at(std::uint32_t n) { return SourceSpan{0, n, n + 1}; }

ast::Ident id(std::string text, std::uint32_t n) { return ast::Ident{std::move(text), at(n)}; }

template <typename Kind>
ast::ExprPtr expr(Kind kind, std::uint32_t n = 900) {
  auto e = std::make_unique<ast::Expr>();
  e->span = at(n);
  e->kind = std::move(kind);
  return e;
}

ast::FieldDecl field(std::string name, std::string type, std::uint32_t n, bool list = false) {
  ast::FieldDecl f;
  f.span = at(n);
  f.name = id(std::move(name), n);
  f.type = ast::TypeRef{at(n + 1), std::move(type), list};
  return f;
}

ast::File schema_file(std::string name = "case_v1") {
  ast::File file;
  file.file = 0;
  ast::Header h;
  h.kind = ast::FileKind::schema;
  h.span = at(1);
  h.id = id(std::move(name), 2);
  h.version = "1";
  file.header = std::move(h);
  return file;
}

void add_enum(ast::File& file, std::string name, std::vector<std::string> members, std::uint32_t n) {
  ast::EnumDecl e{at(n), id(std::move(name), n), {}};
  std::uint32_t k = n + 1;
  for (std::string& m : members) e.members.push_back(id(std::move(m), k++));
  file.items.emplace_back(std::move(e));
}

void add_record(ast::File& file, std::string name, std::vector<ast::FieldDecl> fields, std::uint32_t n) {
  ast::RecordDecl r;
  r.span = at(n);
  r.name = id(std::move(name), n);
  r.fields = std::move(fields);
  file.items.emplace_back(std::move(r));
}

// The schema of the language reference, in miniature.
ast::File good_schema() {
  ast::File file = schema_file();
  add_enum(file, "outcome", {"failed", "intolerant", "ongoing"}, 10);
  std::vector<ast::FieldDecl> diagnosis;
  diagnosis.push_back(field("code", "icd10", 30));
  diagnosis.push_back(field("primary", "bool", 32));
  diagnosis.back().default_value = expr(ast::BoolLiteral{false});
  diagnosis.back().exclusive = true;
  add_record(file, "diagnosis", std::move(diagnosis), 29);
  std::vector<ast::FieldDecl> root;
  root.push_back(field("id", "string", 40));
  root.push_back(field("diagnoses", "diagnosis", 42, true));
  root.push_back(field("last", "outcome", 44));
  root.back().default_value = expr(ast::NameRef{"ongoing"});
  root.push_back(field("age", "int", 46));
  root.back().derived = expr(ast::IntLiteral{7});
  root.push_back(field("dose", "decimal", 48));
  root.back().default_value = expr(ast::IntLiteral{2});
  root.push_back(field("sessions", "int", 50));
  root.back().default_value = expr(ast::Unary{ast::UnaryOp::negate, expr(ast::IntLiteral{1})});
  add_record(file, "case", std::move(root), 39);
  auto& rec = std::get<ast::RecordDecl>(file.items.back());
  rec.checks.push_back(ast::CheckDecl{at(60), expr(ast::BoolLiteral{true}), "always", nullptr, false});
  return file;
}

struct Built {
  Diagnostics diags;
  std::optional<Schema> schema;
  std::string first_message() const { return diags.items().empty() ? "" : diags.items()[0].message; }
  const Diagnostic* find(std::string_view code) const {
    for (const Diagnostic& d : diags.items()) {
      if (d.code == code) return &d;
    }
    return nullptr;
  }
};

Built build(const std::vector<const ast::File*>& files) {
  Built b;
  b.schema = build_schema(files, b.diags);
  return b;
}

}  // namespace

TEST_CASE("a schema is built from enum and record declarations", "[schema]") {
  ast::File file = good_schema();
  ast::File library;  // files without a `schema` header are not part of it
  Built b = build({&library, &file});
  INFO(b.first_message());
  REQUIRE(b.schema);
  const Schema& s = *b.schema;
  CHECK(s.name == "case_v1");
  CHECK(s.version == "1");
  REQUIRE(s.enums.size() == 1);
  CHECK(s.enums[0].find("ongoing") == 2u);
  CHECK_FALSE(s.enums[0].find("nope"));
  REQUIRE(s.records.size() == 2);
  CHECK(s.find_record("case") == 1u);
  CHECK(s.root == 1u);
  CHECK(s.root_record().name == "case");
  CHECK(s.find_enum("outcome") == 0u);
  CHECK_FALSE(s.find_record("outcome"));

  const RecordType& root = s.root_record();
  CHECK(root.field_names() == std::vector<std::string>{"id", "diagnoses", "last", "age", "dose", "sessions"});
  CHECK(root.find("diagnoses") == 1u);
  CHECK(root.fields[1].type == Type::list_of(BaseType::record, 0));
  CHECK(root.fields[2].type == Type::of(BaseType::enumeration, 0));
  CHECK(root.fields[2].default_value == DefaultLiteral{std::string("ongoing")});
  CHECK(root.fields[3].derived != nullptr);
  CHECK(root.fields[4].default_value == DefaultLiteral{2.0});
  CHECK(root.fields[5].default_value == DefaultLiteral{std::int64_t{-1}});
  CHECK(root.checks.size() == 1);
  CHECK(root.fields[0].span == at(40));
  const RecordType& diagnosis = s.records[0];
  CHECK(diagnosis.fields[1].exclusive);
  CHECK(diagnosis.fields[1].default_value == DefaultLiteral{false});
  CHECK(diagnosis.fields[0].type == Type::of(BaseType::icd10));
}

TEST_CASE("type names are readable", "[schema]") {
  ast::File file = good_schema();
  Built b = build({&file});
  REQUIRE(b.schema);
  const Schema& s = *b.schema;
  CHECK(s.type_name(Type::of(BaseType::integer)) == "int");
  CHECK(s.type_name(Type::of(BaseType::boolean)) == "bool");
  CHECK(s.type_name(Type::of(BaseType::hcpcs)) == "hcpcs");
  CHECK(s.type_name(Type::list_of(BaseType::record, 0)) == "list of diagnosis");
  CHECK(s.type_name(Type::of(BaseType::enumeration, 0)) == "enum outcome");
  CHECK(s.type_name(Type::list_of(BaseType::cpt)) == "list of cpt");
  CHECK(s.type_name(Type::set_of(BaseType::icd10)) == "set of icd10");
}

TEST_CASE("exactly one schema file, with a `case` record", "[schema]") {
  ast::File a = schema_file(), b = schema_file("other");
  b.header->span = at(99);
  Built none = build({});
  CHECK_FALSE(none.schema);
  CHECK(none.find("schema.missing"));
  Built two = build({&a, &b});
  CHECK_FALSE(two.schema);
  REQUIRE(two.find("schema.multiple"));
  CHECK(two.find("schema.multiple")->span == at(99));
  Built rootless = build({&a});
  CHECK_FALSE(rootless.schema);
  CHECK(rootless.find("schema.missing_root")->message == "the schema declares no record `case` (the case's root)");
}

TEST_CASE("unknown types suggest a name", "[schema]") {
  ast::File file = schema_file();
  add_enum(file, "outcome", {"failed"}, 10);
  std::vector<ast::FieldDecl> fields;
  fields.push_back(field("name", "strng", 40));
  fields.push_back(field("last", "outcom", 42, true));
  fields.push_back(field("x", "frobnicate", 44));
  add_record(file, "case", std::move(fields), 39);
  Built b = build({&file});
  CHECK_FALSE(b.schema);
  REQUIRE(b.diags.items().size() == 3);
  const Diagnostic& d = b.diags.items()[0];
  CHECK(d.code == "schema.unknown_type");
  CHECK(d.message == "unknown type `strng`");
  CHECK(d.span == at(41));
  CHECK(d.help == "did you mean `string`?");
  CHECK(b.diags.items()[1].help == "did you mean `outcome`?");
  CHECK_FALSE(b.diags.items()[2].help);
}

TEST_CASE("duplicate names are errors", "[schema]") {
  ast::File file = schema_file();
  add_enum(file, "outcome", {"failed", "partial", "failed"}, 10);
  add_enum(file, "outcome", {"x"}, 20);
  add_enum(file, "date", {"x"}, 25);
  std::vector<ast::FieldDecl> fields;
  fields.push_back(field("id", "string", 40));
  fields.push_back(field("id", "int", 42));
  add_record(file, "case", std::move(fields), 39);
  add_record(file, "outcome", {}, 50);
  Built b = build({&file});
  CHECK_FALSE(b.schema);
  REQUIRE(b.find("schema.duplicate_member"));
  CHECK(b.find("schema.duplicate_member")->message == "`failed` is listed twice in enum `outcome`");
  CHECK(b.find("schema.duplicate_member")->span == at(13));
  REQUIRE(b.find("schema.duplicate_type"));
  CHECK(b.find("schema.duplicate_type")->message == "type `outcome` is declared twice");
  CHECK(b.find("schema.duplicate_type")->span == at(20));
  CHECK(b.find("schema.reserved_type")->span == at(25));
  REQUIRE(b.find("schema.duplicate_field"));
  CHECK(b.find("schema.duplicate_field")->message == "field `id` is declared twice in record `case`");
  CHECK(b.find("schema.duplicate_field")->span == at(42));
}

TEST_CASE("defaults must match the field type", "[schema]") {
  ast::File file = schema_file();
  add_enum(file, "outcome", {"failed", "ongoing"}, 10);
  std::vector<ast::FieldDecl> fields;
  fields.push_back(field("flag", "bool", 40));
  fields.back().default_value = expr(ast::IntLiteral{1}, 901);
  fields.push_back(field("last", "outcome", 42));
  fields.back().default_value = expr(ast::NameRef{"ongoin"}, 902);
  fields.push_back(field("when", "date", 44));
  fields.back().default_value = expr(ast::DateLiteral{0}, 903);
  fields.push_back(field("n", "int", 46));
  fields.back().default_value = expr(ast::DecimalLiteral{1.5, "1.5"}, 904);
  fields.push_back(field("s", "string", 48));
  fields.back().default_value = expr(ast::StringLiteral{"ok"}, 905);
  add_record(file, "case", std::move(fields), 39);
  Built b = build({&file});
  CHECK_FALSE(b.schema);
  std::vector<std::string> messages;
  for (const Diagnostic& d : b.diags.items()) {
    CHECK(d.code == "schema.default_type");
    messages.push_back(d.message);
  }
  REQUIRE(messages.size() == 4);
  CHECK(messages[0] == "the default of `flag` must be of type `bool`, found an int");
  CHECK(b.diags.items()[0].span == at(901));
  CHECK(messages[1] == "`ongoin` is not a member of enum `outcome`");
  CHECK(b.diags.items()[1].help == "did you mean `ongoing`?");
  CHECK(messages[2] == "a `date` field cannot have a default");
  CHECK(messages[3] == "the default of `n` must be of type `int`, found a decimal");
}

TEST_CASE("exclusive applies to bool fields only", "[schema]") {
  ast::File file = schema_file();
  std::vector<ast::FieldDecl> fields;
  fields.push_back(field("n", "int", 40));
  fields.back().exclusive = true;
  fields.push_back(field("flags", "bool", 42, true));
  fields.back().exclusive = true;
  add_record(file, "case", std::move(fields), 39);
  Built b = build({&file});
  CHECK_FALSE(b.schema);
  REQUIRE(b.diags.items().size() == 2);
  CHECK(b.diags.items()[0].code == "schema.exclusive");
  CHECK(b.diags.items()[0].message == "`exclusive` applies to `bool` fields only; `n` is of type `int`");
  CHECK(b.diags.items()[1].message == "`exclusive` applies to `bool` fields only; `flags` is of type `list of bool`");
}

TEST_CASE("records may not contain themselves", "[schema]") {
  ast::File file = schema_file();
  std::vector<ast::FieldDecl> a, b, root, self;
  a.push_back(field("next", "b", 20));
  b.push_back(field("back", "a", 30, true));
  self.push_back(field("children", "node", 50, true));
  root.push_back(field("a", "a", 40));
  add_record(file, "a", std::move(a), 19);
  add_record(file, "b", std::move(b), 29);
  add_record(file, "node", std::move(self), 49);
  add_record(file, "case", std::move(root), 39);
  Built built = build({&file});
  CHECK_FALSE(built.schema);
  REQUIRE(built.diags.items().size() == 2);
  CHECK(built.diags.items()[0].code == "schema.cycle");
  CHECK(built.diags.items()[0].message == "record `a` contains itself: `a.next` → `b.back` → `a`");
  CHECK(built.diags.items()[0].span == at(30));
  CHECK(built.diags.items()[1].message == "record `node` contains itself: `node.children` → `node`");
}

TEST_CASE("ICD-10-CM code formats", "[schema][codes]") {
  for (const char* ok : {"F33.2", "F32.A", "G90.512", "Z33.1", "R45.851", "F43.10", "F33", "U07.1", "S72.001A"}) {
    INFO(ok);
    CHECK(is_valid_code(BaseType::icd10, ok));
  }
  for (const char* bad : {"F3.2", "f33.2", "F332", "33.2", "F33.", "F33.12345", "F33-2", "", "FF3.2", "F33.2 "}) {
    INFO(bad);
    CHECK_FALSE(is_valid_code(BaseType::icd10, bad));
  }
  for (const char* ok : {"F33.", "G90.5", "F4", "F", "F33", "S72.001"}) {
    INFO(ok);
    CHECK(is_valid_code_prefix(BaseType::icd10, ok));
  }
  for (const char* bad : {"", "3", "F33.12345", "f3", "F33-"}) {
    INFO(bad);
    CHECK_FALSE(is_valid_code_prefix(BaseType::icd10, bad));
  }
}

TEST_CASE("CPT and HCPCS code formats", "[schema][codes]") {
  auto all = [](BaseType system, std::initializer_list<const char*> codes, bool prefix) {
    for (const char* c : codes) {
      INFO(c);
      CHECK((prefix ? is_valid_code_prefix(system, c) : is_valid_code(system, c)));
    }
  };
  auto none = [](BaseType system, std::initializer_list<const char*> codes, bool prefix) {
    for (const char* c : codes) {
      INFO(c);
      CHECK_FALSE((prefix ? is_valid_code_prefix(system, c) : is_valid_code(system, c)));
    }
  };
  all(BaseType::cpt, {"96365", "90837", "0001F", "0042T"}, false);
  none(BaseType::cpt, {"9636", "963655", "0001X", "A1234", "001F", "9636F1"}, false);
  all(BaseType::cpt, {"963", "9636", "0001", "0001F"}, true);
  none(BaseType::cpt, {"F", "96A", "963651"}, true);
  all(BaseType::hcpcs, {"J0013", "G2082", "S0013", "T1503", "A0001", "V5008"}, false);
  none(BaseType::hcpcs, {"J001", "W1234", "j0013", "J00130", "JJ013"}, false);
  all(BaseType::hcpcs, {"J", "G20", "J0013"}, true);
  none(BaseType::hcpcs, {"Z", "J0A", "J00131"}, true);
  CHECK_FALSE(is_valid_code(BaseType::string, "F33.2"));
}
