// Integration: activity events (DESIGN §6) from real requests to a real webhook receiver
// (the demo portal app's /portal-events), through a webhook outage and a SIGKILL.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>
#include <set>
#include <sstream>

#include "tests/integration/harness.hpp"

namespace portico::testing {
namespace {

const std::string acme = "acme.portal.localhost";
const std::string globex = "globex.portal.localhost";

std::string activity_config(const std::string& webhook) {
  return R"toml(
[context]
secret_file = "context.key"

[activity]
spool_dir = "spool"
webhook = ")toml" + webhook + R"toml("
retry_max_backoff = "300ms"
[[activity.rule]]
event = "invoice.viewed"
methods = ["GET"]
path = '^/invoices/(?P<id>[^/]+)$'
first_only = true

[[tenant]]
org_id = "8001"
name = "Acme"
portal_name = "acme"
notify_org_on_activity = true

[[tenant]]
org_id = "8002"
name = "Globex"
portal_name = "globex"
)toml";
}

PorticoSetup setup_for(const std::string& upstream, const std::string& webhook_address) {
  PorticoSetup setup;
  setup.config_body = activity_config("http://" + webhook_address + "/portal-events");
  setup.upstreams = {upstream};
  setup.files = {{"context.key", "activity-test-key-0123456789\n"}};
  return setup;
}

boost::json::object received(DemoPortal& webhook) {
  auto response = http_request(webhook.port(), "GET", "/events", "events.local", {{"Accept", "application/json"}});
  return boost::json::parse(response.body()).as_object();
}

// Object ids of the events the receiver got (duplicates collapse).
std::set<std::string> received_ids(DemoPortal& webhook, const std::string& event) {
  std::set<std::string> ids;
  boost::json::object listing = received(webhook);
  for (const auto& value : listing.at("events").as_array()) {
    const auto& object = value.as_object();
    if (object.at("event").as_string() == event) ids.insert(std::string(object.at("object_id").as_string()));
  }
  return ids;
}

double metric(Portico& portico, const std::string& series) { return metric_sample(portico.metrics(), series); }

// Waits (with a deadline) until the receiver holds `count` distinct ids of `event`.
std::set<std::string> wait_for_ids(DemoPortal& webhook, const std::string& event, std::size_t count,
                                   std::chrono::seconds timeout = 20s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::set<std::string> ids;
  while ((ids = received_ids(webhook, event)).size() < count && std::chrono::steady_clock::now() < deadline) {
  }
  return ids;
}

std::set<std::string> accept_quotes(Portico& portico, int count) {
  std::set<std::string> ids;
  for (int i = 0; i < count; ++i) {
    std::string id = "QT-" + std::to_string(1000 + i);
    auto response = http_request(portico.http_port(), "POST", "/quotes/" + id + "/accept", acme, {}, "yes");
    EXPECT_EQ(response.result_int(), 200u);
    ids.insert(id);
  }
  return ids;
}

TEST(Activity, EventsReachTheWebhookAndTheHeaderNeverReachesTheClient) {
  DemoPortal demo;  // the portal app and the webhook receiver
  Portico portico(setup_for(demo.address(), demo.address()));

  auto accepted = http_request(portico.http_port(), "POST", "/quotes/QT-7/accept", acme, {}, "yes");
  EXPECT_EQ(accepted.result_int(), 200u);
  EXPECT_EQ(accepted.find("X-Portal-Activity"), accepted.end());
  // A tenant without notify_org_on_activity: the header is still removed, no event.
  auto other = http_request(portico.http_port(), "POST", "/quotes/QT-8/accept", globex, {}, "yes");
  EXPECT_EQ(other.result_int(), 200u);
  EXPECT_EQ(other.find("X-Portal-Activity"), other.end());
  // A first_only rule: twice viewed, one event.
  EXPECT_EQ(http_request(portico.http_port(), "GET", "/invoices/INV-3", acme).result_int(), 200u);
  EXPECT_EQ(http_request(portico.http_port(), "GET", "/invoices/INV-3", acme).result_int(), 200u);
  // Not 2xx: no event.
  EXPECT_EQ(http_request(portico.http_port(), "GET", "/invoices/INV-4?status=500", acme).result_int(), 500u);

  EXPECT_EQ(wait_for_ids(demo, "quote.accepted", 1), std::set<std::string>{"QT-7"});
  EXPECT_EQ(wait_for_ids(demo, "invoice.viewed", 1), std::set<std::string>{"INV-3"});
  // Everything spooled has been handled, so the receiver's count is final.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (metric(portico, "portico_activity_spool_pending_events") != 0 && std::chrono::steady_clock::now() < deadline) {
  }
  EXPECT_EQ(metric(portico, "portico_activity_events_total{result=\"spooled\"}"), 3);
  EXPECT_EQ(metric(portico, "portico_activity_duplicates_suppressed_total"), 1);
  auto events = received(demo);
  EXPECT_EQ(events.at("events_total").as_int64(), 2);
  for (const auto& value : events.at("events").as_array()) {
    const auto& event = value.as_object();
    EXPECT_EQ(event.at("org_id").as_string(), "8001");
    EXPECT_EQ(event.at("portal_name").as_string(), "acme");
    EXPECT_EQ(event.at("host").as_string(), acme);
    EXPECT_EQ(event.at("status").as_int64(), 200);
    EXPECT_FALSE(event.at("id").as_string().empty());
    EXPECT_FALSE(event.at("request_id").as_string().empty());
  }
  for (const auto& batch : events.at("batch_log").as_array()) {
    EXPECT_FALSE(batch.at("signature").as_string().empty());  // signed with the context key
  }
}

TEST(Activity, AWebhookOutageDelaysButLosesNoEvent) {
  DemoPortal portal;
  std::string webhook_address = "127.0.0.1:" + std::to_string(unused_port());
  Portico portico(setup_for(portal.address(), webhook_address));
  auto sent = accept_quotes(portico, 30);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (metric(portico, "portico_activity_delivery_failures_total") < 2 && std::chrono::steady_clock::now() < deadline) {
  }
  EXPECT_GE(metric(portico, "portico_activity_delivery_failures_total"), 2);
  EXPECT_EQ(metric(portico, "portico_activity_spool_pending_events"), 30);

  DemoPortal webhook(webhook_address);  // back
  EXPECT_EQ(wait_for_ids(webhook, "quote.accepted", sent.size()), sent);
}

TEST(Activity, SigkillWhileTheWebhookIsDownLosesNoEvent) {
  DemoPortal portal;
  TempDir state;  // config and spool, shared by both runs
  std::string webhook_address = "127.0.0.1:" + std::to_string(unused_port());
  PorticoSetup setup = setup_for(portal.address(), webhook_address);
  setup.dir = state.path();
  std::set<std::string> sent;
  {
    Portico first(setup);
    sent = accept_quotes(first, 20);
    first.process().send_signal(SIGKILL);
    ASSERT_TRUE(first.process().wait_exit().has_value());
  }
  DemoPortal webhook(webhook_address);
  Portico second(setup);  // same spool_dir
  EXPECT_EQ(wait_for_ids(webhook, "quote.accepted", sent.size()), sent);
}

}  // namespace
}  // namespace portico::testing
