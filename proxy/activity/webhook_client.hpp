// activity/webhook_client: one signed POST of a batch to the webhook, with deadlines.
// Runs on the delivery thread's io_context; decides nothing about retries.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace portico::activity {

struct WebhookUrl {
  std::string host;       // name or address, IPv6 without brackets
  std::string port;       // "80" when the URL has none
  std::string authority;  // the Host header: as written in the URL
  std::string target;     // path and query, "/" when the URL has no path
};

// "http://host[:port][/path][?query]" (scheme case-insensitive; a #fragment is dropped).
std::optional<WebhookUrl> parse_webhook_url(std::string_view url);

// "v1=" + lowercase hex HMAC-SHA256(key, timestamp + "\n" + body).
std::string sign_webhook(std::string_view key, std::string_view timestamp, std::string_view body);

struct WebhookResult {
  unsigned status = 0;  // 0 = no HTTP answer (connect failure, timeout, cancel)
  std::string error;    // why, for the log, when not 2xx
  bool ok() const noexcept { return status >= 200 && status <= 299; }
};

struct WebhookTimeouts {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds response{10000};  // sending the batch and reading the answer
};

class WebhookClient {
 public:
  WebhookClient(boost::asio::any_io_executor executor, WebhookUrl url, std::string signing_key,
                WebhookTimeouts timeouts = {});

  // POSTs `body` (a JSON array) on a new connection with Content-Type application/json and,
  // with a key, X-Portal-Timestamp and X-Portal-Signature. Never throws.
  boost::asio::awaitable<WebhookResult> post(const std::string& body);

  // Ends the attempt in progress and every later one. Call on the executor's thread.
  void cancel();

 private:
  boost::asio::awaitable<WebhookResult> connect();

  boost::asio::any_io_executor executor_;
  WebhookUrl url_;
  std::string signing_key_;
  WebhookTimeouts timeouts_;
  boost::asio::ip::tcp::resolver resolver_;
  std::optional<boost::beast::tcp_stream> stream_;
  bool cancelled_ = false;
};

}  // namespace portico::activity
