// Unit: what Beast 1.81's parser does on its own with the shapes Portico refuses (why
// request_framing and TrailerGuard exist; if Beast changes, these tell), and TrailerGuard.
#include "proxy/http/trailer_guard.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>

namespace portico::http {
namespace {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

using RequestParser = bhttp::request_parser<bhttp::string_body>;
using ResponseParser = bhttp::response_parser<bhttp::string_body>;

// Feeds everything at once (eager, as http::read does); returns the bytes consumed.
template <class Parser>
std::size_t feed(Parser& parser, const std::string& bytes, boost::system::error_code& ec) {
  parser.eager(true);
  return parser.put(asio::buffer(bytes), ec);
}

TEST(BeastBaseline, IgnoresATransferEncodingWhoseLastCodingIsNotChunked) {
  // The smuggling Portico's own check exists for: Beast takes this request as bodiless, so
  // its "body" would be read as the next request.
  std::string bytes =
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n"
      "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
  RequestParser parser;
  boost::system::error_code ec;
  std::size_t used = feed(parser, bytes, ec);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(parser.is_done());
  EXPECT_FALSE(parser.chunked());
  EXPECT_EQ(bytes.substr(used).rfind("GET /smuggled", 0), 0u);
}

TEST(BeastBaseline, UnfoldsObsFoldAndAcceptsAContentLengthList) {
  RequestParser parser;
  boost::system::error_code ec;
  feed(parser, "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\nContent-Length: 0, 0\r\n\r\n", ec);
  EXPECT_FALSE(ec);
  EXPECT_EQ(parser.get()["X-A"], "1 2");
}

TEST(BeastBaseline, MergesTrailersIntoTheHeaderFields) {
  RequestParser parser;
  boost::system::error_code ec;
  feed(parser,
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
       "5;ext=1\r\nhello\r\n0\r\nX-Portal-Org-Id: 2002\r\n\r\n",
       ec);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(parser.get()["X-Portal-Org-Id"], "2002");
}

TEST(BeastBaseline, RefusesBadChunkSizesAndExtensions) {
  for (std::string chunk :
       {"-5\r\nhello\r\n0\r\n\r\n", "0x5\r\nhello\r\n0\r\n\r\n", " 5\r\nhello\r\n0\r\n\r\n",
        "5 \r\nhello\r\n0\r\n\r\n", "5;a\nb\r\nhello\r\n0\r\n\r\n", "5\r\nhelloXX0\r\n\r\n",
        "fffffffffffffffff\r\nhello\r\n0\r\n\r\n", "5;\"q\"\r\nhello\r\n0\r\n\r\n"}) {
    RequestParser parser;
    boost::system::error_code ec;
    feed(parser, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk, ec);
    EXPECT_TRUE(ec) << chunk;
  }
}

TEST(TrailerGuard, SeesNoTrailersOnAnOrdinaryChunkedBody) {
  RequestParser parser;
  TrailerGuard guard;
  guard.watch(parser);
  boost::system::error_code ec;
  feed(parser,
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
       ec);
  ASSERT_FALSE(ec);
  ASSERT_TRUE(parser.is_done());
  EXPECT_FALSE(guard.has_trailers());
}

TEST(TrailerGuard, FindsAndDropsTrailersFedByteByByte) {
  std::string bytes =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Head: 1\r\n\r\n"
      "5\r\nhello\r\n0\r\nX-Portal-Activity: quote.accepted; id=1\r\nX-Other: 2\r\n\r\n";
  ResponseParser parser;
  TrailerGuard guard;
  guard.watch(parser);
  parser.eager(true);
  std::string pending;
  for (char c : bytes) {
    ASSERT_FALSE(parser.is_done());
    pending += c;
    boost::system::error_code ec;
    auto used = parser.put(asio::buffer(pending), ec);
    pending.erase(0, used);
    if (ec == bhttp::error::need_more) continue;
    ASSERT_FALSE(ec) << ec.message();
  }
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(parser.get().body(), "hello");
  ASSERT_TRUE(guard.has_trailers());
  guard.drop_trailers();
  EXPECT_FALSE(guard.has_trailers());
  EXPECT_EQ(parser.get().count("X-Portal-Activity"), 0u);
  EXPECT_EQ(parser.get().count("X-Other"), 0u);
  EXPECT_EQ(parser.get()["X-Head"], "1");
  EXPECT_TRUE(parser.get().chunked());
}

TEST(TrailerGuard, NothingToDoWithoutChunking) {
  ResponseParser parser;
  TrailerGuard guard;
  guard.watch(parser);
  boost::system::error_code ec;
  feed(parser, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", ec);
  ASSERT_FALSE(ec);
  EXPECT_FALSE(guard.has_trailers());
  guard.drop_trailers();
  EXPECT_EQ(parser.get().count(bhttp::field::content_length), 1u);
}

}  // namespace
}  // namespace portico::http
