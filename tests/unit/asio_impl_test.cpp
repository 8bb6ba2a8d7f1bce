// Unit: Beast's request parser as Portico builds it (proxy/asio_impl.cpp): a chunked body
// whose last chunk arrives in pieces. Boost 1.81 asserts on the 4-byte put "0\r\n\r" (a
// wrong assertion, see asio_impl.cpp); a Debug build of Portico must parse it, not abort.
#include <gtest/gtest.h>

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <string>
#include <string_view>

namespace portico {
namespace {

namespace bhttp = boost::beast::http;

// Feeds `body` after a chunked head the way the relay does: each put sees every byte not yet
// consumed plus the next `step` bytes. Returns the parser's last error (need_more when the
// message is not complete yet) and whether it is done.
bool parse_in_steps(std::string_view body, std::size_t step, boost::system::error_code& ec) {
  bhttp::request_parser<bhttp::buffer_body> parser;
  const std::string_view head =
      "POST /upload HTTP/1.1\r\nHost: acme.portal.localhost\r\nTransfer-Encoding: chunked\r\n\r\n";
  parser.put(boost::asio::buffer(head.data(), head.size()), ec);
  if (ec) return false;
  char relay[64];
  std::string pending;
  for (std::size_t at = 0; at < body.size() && !parser.is_done(); at += step) {
    pending.append(body.substr(at, step));
    // Put until the parser wants more bytes (it parses one piece of the body per put).
    for (;;) {
      parser.get().body().data = relay;
      parser.get().body().size = sizeof relay;
      std::size_t used = parser.put(boost::asio::buffer(pending.data(), pending.size()), ec);
      pending.erase(0, used);
      if (ec == bhttp::error::need_buffer || (!ec && used > 0 && !parser.is_done())) continue;
      break;
    }
    if (ec && ec != bhttp::error::need_more) return false;
  }
  return parser.is_done();
}

TEST(BeastChunkedParser, LastChunkArrivingByteByByteIsParsed) {
  // The fuzzer's input (tests/fuzz/chunked_body_fuzz.cpp), one byte per put: the empty body's
  // last chunk, then bytes of what would be the next request.
  const std::string fuzzed("0\r\n\r\nxxabiv\xc3\xc7@\x05\r\x97", 15);
  boost::system::error_code ec;
  EXPECT_TRUE(parse_in_steps(fuzzed, 1, ec)) << ec.message();
  EXPECT_FALSE(ec) << ec.message();
}

TEST(BeastChunkedParser, EveryStepSizeGivesTheSameResult) {
  for (std::string_view body : {std::string_view("0\r\n\r\n"), std::string_view("5\r\nhello\r\n0\r\n\r\n"),
                                std::string_view("0;x=1\r\n\r\n"), std::string_view("0\r\nA: b\r\n\r\n")}) {
    for (std::size_t step = 1; step <= body.size(); ++step) {
      boost::system::error_code ec;
      EXPECT_TRUE(parse_in_steps(body, step, ec)) << body << " in steps of " << step << ": " << ec.message();
    }
  }
}

}  // namespace
}  // namespace portico
