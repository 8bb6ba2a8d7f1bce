// Unit: Portico's own head and chunk writing produces exactly the bytes Beast's serializer
// wrote (Beast's `operator<<` runs the serializer), and chunk framing that a parser reads
// back as the same body.
#include "proxy/http/outgoing_message.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <sstream>
#include <string>

namespace portico::http {
namespace {

namespace bhttp = boost::beast::http;

template <class Header>
std::string beast_bytes(const Header& head) {
  std::ostringstream out;
  out << head;
  return out.str();
}

template <class Header>
std::string portico_bytes(const Header& head) {
  std::string out;
  append_head(head, out);
  return out;
}

std::string joined(const OutgoingPiece& piece) {
  std::string out;
  for (const auto& buffer : piece.buffers()) out.append(static_cast<const char*>(buffer.data()), buffer.size());
  return out;
}

TEST(OutgoingMessage, RequestHeadsAreTheSerializersBytes) {
  bhttp::request_header<> request;
  request.method(bhttp::verb::get);
  request.target("/invoices?page=2&sort=date");
  request.version(11);
  request.set(bhttp::field::host, "acme.portal.example");
  request.set("X-Portal-Org-Id", "1001");
  request.insert("x-lower-case", "kept as written");
  request.insert("X-Repeated", "one");
  request.insert("X-Repeated", "two");
  request.set(bhttp::field::content_length, "0");
  EXPECT_EQ(portico_bytes(request), beast_bytes(request));

  bhttp::request_header<> custom;  // a method Beast has no verb for, HTTP/1.0, no fields
  custom.method_string("PURGE");
  custom.target("*");
  custom.version(10);
  EXPECT_EQ(portico_bytes(custom), beast_bytes(custom));
  EXPECT_EQ(portico_bytes(custom), "PURGE * HTTP/1.0\r\n\r\n");
}

TEST(OutgoingMessage, ResponseHeadsAreTheSerializersBytes) {
  bhttp::response_header<> response;
  response.result(bhttp::status::ok);
  response.version(11);
  response.set(bhttp::field::content_type, "text/html; charset=utf-8");
  response.set("X-Request-Id", "abc");
  response.set(bhttp::field::transfer_encoding, "chunked");
  EXPECT_EQ(portico_bytes(response), beast_bytes(response));

  bhttp::response_header<> own_reason;  // the upstream's reason phrase is kept, even an odd one
  own_reason.result(404);
  own_reason.reason("Nothing Here");
  own_reason.version(10);
  EXPECT_EQ(portico_bytes(own_reason), beast_bytes(own_reason));
  EXPECT_EQ(portico_bytes(own_reason), "HTTP/1.0 404 Nothing Here\r\n\r\n");

  for (unsigned status : {101u, 204u, 304u, 421u, 599u, 999u}) {  // unknown codes: empty reason
    bhttp::response_header<> plain;
    plain.result(status);
    EXPECT_EQ(portico_bytes(plain), beast_bytes(plain)) << status;
  }
}

TEST(OutgoingMessage, PiecesCarryThePendingHeadAndTheFraming) {
  EXPECT_EQ(joined(OutgoingPiece("HEAD\r\n\r\n", "hello", false, false)), "HEAD\r\n\r\nhello");
  EXPECT_EQ(joined(OutgoingPiece({}, "hello", true, false)), "5\r\nhello\r\n");
  EXPECT_EQ(joined(OutgoingPiece({}, "hello", true, true)), "5\r\nhello\r\n0\r\n\r\n");
  EXPECT_EQ(joined(OutgoingPiece({}, {}, true, true)), "0\r\n\r\n");
  EXPECT_EQ(joined(OutgoingPiece("H\r\n\r\n", {}, true, true)), "H\r\n\r\n0\r\n\r\n");
  EXPECT_TRUE(OutgoingPiece({}, {}, true, false).empty());   // nothing yet
  EXPECT_TRUE(OutgoingPiece({}, {}, false, true).empty());   // a sized body's end
  const std::string big(0x1a2b3, 'x');
  EXPECT_EQ(joined(OutgoingPiece({}, big, true, false)).substr(0, 7), "1a2b3\r\n");
}

TEST(OutgoingMessage, AChunkedBodyWrittenInPiecesParsesBackWhole) {
  bhttp::response_header<> head;
  head.result(bhttp::status::ok);
  head.version(11);
  head.set(bhttp::field::transfer_encoding, "chunked");
  std::string wire;
  append_head(head, wire);
  const std::string pieces[] = {"<html>", std::string(70000, 'b'), "", "</html>"};
  for (std::size_t i = 0; i < std::size(pieces); ++i) {
    wire += joined(OutgoingPiece({}, pieces[i], true, i + 1 == std::size(pieces)));
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(boost::none);
  boost::system::error_code ec;
  std::size_t used = parser.put(boost::asio::buffer(wire), ec);
  while (!ec && !parser.is_done() && used < wire.size()) {
    used += parser.put(boost::asio::buffer(wire.data() + used, wire.size() - used), ec);
  }
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(used, wire.size());
  EXPECT_EQ(parser.get().body(), "<html>" + std::string(70000, 'b') + "</html>");
}

}  // namespace
}  // namespace portico::http
