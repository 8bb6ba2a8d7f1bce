// Test helpers for activity: a scratch spool directory, events, bounded waits, and a real
// HTTP webhook receiver on 127.0.0.1:0 that records what it acknowledged.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "proxy/activity/event.hpp"
#include "proxy/config/model.hpp"

namespace portico::activity::testing {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

// Polls `condition` until it holds or `timeout` passes; true when it held.
inline bool wait_until(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

class ScratchDir {
 public:
  ScratchDir() {
    std::random_device device;
    path_ = (std::filesystem::temp_directory_path() /
             ("portico-activity-" + std::to_string(device()) + std::to_string(device())))
                .string();
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string spool() const { return path_ + "/spool"; }

 private:
  std::string path_;
};

inline Event make_event(int n, std::string event = "quote.accepted", std::string object_id = "",
                        bool first_only = false, std::string org_id = "60001234") {
  Event e;
  e.event = std::move(event);
  e.org_id = std::move(org_id);
  e.portal_name = "acme";
  e.host = "acme.portal.localhost";
  e.object_id = object_id.empty() ? "QT-" + std::to_string(n) : std::move(object_id);
  e.method = "POST";
  e.path = "/quotes/" + e.object_id + "/accept";
  e.status = 200;
  e.request_id = "req-" + std::to_string(n);
  e.first_only = first_only;
  stamp(e);
  return e;
}

inline config::ActivitySection section_for(const std::string& spool, const std::string& webhook) {
  config::ActivitySection section;
  section.spool_dir = spool;
  section.webhook = webhook;
  section.retry_max_backoff = std::chrono::milliseconds(100);
  section.fsync_interval = std::chrono::milliseconds(50);
  return section;
}

// An http:// URL on which nothing listens: connections are refused.
inline std::string refusing_url() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  const auto port = acceptor.local_endpoint().port();
  acceptor.close();
  return "http://127.0.0.1:" + std::to_string(port) + "/portal-events";
}

struct ReceivedRequest {
  unsigned answered = 0;
  std::string target;
  std::string content_type;
  std::string timestamp;
  std::string signature;
  std::string body;
};

class WebhookReceiver {
 public:
  WebhookReceiver() : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~WebhookReceiver() {
    io_.stop();
    thread_.join();
  }
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/portal-events"; }

  // The next `count` requests are answered `status` (and not recorded as acknowledged).
  void fail_next(int count, unsigned status = 503) {
    std::lock_guard lock(mutex_);
    fail_remaining_ = count;
    fail_status_ = status;
  }

  std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  // Ids of the events in the requests answered 2xx, in arrival order.
  std::vector<std::string> acknowledged_ids() const {
    std::vector<std::string> ids;
    for (const ReceivedRequest& request : requests()) {
      if (request.answered < 200 || request.answered > 299) continue;
      const boost::json::value batch = boost::json::parse(request.body);
      for (const boost::json::value& event : batch.as_array())
        ids.emplace_back(event.at("id").as_string());
    }
    return ids;
  }

  std::vector<boost::json::object> acknowledged_events() const {
    std::vector<boost::json::object> events;
    for (const ReceivedRequest& request : requests()) {
      if (request.answered < 200 || request.answered > 299) continue;
      const boost::json::value batch = boost::json::parse(request.body);
      for (const boost::json::value& event : batch.as_array()) events.push_back(event.as_object());
    }
    return events;
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(asio::ip::tcp::socket socket) {
    boost::beast::tcp_stream stream(std::move(socket));
    boost::beast::flat_buffer buffer;
    for (;;) {
      bhttp::request<bhttp::string_body> request;
      auto [read_ec, read] =
          co_await bhttp::async_read(stream, buffer, request, asio::as_tuple(asio::use_awaitable));
      if (read_ec) co_return;
      bhttp::response<bhttp::string_body> response;
      response.version(11);
      response.result(record(request));
      response.body() = "{}";
      response.prepare_payload();
      response.keep_alive(request.keep_alive());
      auto [write_ec, written] =
          co_await bhttp::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
      if (write_ec || !request.keep_alive()) co_return;
    }
  }

  unsigned record(const bhttp::request<bhttp::string_body>& request) {
    std::lock_guard lock(mutex_);
    ReceivedRequest received;
    received.answered = 200;
    if (fail_remaining_ > 0) {
      --fail_remaining_;
      received.answered = fail_status_;
    }
    received.target = std::string(request.target());
    received.content_type = std::string(request[bhttp::field::content_type]);
    received.timestamp = std::string(request["X-Portal-Timestamp"]);
    received.signature = std::string(request["X-Portal-Signature"]);
    received.body = request.body();
    requests_.push_back(received);
    return received.answered;
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  int fail_remaining_ = 0;
  unsigned fail_status_ = 503;
  std::vector<ReceivedRequest> requests_;
};

}  // namespace portico::activity::testing
