// activity/webhook_client: resolve, connect, POST, read the status, close. One connection
// per batch: batches are rare next to requests, and a fresh connection is never stale.
#include "proxy/activity/webhook_client.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <ctime>

namespace portico::activity {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr std::uint64_t max_response_body = 64 * 1024;

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value > 0 && value <= 65535;
}

std::string to_hex(const unsigned char* data, std::size_t size) {
  constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0xf];
  }
  return out;
}

}  // namespace

std::optional<WebhookUrl> parse_webhook_url(std::string_view url) {
  if (!starts_with_nocase(url, "http://")) return std::nullopt;
  std::string_view rest = url.substr(7);
  rest = rest.substr(0, rest.find('#'));
  const std::size_t path_start = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, path_start);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  WebhookUrl out;
  out.authority = std::string(authority);
  std::string_view host = authority;
  std::string_view port = "80";
  if (authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || !valid_port(port)) return std::nullopt;
  out.host = std::string(host);
  out.port = std::string(port);
  out.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (out.target.front() == '?') out.target.insert(0, "/");
  return out;
}

std::string sign_webhook(std::string_view key, std::string_view timestamp, std::string_view body) {
  std::string message;
  message.reserve(timestamp.size() + 1 + body.size());
  message.append(timestamp).append("\n").append(body);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned mac_size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(),
       &mac_size);
  return "v1=" + to_hex(mac.data(), mac_size);
}

WebhookClient::WebhookClient(asio::any_io_executor executor, WebhookUrl url,
                             std::string signing_key, WebhookTimeouts timeouts)
    : executor_(executor),
      url_(std::move(url)),
      signing_key_(std::move(signing_key)),
      timeouts_(timeouts),
      resolver_(executor) {}

void WebhookClient::cancel() {
  cancelled_ = true;
  resolver_.cancel();
  if (stream_) stream_->cancel();
}

asio::awaitable<WebhookResult> WebhookClient::connect() {
  boost::system::error_code ec;
  stream_.emplace(executor_);
  const asio::ip::address address = asio::ip::make_address(url_.host, ec);
  if (!ec) {
    // An address needs no resolver (whose async form runs on a thread of its own).
    const auto port = static_cast<std::uint16_t>(std::stoi(url_.port));
    const asio::ip::tcp::endpoint endpoint(address, port);
    stream_->expires_after(timeouts_.connect);
    auto [connect_ec] = co_await stream_->async_connect(endpoint, nothrow_awaitable);
    if (connect_ec) co_return WebhookResult{0, "connect: " + connect_ec.message()};
    co_return WebhookResult{};
  }
  auto [resolve_ec, endpoints] =
      co_await resolver_.async_resolve(url_.host, url_.port, nothrow_awaitable);
  if (resolve_ec) co_return WebhookResult{0, "resolve " + url_.host + ": " + resolve_ec.message()};
  if (cancelled_) co_return WebhookResult{0, "cancelled"};
  stream_->expires_after(timeouts_.connect);
  auto [connect_ec, endpoint] = co_await stream_->async_connect(endpoints, nothrow_awaitable);
  if (connect_ec) co_return WebhookResult{0, "connect: " + connect_ec.message()};
  co_return WebhookResult{};
}

asio::awaitable<WebhookResult> WebhookClient::post(const std::string& body) {
  if (cancelled_) co_return WebhookResult{0, "cancelled"};
  WebhookResult connected = co_await connect();
  if (!connected.error.empty()) {
    stream_.reset();
    co_return connected;
  }
  if (cancelled_) co_return WebhookResult{0, "cancelled"};
  bhttp::request<bhttp::string_body> request{bhttp::verb::post, url_.target, 11};
  request.set(bhttp::field::host, url_.authority);
  request.set(bhttp::field::user_agent, "portico/" PORTICO_VERSION);
  request.set(bhttp::field::content_type, "application/json");
  request.set(bhttp::field::connection, "close");
  if (!signing_key_.empty()) {
    const std::string timestamp = std::to_string(static_cast<long long>(std::time(nullptr)));
    request.set("X-Portal-Timestamp", timestamp);
    request.set("X-Portal-Signature", sign_webhook(signing_key_, timestamp, body));
  }
  request.body() = body;
  request.prepare_payload();
  stream_->expires_after(timeouts_.response);
  auto [write_ec, written] = co_await bhttp::async_write(*stream_, request, nothrow_awaitable);
  if (write_ec) {
    stream_.reset();
    co_return WebhookResult{0, "send: " + write_ec.message()};
  }
  if (cancelled_) co_return WebhookResult{0, "cancelled"};
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_response_body);
  auto [read_ec, read] = co_await bhttp::async_read(*stream_, buffer, parser, nothrow_awaitable);
  stream_.reset();
  // A reply whose body we refuse to hold still carries its status.
  if (read_ec && !(read_ec == bhttp::error::body_limit && parser.is_header_done()))
    co_return WebhookResult{0, "response: " + read_ec.message()};
  const unsigned status = parser.get().result_int();
  WebhookResult result{status, {}};
  if (!result.ok()) result.error = "webhook answered " + std::to_string(status);
  co_return result;
}

}  // namespace portico::activity
