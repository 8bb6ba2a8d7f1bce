// upstream/health_checker: the check loop holds no snapshot while it waits, so the snapshot
// a reload replaced is freed as soon as requests let go of it (a held one kept a whole
// tenant table alive through the next reload's build).
#include "proxy/upstream/health_checker.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>

#include "proxy/upstream/health.hpp"

namespace portico::upstream {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

std::shared_ptr<const config::Snapshot> snapshot_with(config::UpstreamSection upstream, std::uint64_t generation) {
  config::Config config;
  config.upstream = std::move(upstream);
  auto compiled = config::compile_snapshot(std::move(config), generation);
  EXPECT_TRUE(compiled.ok()) << (compiled.problems.empty() ? "" : compiled.problems[0].message);
  return compiled.snapshot;
}

// A port nothing listens on: bound once, then closed, so a connect is refused at once.
std::uint16_t closed_port(asio::io_context& io) {
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

TEST(HealthChecker, WithoutChecksItHoldsNoSnapshotWhileWaiting) {
  asio::io_context io;
  config::SnapshotStore store;
  auto first = snapshot_with({}, 1);
  store.publish(first);
  HealthChecker checker(io, store);
  checker.start();
  io.poll();  // reads its round (no health_path) and waits health_interval
  store.publish(snapshot_with({}, 2));
  EXPECT_EQ(first.use_count(), 1);  // only this test holds it
  checker.stop();
  io.run_for(5s);
}

TEST(HealthChecker, WithChecksItHoldsNoSnapshotDuringOrAfterARound) {
  asio::io_context io;
  config::SnapshotStore store;
  config::UpstreamSection upstream;
  upstream.servers = {{"127.0.0.1", closed_port(io), {}}};
  upstream.health_path = "/healthz";
  upstream.health_interval = 5s;
  auto first = snapshot_with(upstream, 1);
  std::shared_ptr<UpstreamHealth> health = first->upstream_health;
  store.publish(first);
  HealthChecker checker(io, store);
  checker.start();
  io.poll();  // the round has started: a check is connecting
  EXPECT_EQ(first.use_count(), 2);  // this test and the store
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (health->available(0) && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
  EXPECT_FALSE(health->available(0));  // the refused connect was recorded: the round ended
  store.publish(snapshot_with(upstream, 2));
  EXPECT_EQ(first.use_count(), 1);
  checker.stop();
  io.run_for(5s);
}

}  // namespace
}  // namespace portico::upstream
