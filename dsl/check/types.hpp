// Types of CPL values, shared by the schema, the checker and the engine.
#pragma once

#include <cstdint>
#include <string>

namespace covcheck::dsl {

enum class BaseType : std::uint8_t {
  error,  // a sub-expression that failed to check; suppresses cascading errors
  boolean,
  integer,
  decimal,
  string,
  date,
  duration,  // a whole number of days (`N days`, `N weeks`, date - date)
  period,    // calendar months (`N months`): only in date arithmetic
  icd10,
  cpt,
  hcpcs,
  enumeration,  // ref = enum index in the schema
  record,       // ref = record index in the schema
  set,          // a code set or set literal; ref/elem describe the element type
  empty_set,
};

struct Type {
  BaseType base = BaseType::error;
  bool list = false;                   // `list of T`: a list whose elements have this base/ref
  std::uint32_t ref = 0;               // enum or record index when base is enumeration/record (or a set's element)
  BaseType element = BaseType::error;  // for `set`: the element base type

  static Type of(BaseType b, std::uint32_t ref = 0) { return Type{b, false, ref, BaseType::error}; }
  static Type list_of(BaseType b, std::uint32_t ref = 0) { return Type{b, true, ref, BaseType::error}; }
  static Type set_of(BaseType elem, std::uint32_t ref = 0) { return Type{BaseType::set, false, ref, elem}; }
  Type element_type() const {
    return list ? Type::of(base, ref) : (base == BaseType::set ? Type::of(element, ref) : *this);
  }
  bool is_code() const {
    return !list && (base == BaseType::icd10 || base == BaseType::cpt || base == BaseType::hcpcs);
  }
  bool is_numeric() const { return !list && (base == BaseType::integer || base == BaseType::decimal); }

  friend bool operator==(const Type&, const Type&) = default;
};

}  // namespace covcheck::dsl
