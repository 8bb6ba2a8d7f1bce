// app/admin_server: routing (request -> response, no I/O), then the accept loop and one
// coroutine per admin connection (keep-alive, small messages, a deadline before every read
// and write). Handlers run on the io_context's thread; no exception leaves a connection.
#include "proxy/app/admin_server.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <array>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "proxy/observe/access_log.hpp"
#include "proxy/observe/log.hpp"

namespace portico::app {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using observe::LogLevel;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds read_timeout{10};  // whole request, and keep-alive idle
constexpr std::chrono::seconds write_timeout{10};
constexpr std::size_t max_connections = 64;

std::string trim(std::string text) {
  const char* space = " \t\r\n";
  auto first = text.find_first_not_of(space);
  if (first == std::string::npos) return {};
  auto last = text.find_last_not_of(space);
  return text.substr(first, last - first + 1);
}

bool read_token_file(const std::string& path, std::string& token) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    observe::log(LogLevel::error, "cannot read admin token_file", {{"path", path}});
    return false;
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  token = trim(contents.str());
  if (token.empty()) {
    observe::log(LogLevel::error, "admin token_file is empty", {{"path", path}});
    return false;
  }
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && (info.st_mode & 0077) != 0) {
    observe::log(LogLevel::warn, "admin token_file is readable by other users; chmod 600 it", {{"path", path}});
  }
  return true;
}

void log_unexpected(std::exception_ptr error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    observe::log(LogLevel::error, "admin connection failed", {{"error", e.what()}});
  } catch (...) {
    observe::log(LogLevel::error, "admin connection failed");
  }
}

using AdminRequest = http::request<http::string_body>;
using AdminResponse = http::response<http::string_body>;
constexpr std::size_t admin_header_limit = 8 * 1024;
constexpr std::uint64_t admin_body_limit = 4 * 1024;  // nothing here takes a body
constexpr std::string_view json_type = "application/json";
constexpr std::string_view text_type = "text/plain; charset=utf-8";

AdminResponse make_response(http::status status, std::string_view content_type, std::string body) {
  AdminResponse response{status, 11};
  response.set(http::field::server, "portico");
  response.set(http::field::cache_control, "no-store");
  response.set(http::field::content_type, content_type);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  observe::append_json_string_bytes(out, text);
  out += '"';
  return out;
}

AdminResponse json_error(http::status status, std::string_view message) {
  return make_response(status, json_type, "{\"error\":" + json_string(message) + "}\n");
}

// Request -> response for the admin endpoints. Pure: no sockets.
class AdminRoutes {
 public:
  explicit AdminRoutes(AdminHandlers handlers) : handlers_(std::move(handlers)) {}
  void set_token(std::string token) { token_ = std::move(token); }

  // Never throws: a handler that throws answers 500.
  AdminResponse handle(const AdminRequest& request) const {
    try {
      AdminResponse response = route(request);
      response.version(request.version() == 10 ? 10 : 11);
      return response;
    } catch (const std::exception& e) {
      observe::log(LogLevel::error, "admin handler failed", {{"error", e.what()}});
      return json_error(http::status::internal_server_error, "internal error");
    }
  }

  AdminResponse error_response(unsigned status) const {
    return json_error(static_cast<http::status>(status), http::obsolete_reason(static_cast<http::status>(status)));
  }

 private:
  using Answer = AdminResponse (AdminRoutes::*)(std::string_view query) const;
  struct Route {
    std::string_view path;
    http::verb method;
    Answer answer;
    bool needs_token;
  };

  AdminResponse route(const AdminRequest& request) const {
    static const Route routes[] = {
        {"/healthz", http::verb::get, &AdminRoutes::healthz, false},
        {"/readyz", http::verb::get, &AdminRoutes::readyz, true},
        {"/metrics", http::verb::get, &AdminRoutes::metrics, true},
        {"/reload", http::verb::post, &AdminRoutes::reload, true},
        {"/resolve", http::verb::get, &AdminRoutes::resolve, true},
        {"/domains", http::verb::get, &AdminRoutes::domains, true},
    };
    std::string_view target = request.target();
    auto question = target.find('?');
    std::string_view path = target.substr(0, question);
    std::string_view query = question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
    const Route* found = nullptr;
    for (const auto& candidate : routes) {
      if (candidate.path == path) found = &candidate;
    }
    // Unknown paths need the token too, so an unauthenticated caller learns nothing.
    bool open = found != nullptr && !found->needs_token;
    if (!open && !token_.empty() && !bearer_token_matches(request[http::field::authorization], token_)) {
      AdminResponse response = json_error(http::status::unauthorized, "missing or wrong bearer token");
      response.set(http::field::www_authenticate, "Bearer realm=\"portico-admin\"");
      return response;
    }
    if (found == nullptr) return json_error(http::status::not_found, "no such admin endpoint");
    if (request.method() != found->method) {
      AdminResponse response = json_error(http::status::method_not_allowed, "method not allowed");
      response.set(http::field::allow, http::to_string(found->method));
      return response;
    }
    return (this->*(found->answer))(query);
  }

  AdminResponse healthz(std::string_view) const { return make_response(http::status::ok, text_type, "ok\n"); }

  AdminResponse readyz(std::string_view) const {
    bool ready = !handlers_.ready || handlers_.ready();
    return ready ? make_response(http::status::ok, text_type, "ready\n")
                 : make_response(http::status::service_unavailable, text_type, "not ready\n");
  }

  AdminResponse metrics(std::string_view) const {
    if (!handlers_.metrics) return json_error(http::status::service_unavailable, "metrics not available");
    return make_response(http::status::ok, "text/plain; version=0.0.4; charset=utf-8", handlers_.metrics());
  }

  AdminResponse reload(std::string_view) const {
    if (!handlers_.reload) return json_error(http::status::service_unavailable, "reload not available");
    std::string errors;
    std::string warnings;
    for (const auto& problem : handlers_.reload()) {
      std::string& list = problem.warning ? warnings : errors;
      if (!list.empty()) list += ',';
      list += json_string(config::format_problem(problem));
    }
    bool applied = errors.empty();
    std::string body = applied ? "{\"result\":\"ok\"" : "{\"result\":\"refused\",\"errors\":[" + errors + "]";
    body += ",\"warnings\":[" + warnings + "]}\n";
    return make_response(applied ? http::status::ok : http::status::unprocessable_entity, json_type, std::move(body));
  }

  AdminResponse domains(std::string_view) const {
    if (!handlers_.domains) return json_error(http::status::service_unavailable, "domains not available");
    return make_response(http::status::ok, json_type, handlers_.domains());
  }

  AdminResponse resolve(std::string_view query) const {
    auto host = query_parameter(query, "host");
    if (!host || host->empty()) return json_error(http::status::bad_request, "expected ?host=NAME");
    if (!handlers_.resolve) return json_error(http::status::service_unavailable, "resolve not available");
    auto answer = handlers_.resolve(*host);
    if (!answer) {
      return make_response(http::status::not_found, json_type,
                           "{\"error\":\"no tenant at this host\",\"host\":" + json_string(*host) + "}\n");
    }
    return make_response(http::status::ok, json_type, std::move(*answer));
  }

  AdminHandlers handlers_;
  std::string token_;
};

// The status for a request that could not be read, or 0 when there is nobody to answer.
unsigned status_for_read_error(const boost::system::error_code& ec) {
  if (ec == http::error::header_limit) return 431;
  if (ec == http::error::body_limit) return 413;
  bool protocol_error = ec.category() == make_error_code(http::error::bad_method).category();
  if (protocol_error && ec != http::error::end_of_stream && ec != http::error::partial_message) return 400;
  return 0;  // closed, reset or timed out
}

}  // namespace

struct AdminServer::State {
  State(asio::io_context& context, config::AdminSection admin, AdminHandlers callbacks)
      : io(context), settings(std::move(admin)), routes(std::move(callbacks)), acceptor(context) {}

  // Each coroutine holds `self`, so the state outlives the AdminServer object if it must.
  static asio::awaitable<void> accept_loop(std::shared_ptr<State> self);
  static asio::awaitable<void> serve(std::shared_ptr<State> self, tcp::socket socket);
  void close_all();

  asio::io_context& io;
  config::AdminSection settings;
  AdminRoutes routes;
  tcp::acceptor acceptor;
  tcp::endpoint bound;
  std::uint64_t next_session = 0;
  std::unordered_map<std::uint64_t, beast::tcp_stream*> sessions;  // io thread only
  bool stopped = false;
};

asio::awaitable<void> AdminServer::State::accept_loop(std::shared_ptr<State> self) {
  while (!self->stopped) {
    auto [ec, socket] = co_await self->acceptor.async_accept(nothrow);
    if (self->stopped || !self->acceptor.is_open()) break;
    if (ec) {
      // Out of file descriptors and the like: back off instead of spinning.
      asio::steady_timer pause(self->io, std::chrono::milliseconds(100));
      co_await pause.async_wait(nothrow);
      continue;
    }
    if (self->sessions.size() >= max_connections) continue;  // the socket closes going out of scope
    asio::co_spawn(self->io, serve(self, std::move(socket)), log_unexpected);
  }
}

asio::awaitable<void> AdminServer::State::serve(std::shared_ptr<State> self, tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  std::uint64_t id = self->next_session++;
  self->sessions.emplace(id, &stream);
  beast::flat_buffer buffer;
  while (!self->stopped) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(admin_header_limit);
    parser.body_limit(admin_body_limit);
    stream.expires_after(read_timeout);
    auto [read_ec, read_bytes] = co_await http::async_read(stream, buffer, parser, nothrow);
    AdminResponse response;
    if (read_ec) {
      unsigned status = status_for_read_error(read_ec);
      if (status == 0) break;
      response = self->routes.error_response(status);
      response.keep_alive(false);
    } else {
      response = self->routes.handle(parser.get());
      response.keep_alive(parser.get().keep_alive());
    }
    stream.expires_after(write_timeout);
    auto [write_ec, written] = co_await http::async_write(stream, response, nothrow);
    if (write_ec || !response.keep_alive()) break;
  }
  self->sessions.erase(id);
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
}

void AdminServer::State::close_all() {
  stopped = true;
  boost::system::error_code ignored;
  acceptor.close(ignored);
  for (auto& [id, stream] : sessions) stream->socket().close(ignored);
}

AdminServer::AdminServer(asio::io_context& io, config::AdminSection settings, AdminHandlers handlers)
    : state_(std::make_shared<State>(io, std::move(settings), std::move(handlers))) {}

AdminServer::~AdminServer() { stop(); }

bool AdminServer::start() {
  auto& state = *state_;
  const auto& listen = state.settings.listen;
  std::string token;
  if (!state.settings.token_file.empty() && !read_token_file(state.settings.token_file, token)) return false;
  state.routes.set_token(std::move(token));

  boost::system::error_code ec;
  tcp::resolver resolver(state.io);
  auto results = resolver.resolve(listen.host, std::to_string(listen.port),
                                  tcp::resolver::numeric_service | tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    observe::log(LogLevel::error, "cannot resolve admin listen address", {{"address", listen.to_string()}});
    return false;
  }
  tcp::endpoint endpoint = results.begin()->endpoint();
  auto fail = [&](const char* step) {
    observe::log(LogLevel::error, "cannot listen",
                 {{"listener", "admin"}, {"address", listen.to_string()}, {"step", step}, {"error", ec.message()}});
    boost::system::error_code ignored;
    state.acceptor.close(ignored);
    return false;
  };
  state.acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  state.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) return fail("setsockopt");
  state.acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  state.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  state.bound = state.acceptor.local_endpoint(ec);
  if (ec) return fail("getsockname");

  config::Endpoint shown{state.bound.address().to_string(), state.bound.port(), {}};
  observe::log(LogLevel::info, "listening", {{"listener", "admin"}, {"address", shown.to_string()}});
  asio::co_spawn(state.io, State::accept_loop(state_), log_unexpected);
  return true;
}

std::uint16_t AdminServer::port() const noexcept { return state_->bound.port(); }

tcp::endpoint AdminServer::local_endpoint() const noexcept { return state_->bound; }

void AdminServer::stop() {
  asio::dispatch(state_->io, [state = state_] { state->close_all(); });
}

namespace {

std::array<unsigned char, 32> sha256(std::string_view text) {
  std::array<unsigned char, 32> digest{};
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return digest;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] != '%') {
      out += text[i];
    } else {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = hex_value(text[i + 1]);
      int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    }
  }
  return out;
}

}  // namespace

bool bearer_token_matches(std::string_view authorization, std::string_view expected_token) {
  constexpr std::string_view scheme = "bearer";
  if (expected_token.empty() || authorization.size() <= scheme.size()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if ((authorization[i] | 0x20) != scheme[i]) return false;
  }
  if (authorization[scheme.size()] != ' ') return false;
  std::string_view token = authorization.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  // Hashing first makes the comparison constant-time in the token's length as well.
  auto given = sha256(token);
  auto expected = sha256(expected_token);
  return CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

std::optional<std::string> query_parameter(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto equals = pair.find('=');
    auto key = percent_decode(pair.substr(0, equals));
    if (!key || *key != name) continue;
    return percent_decode(equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1));
  }
  return std::nullopt;
}

}  // namespace portico::app
