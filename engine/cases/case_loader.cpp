// Case loading: yaml-cpp parse events -> a compact, immutable YAML tree -> a typed Case laid
// out by the schema. Every bad value is reported (not just the first) with its field path.
#include "engine/cases/case_loader.hpp"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "engine/cases/case_builder.hpp"
#include "engine/cases/case_readers.hpp"
#include "engine/cases/yaml_tree.hpp"

namespace covcheck::engine {

namespace {

using dsl::BaseType;
using dsl::SourceSpan;

// Aliases share nodes, so a small file can name billions of values ("billion laughs"). We
// allow this many visits beyond the tree's own size before giving up.
constexpr std::uint64_t alias_budget = 1'000'000;

// Walks the tree in document order; the CaseBuilder writes the Case and the diagnostics.
class Loader {
 public:
  Loader(const SchemaIndex& index, const YamlTree& tree, dsl::FileId file, dsl::Diagnostics& diags, Case& c)
      : b_(index, file, diags, c),
        schema_(index.schema()),
        tree_(tree),
        file_(file),
        c_(c),
        budget_(tree.nodes.size() + alias_budget) {}

  bool failed() const { return b_.failed(); }
  bool aborted() const { return b_.aborted(); }

  void load_root(std::uint32_t node) {
    const YamlNode& n = tree_.nodes[node];
    if (n.kind != YamlNode::Kind::mapping) {
      b_.bad_root(view(node));
      return;
    }
    load_record(node, schema_.root, CaseRecord{});
    b_.finish_root();
  }

 private:
  SourceSpan span(std::uint32_t node) const {
    const YamlNode& n = tree_.nodes[node];
    return SourceSpan{file_, n.pos, std::max(n.end, n.pos)};
  }
  NodeView view(std::uint32_t node) const {
    const YamlNode& n = tree_.nodes[node];
    NodeView v;
    v.kind = n.kind;
    v.quoted = n.quoted;
    if (n.kind == YamlNode::Kind::scalar) v.text = tree_.scalar(n);
    v.span = span(node);
    return v;
  }
  // Counts work per node, so that aliased subtrees cannot multiply it without bound.
  bool visit(std::uint32_t node) {
    if (b_.aborted()) return false;
    if (++visits_ <= budget_) return true;
    b_.abort();
    b_.error("case.too_large", span(node),
             fmt::format("the case expands to more than {} values through YAML aliases", budget_));
    return false;
  }

  std::uint32_t load_record(std::uint32_t node, std::uint32_t type, CaseRecord placement) {
    std::uint32_t r = b_.open_record(type, placement);
    if (node != yaml_none) fill_record(r, node);
    b_.close_record(r);
    return r;
  }

  // For each pair, the index of an earlier pair with the same key, or `yaml_none`.
  // Results go to dup_pool_[base ..), a stack shared by nested records to avoid allocations.
  void find_duplicates(const YamlNode& map, std::size_t base) {
    std::uint32_t pairs = map.count / 2;
    dup_pool_.resize(base + pairs, yaml_none);
    std::uint32_t* first_of = dup_pool_.data() + base;
    auto key = [&](std::uint32_t i) -> std::optional<std::string_view> {
      const YamlNode& k = tree_.nodes[tree_.children[map.first + 2 * i]];
      if (k.kind != YamlNode::Kind::scalar) return std::nullopt;
      return tree_.scalar(k);
    };
    if (pairs <= 32) {
      for (std::uint32_t i = 1; i < pairs; ++i) {
        for (std::uint32_t j = 0; j < i && key(i); ++j) {
          if (key(j) == key(i)) {
            first_of[i] = j;
            break;
          }
        }
      }
      return;
    }
    std::unordered_map<std::string_view, std::uint32_t> seen;
    for (std::uint32_t i = 0; i < pairs; ++i) {
      if (auto k = key(i)) {
        auto [it, inserted] = seen.emplace(*k, i);
        if (!inserted) first_of[i] = it->second;
      }
    }
  }

  void fill_record(std::uint32_t r, std::uint32_t node) {
    const YamlNode& map = tree_.nodes[node];
    const std::size_t base = dup_pool_.size();
    find_duplicates(map, base);
    for (std::uint32_t i = 0; i < map.count / 2 && !b_.aborted(); ++i) {
      const std::uint32_t first_of = dup_pool_[base + i];
      std::uint32_t key = tree_.children[map.first + 2 * i];
      std::uint32_t value = tree_.children[map.first + 2 * i + 1];
      if (!visit(key)) break;
      const YamlNode& k = tree_.nodes[key];
      if (k.kind != YamlNode::Kind::scalar) {
        b_.bad_key(r, view(key));
        continue;
      }
      std::string_view name = tree_.scalar(k);
      if (first_of != yaml_none) {
        b_.duplicate_key(r, name, span(key), span(tree_.children[map.first + 2 * first_of]));
        continue;
      }
      if (auto field = b_.field_for_key(r, name, span(key))) load_field(r, *field, value);
    }
    dup_pool_.resize(base);
  }

  void load_field(std::uint32_t r, std::uint32_t f, std::uint32_t node) {
    if (!visit(node)) return;
    if (tree_.nodes[node].kind == YamlNode::Kind::null) return;  // absent: unknown
    const dsl::Type& type = b_.field_type(r, f);
    std::optional<Value> value;
    if (type.list) {
      if (tree_.nodes[node].kind != YamlNode::Kind::sequence) {
        b_.type_error(Where{r, f}, type, view(node));
        return;
      }
      value = load_list(r, f, node, type.element_type());
    } else {
      value = load_value(type, node, Where{r, f});
    }
    // Indexes, not references: loading nested values grows the slot arrays.
    if (value) b_.set_slot(r, f, *value, span(node));
  }

  Value load_list(std::uint32_t r, std::uint32_t f, std::uint32_t node, dsl::Type element) {
    const YamlNode& seq = tree_.nodes[node];
    std::uint32_t l = b_.open_list(r, f);
    auto first = static_cast<std::uint32_t>(c_.items.size());
    c_.lists[l].count = seq.count;
    // The list's items are contiguous: reserve them before elements add nested lists.
    c_.items.resize(first + seq.count);
    c_.item_spans.resize(first + seq.count);
    for (std::uint32_t i = 0; i < seq.count; ++i) {
      std::uint32_t e = tree_.children[seq.first + i];
      if (!visit(e)) break;
      Where w{no_parent, 0, l, i};
      std::optional<Value> v;
      if (tree_.nodes[e].kind == YamlNode::Kind::null) {
        if (element.base != BaseType::record) continue;  // an unknown element
        v = b_.empty_element(w, span(e), element.ref);
      } else {
        v = load_value(element, e, w);
      }
      if (v) {
        c_.items[first + i] = *v;
        c_.item_spans[first + i] = span(e);
      }
    }
    if (element.base == BaseType::record) b_.check_exclusive(l, element.ref);
    return Value::make_indexed(Kind::list, l);
  }

  std::optional<Value> load_value(const dsl::Type& type, std::uint32_t node, const Where& w) {
    const YamlNode& n = tree_.nodes[node];
    if (type.base == BaseType::record) {
      if (n.kind != YamlNode::Kind::mapping) {
        b_.type_error(w, type, view(node));
        return std::nullopt;
      }
      return Value::make_indexed(Kind::record, load_record(node, type.ref, CaseBuilder::placement(w)));
    }
    if (n.kind != YamlNode::Kind::scalar) {
      b_.type_error(w, type, view(node));
      return std::nullopt;
    }
    return b_.convert_scalar(type, view(node), w);
  }

  CaseBuilder b_;
  const dsl::Schema& schema_;
  const YamlTree& tree_;
  dsl::FileId file_;
  Case& c_;
  std::uint64_t visits_ = 0;
  std::uint64_t budget_;
  std::vector<std::uint32_t> dup_pool_;
};

}  // namespace

std::optional<Case> load_case(const dsl::Schema& schema, const dsl::SourceRegistry& sources, dsl::FileId file,
                              dsl::Diagnostics& diagnostics, RefusedValues keep) {
  SchemaIndex index(schema);
  ReaderScratch scratch;
  Case c;
  if (!case_reader_named("yaml")->read(scratch, index, CaseText{sources.file(file).text(), file, false}, diagnostics,
                                       c) &&
      !(keep == RefusedValues::keep_case && c.read_through))
    return std::nullopt;
  return c;
}

bool load_case_tree(const dsl::Schema& schema, const YamlTree& tree, dsl::FileId file, dsl::Diagnostics& diagnostics,
                    Case& out) {
  SchemaIndex index(schema);
  return load_case_tree(index, tree, file, diagnostics, out);
}

bool load_case_tree(const SchemaIndex& index, const YamlTree& tree, dsl::FileId file, dsl::Diagnostics& diagnostics,
                    Case& out) {
  reset_case(out, file);
  if (tree.root == yaml_none) {
    diagnostics.error("case.empty", SourceSpan{file, 0, 0}, "empty case file");
    return false;
  }
  Loader loader(index, tree, file, diagnostics, out);
  loader.load_root(tree.root);
  out.read_through = !out.records.empty() && !loader.aborted();
  return !loader.failed();
}

}  // namespace covcheck::engine
