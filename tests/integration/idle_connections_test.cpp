// Integration: idle plain-http keep-alive connections are parked with no session
// (portico_parked_connections counts them) and keep every behaviour of a keep-alive
// connection: the next request wakes them, pipelined requests after a wake-up are all
// answered, the idle timeout and a drain close them, and a client's close is counted.
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/integration/harness.hpp"

namespace portico::testing {
namespace {

using namespace std::chrono_literals;

const std::string acme = "acme.portal.localhost";
const std::string tenant = "[[tenant]]\norg_id = \"8101\"\nname = \"Acme\"\nportal_name = \"acme\"\n";
const std::string parked_series = "portico_parked_connections";
const std::string open_series = "portico_open_connections";

// Until the gauge `series` reads `value` (parking and closing happen after the client's
// answer, so the client cannot know when).
bool gauge_reaches(Portico& portico, const std::string& series, double value) {
  return eventually([&] { return metric_sample(portico.metrics(), series) == value; }, 10s);
}

std::string get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: " + acme + "\r\n\r\n";
}

TEST(IdleConnections, AnIdleConnectionIsParkedAndItsNextRequestWakesIt) {
  DemoPortal demo;
  Portico portico(tenant, demo.address());
  Client client(portico.http_port());
  EXPECT_EQ(client.request("GET", "/invoices", acme).result_int(), 200u);
  ASSERT_TRUE(gauge_reaches(portico, parked_series, 1));
  EXPECT_EQ(metric_sample(portico.metrics(), open_series), 1);  // parked, still open

  // A reload while it is parked: the woken connection is served by the new config.
  EXPECT_EQ(portico.reload().result_int(), 200u);
  auto response = client.request("GET", "/invoices/INV-1?format=json", acme);
  ASSERT_EQ(response.result_int(), 200u);
  EXPECT_TRUE(response.keep_alive());
  EXPECT_EQ(parse_echo(response.body()).target, "/invoices/INV-1?format=json");
  ASSERT_TRUE(gauge_reaches(portico, parked_series, 1));  // parked again after the answer
  EXPECT_EQ(client.request("GET", "/", acme).result_int(), 200u);
}

TEST(IdleConnections, PipelinedRequestsOnAWokenConnectionAreAnsweredInOrder) {
  DemoPortal demo;
  Portico portico(tenant, demo.address());
  Client client(portico.http_port());
  EXPECT_EQ(client.request("GET", "/", acme).result_int(), 200u);
  ASSERT_TRUE(gauge_reaches(portico, parked_series, 1));
  // Three requests in one write wake it; the second and third are already buffered when
  // the first is answered, so the connection is not parked between them.
  client.send_raw(get("/invoices/A?format=json") + get("/invoices/B?format=json&delay_ms=50") +
                  get("/invoices/C?format=json"));
  for (const char* id : {"A", "B", "C"}) {
    auto response = client.read_response();
    ASSERT_EQ(response.result_int(), 200u);
    EXPECT_EQ(parse_echo(response.body()).target.substr(0, 11), std::string("/invoices/") + id);
  }
  ASSERT_TRUE(gauge_reaches(portico, parked_series, 1));
}

TEST(IdleConnections, AParkedConnectionIsClosedAtTheIdleTimeout) {
  DemoPortal demo;
  Portico portico("[limits]\nidle_timeout = \"300ms\"\n" + tenant, demo.address());
  Client client(portico.http_port());
  EXPECT_EQ(client.request("GET", "/invoices", acme).result_int(), 200u);
  EXPECT_TRUE(client.closed_by_peer(10s));
  EXPECT_TRUE(gauge_reaches(portico, open_series, 0));
  EXPECT_EQ(metric_sample(portico.metrics(), parked_series), 0);
  // The timer goes on for the next ones.
  Client second(portico.http_port());
  EXPECT_EQ(second.request("GET", "/invoices", acme).result_int(), 200u);
  EXPECT_TRUE(second.closed_by_peer(10s));
  EXPECT_TRUE(gauge_reaches(portico, open_series, 0));
}

TEST(IdleConnections, ADrainClosesParkedConnectionsAtOnce) {
  DemoPortal demo;
  Portico portico("[limits]\nidle_timeout = \"120s\"\n" + tenant, demo.address());
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<Client>(portico.http_port()));
    EXPECT_EQ(clients.back()->request("GET", "/", acme).result_int(), 200u);
  }
  ASSERT_TRUE(gauge_reaches(portico, parked_series, 4));
  portico.process().send_signal(SIGTERM);
  // Far before the idle timeout: the drain, not the timer, closes them.
  for (auto& client : clients) EXPECT_TRUE(client->closed_by_peer(10s));
  EXPECT_EQ(portico.process().wait_exit(), 0);
}

TEST(IdleConnections, ManyIdleConnectionsAreAllServedAgainAndTheirClosesCounted) {
  DemoPortal demo;
  Portico portico("[limits]\nmax_connections = 150\n" + tenant, demo.address());
  constexpr int count = 150;  // all of max_connections: a parked connection holds its slot
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < count; ++i) {
    clients.push_back(std::make_unique<Client>(portico.http_port()));
    ASSERT_EQ(clients.back()->request("GET", "/invoices", acme).result_int(), 200u) << i;
  }
  ASSERT_TRUE(gauge_reaches(portico, parked_series, count));
  Client refused(portico.http_port());
  EXPECT_TRUE(refused.read_until_close(5s).starts_with("HTTP/1.1 503 "));

  // Each sends its next request before any answer is read: all wake together.
  for (int i = 0; i < count; ++i) clients[static_cast<std::size_t>(i)]->send_raw(get("/invoices/" + std::to_string(i) + "?format=json"));
  for (int i = 0; i < count; ++i) {
    auto response = clients[static_cast<std::size_t>(i)]->read_response();
    ASSERT_EQ(response.result_int(), 200u) << i;
    EXPECT_EQ(parse_echo(response.body()).target, "/invoices/" + std::to_string(i) + "?format=json");
  }
  ASSERT_TRUE(gauge_reaches(portico, parked_series, count));
  EXPECT_EQ(metric_sample(portico.metrics(), open_series), count);

  // Clients closing parked connections: each close wakes one, and it is counted as gone.
  clients.resize(count / 2);
  EXPECT_TRUE(gauge_reaches(portico, open_series, count / 2));
  EXPECT_EQ(metric_sample(portico.metrics(), parked_series), count / 2);
  Client next(portico.http_port());  // slots freed
  EXPECT_EQ(next.request("GET", "/", acme).result_int(), 200u);
}

}  // namespace
}  // namespace portico::testing
