// demo_app/exchange: what the pages know about one request: its head, the steering query
// parameters and a digest of its body. Parsing only: no I/O, never holds a body.
#pragma once

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace portico::demo {

namespace http = boost::beast::http;

// Byte count and running FNV-1a 64 of a request body, fed one piece at a time so an
// upload of any size is digested in bounded memory.
struct BodyDigest {
  std::uint64_t bytes = 0;
  std::uint64_t fnv1a = 0xcbf29ce484222325ULL;

  void update(const char* data, std::size_t size) noexcept;
  std::string hex() const;  // 16 lowercase hex digits
};

enum class Format { automatic, html, json };

// Query parameters the tests and the benchmark kit use to steer any route.
struct Steering {
  unsigned status = 0;  // 0: the route's own status; otherwise 200..599
  std::chrono::milliseconds delay{0};
  bool chunked = false;
  std::uint64_t size = 0;  // filler bytes appended to the body
  bool etag = false;
  bool close = false;
  Format format = Format::automatic;
};

// Reads `status=`, `delay_ms=`, `chunked=`, `size=`, `etag=`, `close=`, `format=` from a
// query string. Unknown or malformed parameters are ignored rather than refused: a page
// that reports what it received should answer whatever it is sent.
Steering parse_steering(std::string_view query);

struct Target {
  std::string_view path;   // origin-form path (absolute-form targets reduced to it)
  std::string_view query;  // after '?', without it
};
Target split_target(std::string_view target);

using RequestHead = http::request_header<>;

// One request as the routes see it, after its body has been read.
struct Exchange {
  const RequestHead& head;
  Target target;
  Steering steering;
  BodyDigest body;
  const boost::json::value* json_body = nullptr;  // set for JSON-consuming routes when valid

  // ?format=json, or an Accept header naming application/json; ?format=html wins over Accept.
  bool wants_json() const;
  std::string_view header(std::string_view name) const;  // first value, or empty
};

}  // namespace portico::demo
