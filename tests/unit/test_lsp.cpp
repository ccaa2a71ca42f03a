// The language server at the JSON-RPC level: every request, the lifecycle, and bad input
// (malformed JSON and frames, unknown methods, requests out of order, a 10 MB document, a
// client that goes away), driven in-process through Server::handle and run_server.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <unistd.h>
#include <catch2/catch.hpp>

#include "dsl/format/format.hpp"
#include "lsp/code_lens.hpp"
#include "lsp/features.hpp"
#include "lsp/jsonrpc.hpp"
#include "lsp/positions.hpp"
#include "lsp/server.hpp"
#include "lsp/uri.hpp"

namespace fs = std::filesystem;
using namespace covcheck;
using Json = nlohmann::json;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const fs::path acme_dir = fs::path(COVCHECK_SOURCE_DIR) / "rules" / "acme";

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    root_ =
        fs::temp_directory_path() / ("covcheck-lsp-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::create_directories(root_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(root_ / name, std::ios::binary) << text;
    return (root_ / name).string();
  }
  std::string uri(const std::string& name) const { return lsp::path_to_uri((root_ / name).string()); }

 private:
  fs::path root_;
};

lsp::ServerOptions options(std::chrono::milliseconds debounce) {
  lsp::ServerOptions o;
  o.debounce = debounce;
  return o;
}

// An editor session against an in-process server: requests answer synchronously; the
// diagnostics published so far are kept per URI.
class Session {
 public:
  explicit Session(std::chrono::milliseconds debounce = std::chrono::milliseconds(0))
      : server_(options(debounce), [this](const std::string& body) { sent.push_back(Json::parse(body)); }) {}

  Json request(const std::string& method, Json params = Json::object()) {
    int id = next_id_++;
    server_.handle(Json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump());
    for (const Json& m : sent)
      if (m.contains("id") && m["id"] == id) return m;
    FAIL("no response to " << method);
    return nullptr;
  }
  void notify(const std::string& method, Json params = Json::object()) {
    server_.handle(Json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}}.dump());
  }
  void initialize() {
    REQUIRE(request("initialize", {{"processId", nullptr}, {"rootUri", nullptr}, {"capabilities", Json::object()}})
                .contains("result"));
    notify("initialized");
  }
  void open(const std::string& uri, const std::string& text, int version = 1) {
    notify("textDocument/didOpen",
           {{"textDocument", {{"uri", uri}, {"languageId", "cpl"}, {"version", version}, {"text", text}}}});
    server_.publish_due(lsp::Clock::now());
  }
  void change(const std::string& uri, const std::string& text, int version) {
    notify("textDocument/didChange", {{"textDocument", {{"uri", uri}, {"version", version}}},
                                      {"contentChanges", Json::array({{{"text", text}}})}});
  }
  // The latest diagnostics published for `uri` (null when none were).
  Json diagnostics(const std::string& uri) const {
    Json last;
    for (const Json& m : sent)
      if (m.value("method", "") == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri)
        last = m["params"]["diagnostics"];
    return last;
  }
  Json at(const std::string& method, const std::string& uri, lsp::Position p, Json extra = Json::object()) {
    Json params{{"textDocument", {{"uri", uri}}}, {"position", {{"line", p.line}, {"character", p.character}}}};
    params.update(extra);
    return request(method, params);
  }

  lsp::Server& server() { return server_; }
  std::vector<Json> sent;

 private:
  lsp::Server server_;
  int next_id_ = 1;
};

// The position of the `nth` occurrence of `needle` in an ASCII-prefixed text (+ `shift` bytes).
lsp::Position find(const std::string& text, const std::string& needle, std::size_t shift = 0, int nth = 1) {
  std::size_t at = std::string::npos;
  for (int i = 0; i < nth; ++i) at = text.find(needle, at == std::string::npos ? 0 : at + 1);
  REQUIRE(at != std::string::npos);
  return lsp::LineIndex(text).position(static_cast<std::uint32_t>(at + shift));
}

std::string framed(const Json& j) {
  std::string body = j.dump();
  return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::vector<Json> read_all(const std::string& output) {
  std::istringstream in(output);
  std::vector<Json> out;
  for (;;) {
    lsp::FrameRead f = lsp::read_frame(in);
    if (f.status != lsp::FrameRead::Status::message) break;
    out.push_back(Json::parse(f.body));
  }
  return out;
}

std::string apply_edit(const std::string& text, const Json& edit) {
  lsp::LineIndex lines(text);
  auto pos = [](const Json& p) {
    return lsp::Position{p["line"].get<std::uint32_t>(), p["character"].get<std::uint32_t>()};
  };
  std::uint32_t b = lines.offset(pos(edit["range"]["start"])), e = lines.offset(pos(edit["range"]["end"]));
  return text.substr(0, b) + edit["newText"].get<std::string>() + text.substr(e);
}

const std::string policy_header = "policy p \"Test\" version \"1\" default denied\n";

}  // namespace

TEST_CASE("UTF-16 positions from byte offsets and back", "[lsp]") {
  // "é" is 2 bytes and 1 UTF-16 unit; "😀" is 4 bytes and 2 units (a surrogate pair).
  std::string text = "a\r\nxé😀y\nlast";
  lsp::LineIndex lines(text);
  CHECK(lines.position(0) == lsp::Position{0, 0});
  CHECK(lines.position(3) == lsp::Position{1, 0});   // after CRLF
  CHECK(lines.position(4) == lsp::Position{1, 1});   // é
  CHECK(lines.position(6) == lsp::Position{1, 2});   // 😀
  CHECK(lines.position(10) == lsp::Position{1, 4});  // y: after a surrogate pair
  CHECK(lines.position(8) == lsp::Position{1, 2});   // inside 😀: not yet reached
  CHECK(lines.position(12) == lsp::Position{2, 0});
  CHECK(lines.position(999) == lsp::Position{2, 4});
  CHECK(lines.offset({1, 4}) == 10);
  CHECK(lines.offset({1, 2}) == 6);
  CHECK(lines.offset({1, 99}) == 11);  // clamped to the end of the line, before its break
  CHECK(lines.offset({9, 0}) == text.size());
  CHECK(lsp::utf16_length("é😀\xff") == 4);  // an invalid byte is one unit
}

TEST_CASE("file URIs and paths", "[lsp]") {
  CHECK(lsp::uri_to_path("file:///home/a%20b/r%C3%A9gles.cpl") == "/home/a b/régles.cpl");
  CHECK(lsp::uri_to_path("file://localhost/x.cpl") == "/x.cpl");
  CHECK_FALSE(lsp::uri_to_path("untitled:Untitled-1"));
  CHECK_FALSE(lsp::uri_to_path("file://otherhost/x.cpl"));
  CHECK(lsp::path_to_uri("/home/a b/régles.cpl") == "file:///home/a%20b/r%C3%A9gles.cpl");
}

TEST_CASE("the frame reader tolerates bad frames and stops at the end of the stream", "[lsp]") {
  std::istringstream in(
      "Content-Length: 2\r\n\r\n{}"
      "X-Other: 1\r\n\r\n"                         // no Content-Length
      "content-length: 3\nContent-Type: x\n\n[1]"  // LF only, any case
      "Content-Length: abc\r\n\r\n"
      "Content-Length: 999999999999\r\n\r\n"  // over the limit, and the body is cut off
  );
  lsp::FrameRead f = lsp::read_frame(in);
  CHECK(f.status == lsp::FrameRead::Status::message);
  CHECK(f.body == "{}");
  CHECK(lsp::read_frame(in).status == lsp::FrameRead::Status::bad_frame);
  f = lsp::read_frame(in);
  CHECK(f.status == lsp::FrameRead::Status::message);
  CHECK(f.body == "[1]");
  CHECK(lsp::read_frame(in).status == lsp::FrameRead::Status::bad_frame);
  CHECK(lsp::read_frame(in).status == lsp::FrameRead::Status::eof);
  CHECK(lsp::read_frame(in).status == lsp::FrameRead::Status::eof);

  std::istringstream cut("Content-Length: 10\r\n\r\n{\"a\"");
  CHECK(lsp::read_frame(cut).status == lsp::FrameRead::Status::eof);
}

TEST_CASE("lifecycle: initialize first, unknown methods, malformed messages, shutdown and exit", "[lsp]") {
  Session s;
  Json early = s.request("textDocument/hover",
                         {{"textDocument", {{"uri", "file:///x.cpl"}}}, {"position", {{"line", 0}, {"character", 0}}}});
  CHECK(early["error"]["code"] == -32002);

  Json init = s.request("initialize", {{"capabilities", Json::object()}});
  const Json& caps = init["result"]["capabilities"];
  CHECK(caps["textDocumentSync"]["change"] == 1);
  CHECK(caps["positionEncoding"] == "utf-16");
  for (const char* p : {"hoverProvider", "definitionProvider", "referencesProvider", "renameProvider",
                        "documentFormattingProvider", "documentSymbolProvider", "foldingRangeProvider"})
    CHECK(caps[p] == true);
  CHECK(caps["completionProvider"]["triggerCharacters"].size() == 3);
  CHECK(s.request("initialize")["error"]["code"] == -32600);

  CHECK(s.request("workspace/symbol")["error"]["code"] == -32601);
  s.notify("$/unknownNotification");  // ignored, no answer
  CHECK(s.request("textDocument/hover", {{"textDocument", 5}})["error"]["code"] == -32602);
  CHECK(s.request("textDocument/hover", {{"textDocument", {{"uri", "file:///not-open.cpl"}}},
                                         {"position", {{"line", 0}, {"character", 0}}}})["error"]["code"] == -32803);

  std::size_t before = s.sent.size();
  s.server().handle("{not json");
  s.server().handle("[1,2]");
  s.server().handle(R"({"jsonrpc":"2.0","id":{"x":1},"method":"shutdown"})");
  s.server().handle(R"({"jsonrpc":"2.0","id":7,"result":null})");                // a response: nothing to say
  s.server().handle(std::string(1'000'000, '[') + std::string(1'000'000, ']'));  // would exhaust the stack
  REQUIRE(s.sent.size() == before + 4);
  CHECK(s.sent[before + 3]["error"]["code"] == -32600);
  CHECK(s.sent[before]["error"]["code"] == -32700);
  CHECK(s.sent[before + 1]["error"]["code"] == -32600);
  CHECK(s.sent[before + 2]["error"]["code"] == -32600);
  CHECK(s.sent[before + 2]["id"].is_null());

  CHECK(s.request("shutdown")["result"].is_null());
  CHECK(s.request("textDocument/hover")["error"]["code"] == -32600);
  CHECK_FALSE(s.server().exited());
  s.notify("exit");
  CHECK(s.server().exited());
  CHECK(s.server().exit_code() == 0);

  Session abrupt;
  abrupt.initialize();
  abrupt.notify("exit");
  CHECK(abrupt.server().exit_code() == 1);  // exit without shutdown
}

TEST_CASE("diagnostics carry the CLI's code, message and help with UTF-16 ranges", "[lsp]") {
  TempDir dir;
  // The typo sits after non-ASCII text on its line: its character must count UTF-16 units.
  std::string text = policy_header + "rule r \"é😀\" cite \"§1\" when request.servce == ketamine_iv exclude \"x\"\n";
  std::string uri = dir.uri("p.cpl");
  Session s;
  s.initialize();
  s.open(uri, text);
  Json ds = s.diagnostics(uri);
  REQUIRE(ds.is_array());
  REQUIRE_FALSE(ds.empty());
  const Json& d = ds[0];
  CHECK(d["code"] == "check.unknown_field");
  CHECK(d["source"] == "covcheck");
  CHECK(d["severity"] == 1);
  CHECK(d["message"].get<std::string>().find("record `request` has no field `servce`") != std::string::npos);
  CHECK(d["message"].get<std::string>().find("help: did you mean `service`?") != std::string::npos);
  // `rule r "é😀" cite "§1" when request.` is 40 bytes but 36 UTF-16 units (é and § are
  // one unit of two bytes each, 😀 two units of four bytes).
  CHECK(d["range"]["start"] == Json{{"line", 1}, {"character", 36}});
  CHECK(d["range"]["end"] == Json{{"line", 1}, {"character", 42}});

  // A syntax error, then the fix: the diagnostics follow the buffer, not the disk.
  s.change(uri, policy_header + "rule r when\n", 2);
  s.server().publish_due(lsp::Clock::now());
  REQUIRE(s.diagnostics(uri).size() == 1);
  CHECK(s.diagnostics(uri)[0]["code"].get<std::string>().rfind("parse.", 0) == 0);
  s.change(uri, policy_header + "rule r \"t\" cite \"§1\" when request.service == ketamine_iv exclude \"x\"\n", 3);
  s.server().publish_due(lsp::Clock::now());
  CHECK(s.diagnostics(uri).empty());

  // Lint findings come too (a rule without a citation), with the same code as `covcheck lint`.
  s.change(uri, policy_header + "rule r \"t\" when request.service == ketamine_iv exclude \"x\"\n", 4);
  s.server().publish_due(lsp::Clock::now());
  REQUIRE(s.diagnostics(uri).size() == 1);
  CHECK(s.diagnostics(uri)[0]["code"] == "lint.missing_cite");
  CHECK(s.diagnostics(uri)[0]["severity"] == 2);

  s.notify("textDocument/didClose", {{"textDocument", {{"uri", uri}}}});
  CHECK(s.diagnostics(uri).empty());
}

TEST_CASE("a file with two syntax errors shows both, the unclosed bracket's note included", "[lsp]") {
  TempDir dir;
  std::string text = policy_header +
                     "rule first \"t\" cite \"§1\"\n"
                     "  when count(diagnoses d: d.primary >= 1\n"
                     "  cover\n"
                     "rule second \"t\" cite \"§2\"\n"
                     "  when request.service ==\n"
                     "  cover\n";
  std::string uri = dir.uri("p.cpl");
  Session s;
  s.initialize();
  s.open(uri, text);
  Json ds = s.diagnostics(uri);
  REQUIRE(ds.size() == 2);
  CHECK(ds[0]["code"] == "parse.expected_close_paren");
  CHECK(ds[0]["range"]["start"]["line"] == 3);  // reported where the rule ends, at `cover`
  REQUIRE(ds[0].contains("relatedInformation"));
  CHECK(ds[0]["relatedInformation"][0]["message"] == "`(` opened here");
  CHECK(ds[0]["relatedInformation"][0]["location"]["range"]["start"] == lsp::to_json(find(text, "count(", 5)));
  CHECK(ds[1]["code"] == "parse.expected_expression");
  CHECK(ds[1]["range"]["start"]["line"] == 6);
}

TEST_CASE("diagnostics wait for edits to pause", "[lsp]") {
  TempDir dir;
  std::string uri = dir.uri("p.cpl");
  Session s(std::chrono::milliseconds(150));
  s.initialize();
  s.open(uri, policy_header);
  std::size_t published = s.sent.size();
  auto now = lsp::Clock::now();
  s.server().handle(Json{{"jsonrpc", "2.0"},
                         {"method", "textDocument/didChange"},
                         {"params",
                          {{"textDocument", {{"uri", uri}, {"version", 2}}},
                           {"contentChanges", Json::array({{{"text", policy_header + "rule"}}})}}}}
                        .dump(),
                    now);
  REQUIRE(s.server().next_due());
  CHECK(*s.server().next_due() == now + std::chrono::milliseconds(150));
  s.server().publish_due(now + std::chrono::milliseconds(100));
  CHECK(s.sent.size() == published);
  s.server().publish_due(now + std::chrono::milliseconds(150));
  REQUIRE(s.sent.size() == published + 1);
  CHECK(s.sent.back()["params"]["version"] == 2);
  CHECK_FALSE(s.server().next_due());
}

TEST_CASE("hover, definition and references over a shipped policy and its import", "[lsp]") {
  std::string path = (acme_dir / "acme-2026.1.cpl").string();
  std::string text = read_text(path);
  std::string uri = lsp::path_to_uri(fs::absolute(path).lexically_normal().string());
  Session s;
  s.initialize();
  s.open(uri, text);
  CHECK(s.diagnostics(uri).empty());

  // A define from the imported library: its body and its comment.
  lsp::Position adult = find(text, "require adult", 8);
  Json h = s.at("textDocument/hover", uri, adult)["result"];
  std::string value = h["contents"]["value"];
  CHECK(value.find("define adult") != std::string::npos);
  CHECK(value.find("type: `bool`") != std::string::npos);
  Json def = s.at("textDocument/definition", uri, adult)["result"];
  CHECK(def["uri"].get<std::string>().find("rules/acme/common.cpl") != std::string::npos);
  std::string common = read_text(acme_dir / "common.cpl");
  CHECK(def["range"]["start"] == lsp::to_json(find(common, "define adult", 7)));
  Json refs = s.at("textDocument/references", uri, adult, {{"context", {{"includeDeclaration", true}}}})["result"];
  CHECK(refs.size() >= 4);  // the declaration and a use in each of §3, §4 and §5

  // A schema field (of the built-in schema), with its documentation comment.
  Json field = s.at("textDocument/hover", uri, find(text, "request.service", 9))["result"];
  CHECK(field["contents"]["value"].get<std::string>().find("field `request.service`: `enum service`") !=
        std::string::npos);
  Json field_def = s.at("textDocument/definition", uri, find(text, "request.service", 9))["result"];
  REQUIRE(field_def.is_object());
  CHECK(field_def["uri"].get<std::string>().find("case.cpl") != std::string::npos);

  // An enumeration member, a code set and a rule named in `overrides`.
  Json member = s.at("textDocument/hover", uri, find(text, "== ketamine_iv", 4))["result"];
  CHECK(member["contents"]["value"].get<std::string>().find("member of enum `service`") != std::string::npos);
  CHECK(member["contents"]["value"].get<std::string>().find("intravenous infusion") != std::string::npos);
  Json codeset = s.at("textDocument/hover", uri, find(text, "in esketamine_contraindication", 4))["result"];
  CHECK(codeset["contents"]["value"].get<std::string>().find("code set `esketamine_contraindication`") !=
        std::string::npos);
  lsp::Position overridden = find(text, "overrides s2_1_iv_psychiatric", 11);
  Json rule = s.at("textDocument/hover", uri, overridden)["result"];
  CHECK(rule["contents"]["value"].get<std::string>().find("citation: §2.1") != std::string::npos);
  CHECK(rule["contents"]["value"].get<std::string>().find("effect: excluded") != std::string::npos);
  CHECK(s.at("textDocument/definition", uri, overridden)["result"]["range"]["start"] ==
        lsp::to_json(find(text, "rule s2_1_iv_psychiatric", 5)));

  // The import path leads to the imported file; a quantifier variable to its binder.
  Json file = s.at("textDocument/definition", uri, find(text, "\"common.cpl\"", 2))["result"];
  CHECK(file["uri"].get<std::string>().find("rules/acme/common.cpl") != std::string::npos);
  Json var = s.at("textDocument/definition", uri, find(text, "adequate_trial(t)", 15))["result"];
  CHECK(var["range"]["start"] == lsp::to_json(find(text, "treatments t:", 11)));

  // Nothing under the cursor: null, not an error.
  CHECK(s.at("textDocument/hover", uri, {0, 0})["result"].is_null());

  // The library opened on its own: its defines are not "unused" (the policies use them).
  std::string common_uri = lsp::path_to_uri(fs::absolute(acme_dir / "common.cpl").lexically_normal().string());
  s.open(common_uri, common);
  CHECK(s.diagnostics(common_uri).empty());
}

TEST_CASE("a policy's schema extension: hover, definition and completion of the added field", "[lsp]") {
  fs::path path = fs::path(COVCHECK_SOURCE_DIR) / "examples/analyst-guide/extend/northwind-geriatric.cpl";
  std::string text = read_text(path);
  std::string uri = lsp::path_to_uri(fs::absolute(path).lexically_normal().string());
  Session s;
  s.initialize();
  s.open(uri, text);
  CHECK(s.diagnostics(uri).empty());
  lsp::Position use = find(text, "t.adherence_documented", 2);
  std::string hover = s.at("textDocument/hover", uri, use)["result"]["contents"]["value"];
  CHECK(hover.find("field `treatment.adherence_documented`: `bool`") != std::string::npos);
  CHECK(hover.find("pharmacy fills or pill counts") != std::string::npos);  // its comment in the policy
  Json def = s.at("textDocument/definition", uri, use)["result"];
  REQUIRE(def.is_object());
  CHECK(def["range"]["start"] == lsp::to_json(find(text, "adherence_documented: bool")));
  // `extend record treatment` names the schema's record: its definition is in the schema.
  Json record = s.at("textDocument/definition", uri, find(text, "record treatment", 7))["result"];
  REQUIRE(record.is_object());
  CHECK(record["uri"].get<std::string>().find("case.cpl") != std::string::npos);

  std::string typing = text + "\nrule more \"t\" cite \"§9\"\n  when any treatments t: t.";
  s.change(uri, typing, 2);
  lsp::Position end = lsp::LineIndex(typing).position(static_cast<std::uint32_t>(typing.size()));
  Json items = s.at("textDocument/completion", uri, end)["result"]["items"];
  bool added = false, shipped = false;
  for (const Json& i : items) {
    added |= i["label"] == "adherence_documented";
    shipped |= i["label"] == "adequate_dose";
  }
  CHECK(added);
  CHECK(shipped);
}

TEST_CASE("completion: fields after a dot, members where expected, code sets after in", "[lsp]") {
  std::string path = (acme_dir / "acme-2026.1.cpl").string();
  std::string text = read_text(path);
  std::string uri = lsp::path_to_uri(fs::absolute(path).lexically_normal().string());
  Session s;
  s.initialize();
  s.open(uri, text);
  auto labels = [](const Json& response) {
    std::vector<std::string> out;
    for (const Json& i : response["result"]["items"]) out.push_back(i["label"]);
    return out;
  };
  auto has = [](const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };

  // The edit makes the text unparsable, as it is while typing: the last checked names serve.
  std::string typing = text + "\nrule new_rule \"t\" cite \"§9\"\n  when request.";
  s.change(uri, typing, 2);
  lsp::Position end = lsp::LineIndex(typing).position(static_cast<std::uint32_t>(typing.size()));
  std::vector<std::string> fields = labels(s.at("textDocument/completion", uri, end));
  CHECK(has(fields, "service"));
  CHECK(has(fields, "prescriber_specialty"));
  CHECK_FALSE(has(fields, "rule"));

  // A quantifier variable's record: `any treatments t: t.`
  typing = text + "\nrule new_rule \"t\" cite \"§9\"\n  when any treatments t: t.";
  s.change(uri, typing, 3);
  end = lsp::LineIndex(typing).position(static_cast<std::uint32_t>(typing.size()));
  std::vector<std::string> trial = labels(s.at("textDocument/completion", uri, end));
  CHECK(has(trial, "class"));
  CHECK(has(trial, "outcome"));
  // Variables of other rules are not in scope in the one being written.
  typing = text + "\nrule new_rule \"t\" cite \"§9\"\n  when any treatments t: ";
  s.change(uri, typing, 3);
  end = lsp::LineIndex(typing).position(static_cast<std::uint32_t>(typing.size()));
  std::vector<std::string> scope = labels(s.at("textDocument/completion", uri, end));
  CHECK(has(scope, "t"));
  CHECK_FALSE(has(scope, "c"));  // `any conditions c:` in §3.7

  typing = text + "\nrule new_rule \"t\" cite \"§9\"\n  when request.service == ";
  s.change(uri, typing, 4);
  end = lsp::LineIndex(typing).position(static_cast<std::uint32_t>(typing.size()));
  std::vector<std::string> members = labels(s.at("textDocument/completion", uri, end));
  CHECK(has(members, "ketamine_iv"));
  CHECK(has(members, "esketamine_nasal"));
  CHECK(members.size() == 6);

  typing = text + "\nrule new_rule \"t\" cite \"§9\"\n  when request.site in { home, ";
  s.change(uri, typing, 5);
  end = lsp::LineIndex(typing).position(static_cast<std::uint32_t>(typing.size()));
  CHECK(has(labels(s.at("textDocument/completion", uri, end)), "telehealth"));

  typing = text + "\nrule new_rule \"t\" cite \"§9\"\n  when any diagnoses d: d.code in ";
  s.change(uri, typing, 6);
  end = lsp::LineIndex(typing).position(static_cast<std::uint32_t>(typing.size()));
  std::vector<std::string> sets = labels(s.at("textDocument/completion", uri, end));
  CHECK(has(sets, "depression"));
  CHECK(has(sets, "icd10 { … }"));

  typing = text + "\n";
  s.change(uri, typing, 7);
  end = lsp::LineIndex(typing).position(static_cast<std::uint32_t>(typing.size()));
  Json general = s.at("textDocument/completion", uri, end);
  std::vector<std::string> names = labels(general);
  CHECK(has(names, "adult"));
  CHECK(has(names, "rule"));
  CHECK(has(names, "require … else"));
  for (const Json& i : general["result"]["items"])
    if (i["label"] == "require … else") CHECK(i["insertTextFormat"] == 2);
  // Dated criteria and computed authorizations: their snippets, the built-ins and `units`.
  CHECK(has(names, "require … effective"));
  CHECK(has(names, "authorize min"));
  CHECK(has(names, "min"));
  CHECK(has(names, "max"));
  CHECK(has(names, "units"));
}

TEST_CASE("formatting, symbols and folding", "[lsp]") {
  TempDir dir;
  std::string uri = dir.uri("p.cpl");
  std::string messy = policy_header +
                      "define   big=patient.age>=18 and   patient.age<65\n"
                      "rule r \"t\" cite \"§1\"\n  when big\n  exclude \"x\"\n";
  Session s;
  s.initialize();
  s.open(uri, messy);
  Json edits = s.request("textDocument/formatting", {{"textDocument", {{"uri", uri}}},
                                                     {"options", {{"tabSize", 2}, {"insertSpaces", true}}}})["result"];
  REQUIRE(edits.size() == 1);
  std::string formatted = apply_edit(messy, edits[0]);
  dsl::SourceRegistry sources;
  dsl::Diagnostics diags;
  CHECK(formatted == dsl::format_source(sources, sources.add("p.cpl", messy), diags).value());
  CHECK(formatted.find("define big = patient.age >= 18 and patient.age < 65") != std::string::npos);

  s.change(uri, formatted, 2);
  CHECK(s.request("textDocument/formatting", {{"textDocument", {{"uri", uri}}}})["result"].empty());

  Json symbols = s.request("textDocument/documentSymbol", {{"textDocument", {{"uri", uri}}}})["result"];
  REQUIRE(symbols.size() == 1);
  CHECK(symbols[0]["name"] == "p");
  REQUIRE(symbols[0]["children"].size() == 2);
  CHECK(symbols[0]["children"][0]["name"] == "big");
  CHECK(symbols[0]["children"][1]["name"] == "r");
  Json folds = s.request("textDocument/foldingRange", {{"textDocument", {{"uri", uri}}}})["result"];
  // The rule spans three lines; the define, one.
  REQUIRE(folds.size() == 1);
  CHECK(folds[0]["startLine"] == find(formatted, "rule r").line);
  CHECK(folds[0]["endLine"] == find(formatted, "exclude").line);

  s.change(uri, policy_header + "rule (", 3);
  Json failed = s.request("textDocument/formatting", {{"textDocument", {{"uri", uri}}}});
  CHECK(failed["error"]["code"] == -32803);
  CHECK(failed["error"]["message"].get<std::string>().find("cannot format") != std::string::npos);
}

TEST_CASE("code actions: did-you-mean, add the import, add days, drop the quotes", "[lsp]") {
  TempDir dir;
  dir.write("common.cpl", "# Adults.\ndefine grown_up = patient.age >= 18\n");
  std::string uri = dir.uri("p.cpl");
  Session s;
  s.initialize();
  auto actions = [&](const std::string& text, int version) {
    s.change(uri, text, version);
    lsp::LineIndex lines(text);
    return s.request("textDocument/codeAction",
                     {{"textDocument", {{"uri", uri}}},
                      {"range", lsp::to_json(lines.range(0, static_cast<std::uint32_t>(text.size())))},
                      {"context", {{"diagnostics", Json::array()}}}})["result"];
  };
  s.open(uri, policy_header);

  std::string typo = policy_header + "rule r \"t\" cite \"§1\" when request.servce == ketamine_iv exclude \"x\"\n";
  Json a = actions(typo, 2);
  REQUIRE(a.size() == 1);
  CHECK(a[0]["title"] == "Change to `service`");
  CHECK(a[0]["kind"] == "quickfix");
  CHECK(apply_edit(typo, a[0]["edit"]["changes"][uri][0]).find("request.service ==") != std::string::npos);

  std::string missing = policy_header + "rule r \"t\" cite \"§1\" when grown_up exclude \"x\"\n";
  a = actions(missing, 3);
  REQUIRE(a.size() == 1);
  CHECK(a[0]["title"] == "Add `import \"common.cpl\"` (it declares `grown_up`)");
  std::string fixed = apply_edit(missing, a[0]["edit"]["changes"][uri][0]);
  CHECK(fixed == policy_header + "import \"common.cpl\"\nrule r \"t\" cite \"§1\" when grown_up exclude \"x\"\n");
  s.change(uri, fixed, 4);
  s.server().publish_due(lsp::Clock::now());
  CHECK(s.diagnostics(uri).empty());

  std::string days =
      policy_header + "rule r \"t\" cite \"§1\" when request.submitted - date_of_service > 90 exclude \"x\"\n";
  a = actions(days, 5);
  REQUIRE(a.size() == 1);
  CHECK(apply_edit(days, a[0]["edit"]["changes"][uri][0]).find("> 90 days exclude") != std::string::npos);

  std::string quotes = policy_header + "rule r \"t\" cite \"§1\" when patient.age >= \"18\" exclude \"x\"\n";
  a = actions(quotes, 6);
  REQUIRE(a.size() == 1);
  CHECK(a[0]["title"] == "Drop the quotes: `18`");
  CHECK(apply_edit(quotes, a[0]["edit"]["changes"][uri][0]).find("patient.age >= 18 exclude") != std::string::npos);
}

TEST_CASE("a 10 MB document is served without a crash", "[lsp]") {
  TempDir dir;
  std::string uri = dir.uri("big.cpl");
  std::string text = policy_header;
  std::string rule = "rule r_N \"t\" cite \"§1\" when request.service == ketamine_iv exclude \"x\"\n";
  for (int i = 0; text.size() < 10'000'000; ++i) {
    std::string r = rule;
    r.replace(r.find('N'), 1, std::to_string(i));
    text += r;
  }
  text += "rule broken when (\n";
  Session s;
  s.initialize();
  s.open(uri, text);
  Json ds = s.diagnostics(uri);
  REQUIRE(ds.size() == 1);
  CHECK(ds[0]["range"]["start"]["line"].get<std::uint32_t>() > 100000);
  lsp::Position end = lsp::LineIndex(text).position(static_cast<std::uint32_t>(text.size()));
  CHECK(s.at("textDocument/completion", uri, end)["result"]["items"].size() > 10);
  CHECK(s.request("textDocument/foldingRange", {{"textDocument", {{"uri", uri}}}})["result"].empty());
}

TEST_CASE("run_server: a whole session over a stream, then the client goes away", "[lsp]") {
  TempDir dir;
  std::string uri = dir.uri("p.cpl");
  std::string input =
      framed(
          {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}, {"params", {{"capabilities", Json::object()}}}}) +
      "Content-Length: nope\r\n\r\n" +
      framed({{"jsonrpc", "2.0"},
              {"method", "textDocument/didOpen"},
              {"params",
               {{"textDocument",
                 {{"uri", uri}, {"languageId", "cpl"}, {"version", 1}, {"text", policy_header + "rule"}}}}}}) +
      framed({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "shutdown"}}) +
      framed({{"jsonrpc", "2.0"}, {"method", "exit"}}) +
      framed({{"jsonrpc", "2.0"}, {"id", 3}, {"method", "never/read"}});
  std::istringstream in(input);
  std::ostringstream out;
  CHECK(lsp::run_server(in, out, options(std::chrono::milliseconds(0))) == 0);
  std::vector<Json> messages = read_all(out.str());
  REQUIRE(messages.size() == 4);
  CHECK(messages[0]["id"] == 1);
  CHECK(messages[1]["method"] == "window/logMessage");
  CHECK(messages[2]["method"] == "textDocument/publishDiagnostics");
  CHECK(messages[2]["params"]["diagnostics"].size() == 1);
  CHECK(messages[3]["id"] == 2);

  // stdin is tied to stdout: reading must not flush the output from the reader thread, which
  // raced with the main thread's writes (duplicated and torn messages in a real editor).
  struct OneThreadBuffer : std::stringbuf {
    std::thread::id owner = std::this_thread::get_id();
    bool touched_elsewhere = false;
    int sync() override {
      touched_elsewhere = touched_elsewhere || std::this_thread::get_id() != owner;
      return std::stringbuf::sync();
    }
  } buffer;
  std::ostream tied_out(&buffer);
  std::istringstream tied_in(input);
  tied_in.tie(&tied_out);
  CHECK(lsp::run_server(tied_in, tied_out, options(std::chrono::milliseconds(0))) == 0);
  CHECK_FALSE(buffer.touched_elsewhere);
  CHECK(tied_in.tie() == &tied_out);
  CHECK(read_all(buffer.str()).size() == 4);

  // The client disappears in the middle of a message: the server ends (status 1: no shutdown).
  std::istringstream cut(framed({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}, {"params", Json::object()}}) +
                         "Content-Length: 100\r\n\r\n{\"jsonrpc\"");
  std::ostringstream out2;
  CHECK(lsp::run_server(cut, out2, {}) == 1);
  CHECK(read_all(out2.str()).size() == 1);
}

TEST_CASE("code lenses: evaluate a case beside the policy, in-process, from the buffer", "[lsp]") {
  std::string path = (acme_dir / "acme-2026.1.cpl").string();
  std::string text = read_text(path);
  std::string uri = lsp::path_to_uri(fs::absolute(path).lexically_normal().string());
  Session s;  // no covcheck binary: no "run tests" lens
  s.initialize();
  s.open(uri, text);
  Json lenses = s.request("textDocument/codeLens", {{"textDocument", {{"uri", uri}}}})["result"];
  std::size_t rules = 0;
  for (std::size_t at = text.find("\nrule "); at != std::string::npos; at = text.find("\nrule ", at + 1)) ++rules;
  for (std::size_t at = text.find("\nadvice "); at != std::string::npos; at = text.find("\nadvice ", at + 1)) ++rules;
  REQUIRE(lenses.size() == rules);  // one per rule
  CHECK(lenses[0]["command"]["title"] == "evaluate with case…");
  CHECK(lenses[0]["command"]["command"] == "covcheck.evaluate");
  CHECK(lenses[0]["range"]["start"] == lsp::to_json(find(text, "rule s1_route_pain", 5)));

  std::string crps = (acme_dir / "cases" / "iv-crps-covered.yaml").string();
  Json run = s.request("workspace/executeCommand", {{"command", "covcheck.evaluate"}, {"arguments", {uri, crps}}});
  CHECK(run["result"]["text"].get<std::string>().rfind("case iv-crps-covered: COVERED", 0) == 0);
  // The buffer, not the disk: a §4.1 age of 99 denies the same case.
  std::string edited = text;
  edited.replace(edited.find("require adult cite \"§4.1\""), 13, "require patient.age >= 99");
  s.change(uri, edited, 2);
  run = s.request("workspace/executeCommand", {{"command", "covcheck.evaluate"}, {"arguments", {uri, crps}}});
  CHECK(run["result"]["text"].get<std::string>().rfind("case iv-crps-covered: DENIED", 0) == 0);

  // Without a case: the client is asked to pick one, and the answer is evaluated.
  std::size_t before = s.sent.size();
  CHECK(s.request("workspace/executeCommand", {{"command", "covcheck.evaluate"}, {"arguments", {uri}}})["result"]
            .is_null());
  Json ask;
  for (std::size_t i = before; i < s.sent.size(); ++i)
    if (s.sent[i].value("method", "") == "window/showMessageRequest") ask = s.sent[i];
  REQUIRE(ask.is_object());
  CHECK(ask["params"]["actions"].size() == lsp::case_files(lsp::Document{uri, path, text, 1}).size());
  s.server().handle(
      Json{{"jsonrpc", "2.0"}, {"id", ask["id"]}, {"result", {{"title", "iv-crps-covered.yaml"}}}}.dump());
  CHECK(s.sent.back()["method"] == "window/logMessage");
  CHECK(s.sent.back()["params"]["message"].get<std::string>().rfind("case iv-crps-covered: DENIED", 0) == 0);

  // A path that is no case file (a device that never ends) is refused, not read.
  Json device =
      s.request("workspace/executeCommand", {{"command", "covcheck.evaluate"}, {"arguments", {uri, "/dev/zero"}}});
  CHECK(device["result"]["text"].get<std::string>().find("not a case file") != std::string::npos);
  CHECK(s.request("workspace/executeCommand", {{"command", "covcheck.nothing"}})["error"]["code"] == -32602);
  Json no_binary = s.request("workspace/executeCommand",
                             {{"command", "covcheck.runTests"}, {"arguments", {(acme_dir / "tests").string()}}});
  CHECK(no_binary["result"]["status"] == -1);
  CHECK(s.request("workspace/executeCommand",
                  {{"command", "covcheck.runTests"}, {"arguments", {"/dev/zero"}}})["error"]["code"] == -32602);
}

TEST_CASE("an import's errors show at the import line; open buffers win over the disk", "[lsp]") {
  TempDir dir;
  dir.write("lib.cpl", "define grown_up = patient.age >=\n");  // a syntax error, on disk
  std::string uri = dir.uri("p.cpl");
  std::string text = policy_header + "import \"lib.cpl\"\nrule r \"t\" cite \"§1\" when grown_up exclude \"x\"\n";
  Session s;
  s.initialize();
  s.open(uri, text);
  Json ds = s.diagnostics(uri);
  REQUIRE(ds.size() == 1);
  CHECK(ds[0]["range"]["start"] == Json{{"line", 1}, {"character", 0}});
  CHECK(ds[0]["message"].get<std::string>().rfind("in `", 0) == 0);
  CHECK(ds[0]["message"].get<std::string>().find("lib.cpl:2:1") != std::string::npos);
  REQUIRE(ds[0]["relatedInformation"].size() == 1);
  CHECK(ds[0]["relatedInformation"][0]["location"]["uri"] == dir.uri("lib.cpl"));

  // The library fixed in its (unsaved) buffer: the policy checks clean, though the disk is unchanged.
  s.open(dir.uri("lib.cpl"), "define grown_up = patient.age >= 18\n");
  s.server().publish_due(lsp::Clock::now() + std::chrono::hours(1));
  CHECK(s.diagnostics(uri).empty());
  CHECK(s.diagnostics(dir.uri("lib.cpl")).empty());
}

TEST_CASE("rename across the rule set, qualified names keep their qualifier", "[lsp]") {
  std::string path = (acme_dir / "acme-2026.1.cpl").string();
  std::string text = read_text(path);
  std::string common = read_text(acme_dir / "common.cpl");
  std::string uri = lsp::path_to_uri(fs::absolute(path).lexically_normal().string());
  std::string common_uri = lsp::path_to_uri(fs::absolute(acme_dir / "common.cpl").lexically_normal().string());
  Session s;
  s.initialize();
  s.open(uri, text);
  auto apply_all = [](std::string t, Json edits) {
    // Back to front, so earlier ranges stay valid.
    std::vector<Json> sorted(edits.begin(), edits.end());
    std::sort(sorted.begin(), sorted.end(), [](const Json& x, const Json& y) {
      return std::make_pair(x["range"]["start"]["line"].get<int>(), x["range"]["start"]["character"].get<int>()) >
             std::make_pair(y["range"]["start"]["line"].get<int>(), y["range"]["start"]["character"].get<int>());
    });
    for (const Json& e : sorted) t = apply_edit(t, e);
    return t;
  };

  Json edit = s.at("textDocument/rename", uri, find(text, "require adult", 8), {{"newName", "grown_up"}})["result"];
  REQUIRE(edit["changes"].contains(uri));
  REQUIRE(edit["changes"].contains(common_uri));
  std::string renamed = apply_all(text, edit["changes"][uri]);
  std::string renamed_common = apply_all(common, edit["changes"][common_uri]);
  CHECK(renamed.find("require adult") == std::string::npos);
  CHECK(renamed.find("require grown_up cite \"§3.1\"") != std::string::npos);
  CHECK(renamed_common.find("define grown_up = patient.age >= 18") != std::string::npos);
  // Both buffers renamed: the rule set checks clean.
  s.open(common_uri, renamed_common);
  s.change(uri, renamed, 2);
  s.server().publish_due(lsp::Clock::now() + std::chrono::hours(1));
  CHECK(s.diagnostics(uri).empty());

  CHECK(s.at("textDocument/rename", uri, find(renamed, "require grown_up", 8),
             {{"newName", "rule"}})["error"]["code"] == -32803);
  CHECK(s.at("textDocument/rename", uri, find(renamed, "request.service", 9), {{"newName", "svc"}})["error"]["code"] ==
        -32803);
  CHECK(s.at("textDocument/rename", uri, {0, 0}, {{"newName", "x"}})["error"]["code"] == -32803);

  // A module's param set by a policy: `set claims.filing_days` keeps `claims.`.
  fs::path bcbs = fs::path(COVCHECK_SOURCE_DIR) / "rules" / "bcbs-nd" / "bcbs-nd-esketamine.cpl";
  std::string bcbs_text = read_text(bcbs);
  std::string bcbs_uri = lsp::path_to_uri(fs::absolute(bcbs).lexically_normal().string());
  s.open(bcbs_uri, bcbs_text);
  Json param = s.at("textDocument/rename", bcbs_uri, find(bcbs_text, "set claims.filing_days", 12),
                    {{"newName", "filing_limit"}})["result"];
  REQUIRE(param["changes"].contains(bcbs_uri));
  CHECK(apply_all(bcbs_text, param["changes"][bcbs_uri]).find("set claims.filing_limit = 365 days") !=
        std::string::npos);
  std::string claims_uri = lsp::path_to_uri(
      fs::absolute(fs::path(COVCHECK_SOURCE_DIR) / "rules" / "claims" / "claims.cpl").lexically_normal().string());
  REQUIRE(param["changes"].contains(claims_uri));
  CHECK(apply_all(read_text(fs::path(COVCHECK_SOURCE_DIR) / "rules" / "claims" / "claims.cpl"),
                  param["changes"][claims_uri])
            .find("param filing_limit: duration = 90 days") != std::string::npos);
}
