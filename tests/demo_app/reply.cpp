// demo_app/reply: serializes a Reply by hand (one gathered write for ordinary pages, which
// keeps the benchmarked home page to a single syscall) and streams large or chunked bodies.
#include "tests/demo_app/reply.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/status.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>

namespace portico::demo {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr auto kWriteTimeout = std::chrono::seconds(60);
constexpr std::size_t kPieceMax = 64 * 1024;

// Filler text: a 64-byte period of letters and digits (safe inside an HTML comment and a
// JSON string), with one period of slack so a piece can start at any phase.
constexpr std::string_view kFillerPattern =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,";
constexpr std::size_t kFillerPeriod = 64;
static_assert(kFillerPattern.size() == kFillerPeriod);
constexpr auto kFiller = [] {
  std::array<char, kPieceMax + kFillerPeriod> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = kFillerPattern[i % kFillerPeriod];
  return bytes;
}();

void append_number(std::string& out, std::uint64_t value, int base = 10) {
  std::array<char, 24> digits{};
  auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value, base);
  out.append(digits.data(), result.ptr);
}

void serialize_head(std::string& out, const Reply& reply) {
  const auto code = static_cast<unsigned>(reply.status);
  std::string_view reason = http::obsolete_reason(reply.status);
  if (reason.starts_with('<')) reason = "Unknown";  // Beast's "<unknown-status>"
  out += "HTTP/1.1 ";
  append_number(out, code);
  out += ' ';
  out += reason;
  out += "\r\nServer: demo-portal\r\n";
  if (reply.has_body()) {
    out += "Content-Type: ";
    out += reply.content_type;
    if (reply.chunked) {
      out += "\r\nTransfer-Encoding: chunked\r\n";
    } else {
      out += "\r\nContent-Length: ";
      append_number(out, reply.content_length());
      out += "\r\n";
    }
  }
  out += reply.extra_headers;
  if (reply.persistence == Persistence::close) out += "Connection: close\r\n";
  if (reply.persistence == Persistence::keep_alive_explicit) out += "Connection: keep-alive\r\n";
  out += "\r\n";
}

// The part of the body at [pos, pos + max) that lies in one segment (head, filler, tail).
net::const_buffer piece_at(const Reply& reply, std::uint64_t pos, std::uint64_t max) {
  if (pos < reply.head.size()) {
    const auto n = std::min<std::uint64_t>(reply.head.size() - pos, max);
    return net::buffer(reply.head.data() + pos, static_cast<std::size_t>(n));
  }
  pos -= reply.head.size();
  if (pos < reply.filler) {
    const auto n = std::min<std::uint64_t>({reply.filler - pos, max, kPieceMax});
    return net::buffer(kFiller.data() + pos % kFillerPeriod, static_cast<std::size_t>(n));
  }
  pos -= reply.filler;
  const auto n = std::min<std::uint64_t>(reply.tail.size() - pos, max);
  return net::buffer(reply.tail.data() + pos, static_cast<std::size_t>(n));
}

net::awaitable<boost::beast::error_code> write_piece(boost::beast::tcp_stream& stream,
                                                     net::const_buffer piece, bool chunked) {
  stream.expires_after(kWriteTimeout);
  if (!chunked) {
    auto [ec, n] = co_await net::async_write(stream, piece, use_tuple);
    co_return ec;
  }
  std::string size_line;
  append_number(size_line, piece.size(), 16);
  size_line += "\r\n";
  const std::array<net::const_buffer, 3> framed{net::buffer(size_line), piece, net::buffer("\r\n", 2)};
  auto [ec, n] = co_await net::async_write(stream, framed, use_tuple);
  co_return ec;
}

// Streams the body; with chunked framing the body is cut at thirds as well as at segment
// and 64 KiB boundaries, and an empty chunk is never written before the last one.
net::awaitable<boost::beast::error_code> write_body(boost::beast::tcp_stream& stream, const Reply& reply) {
  const auto total = reply.content_length();
  const std::array<std::uint64_t, 3> cuts =
      reply.chunked ? std::array{total / 3, total * 2 / 3, total} : std::array{total, total, total};
  std::uint64_t pos = 0;
  for (const auto cut : cuts) {
    while (pos < cut) {
      const auto piece = piece_at(reply, pos, std::min<std::uint64_t>(cut - pos, kPieceMax));
      if (auto ec = co_await write_piece(stream, piece, reply.chunked)) co_return ec;
      pos += piece.size();
    }
  }
  if (!reply.chunked) co_return boost::beast::error_code{};
  stream.expires_after(kWriteTimeout);
  auto [ec, n] = co_await net::async_write(stream, net::buffer("0\r\n\r\n", 5), use_tuple);
  co_return ec;
}

}  // namespace

void Reply::add_header(std::string_view name, std::string_view value) {
  extra_headers += name;
  extra_headers += ": ";
  extra_headers += value;
  extra_headers += "\r\n";
}

bool Reply::has_body() const {
  return status != http::status::no_content && status != http::status::not_modified;
}

net::awaitable<boost::beast::error_code> write_reply(boost::beast::tcp_stream& stream,
                                                     const Reply& reply, std::string& scratch) {
  scratch.clear();
  serialize_head(scratch, reply);
  stream.expires_after(kWriteTimeout);
  if (!reply.has_body() || reply.head_only) {
    auto [ec, n] = co_await net::async_write(stream, net::buffer(scratch), use_tuple);
    co_return ec;
  }
  if (!reply.chunked && reply.filler == 0) {
    const std::array<net::const_buffer, 3> whole{net::buffer(scratch), net::buffer(reply.head),
                                                 net::buffer(reply.tail)};
    auto [ec, n] = co_await net::async_write(stream, whole, use_tuple);
    co_return ec;
  }
  auto [ec, n] = co_await net::async_write(stream, net::buffer(scratch), use_tuple);
  if (ec) co_return ec;
  co_return co_await write_body(stream, reply);
}

}  // namespace portico::demo
