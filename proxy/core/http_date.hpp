// core/http_date: the Date header value (RFC 9110 §5.6.7 IMF-fixdate, always GMT).
// RFC 9110 §6.6.1: a server with a clock sends Date, and a proxy forwarding a response
// without one adds it. Formatting per request would cost a gmtime and a format each time, so
// each thread keeps the string of the current second (nginx's ngx_cached_http_time).
#pragma once

#include <ctime>
#include <string_view>

namespace portico::core {

// "Sun, 06 Nov 1994 08:49:37 GMT" for `seconds` since the epoch.
std::string_view format_http_date(std::time_t seconds, char (&out)[30]) noexcept;

// The current second's date, formatted once per second per thread. The view is valid on
// this thread until the next call.
std::string_view http_date_now() noexcept;

}  // namespace portico::core
