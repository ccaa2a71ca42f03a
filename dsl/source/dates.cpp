// Calendar conversions (Howard Hinnant's days_from_civil algorithm) and month arithmetic.
#include "dsl/source/dates.hpp"

#include <fmt/format.h>

namespace covcheck::dsl {

namespace {
bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
unsigned last_day(int y, unsigned m) {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}
}  // namespace

bool is_valid_civil(int year, unsigned month, unsigned day) {
  return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= last_day(year, month);
}

std::int32_t days_from_civil(CivilDate d) {
  int y = d.year - (d.month <= 2 ? 1 : 0);
  int era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (d.month + (d.month > 2 ? -3 : 9)) + 2) / 5 + d.day - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

CivilDate civil_from_days(std::int32_t z0) {
  int z = z0 + 719468;
  int era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int y = static_cast<int>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

std::optional<std::int32_t> parse_iso_date(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  auto digits = [&](std::size_t from, std::size_t n) -> std::optional<int> {
    int v = 0;
    for (std::size_t i = from; i < from + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return std::nullopt;
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  auto y = digits(0, 4), m = digits(5, 2), d = digits(8, 2);
  if (!y || !m || !d) return std::nullopt;
  if (!is_valid_civil(*y, static_cast<unsigned>(*m), static_cast<unsigned>(*d))) return std::nullopt;
  return days_from_civil({*y, static_cast<unsigned>(*m), static_cast<unsigned>(*d)});
}

std::string format_iso_date(std::int32_t days) {
  CivilDate c = civil_from_days(days);
  return fmt::format("{:04}-{:02}-{:02}", c.year, c.month, c.day);
}

std::int32_t add_months(std::int32_t days, std::int64_t months) {
  CivilDate c = civil_from_days(days);
  std::int64_t index = static_cast<std::int64_t>(c.year) * 12 + (c.month - 1) + months;
  int year = static_cast<int>(index >= 0 ? index / 12 : (index - 11) / 12);
  unsigned month = static_cast<unsigned>(index - static_cast<std::int64_t>(year) * 12) + 1;
  unsigned day = std::min(c.day, last_day(year, month));
  return days_from_civil({year, month, day});
}

std::int64_t years_between(std::int32_t from, std::int32_t to) {
  CivilDate a = civil_from_days(from), b = civil_from_days(to);
  std::int64_t years = b.year - a.year;
  // Not yet had the birthday this year; 29 February counts as reached on 1 March.
  if (b.month < a.month || (b.month == a.month && b.day < a.day)) --years;
  return years;
}

}  // namespace covcheck::dsl
