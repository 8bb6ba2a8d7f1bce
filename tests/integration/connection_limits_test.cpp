// Integration: how connections end at the limits. [limits] max_connections holds for the
// whole process (two workers here) and refuses cleanly (503, counted, the listener keeps
// accepting); after an error answer Portico closes lingering, so a client still sending its
// refused request reads the answer instead of a reset.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <boost/asio/write.hpp>
#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/harness.hpp"

namespace portico::testing {
namespace {

using namespace std::chrono_literals;

const std::string acme = "acme.portal.localhost";
const std::string tenant = "[[tenant]]\norg_id = \"8001\"\nname = \"Acme\"\nportal_name = \"acme\"\n";
const std::string refused_series = "portico_connections_refused_total{reason=\"max_connections\"}";

std::string metrics(Portico& portico) {
  auto response = http_request(portico.admin_port(), "GET", "/metrics", "127.0.0.1");
  EXPECT_EQ(response.result_int(), 200u);
  return response.body();
}

TEST(ConnectionLimits, OverMaxConnectionsIsRefusedWith503AndASlotFreedIsReused) {
  DemoPortal demo;
  Portico portico("[limits]\nmax_connections = 4\n" + tenant, demo.address());
  // Four idle keep-alive connections, each served once, so each is surely counted (the
  // harness runs two workers: the cap is for the process, not per worker).
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<Client>(portico.http_port()));
    EXPECT_EQ(clients.back()->request("GET", "/invoices", acme).result_int(), 200u);
  }

  // The fifth is accepted, answered 503 and closed (it sends nothing, so the close is clean).
  Client fifth(portico.http_port());
  std::string answer = fifth.read_until_close(5s);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n")) << answer;
  EXPECT_NE(answer.find("\r\nConnection: close\r\n"), std::string::npos) << answer;
  EXPECT_NE(answer.find("\r\nRetry-After: 1\r\n"), std::string::npos) << answer;
  EXPECT_EQ(metric_sample(metrics(portico), refused_series), 1);

  // The refused connection did not take a slot, and the four still work.
  for (auto& client : clients) EXPECT_EQ(client->request("GET", "/", acme).result_int(), 200u);

  // One leaves; once Portico has seen it go, a new connection is served.
  clients.front().reset();
  ASSERT_TRUE(eventually([&] { return metric_sample(metrics(portico), "portico_open_connections") == 3; }, 5s));
  Client next(portico.http_port());
  EXPECT_EQ(next.request("GET", "/invoices", acme).result_int(), 200u);
  EXPECT_EQ(metric_sample(metrics(portico), refused_series), 1);  // exactly the one refusal
}

std::size_t count_lines(const std::string& output, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = output.find(needle); at != std::string::npos; at = output.find(needle, at + 1)) ++count;
  return count;
}

TEST(ConnectionLimits, OutOfDescriptorsPausesAcceptingAndRecovers) {
  DemoPortal demo;
  Portico portico(tenant, demo.address());
  // One connection served first, so the path a request takes is warm; then no descriptor is
  // left at all: the limit is what Portico holds now. Only accepting needs one from here on.
  Client warm(portico.http_port());
  EXPECT_EQ(warm.request("GET", "/", "nobody.example").result_int(), 404u);
  const pid_t pid = portico.process().pid();
  std::size_t open_fds = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    ++open_fds;
  }
  rlimit original{};
  ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, nullptr, &original), 0);
  rlimit limit{open_fds, original.rlim_max};  // the soft limit: it can be raised again
  ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, &limit, nullptr), 0);

  // The next connection waits in the backlog while accept() fails with EMFILE... (timed from
  // before it connects: no failure can come earlier, however late this thread sees the line)
  const auto failing_since = std::chrono::steady_clock::now();
  Client waiting(portico.http_port());
  waiting.send_raw("GET / HTTP/1.1\r\nHost: nobody.example\r\n\r\n");
  ASSERT_TRUE(portico.process().wait_for_line("Too many open files"));
  // ...and is served once descriptors are there again: the listener did not stop.
  ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, &original, nullptr), 0);
  EXPECT_EQ(waiting.read_response().result_int(), 404u);
  const auto failing_for = std::chrono::steady_clock::now() - failing_since;
  EXPECT_EQ(warm.request("GET", "/", "nobody.example").result_int(), 404u);  // kept all along
  // Everything Portico logged until now: a reload's line comes after it.
  portico.process().send_signal(SIGHUP);
  ASSERT_TRUE(portico.process().wait_for_line("\"msg\":\"reloaded\""));

  // Paused between attempts (100 ms), not retried in a busy loop (which logs thousands of
  // lines in that time): at most one attempt per pause per worker, and some slack.
  const auto pauses = std::chrono::duration_cast<std::chrono::milliseconds>(failing_for).count() / 100;
  EXPECT_LE(count_lines(portico.process().output(), "Too many open files"),
            static_cast<std::size_t>(2 * (pauses + 2)));
}

TEST(ConnectionLimits, AClientStillSendingARefusedBodyIsNotReset) {
  DemoPortal demo;
  Portico portico("[limits]\nmax_body_bytes = \"64KiB\"\n" + tenant, demo.address());
  Client client(portico.http_port());
  // A declared body over max_body_bytes: 413 as soon as the head is read, while the client,
  // like curl uploading a file, goes on sending. Here it sends once Portico has answered and
  // half-closed, so the body surely arrives after Portico is done with the connection.
  client.send_raw("POST /upload HTTP/1.1\r\nHost: " + acme + "\r\nContent-Length: 10000000\r\n\r\n");
  Response response = client.read_response();
  EXPECT_EQ(response.result_int(), 413u);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(client.closed_by_peer());  // EOF: nothing more will come

  // Without a lingering close these writes fail (EPIPE / ECONNRESET: a closed socket answers
  // data with a reset, which also discards what the client has not read yet), and a client
  // writing its body before reading gives up without ever seeing the 413.
  const std::string piece(16 * 1024, 'x');
  std::size_t sent = 0;
  boost::system::error_code ec;
  while (sent < 1024 * 1024 && !ec) sent += boost::asio::write(client.socket(), boost::asio::buffer(piece), ec);
  EXPECT_FALSE(ec) << "sending the body failed after " << sent << " bytes: " << ec.message();
  EXPECT_EQ(sent, 1024u * 1024);
}

}  // namespace
}  // namespace portico::testing
