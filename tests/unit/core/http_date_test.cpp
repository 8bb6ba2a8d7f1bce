// Unit: the Date header value is IMF-fixdate in GMT, whatever the locale or time zone.
#include "proxy/core/http_date.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <string>

namespace portico::core {
namespace {

TEST(HttpDate, FormatsImfFixdate) {
  char out[30];
  EXPECT_EQ(format_http_date(784111777, out), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
  EXPECT_EQ(format_http_date(0, out), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(format_http_date(951782400, out), "Tue, 29 Feb 2000 00:00:00 GMT");  // a leap day
  EXPECT_EQ(format_http_date(4102444799, out), "Thu, 31 Dec 2099 23:59:59 GMT");
}

TEST(HttpDate, NowIsTheCurrentSecond) {
  const std::time_t before = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  const std::string now(http_date_now());
  const std::time_t after = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char low[30];
  char high[30];
  EXPECT_TRUE(now == format_http_date(before, low) || now == format_http_date(after, high)) << now;
  EXPECT_EQ(now.size(), 29u);
}

}  // namespace
}  // namespace portico::core
