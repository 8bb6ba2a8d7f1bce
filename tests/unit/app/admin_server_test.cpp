// Tests for app/admin_server: a real listener on 127.0.0.1:0 on its own io_context thread,
// hit with a small synchronous Beast client.
#include "proxy/app/admin_server.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

namespace portico::app {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
namespace fs = std::filesystem;

struct Answer {
  unsigned status = 0;
  std::string body;
  std::string content_type;
  std::string www_authenticate;
  std::string allow;
};

Answer send(std::uint16_t port, http::verb method, std::string target, std::string token = {}) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> request{method, target, 11};
  request.set(http::field::host, "127.0.0.1");
  if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
  request.prepare_payload();
  http::write(socket, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  return {response.result_int(), response.body(), std::string(response[http::field::content_type]),
          std::string(response[http::field::www_authenticate]), std::string(response[http::field::allow])};
}

// The admin server on its own io_context thread, like the Server's control thread.
class AdminFixture : public ::testing::Test {
 protected:
  void start(std::string token_file = {}) {
    config::AdminSection settings;
    settings.listen = config::Endpoint{"127.0.0.1", 0, {}};
    settings.token_file = std::move(token_file);
    AdminHandlers handlers;
    handlers.ready = [this] { return ready.load(); };
    handlers.metrics = [] { return std::string("portico_up 1\n"); };
    handlers.reload = [this] { return reload_problems; };
    handlers.resolve = [](std::string_view host) -> std::optional<std::string> {
      if (host != "acme.portal.localhost") return std::nullopt;
      return std::string(R"({"org_id":"60001234","match":"current_name"})");
    };
    server = std::make_unique<AdminServer>(io, settings, handlers);
    ASSERT_TRUE(server->start());
    ASSERT_NE(server->port(), 0);
    thread = std::thread([this] { io.run(); });
  }

  void TearDown() override {
    if (server) server->stop();
    if (thread.joinable()) thread.join();  // run() returns once every connection has closed
    server.reset();
  }

  std::string write_token_file(const std::string& contents) {
    auto path = fs::temp_directory_path() / ("portico-admin-token-" + std::to_string(::getpid()));
    std::ofstream(path) << contents;
    ::chmod(path.c_str(), 0600);
    token_path = path;
    return path.string();
  }

  ~AdminFixture() override {
    if (!token_path.empty()) fs::remove(token_path);
  }

  asio::io_context io;
  std::unique_ptr<AdminServer> server;
  std::thread thread;
  std::atomic<bool> ready{true};
  std::vector<config::Problem> reload_problems;
  fs::path token_path;
};

TEST_F(AdminFixture, HealthzAnswersOk) {
  start();
  auto answer = send(server->port(), http::verb::get, "/healthz");
  EXPECT_EQ(answer.status, 200u);
  EXPECT_EQ(answer.body, "ok\n");
}

TEST_F(AdminFixture, ReadyzFollowsTheReadyCallback) {
  start();
  EXPECT_EQ(send(server->port(), http::verb::get, "/readyz").status, 200u);
  ready = false;
  EXPECT_EQ(send(server->port(), http::verb::get, "/readyz").status, 503u);
  ready = true;
  EXPECT_EQ(send(server->port(), http::verb::get, "/readyz").status, 200u);
}

TEST_F(AdminFixture, MetricsUsesThePrometheusContentType) {
  start();
  auto answer = send(server->port(), http::verb::get, "/metrics");
  EXPECT_EQ(answer.status, 200u);
  EXPECT_EQ(answer.body, "portico_up 1\n");
  EXPECT_EQ(answer.content_type, "text/plain; version=0.0.4; charset=utf-8");
}

TEST_F(AdminFixture, ReloadAppliedAnswers200) {
  start();
  reload_problems = {config::Problem{{"portico.toml", 3, 1}, "something odd", true}};
  auto answer = send(server->port(), http::verb::post, "/reload");
  EXPECT_EQ(answer.status, 200u);
  auto json = boost::json::parse(answer.body).as_object();
  EXPECT_EQ(json.at("result"), "ok");
  EXPECT_EQ(json.at("warnings").as_array().size(), 1u);
}

TEST_F(AdminFixture, ReloadRefusedAnswers422WithEveryError) {
  start();
  reload_problems = {config::Problem{{"portico.toml", 12, 5}, "unknown key \"bannr\"", false},
                     config::Problem{{"tenants.toml", 4, 15}, "portal name taken", false}};
  auto answer = send(server->port(), http::verb::post, "/reload");
  EXPECT_EQ(answer.status, 422u);
  EXPECT_EQ(answer.content_type, "application/json");
  auto json = boost::json::parse(answer.body).as_object();
  EXPECT_EQ(json.at("result"), "refused");
  const auto& errors = json.at("errors").as_array();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], "portico.toml:12:5: unknown key \"bannr\"");
  EXPECT_EQ(errors[1], "tenants.toml:4:15: portal name taken");
}

TEST_F(AdminFixture, ResolveAnswersTheCallbacksJsonOr404) {
  start();
  auto found = send(server->port(), http::verb::get, "/resolve?host=acme.portal.localhost");
  EXPECT_EQ(found.status, 200u);
  EXPECT_EQ(boost::json::parse(found.body).as_object().at("org_id"), "60001234");
  auto missing = send(server->port(), http::verb::get, "/resolve?host=nobody.example");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(boost::json::parse(missing.body).as_object().at("host"), "nobody.example");
  EXPECT_EQ(send(server->port(), http::verb::get, "/resolve").status, 400u);
}

TEST_F(AdminFixture, UnknownPathIs404AndWrongMethodIs405) {
  start();
  EXPECT_EQ(send(server->port(), http::verb::get, "/nope").status, 404u);
  auto wrong = send(server->port(), http::verb::get, "/reload");
  EXPECT_EQ(wrong.status, 405u);
  EXPECT_EQ(wrong.allow, "POST");
  EXPECT_EQ(send(server->port(), http::verb::post, "/metrics").status, 405u);
}

TEST_F(AdminFixture, TokenGuardsEveryEndpointButHealthz) {
  start(write_token_file("  s3cret-token\n"));
  EXPECT_EQ(send(server->port(), http::verb::get, "/healthz").status, 200u);
  for (const char* target : {"/readyz", "/metrics", "/resolve?host=acme.portal.localhost", "/nope"}) {
    auto denied = send(server->port(), http::verb::get, target);
    EXPECT_EQ(denied.status, 401u) << target;
    EXPECT_EQ(denied.www_authenticate, "Bearer realm=\"portico-admin\"") << target;
    EXPECT_EQ(send(server->port(), http::verb::get, target, "wrong").status, 401u) << target;
  }
  EXPECT_EQ(send(server->port(), http::verb::post, "/reload").status, 401u);
  EXPECT_EQ(send(server->port(), http::verb::get, "/readyz", "s3cret-token").status, 200u);
  EXPECT_EQ(send(server->port(), http::verb::get, "/metrics", "s3cret-token").status, 200u);
  EXPECT_EQ(send(server->port(), http::verb::post, "/reload", "s3cret-token").status, 200u);
  EXPECT_EQ(send(server->port(), http::verb::get, "/nope", "s3cret-token").status, 404u);
}

TEST_F(AdminFixture, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  asio::io_context client;
  tcp::socket socket(client);
  socket.connect(server->local_endpoint());
  beast::flat_buffer buffer;
  for (const char* target : {"/healthz", "/readyz", "/metrics"}) {
    http::request<http::empty_body> request{http::verb::get, target, 11};
    request.set(http::field::host, "127.0.0.1");
    http::write(socket, request);
    http::response<http::string_body> response;
    http::read(socket, buffer, response);
    EXPECT_EQ(response.result_int(), 200u) << target;
  }
}

TEST_F(AdminFixture, StopClosesIdleKeepAliveConnections) {
  start();
  asio::io_context client;
  tcp::socket socket(client);
  socket.connect(server->local_endpoint());
  http::request<http::empty_body> request{http::verb::get, "/healthz", 11};
  http::write(socket, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  ASSERT_TRUE(response.keep_alive());

  auto begin = std::chrono::steady_clock::now();
  server->stop();
  thread.join();  // returns only once the idle connection is gone, not after the 10 s timeout
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(5));
  boost::system::error_code ec;
  char byte;
  socket.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);
}

TEST_F(AdminFixture, OversizedHeaderIs431) {
  start();
  asio::io_context client;
  tcp::socket socket(client);
  socket.connect(server->local_endpoint());
  std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(10000, 'a') + "\r\n\r\n";
  asio::write(socket, asio::buffer(request));
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  EXPECT_EQ(response.result_int(), 431u);
}

TEST(AdminServer, RefusesAnEmptyOrMissingTokenFile) {
  asio::io_context io;
  config::AdminSection settings;
  settings.listen = config::Endpoint{"127.0.0.1", 0, {}};
  settings.token_file = "/nonexistent/portico-token";
  AdminServer missing(io, settings, {});
  EXPECT_FALSE(missing.start());
}

TEST(AdminServer, RefusesAnAddressInUse) {
  asio::io_context io;
  tcp::acceptor taken(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  config::AdminSection settings;
  settings.listen = config::Endpoint{"127.0.0.1", taken.local_endpoint().port(), {}};
  AdminServer server(io, settings, {});
  EXPECT_FALSE(server.start());
}

TEST(BearerToken, MatchesOnlyTheExactToken) {
  struct Case {
    const char* header;
    bool matches;
  };
  const Case cases[] = {
      {"Bearer abc123", true},   {"bearer abc123", true},  {"BEARER  abc123 ", true},
      {"Bearer abc1234", false}, {"Bearer abc12", false},  {"Basic abc123", false},
      {"Bearerabc123", false},   {"", false},              {"Bearer ", false},
  };
  for (const auto& c : cases) EXPECT_EQ(bearer_token_matches(c.header, "abc123"), c.matches) << c.header;
  EXPECT_FALSE(bearer_token_matches("Bearer ", ""));
}

TEST(QueryParameter, FindsAndDecodesTheValue) {
  EXPECT_EQ(query_parameter("host=acme.portal.localhost", "host"), "acme.portal.localhost");
  EXPECT_EQ(query_parameter("x=1&host=b%2Ec&y", "host"), "b.c");
  EXPECT_EQ(query_parameter("hostname=a", "host"), std::nullopt);
  EXPECT_EQ(query_parameter("host=%zz", "host"), std::nullopt);
  EXPECT_EQ(query_parameter("host", "host"), "");
  EXPECT_EQ(query_parameter("", "host"), std::nullopt);
}

}  // namespace
}  // namespace portico::app
