// Civil dates as days since 1970-01-01 (proleptic Gregorian), and the calendar arithmetic
// the brief defines: month addition clamps to the month's last day; ages are completed years.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace covcheck::dsl {

struct CivilDate {
  int year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

bool is_valid_civil(int year, unsigned month, unsigned day);
std::int32_t days_from_civil(CivilDate d);
CivilDate civil_from_days(std::int32_t days);
// Parses exactly `YYYY-MM-DD`; nullopt when malformed or not a real date (2026-02-30).
std::optional<std::int32_t> parse_iso_date(std::string_view text);
std::string format_iso_date(std::int32_t days);
// date + N calendar months, clamped to the last day of the target month.
std::int32_t add_months(std::int32_t days, std::int64_t months);
// Completed years from `from` to `to` (a 29 February birthday turns over on 1 March).
std::int64_t years_between(std::int32_t from, std::int32_t to);

}  // namespace covcheck::dsl
