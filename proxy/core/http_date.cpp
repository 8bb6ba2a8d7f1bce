// core/http_date: IMF-fixdate formatting and the per-thread cache of the current second.
#include "proxy/core/http_date.hpp"

#include <chrono>

namespace portico::core {

std::string_view format_http_date(std::time_t seconds, char (&out)[30]) noexcept {
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  // Fixed width: "Www, DD Mmm YYYY HH:MM:SS GMT" (29 characters). Written by hand: strftime
  // would follow the locale's day and month names.
  auto two = [](char* at, int value) {
    at[0] = static_cast<char>('0' + value / 10);
    at[1] = static_cast<char>('0' + value % 10);
  };
  const char* day = days[utc.tm_wday];
  const char* month = months[utc.tm_mon];
  const int year = utc.tm_year + 1900;
  out[0] = day[0], out[1] = day[1], out[2] = day[2], out[3] = ',', out[4] = ' ';
  two(out + 5, utc.tm_mday);
  out[7] = ' ', out[8] = month[0], out[9] = month[1], out[10] = month[2], out[11] = ' ';
  two(out + 12, year / 100 % 100);
  two(out + 14, year % 100);
  out[16] = ' ';
  two(out + 17, utc.tm_hour);
  out[19] = ':';
  two(out + 20, utc.tm_min);
  out[22] = ':';
  two(out + 23, utc.tm_sec);
  out[25] = ' ', out[26] = 'G', out[27] = 'M', out[28] = 'T', out[29] = '\0';
  return {out, 29};
}

std::string_view http_date_now() noexcept {
  thread_local std::time_t cached_second = -1;
  thread_local char cached[30];
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  if (now != cached_second) {
    format_http_date(now, cached);
    cached_second = now;
  }
  return {cached, 29};
}

}  // namespace portico::core
