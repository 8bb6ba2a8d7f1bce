// app/admin_server: the operator's HTTP listener ([admin] listen): health, readiness, metrics,
// reload, resolve, domains. Runs on the caller's io_context (the control thread), never on a worker;
// knows the rest of Portico only through AdminHandlers.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/config/model.hpp"

namespace portico::app {

// Called on the io_context's thread, one request at a time. An empty `ready` means always
// ready; any other empty function makes its endpoint answer 503.
struct AdminHandlers {
  std::function<bool()> ready;                  // false while starting or draining
  std::function<std::string()> metrics;         // the Prometheus exposition
  std::function<std::vector<config::Problem>()> reload;  // empty or warnings only = applied
  std::function<std::optional<std::string>(std::string_view host)> resolve;  // JSON, nullopt = no tenant
  std::function<std::string()> domains;         // JSON: custom domains and their certificates
};

class AdminServer {
 public:
  AdminServer(boost::asio::io_context& io, config::AdminSection settings, AdminHandlers handlers);
  ~AdminServer();  // stop()
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Reads token_file (contents trimmed; an empty or unreadable file is an error), binds
  // [admin] listen and starts accepting. Logs {"msg":"listening","listener":"admin",...}.
  // Returns false (and logs why) on any failure; nothing is left listening then.
  bool start();

  std::uint16_t port() const noexcept;  // the bound port (resolves listen port 0)
  boost::asio::ip::tcp::endpoint local_endpoint() const noexcept;

  // Closes the listener and every admin connection. Thread-safe.
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// ---- exposed for tests: the pieces that decide, no sockets ----

// True when `authorization` is "Bearer <token>" (scheme case-insensitive) with the
// expected token; the tokens are compared in constant time.
bool bearer_token_matches(std::string_view authorization, std::string_view expected_token);
// The value of query parameter `name` ("host=a.b&x=1"), percent-decoded; nullopt if absent
// or badly encoded.
std::optional<std::string> query_parameter(std::string_view query, std::string_view name);

}  // namespace portico::app
