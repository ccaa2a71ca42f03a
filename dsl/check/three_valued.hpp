// The meaning of CPL's logic, stated once: Kleene's `and`, `or`, `not` over {false, unknown,
// true}, `any`/`all` over a list, and the presence tests `is known` / `is unknown`. The
// engine's eager tables, lazy tests and traced evaluation and the linter's folding all read
// these; the static_asserts at the end check Kleene's laws at compile time.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace covcheck::dsl {

// A condition's value. The enumerators' order is the index into the tables below.
enum class Truth : std::uint8_t { no, yes, unknown };

// The connectives, in the order of the tables (the engine's eager links store this index).
enum class Connective : std::uint8_t { and_, or_, not_ };

namespace kleene {

inline constexpr Truth F = Truth::no, T = Truth::yes, U = Truth::unknown;

// tables[connective][a][b], rows and columns in Truth's order (false, true, unknown);
// `not` reads only a.
inline constexpr Truth tables[3][3][3] = {
    // and: false with anything is false; true only when both are
    {/* false */ {F, F, F}, /* true */ {F, T, U}, /* unknown */ {F, U, U}},
    // or: true with anything is true; false only when both are
    {/* false */ {F, T, U}, /* true */ {T, T, T}, /* unknown */ {U, T, U}},
    // not: swaps true and false, keeps unknown
    {/* false */ {T, T, T}, /* true */ {F, F, F}, /* unknown */ {U, U, U}},
};

}  // namespace kleene

constexpr Truth connect(Connective c, Truth a, Truth b) {
  return kleene::tables[static_cast<int>(c)][static_cast<int>(a)][static_cast<int>(b)];
}
constexpr Truth and3(Truth a, Truth b) { return connect(Connective::and_, a, b); }
constexpr Truth or3(Truth a, Truth b) { return connect(Connective::or_, a, b); }
constexpr Truth not3(Truth a) { return connect(Connective::not_, a, a); }

// The operand value that decides a binary connective alone (`false and x` is false, `true or
// x` is true): untraced evaluation does not evaluate the other side then.
constexpr Truth decides(Connective c) { return c == Connective::and_ ? Truth::no : Truth::yes; }

constexpr Truth truth(bool b) { return b ? Truth::yes : Truth::no; }

// `any` and `all` over a list: the fold of `or` from false and of `and` from true, told by
// which values occurred among the elements (an empty list: `any` false, `all` true).
constexpr Truth any_of(bool some_true, bool some_unknown) {
  return some_true ? Truth::yes : some_unknown ? Truth::unknown : Truth::no;
}
constexpr Truth all_of(bool some_false, bool some_unknown) {
  return some_false ? Truth::no : some_unknown ? Truth::unknown : Truth::yes;
}

// `x is known` / `x is unknown`: two-valued, about the absence itself (what counts as a value
// is the evaluator's: engine::has_value). Never unknown, which is why presence tests are
// definite when the fact is absent.
enum class PresenceTest : std::uint8_t { is_known, is_unknown };
constexpr Truth presence(PresenceTest test, bool has_value) {
  return truth(has_value == (test == PresenceTest::is_known));
}

// The linter's constant folding speaks std::optional<bool>: nullopt is "not a constant",
// which folds like unknown.
constexpr Truth truth(std::optional<bool> b) { return b ? truth(*b) : Truth::unknown; }
constexpr std::optional<bool> to_optional(Truth t) {
  if (t == Truth::unknown) return std::nullopt;
  return t == Truth::yes;
}

// As CPL spells the values (and as traces and answers print them).
constexpr std::string_view spelling(Truth t) {
  switch (t) {
    case Truth::no: return "false";
    case Truth::yes: return "true";
    case Truth::unknown: return "unknown";
  }
  return "unknown";
}

// ---- Kleene's laws, checked over every value ---------------------------------------------

namespace kleene {

inline constexpr Truth all_values[] = {F, U, T};

// The truth order false < unknown < true: `and` is its minimum and `or` its maximum.
constexpr int rank(Truth t) { return t == F ? 0 : t == U ? 1 : 2; }

constexpr bool laws_hold() {
  for (Truth a : all_values) {
    if (not3(not3(a)) != a) return false;                 // double negation
    if (and3(a, a) != a || or3(a, a) != a) return false;  // idempotence
    if (and3(a, T) != a || or3(a, F) != a) return false;  // identities
    if (and3(a, F) != F || or3(a, T) != T) return false;  // annihilators
    if (rank(not3(a)) != 2 - rank(a)) return false;       // not reverses the order
    for (Truth b : all_values) {
      if (and3(a, b) != and3(b, a) || or3(a, b) != or3(b, a)) return false;  // commutativity
      if (not3(and3(a, b)) != or3(not3(a), not3(b))) return false;           // De Morgan
      if (not3(or3(a, b)) != and3(not3(a), not3(b))) return false;
      if (and3(a, or3(a, b)) != a || or3(a, and3(a, b)) != a) return false;           // absorption
      if (rank(and3(a, b)) != (rank(a) < rank(b) ? rank(a) : rank(b))) return false;  // min
      if (rank(or3(a, b)) != (rank(a) > rank(b) ? rank(a) : rank(b))) return false;   // max
      for (Truth c : all_values) {
        if (and3(a, and3(b, c)) != and3(and3(a, b), c)) return false;  // associativity
        if (or3(a, or3(b, c)) != or3(or3(a, b), c)) return false;
        if (and3(a, or3(b, c)) != or3(and3(a, b), and3(a, c))) return false;  // distributivity
        if (or3(a, and3(b, c)) != and3(or3(a, b), or3(a, c))) return false;
      }
    }
  }
  // Unknown is not excluded: `u or not u` is unknown, `u and not u` too.
  return or3(U, not3(U)) == U && and3(U, not3(U)) == U;
}

// Monotone in information: replacing unknown by a value never changes a definite result,
// so an evaluation that is definite with facts missing holds however they are filled in.
constexpr bool refines(Truth definite, Truth any) { return definite == U || definite == any; }
constexpr bool monotone() {
  for (Connective c : {Connective::and_, Connective::or_, Connective::not_})
    for (Truth a : all_values)
      for (Truth b : all_values)
        for (Truth fa : all_values)
          for (Truth fb : all_values) {
            if ((a != U && fa != a) || (b != U && fb != b)) continue;  // fa, fb fill in a, b
            if (!refines(connect(c, a, b), connect(c, fa, fb))) return false;
          }
  return true;
}

// Only the deciding value short-circuits: it alone fixes the result whatever the other side.
constexpr bool short_circuits() {
  for (Connective c : {Connective::and_, Connective::or_})
    for (Truth a : all_values) {
      bool fixed = true;
      for (Truth b : all_values) fixed = fixed && connect(c, a, b) == a;
      if (fixed != (a == decides(c))) return false;
    }
  return true;
}

// any_of / all_of are the folds of or3 / and3 over every set of occurring values.
constexpr bool folds() {
  for (int set = 0; set < 8; ++set) {
    const bool has_f = set & 1, has_t = set & 2, has_u = set & 4;
    Truth any = F, all = T;
    if (has_f) any = or3(any, F), all = and3(all, F);
    if (has_t) any = or3(any, T), all = and3(all, T);
    if (has_u) any = or3(any, U), all = and3(all, U);
    if (any_of(has_t, has_u) != any || all_of(has_f, has_u) != all) return false;
  }
  return true;
}

static_assert(laws_hold(), "and, or, not must satisfy Kleene's laws");
static_assert(monotone(), "filling in an unknown must never change a definite result");
static_assert(short_circuits(), "decides() must name the one value that decides a connective alone");
static_assert(folds(), "any_of / all_of must be the folds of or / and");
static_assert(presence(PresenceTest::is_known, true) == T && presence(PresenceTest::is_known, false) == F &&
                  presence(PresenceTest::is_unknown, true) == F && presence(PresenceTest::is_unknown, false) == T,
              "`is known` and `is unknown` are two-valued complements");

}  // namespace kleene

}  // namespace covcheck::dsl
