// `covcheck test --mutate`: mutants are made from the AST (a node's span, the node changed
// and printed by the formatter, spliced into the text), each rebuilt through a text overlay
// and run against the owning suites' tests by a pool of threads. Cases are read once.
#include "tools/covcheck/suite_mutate.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "dsl/check/checker.hpp"
#include "dsl/format/format.hpp"
#include "dsl/source/dates.hpp"
#include "dsl/syntax/parser.hpp"
#include "dsl/syntax/rule_files.hpp"
#include "engine/answer/json_writer.hpp"
#include "engine/compile/compile.hpp"
#include "tools/covcheck/suite_owner.hpp"

namespace covcheck::cli {

namespace {

namespace ast = dsl::ast;

// Words without parentheses: a changed operator may move them, which is not the change.
std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::string word;
  for (char c : std::string(s) + " ") {
    if (c == ' ') {
      if (!word.empty()) out.push_back(std::move(word));
      word.clear();
    } else if (c != '(' && c != ')') {
      word += c;
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& w, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) out += (out.empty() ? "" : " ") + w[i];
  return out;
}

// `before` → `after`, narrowed to the words that differ when both sides keep some.
std::string change_text(std::string_view before, std::string_view after) {
  std::vector<std::string> a = words(before), b = words(after);
  std::size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  std::size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head && a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) ++tail;
  std::string x = joined(a, head, a.size() - tail), y = joined(b, head, b.size() - tail);
  if (x.empty() || y.empty()) return fmt::format("`{}` → `{}`", before, after);
  return fmt::format("`{}` → `{}`", x, y);
}

// The boundary and sense mistakes of a comparison, and `and` / `or`.
std::optional<ast::BinaryOp> flipped(ast::BinaryOp op) {
  using B = ast::BinaryOp;
  switch (op) {
    case B::lt: return B::le;
    case B::le: return B::lt;
    case B::gt: return B::ge;
    case B::ge: return B::gt;
    case B::eq: return B::ne;
    case B::ne: return B::eq;
    case B::and_: return B::or_;
    case B::or_: return B::and_;
    default: return std::nullopt;
  }
}

bool is_condition_op(ast::BinaryOp op) { return op == ast::BinaryOp::and_ || op == ast::BinaryOp::or_; }

class Mutator {
 public:
  Mutator(const engine::Program& program, const ast::File& checked_file, const dsl::SourceRegistry& sources)
      : program_(program), source_(sources.file(checked_file.file)), text_(source_.text()) {
    index_names(checked_file);
  }

  std::vector<Mutant> run(ast::File& file) {
    for (ast::Item& item : file.items) {
      if (auto* rule = std::get_if<ast::Rule>(&item)) mutate_rule(*rule);
      else if (auto* define = std::get_if<ast::Define>(&item)) walk(define->body, true);
      else if (auto* codeset = std::get_if<ast::CodeSetDecl>(&item)) walk(codeset->value, false);
      else if (auto* param = std::get_if<ast::ParamDecl>(&item)) walk(param->default_value, false);
      else if (auto* set = std::get_if<ast::ParamSet>(&item)) walk(set->value, false);
    }
    std::stable_sort(out_.begin(), out_.end(), [](const Mutant& a, const Mutant& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    return std::move(out_);
  }

 private:
  // The program's AST carries the checker's resolutions (by NodeId); the copy being mutated
  // was parsed from the same text, so a node is found by its span.
  void index_names(const ast::File& file) {
    std::vector<const ast::Expr*> stack;
    auto push = [&](const ast::ExprPtr& e) {
      if (e) stack.push_back(e.get());
    };
    for (const ast::Item& item : file.items) {
      if (const auto* r = std::get_if<ast::Rule>(&item)) {
        push(r->when);
        for (const ast::Requirement& q : r->requirements) push(q.condition);
      } else if (const auto* d = std::get_if<ast::Define>(&item)) {
        push(d->body);
      } else if (const auto* c = std::get_if<ast::CodeSetDecl>(&item)) {
        push(c->value);
      }
    }
    while (!stack.empty()) {
      const ast::Expr* e = stack.back();
      stack.pop_back();
      std::visit(
          [&](const auto& k) {
            using K = std::decay_t<decltype(k)>;
            if constexpr (std::is_same_v<K, ast::NameRef>) {
              if (e->id < program_.checked->resolutions.size())
                if (const auto* m = std::get_if<dsl::RefEnumMember>(&program_.checked->resolutions[e->id]))
                  members_[{e->span.begin, e->span.end}] = *m;
            } else if constexpr (std::is_same_v<K, ast::MemberAccess>) {
              push(k.object);
            } else if constexpr (std::is_same_v<K, ast::Unary>) {
              push(k.operand);
            } else if constexpr (std::is_same_v<K, ast::Binary>) {
              push(k.lhs), push(k.rhs);
            } else if constexpr (std::is_same_v<K, ast::Membership>) {
              push(k.item), push(k.set);
            } else if constexpr (std::is_same_v<K, ast::SetLiteral>) {
              for (const auto& i : k.items) push(i);
            } else if constexpr (std::is_same_v<K, ast::SetOperation>) {
              push(k.lhs), push(k.rhs);
            } else if constexpr (std::is_same_v<K, ast::Presence>) {
              push(k.operand);
            } else if constexpr (std::is_same_v<K, ast::Within>) {
              push(k.subject), push(k.amount), push(k.anchor);
            } else if constexpr (std::is_same_v<K, ast::Call>) {
              for (const auto& a : k.args) push(a);
            } else if constexpr (std::is_same_v<K, ast::Quantifier>) {
              push(k.list), push(k.filter), push(k.key);
            } else if constexpr (std::is_same_v<K, ast::Conditional>) {
              push(k.condition), push(k.then_value), push(k.else_value);
            }
          },
          e->kind);
    }
  }

  std::string slice(dsl::SourceSpan span) const { return std::string(text_.substr(span.begin, span.end - span.begin)); }

  void add(std::uint32_t at, dsl::SourceSpan replaced, std::string_view replacement, std::string change) {
    Mutant m;
    m.file = source_.name();
    dsl::LineColumn lc = source_.location(at);
    m.line = lc.line;
    m.column = lc.column;
    m.change = std::move(change);
    m.text.reserve(text_.size() + replacement.size());
    m.text.append(text_.substr(0, replaced.begin));
    m.text.append(replacement);
    m.text.append(text_.substr(replaced.end));
    out_.push_back(std::move(m));
  }

  // The first character of the operator between two operands (past spaces, closing
  // parentheses and comments).
  std::uint32_t operator_at(const ast::Expr& lhs, const ast::Expr& rhs) const {
    std::uint32_t i = lhs.span.end;
    while (i < rhs.span.begin) {
      char c = text_[i];
      if (c == '#') {
        while (i < rhs.span.begin && text_[i] != '\n') ++i;
      } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ')') {
        ++i;
      } else {
        return i;
      }
    }
    return lhs.span.end;
  }

  void walk(ast::ExprPtr& slot, bool condition) {
    if (!slot) return;
    ast::Expr& e = *slot;
    const std::string before = dsl::format_expression(e);
    if (condition && !std::holds_alternative<ast::Unary>(e.kind)) negate(slot, before);
    std::visit(
        [&](auto& k) {
          using K = std::decay_t<decltype(k)>;
          if constexpr (std::is_same_v<K, ast::Binary>) {
            if (auto other = flipped(k.op)) {
              ast::BinaryOp was = k.op;
              k.op = *other;
              std::string after = dsl::format_expression(e);
              k.op = was;
              add(operator_at(*k.lhs, *k.rhs), e.span, "(" + after + ")", change_text(before, after));
            }
            bool cond = is_condition_op(k.op);
            walk(k.lhs, cond);
            walk(k.rhs, cond);
          } else if constexpr (std::is_same_v<K, ast::Unary>) {
            if (k.op == ast::UnaryOp::not_) {
              std::string after = dsl::format_expression(*k.operand);
              add(e.span.begin, e.span, "(" + after + ")", change_text(before, after));
            }
            walk(k.operand, k.op == ast::UnaryOp::not_);
          } else if constexpr (std::is_same_v<K, ast::IntLiteral>) {
            for (int d : {-1, 1}) {
              if (k.value + d < 0) continue;
              std::string after = std::to_string(k.value + d);
              add(e.span.begin, e.span, after, fmt::format("`{}` → `{}`", slice(e.span), after));
            }
          } else if constexpr (std::is_same_v<K, ast::DurationLiteral>) {
            for (int d : {-1, 1}) {
              if (k.amount + d < 0) continue;
              std::int64_t was = k.amount;
              k.amount += d;
              std::string after = dsl::format_expression(e);
              k.amount = was;
              add(e.span.begin, e.span, after, fmt::format("`{}` → `{}`", before, after));
            }
          } else if constexpr (std::is_same_v<K, ast::DateLiteral>) {
            for (int d : {-1, 1}) {
              std::string after = dsl::format_iso_date(k.days + d);
              add(e.span.begin, e.span, after, fmt::format("`{}` → `{}`", slice(e.span), after));
            }
          } else if constexpr (std::is_same_v<K, ast::NameRef>) {
            other_member(e);
          } else if constexpr (std::is_same_v<K, ast::MemberAccess>) {
            // A path names a fact; there is no mistake to make in it here.
          } else if constexpr (std::is_same_v<K, ast::Membership>) {
            walk(k.item, false);
            walk(k.set, false);
          } else if constexpr (std::is_same_v<K, ast::SetLiteral>) {
            std::set<std::string> outer = std::move(siblings_);
            siblings_.clear();
            for (const auto& i : k.items) siblings_.insert(slice(i->span));
            for (auto& i : k.items) walk(i, false);
            siblings_ = std::move(outer);
          } else if constexpr (std::is_same_v<K, ast::CodeSetLiteral>) {
            drop_entries(k);
          } else if constexpr (std::is_same_v<K, ast::SetOperation>) {
            walk(k.lhs, false);
            walk(k.rhs, false);
          } else if constexpr (std::is_same_v<K, ast::Presence>) {
            walk(k.operand, false);
          } else if constexpr (std::is_same_v<K, ast::Within>) {
            walk(k.subject, false);
            walk(k.amount, false);
            walk(k.anchor, false);
          } else if constexpr (std::is_same_v<K, ast::Call>) {
            for (auto& a : k.args) walk(a, false);
          } else if constexpr (std::is_same_v<K, ast::Quantifier>) {
            walk(k.list, false);
            walk(k.filter, true);
            walk(k.key, false);
          } else if constexpr (std::is_same_v<K, ast::Conditional>) {
            walk(k.condition, true);
            walk(k.then_value, false);
            walk(k.else_value, false);
          }
        },
        e.kind);
  }

  // `not` added in front of a condition.
  void negate(ast::ExprPtr& slot, const std::string& before) {
    dsl::SourceSpan span = slot->span;
    auto wrapper = std::make_unique<ast::Expr>();
    wrapper->kind = ast::Unary{ast::UnaryOp::not_, std::move(slot)};
    std::string after = dsl::format_expression(*wrapper);
    slot = std::move(std::get<ast::Unary>(wrapper->kind).operand);
    add(span.begin, span, "(" + after + ")", fmt::format("`{}` → `{}`", before, after));
  }

  // An enumeration member replaced by the next member of its enumeration that the
  // surrounding set literal does not already hold.
  void other_member(ast::Expr& e) {
    auto found = members_.find({e.span.begin, e.span.end});
    if (found == members_.end()) return;
    const auto& members = program_.checked->schema.enums.at(found->second.enumeration).members;
    if (members.size() < 2) return;
    std::uint32_t from = found->second.member;
    std::string name = members.at(from);
    for (std::size_t step = 1; step < members.size(); ++step) {
      const std::string& next = members[(from + step) % members.size()];
      if (siblings_.count(next)) continue;
      add(e.span.begin, e.span, next, fmt::format("`{}` → `{}`", name, next));
      return;
    }
  }
  void drop_entries(ast::CodeSetLiteral& set) {
    if (set.entries.size() < 2) return;
    for (std::size_t i = 0; i < set.entries.size(); ++i) {
      dsl::SourceSpan span = set.entries[i].span;
      // With the comma that separates it from its neighbour.
      dsl::SourceSpan cut = span;
      if (i + 1 < set.entries.size()) cut.end = set.entries[i + 1].span.begin;
      else cut.begin = set.entries[i - 1].span.end;
      add(span.begin, cut, i + 1 < set.entries.size() ? "" : " ", fmt::format("drop `{}`", slice(span)));
    }
  }

  // Effects: the keyword at `at` replaced by another.
  void effect(std::uint32_t at, std::string_view now, std::string_view other) {
    add(at, {dsl::no_file, at, at + static_cast<std::uint32_t>(now.size())}, other,
        fmt::format("`{}` → `{}`", now, other));
  }
  std::string_view word_at(std::uint32_t at) const {
    std::size_t end = at;
    while (end < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_')) ++end;
    return text_.substr(at, end - at);
  }
  // The effect word written before a message (`else deny "…"`).
  std::optional<std::uint32_t> word_before(std::uint32_t at) const {
    std::uint32_t i = at;
    while (i > 0 && (text_[i - 1] == ' ' || text_[i - 1] == '\t' || text_[i - 1] == '\n' || text_[i - 1] == '\r')) --i;
    std::uint32_t end = i;
    while (i > 0 && std::isalpha(static_cast<unsigned char>(text_[i - 1]))) --i;
    if (i == end) return std::nullopt;
    return i;
  }
  void swap_effect(std::uint32_t at) {
    std::string_view now = word_at(at);
    if (now == "deny") effect(at, now, "pend");
    else if (now == "pend") effect(at, now, "deny");
    else if (now == "exclude") effect(at, now, "deny");
    else if (now == "cover") effect(at, now, "deny");
  }

  void mutate_rule(ast::Rule& rule) {
    walk(rule.when, true);
    if (rule.cover) swap_effect(rule.cover->begin);
    if (rule.direct) swap_effect(rule.direct->span.begin);
    for (ast::Requirement& q : rule.requirements) {
      walk(q.condition, true);
      if (q.else_message)
        if (auto at = word_before(q.else_message->span.begin)) swap_effect(*at);
    }
    for (ast::Grant& g : rule.grants) {
      if (g.amount_expr) {  // a computed amount: its constants and operators, like a condition's
        walk(g.amount_expr, false);
        continue;
      }
      std::uint32_t i = g.span.begin;
      while (i < g.span.end && !std::isdigit(static_cast<unsigned char>(text_[i]))) ++i;
      std::uint32_t end = i;
      while (end < g.span.end && std::isdigit(static_cast<unsigned char>(text_[end]))) ++end;
      if (end == i) continue;
      for (int d : {-1, 1}) {
        if (g.amount + d < 1) continue;
        std::string after = std::to_string(g.amount + d);
        add(i, {dsl::no_file, i, end}, after, fmt::format("`authorize {}` → `authorize {}`", g.amount, after));
      }
    }
  }

  const engine::Program& program_;
  const dsl::SourceFile& source_;
  std::string_view text_;
  std::map<std::pair<std::uint32_t, std::uint32_t>, dsl::RefEnumMember> members_;
  std::set<std::string> siblings_;  // the items of the set literal being walked
  std::vector<Mutant> out_;
};

struct Owned {
  std::string canonical;
  std::string file;                          // display name
  const engine::Program* program = nullptr;  // a rule set that loads it
  std::size_t file_index = 0;
  std::vector<std::size_t> suites;  // owning suites
  std::size_t first_mutant = 0, mutant_count = 0, generated = 0;
};

// Builds one rule set with the mutated text in place of its file; null when it does not compile.
std::shared_ptr<const engine::Program> build_mutant(const std::vector<std::string>& paths, const Mutant& mutant,
                                                    dsl::SourceRegistry& sources) {
  dsl::SourceOverlay overlay{{mutant.canonical, mutant.text}};
  dsl::Diagnostics diagnostics;
  dsl::RuleFiles files;
  if (!dsl::load_rule_files(paths, sources, files, diagnostics, &overlay) || diagnostics.has_errors()) return nullptr;
  std::unique_ptr<dsl::CheckedRuleSet> checked = dsl::check_rule_set(std::move(files), sources, diagnostics);
  if (!checked || diagnostics.has_errors()) return nullptr;
  return engine::compile(std::move(checked));
}

}  // namespace

std::vector<Mutant> mutants_of_file(const engine::Program& program, std::size_t file_index,
                                    const dsl::SourceRegistry& sources) {
  const ast::File& checked = program.checked->files.files.at(file_index);
  ast::NodeId ids = 0;
  dsl::Diagnostics ignored;
  std::optional<ast::File> copy = dsl::parse_file(sources, checked.file, ids, ignored);
  if (!copy) return {};
  std::vector<Mutant> out = Mutator(program, checked, sources).run(*copy);
  for (Mutant& m : out) m.canonical = program.checked->files.canonical_paths.at(file_index);
  return out;
}

int shown_score(std::size_t killed, std::size_t mutants) {
  if (mutants == 0) return 100;
  return static_cast<int>(std::floor(100.0 * static_cast<double>(killed) / static_cast<double>(mutants) + 1e-9));
}

MutationReport run_mutation(const std::vector<Suite>& suites, const RuleSets& rule_sets,
                            const std::vector<std::vector<PreparedCase>>& cases, const dsl::SourceRegistry& sources,
                            const MutationOptions& options) {
  SuiteOwnership owners;
  std::vector<Owned> owned;
  std::map<std::string, std::size_t> by_canonical;
  for (std::size_t s = 0; s < suites.size(); ++s) {
    const engine::Program& program = *rule_sets.programs[rule_sets.of_suite[s]];
    const dsl::RuleFiles& files = program.checked->files;
    for (std::size_t f = 0; f < files.files.size(); ++f) {
      const std::string& canonical = files.canonical_paths[f];
      const ast::File& file = files.files[f];
      if (file.header && file.header->kind == ast::FileKind::schema) continue;
      if (!owners.mutates(suites[s].path, canonical)) continue;
      auto [it, fresh] = by_canonical.try_emplace(canonical, owned.size());
      if (fresh) owned.push_back({canonical, sources.file(file.file).name(), &program, f, {}});
      owned[it->second].suites.push_back(s);
    }
  }

  std::vector<Mutant> mutants;
  for (Owned& o : owned) {
    std::vector<Mutant> all = mutants_of_file(*o.program, o.file_index, sources);
    o.generated = all.size();
    o.first_mutant = mutants.size();
    if (options.sample && all.size() > *options.sample) {
      // Evenly spread, so every part of the file keeps its share; deterministic.
      std::vector<Mutant> kept;
      for (std::size_t i = 0; i < *options.sample; ++i)
        kept.push_back(std::move(all[i * all.size() / *options.sample]));
      all = std::move(kept);
    }
    o.mutant_count = all.size();
    for (Mutant& m : all) mutants.push_back(std::move(m));
  }
  std::vector<std::size_t> owner_of(mutants.size());
  for (std::size_t o = 0; o < owned.size(); ++o)
    for (std::size_t i = 0; i < owned[o].mutant_count; ++i) owner_of[owned[o].first_mutant + i] = o;

  std::vector<MutantStatus> status(mutants.size(), MutantStatus::not_compiled);
  std::atomic<std::size_t> next{0};
  auto work = [&]() {
    for (std::size_t m = next++; m < mutants.size(); m = next++) {
      const Owned& o = owned[owner_of[m]];
      // The owning suites, grouped by rule set: each rule set is rebuilt once per mutant.
      std::map<std::size_t, std::vector<std::size_t>> by_rule_set;
      for (std::size_t s : o.suites) by_rule_set[rule_sets.of_suite[s]].push_back(s);
      MutantStatus result = MutantStatus::survived;
      for (const auto& [rs, members] : by_rule_set) {
        dsl::SourceRegistry local = sources;
        std::shared_ptr<const engine::Program> program = build_mutant(rule_sets.paths[rs], mutants[m], local);
        if (!program) {
          result = MutantStatus::not_compiled;
          break;
        }
        engine::DecisionSession session(*program, local);
        for (std::size_t s : members) {
          for (std::size_t t = 0; t < suites[s].tests.size() && result == MutantStatus::survived; ++t)
            if (!run_test(suites[s].tests[t], cases[s][t], session, false).passed) result = MutantStatus::killed;
          if (result != MutantStatus::survived) break;
        }
        if (result != MutantStatus::survived) break;
      }
      status[m] = result;
    }
  };
  unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(1, mutants.size())));
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();

  MutationReport report;
  report.threads = threads;
  for (const Owned& o : owned) {
    FileMutation f;
    f.file = o.file;
    f.generated = o.generated;
    for (std::size_t i = o.first_mutant; i < o.first_mutant + o.mutant_count; ++i) {
      if (status[i] == MutantStatus::not_compiled) {
        ++f.not_compiled;
        continue;
      }
      ++f.mutants;
      if (status[i] == MutantStatus::killed) ++f.killed;
      else report.survivors.push_back(std::move(mutants[i]));
    }
    report.mutants += f.mutants;
    report.killed += f.killed;
    report.not_compiled += f.not_compiled;
    report.generated += f.generated;
    report.files.push_back(std::move(f));
  }
  for (Mutant& m : report.survivors) m.text.clear();
  return report;
}

std::string render_mutation(const MutationReport& r) {
  std::string out = fmt::format(
      "mutation: {} mutants of {} rule file{} ({} did not compile and are not counted){}\n", r.mutants + r.not_compiled,
      r.files.size(), r.files.size() == 1 ? "" : "s", r.not_compiled,
      r.generated > r.mutants + r.not_compiled ? fmt::format(", sampled from {}", r.generated) : std::string());
  std::size_t width = 0;
  for (const FileMutation& f : r.files) width = std::max(width, f.file.size());
  for (const FileMutation& f : r.files)
    out += fmt::format("  {:<{}}  {:>3} %  ({} of {} killed)\n", f.file, width, shown_score(f.killed, f.mutants),
                       f.killed, f.mutants);
  if (!r.survivors.empty()) {
    out += fmt::format("surviving mutants ({}): no test fails when\n", r.survivors.size());
    for (const Mutant& m : r.survivors) out += fmt::format("{}:{}:{}: {}\n", m.file, m.line, m.column, m.change);
  }
  out += fmt::format("mutation score {} % ({} of {} mutants killed)\n", shown_score(r.killed, r.mutants), r.killed,
                     r.mutants);
  return out;
}

std::string render_tests_json(const MutationReport* report, std::size_t passed, std::size_t failed) {
  engine::JsonWriter w(true);
  w.begin_object();
  w.member("passed", static_cast<std::int64_t>(passed));
  w.member("failed", static_cast<std::int64_t>(failed));
  if (!report) {
    w.end_object();
    return w.str() + "\n";
  }
  const MutationReport& r = *report;
  w.key("mutation").begin_object();
  w.member("score", shown_score(r.killed, r.mutants));
  w.member("killed", static_cast<std::int64_t>(r.killed));
  w.member("mutants", static_cast<std::int64_t>(r.mutants));
  w.member("not_compiled", static_cast<std::int64_t>(r.not_compiled));
  w.member("generated", static_cast<std::int64_t>(r.generated));
  w.key("files").begin_array();
  for (const FileMutation& f : r.files) {
    w.begin_object();
    w.member("file", f.file);
    w.member("score", shown_score(f.killed, f.mutants));
    w.member("killed", static_cast<std::int64_t>(f.killed));
    w.member("mutants", static_cast<std::int64_t>(f.mutants));
    w.member("not_compiled", static_cast<std::int64_t>(f.not_compiled));
    w.end_object();
  }
  w.end_array();
  w.key("survivors").begin_array();
  for (const Mutant& m : r.survivors) {
    w.begin_object();
    w.member("at", fmt::format("{}:{}:{}", m.file, m.line, m.column));
    w.member("change", m.change);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  w.end_object();
  return w.str() + "\n";
}

std::vector<std::string> below_mutation_minimum(const MutationReport& r, double min_score) {
  std::vector<std::string> out;
  for (const FileMutation& f : r.files)
    if (f.mutants > 0 && 100.0 * static_cast<double>(f.killed) < min_score * static_cast<double>(f.mutants))
      out.push_back(fmt::format("mutation score of {} is {} %, below --mutate-min {}", f.file,
                                shown_score(f.killed, f.mutants), min_score));
  if (100.0 * static_cast<double>(r.killed) < min_score * static_cast<double>(r.mutants))
    out.push_back(fmt::format("mutation score of total is {} %, below --mutate-min {}",
                              shown_score(r.killed, r.mutants), min_score));
  return out;
}

}  // namespace covcheck::cli
