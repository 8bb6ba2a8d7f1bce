// Fuzz target: request-head validation as read_head runs it (http/exchange.cpp): the
// HeadScanner over the raw bytes (as they trickle in, and all at once), validate_request_head
// on the head it delimits, then Beast's parser on the same bytes, configured as Portico
// configures it. Invariants: the scanner's verdict does not depend on how the bytes arrive;
// a head Portico accepts, Beast accepts too, with exactly the field lines Portico checked and
// the same body framing (never both Content-Length and Transfer-Encoding); and the head
// Beast would forward, serialized, passes the same checks with the same fields.
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/write.hpp>
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/http/field_lines.hpp"
#include "proxy/http/head_scanner.hpp"
#include "proxy/http/request_framing.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace {

namespace bhttp = boost::beast::http;
using namespace portico::http;
using portico::fuzz::FuzzInput;

constexpr std::uint64_t max_body_bytes = 25ull * 1024 * 1024;  // [limits] default

bool same_scan(const HeadScan& a, const HeadScan& b) {
  if (a.state != b.state || a.error != b.error) return false;
  return a.state != HeadScan::State::complete || (a.begin == b.begin && a.end == b.end);
}

using Fields = std::vector<std::pair<std::string, std::string>>;

// In wire order, then stably grouped by lowercase name: Beast's fields keep fields of one
// name in order but put a repeated name right after its first occurrence (RFC 9110 §5.3:
// only the order of same-named fields matters). Found by this target.
Fields grouped(Fields fields) {
  auto lower = [](std::string name) {
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name;
  };
  std::stable_sort(fields.begin(), fields.end(),
                   [&](const auto& a, const auto& b) { return lower(a.first) < lower(b.first); });
  return fields;
}

Fields fields_of(const HeadLines& lines) {
  Fields out;
  for (const FieldLine& field : lines.fields) out.emplace_back(field.name, field.value);
  return out;
}

// Checks `head` as Portico does once the scanner delimited it; returns its fields.
bool accepted(std::string_view head, std::size_t max_fields, Fields& fields, BodyFields& body) {
  if (validate_request_head(head, max_fields)) return false;
  HeadLines lines;
  FUZZ_CHECK(!split_head(head, lines));
  bool http10 = lines.start_line.ends_with("HTTP/1.0");
  FUZZ_CHECK(!check_body_fields(lines, http10, body));
  FUZZ_CHECK(!(body.content_length && body.transfer_encoding));
  FUZZ_CHECK(lines.fields.size() <= max_fields);
  fields = fields_of(lines);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzInput input(data, size);
  const std::size_t max_header_bytes = 64 + input.u16() % 8192;
  const std::size_t max_fields = 1 + input.byte() % 128;
  const std::uint32_t split_seed = input.byte();
  const std::string_view bytes = input.rest();

  HeadScanner whole(HeadKind::request, max_header_bytes);
  const HeadScan scan = whole.scan(bytes);
  // The same bytes arriving in pieces: the same verdict, as soon as it is known.
  HeadScanner trickle(HeadKind::request, max_header_bytes);
  HeadScan partial;
  std::size_t arrived = 0;
  portico::fuzz::for_each_piece(bytes, split_seed, [&](std::string_view piece) {
    arrived += piece.size();
    partial = trickle.scan(bytes.substr(0, arrived));
  });
  FUZZ_CHECK(same_scan(scan, partial));
  if (scan.state != HeadScan::State::complete) return 0;

  FUZZ_CHECK(scan.begin < scan.end && scan.end <= bytes.size() && scan.end <= max_header_bytes);
  const std::string_view head = bytes.substr(scan.begin, scan.end - scan.begin);
  FUZZ_CHECK(head.ends_with("\r\n\r\n"));
  Fields fields;
  BodyFields body;
  if (!accepted(head, max_fields, fields, body)) return 0;

  // Beast, as read_head sets it up, must take the head Portico accepted, and see in it
  // what Portico saw.
  bhttp::request_parser<bhttp::buffer_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(max_header_bytes));
  parser.body_limit(max_body_bytes);
  boost::system::error_code ec;
  std::size_t used = parser.put(boost::asio::buffer(head.data(), head.size()), ec);
  if (ec == bhttp::error::body_limit) {
    FUZZ_CHECK(body.content_length && parser.content_length() && *parser.content_length() > max_body_bytes);
    return 0;
  }
  FUZZ_CHECK(!ec);
  FUZZ_CHECK(parser.is_header_done());
  FUZZ_CHECK(used == head.size());
  FUZZ_CHECK(parser.chunked() == body.transfer_encoding);
  FUZZ_CHECK(parser.content_length().has_value() == body.content_length);
  const auto& request = parser.get();
  Fields beast_fields;
  for (const auto& field : request) beast_fields.emplace_back(field.name_string(), field.value());
  FUZZ_CHECK(grouped(beast_fields) == grouped(fields));  // none merged, unfolded, dropped, added

  // What Portico would forward, serialized, passes the same checks with the same fields.
  std::ostringstream serialized;
  serialized << request.base();
  const std::string again = serialized.str();
  HeadScanner rescan(HeadKind::request, again.size() + 1);
  const HeadScan second = rescan.scan(again);
  FUZZ_CHECK(second.state == HeadScan::State::complete && second.end == again.size());
  Fields fields_again;
  BodyFields body_again;
  FUZZ_CHECK(accepted(again, max_fields, fields_again, body_again));
  FUZZ_CHECK(grouped(fields_again) == grouped(fields));
  FUZZ_CHECK(body_again.content_length == body.content_length &&
             body_again.transfer_encoding == body.transfer_encoding);
  return 0;
}
