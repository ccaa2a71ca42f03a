// yaml-cpp parse events -> YamlTree. Working from events (not YAML::Node) keeps the
// quoted/plain distinction and byte spans, and lets us stop at a depth limit.
#include "engine/cases/yaml_tree.hpp"

#include <algorithm>
#include <cctype>
#include <istream>
#include <optional>
#include <streambuf>
#include <string_view>
#include <unordered_set>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "dsl/source/encoding.hpp"

namespace covcheck::engine {

namespace {

// Longer scalars are an error: no field of a case needs them, and they would be copied.
constexpr std::size_t max_scalar_bytes = 1u << 20;
constexpr std::size_t max_merged_pairs = 100'000;

struct TreeError {
  YAML::Mark mark;
  const char* code;
  std::string message;
};

struct ViewBuf : std::streambuf {
  explicit ViewBuf(std::string_view s) {
    char* p = const_cast<char*>(s.data());
    setg(p, p, p + s.size());
  }
};

class TreeBuilder : public YAML::EventHandler {
 public:
  YAML::Mark start;  // where the document starts

  TreeBuilder(YamlTree& tree, std::string_view source, std::uint32_t bom, std::size_t max_depth)
      : tree_(tree), source_(source), bom_(bom), max_depth_(max_depth) {}

  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    std::uint32_t pos = null_position(offset(mark));
    auto end = static_cast<std::uint32_t>(std::min<std::size_t>(pos + 1, source_.size()));
    complete(add({YamlNode::Kind::null, false, pos, end, 0, 0}), anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    // An anchor is registered when its node is complete: an alias inside its own anchored
    // collection finds nothing, which rejects self-containing data.
    if (anchor >= anchors_.size() || anchors_[anchor] == yaml_none) {
      throw TreeError{mark, "case.alias", "an alias refers to a collection that contains it"};
    }
    complete(anchors_[anchor], 0);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    std::uint32_t pos = offset(mark);
    if (value.size() > max_scalar_bytes) {
      throw TreeError{mark, "case.too_long",
                      fmt::format("a value of {} bytes; values are limited to 1 MiB", value.size())};
    }
    YamlNode n{YamlNode::Kind::scalar,
               tag == "!" || tag == "tag:yaml.org,2002:str",
               pos,
               scalar_end(pos, value),
               static_cast<std::uint32_t>(tree_.text.size()),
               static_cast<std::uint32_t>(value.size())};
    tree_.text += value;
    complete(add(n), anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, YamlNode::Kind::sequence, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, YamlNode::Kind::mapping, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    std::uint32_t node;
    std::size_t scratch_start;
    YAML::anchor_t anchor;
  };

  std::uint32_t offset(const YAML::Mark& mark) const {
    // yaml-cpp does not count a byte-order mark in its positions.
    auto pos = static_cast<std::size_t>(std::max(mark.pos, 0)) + bom_;
    return static_cast<std::uint32_t>(std::min(pos, source_.size()));
  }
  // Where a scalar's spelling ends: scanned for quoted text, else its value's length.
  std::uint32_t scalar_end(std::uint32_t pos, std::string_view value) const {
    if (pos >= source_.size()) return pos;
    char q = source_[pos];
    if (q == '"' || q == '\'') {
      for (std::size_t i = pos + 1; i < source_.size(); ++i) {
        if (q == '"' && source_[i] == '\\') {
          ++i;
        } else if (source_[i] == q) {
          if (q == '\'' && i + 1 < source_.size() && source_[i + 1] == '\'') {
            ++i;
            continue;
          }
          return static_cast<std::uint32_t>(i + 1);
        }
      }
      // yaml-cpp 0.7 ends an unclosed quoted scalar at the end of the text, swallowing the
      // rest of the file into one value: refuse it rather than lose the fields silently.
      YAML::Mark at;
      at.pos = static_cast<int>(pos - bom_);
      at.line = at.column = 0;
      throw TreeError{
          at, "case.syntax",
          fmt::format("invalid YAML: the {}-quoted string is never closed", q == '"' ? "double" : "single")};
    }
    if (source_.substr(pos, value.size()) == value) return static_cast<std::uint32_t>(pos + value.size());
    std::size_t eol = source_.find_first_of("\r\n", pos);
    return static_cast<std::uint32_t>(eol == std::string_view::npos ? source_.size() : eol);
  }
  // An empty value is reported at the next token; point at its `-` or `:` instead.
  std::uint32_t null_position(std::uint32_t pos) const {
    if (pos < source_.size() && (source_[pos] == '~' || source_.substr(pos, 4) == "null" ||
                                 source_.substr(pos, 4) == "Null" || source_.substr(pos, 4) == "NULL")) {
      return pos;
    }
    std::uint32_t p = pos;
    while (p > 0 && std::string_view(" \t\r\n").find(source_[p - 1]) != std::string_view::npos) --p;
    return p > 0 && (source_[p - 1] == '-' || source_[p - 1] == ':') ? p - 1 : pos;
  }
  std::uint32_t add(const YamlNode& n) {
    tree_.nodes.push_back(n);
    return static_cast<std::uint32_t>(tree_.nodes.size() - 1);
  }
  void complete(std::uint32_t node, YAML::anchor_t anchor) {
    if (anchor != 0) {
      if (anchor >= anchors_.size()) anchors_.resize(anchor + 1, yaml_none);
      anchors_[anchor] = node;
    }
    if (stack_.empty()) {
      tree_.root = node;
    } else {
      scratch_.push_back(node);
    }
  }
  void open(const YAML::Mark& mark, YamlNode::Kind kind, YAML::anchor_t anchor) {
    if (stack_.size() >= max_depth_) {
      throw TreeError{mark, "case.too_deep", fmt::format("the case nests deeper than {} levels", max_depth_)};
    }
    std::uint32_t pos = offset(mark);
    stack_.push_back({add({kind, false, pos, pos + 1, 0, 0}), scratch_.size(), anchor});
  }
  void close() {
    Frame f = stack_.back();
    stack_.pop_back();
    if (tree_.nodes[f.node].kind == YamlNode::Kind::mapping) merge_keys(f.scratch_start);
    YamlNode& n = tree_.nodes[f.node];
    n.first = static_cast<std::uint32_t>(tree_.children.size());
    n.count = static_cast<std::uint32_t>(scratch_.size() - f.scratch_start);
    tree_.children.insert(tree_.children.end(), scratch_.begin() + static_cast<std::ptrdiff_t>(f.scratch_start),
                          scratch_.end());
    scratch_.resize(f.scratch_start);
    complete(f.node, f.anchor);
  }

  bool is_merge_key(std::uint32_t node) const {
    const YamlNode& k = tree_.nodes[node];
    return k.kind == YamlNode::Kind::scalar && !k.quoted && tree_.scalar(k) == "<<";
  }
  // YAML merge keys (`<<: *base`, `<<: [*a, *b]`): the pairs of the merged mappings whose keys
  // the mapping does not set itself join it, the first merged mapping winning. The mapping's
  // pairs are in scratch_ from `start`; the merged ones are complete (aliases or nested).
  void merge_keys(std::size_t start) {
    bool any = false;
    for (std::size_t i = start; i + 1 < scratch_.size(); i += 2) any = any || is_merge_key(scratch_[i]);
    if (!any) return;
    std::vector<std::uint32_t> own, sources;
    for (std::size_t i = start; i + 1 < scratch_.size(); i += 2) {
      if (!is_merge_key(scratch_[i])) {
        own.push_back(scratch_[i]);
        own.push_back(scratch_[i + 1]);
        continue;
      }
      const YamlNode& v = tree_.nodes[scratch_[i + 1]];
      bool bad = v.kind != YamlNode::Kind::mapping && v.kind != YamlNode::Kind::sequence;
      if (v.kind == YamlNode::Kind::mapping) {
        sources.push_back(scratch_[i + 1]);
      } else if (v.kind == YamlNode::Kind::sequence) {
        for (std::uint32_t j = 0; j < v.count; ++j) sources.push_back(tree_.children[v.first + j]);
      }
      for (std::uint32_t m : sources) bad = bad || tree_.nodes[m].kind != YamlNode::Kind::mapping;
      if (bad) {
        YAML::Mark at;
        at.pos = static_cast<int>(tree_.nodes[scratch_[i + 1]].pos - bom_);
        at.line = at.column = 0;
        throw TreeError{at, "case.merge", "`<<` merges a mapping (an alias such as `*base`) or a list of mappings"};
      }
    }
    // Keys already set, by their text (a non-scalar key never matches another).
    std::unordered_set<std::string_view> keys;
    auto text_of = [&](std::uint32_t key) -> std::optional<std::string_view> {
      const YamlNode& k = tree_.nodes[key];
      if (k.kind != YamlNode::Kind::scalar) return std::nullopt;
      return tree_.scalar(k);
    };
    for (std::size_t i = 0; i < own.size(); i += 2)
      if (auto t = text_of(own[i])) keys.insert(*t);
    std::vector<std::uint32_t> merged = own;
    for (std::uint32_t m : sources) {
      const YamlNode& map = tree_.nodes[m];
      // Merged pairs are copied (their values stay shared): bound the copies as aliases are
      // bounded, so that many small merges of a large anchor cannot exhaust memory.
      merged_pairs_ += map.count / 2;
      if (merged_pairs_ > max_merged_pairs) {
        YAML::Mark at;
        at.pos = static_cast<int>(map.pos - bom_);
        at.line = at.column = 0;
        throw TreeError{at, "case.too_large",
                        fmt::format("merge keys (`<<`) copy more than {} pairs", max_merged_pairs)};
      }
      for (std::uint32_t j = 0; j + 1 < map.count; j += 2) {
        std::uint32_t key = tree_.children[map.first + j];
        auto t = text_of(key);
        if (t && !keys.insert(*t).second) continue;
        merged.push_back(key);
        merged.push_back(tree_.children[map.first + j + 1]);
      }
    }
    scratch_.resize(start);
    scratch_.insert(scratch_.end(), merged.begin(), merged.end());
  }

  YamlTree& tree_;
  std::string_view source_;
  std::uint32_t bom_;
  std::size_t max_depth_;
  std::vector<Frame> stack_;
  std::vector<std::uint32_t> scratch_;  // children of the open collections, innermost last
  std::vector<std::uint32_t> anchors_;  // anchor id -> node
  std::size_t merged_pairs_ = 0;
};

// Counts the documents after the first; their content is not needed. yaml-cpp 0.7 can
// loop forever on some malformed input (`,3]`), emitting empty documents that all start at
// the same place: a document that does not start after the previous one is an error.
struct DocumentCounter : YAML::EventHandler {
  explicit DocumentCounter(const YAML::Mark& first) : previous(first) {}
  std::size_t documents = 0;
  YAML::Mark first_mark;
  YAML::Mark previous;
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (mark.pos <= previous.pos) throw TreeError{mark, "case.syntax", ""};
    previous = mark;
    if (documents++ == 0) first_mark = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// yaml-cpp messages are already lowercase phrases; normalise the odd capital and period.
std::string syntax_message(std::string msg) {
  if (!msg.empty() && msg.back() == '.') msg.pop_back();
  if (msg.size() > 1 && std::isupper(static_cast<unsigned char>(msg[0])) &&
      !std::isupper(static_cast<unsigned char>(msg[1]))) {
    msg[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(msg[0])));
  }
  return "invalid YAML: " + msg;
}

}  // namespace

YamlParse parse_first_yaml_document(std::string_view text, YamlTree& tree, std::size_t max_depth) {
  YamlParse result;
  // YAML allows no NUL or other control characters and only UTF-8; yaml-cpp would report
  // them as odd syntax errors (or accept them), so they are named here first.
  if (std::optional<dsl::EncodingProblem> bad = dsl::find_encoding_problem(text, true)) {
    auto begin = static_cast<std::uint32_t>(bad->offset);
    result.problems.push_back({"case.encoding", begin, begin + static_cast<std::uint32_t>(bad->length), bad->message});
    return result;
  }
  const std::uint32_t bom = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  auto offset = [&](const YAML::Mark& mark) {
    if (mark.is_null()) return std::uint32_t{0};
    auto pos = static_cast<std::size_t>(std::max(mark.pos, 0)) + bom;
    return static_cast<std::uint32_t>(std::min(pos, text.size()));
  };
  auto problem = [&](std::string code, const YAML::Mark& mark, std::uint32_t length, std::string message) {
    std::uint32_t begin = offset(mark);
    auto end = static_cast<std::uint32_t>(std::min<std::size_t>(begin + std::size_t{length}, text.size()));
    result.problems.push_back({std::move(code), begin, end, std::move(message)});
  };
  // Reads the text in place rather than copying it into a stringstream.
  ViewBuf buffer(text);
  std::istream in(&buffer);
  try {
    YAML::Parser parser(in);
    TreeBuilder builder(tree, text, bom, max_depth);
    if (!parser.HandleNextDocument(builder)) return result;
    result.documents = 1;
    DocumentCounter more(builder.start);
    try {
      while (parser.HandleNextDocument(more)) {
      }
    } catch (const YAML::Exception& e) {
      problem("case.syntax", e.mark, 1, syntax_message(e.msg));
    } catch (const TreeError& e) {
      std::uint32_t at = offset(e.mark);
      char c = at < text.size() ? text[at] : ' ';
      bool visible = std::isgraph(static_cast<unsigned char>(c));
      problem(
          "case.syntax", e.mark, 1,
          visible ? fmt::format("invalid YAML: unexpected `{}`", c) : "invalid YAML: the parser cannot continue here");
      return result;  // the first document is not trustworthy either
    }
    result.documents += more.documents;
    if (more.documents > 0) result.second_document = offset(more.first_mark);
  } catch (const YAML::Exception& e) {
    problem("case.syntax", e.mark, 1, syntax_message(e.msg));
  } catch (const TreeError& e) {
    problem(e.code, e.mark, 1, e.message);
  } catch (const std::bad_alloc&) {
    problem("case.too_large", YAML::Mark::null_mark(), 0, "the case is too large to load");
  }
  return result;
}

}  // namespace covcheck::engine
