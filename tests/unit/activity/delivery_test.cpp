// Tests for activity delivery against a real HTTP receiver on 127.0.0.1: order, batching,
// signature, retries, restarts on the same spool, first_only across restarts, stop.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <array>
#include <set>

#include "proxy/activity/activity_service.hpp"
#include "proxy/activity/retry_backoff.hpp"
#include "proxy/activity/spool_files.hpp"
#include "proxy/activity/webhook_client.hpp"
#include "tests/unit/activity/activity_fixture.hpp"

namespace portico::activity {
namespace {

using testing::make_event;
using testing::refusing_url;
using testing::ScratchDir;
using testing::section_for;
using testing::wait_until;
using testing::WebhookReceiver;

const std::string signing_key = "0123456789abcdef-secret";

ActivityTuning fast() {
  ActivityTuning tuning;
  tuning.retry_initial = std::chrono::milliseconds(10);
  return tuning;
}

std::unique_ptr<ActivityService> open_service(const config::ActivitySection& section,
                                              std::string key = "") {
  std::string error;
  auto service = ActivityService::open(section, std::move(key), error, fast());
  EXPECT_TRUE(service) << error;
  return service;
}

std::string hmac_hex(const std::string& key, const std::string& message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(), &size);
  std::string hex;
  for (unsigned i = 0; i < size; ++i) {
    constexpr char digits[] = "0123456789abcdef";
    hex += digits[mac[i] >> 4];
    hex += digits[mac[i] & 0xf];
  }
  return hex;
}

TEST(ActivityDelivery, HealthyWebhookGetsEveryEventOnceInOrderInSignedBatches) {
  ScratchDir scratch;
  WebhookReceiver receiver;
  config::ActivitySection section = section_for(scratch.spool(), receiver.url());
  section.batch_max_events = 40;
  auto service = open_service(section, signing_key);
  ASSERT_TRUE(service);
  std::vector<std::string> submitted;
  for (int i = 0; i < 250; ++i) {
    const Event e = make_event(i);
    submitted.push_back(e.id);
    ASSERT_TRUE(service->submit(e));
  }
  service->start();
  for (int i = 250; i < 300; ++i) {  // and some while delivery runs
    const Event e = make_event(i);
    submitted.push_back(e.id);
    ASSERT_TRUE(service->submit(e));
  }
  ASSERT_TRUE(wait_until([&] { return service->counters().delivered.load() == 300; }));
  EXPECT_EQ(receiver.acknowledged_ids(), submitted);
  const auto requests = receiver.requests();
  EXPECT_EQ(service->counters().batches_delivered.load(), requests.size());
  EXPECT_GE(requests.size(), 8u);  // 250 waiting / 40 per batch, then the rest
  for (const auto& request : requests) {
    EXPECT_EQ(request.target, "/portal-events");
    EXPECT_EQ(request.content_type, "application/json");
    EXPECT_LE(boost::json::parse(request.body).as_array().size(), 40u);
    EXPECT_EQ(request.signature,
              "v1=" + hmac_hex(signing_key, request.timestamp + "\n" + request.body));
  }
  const boost::json::object first = receiver.acknowledged_events().front();
  EXPECT_EQ(first.at("event").as_string(), "quote.accepted");
  EXPECT_EQ(first.at("object_id").as_string(), "QT-0");
  EXPECT_EQ(first.at("status").as_int64(), 200);
  EXPECT_EQ(service->counters().pending.load(), 0u);
  EXPECT_EQ(service->counters().delivery_failures.load(), 0u);
}

TEST(ActivityDelivery, FailingWebhookIsRetriedUntilEveryEventArrives) {
  ScratchDir scratch;
  WebhookReceiver receiver;
  receiver.fail_next(4, 503);
  auto service = open_service(section_for(scratch.spool(), receiver.url()));
  ASSERT_TRUE(service);
  service->start();
  std::vector<std::string> submitted;
  for (int i = 0; i < 120; ++i) {
    const Event e = make_event(i);
    submitted.push_back(e.id);
    ASSERT_TRUE(service->submit(e));
  }
  ASSERT_TRUE(wait_until([&] { return service->counters().delivered.load() == 120; }));
  EXPECT_EQ(receiver.acknowledged_ids(), submitted);
  EXPECT_EQ(service->counters().delivery_failures.load(), 4u);
  const auto requests = receiver.requests();
  ASSERT_GE(requests.size(), 5u);
  EXPECT_EQ(requests[0].body, requests[4].body);  // the same batch until it is acknowledged
  EXPECT_TRUE(requests[0].signature.empty());     // no key, no signature
}

TEST(ActivityDelivery, EventsSpooledWhileTheWebhookIsDownArriveAfterRestart) {
  ScratchDir scratch;
  std::vector<std::string> submitted;
  {
    auto down = open_service(section_for(scratch.spool(), refusing_url()));
    ASSERT_TRUE(down);
    down->start();
    for (int i = 0; i < 30; ++i) {
      const Event e = make_event(i);
      submitted.push_back(e.id);
      ASSERT_TRUE(down->submit(e));
    }
    ASSERT_TRUE(wait_until([&] { return down->counters().delivery_failures.load() >= 2; }));
    const auto started = std::chrono::steady_clock::now();
    down->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
    EXPECT_EQ(down->counters().delivered.load(), 0u);
  }
  WebhookReceiver receiver;
  auto up = open_service(section_for(scratch.spool(), receiver.url()));
  ASSERT_TRUE(up);
  EXPECT_EQ(up->counters().pending.load(), 30u);
  up->start();
  const Event late = make_event(30);
  submitted.push_back(late.id);
  ASSERT_TRUE(up->submit(late));
  ASSERT_TRUE(wait_until([&] { return up->counters().delivered.load() == 31; }));
  EXPECT_EQ(receiver.acknowledged_ids(), submitted);
  // Delivered segments of the old run are gone; only the live one may remain.
  ASSERT_TRUE(wait_until([&] { return list_segments(scratch.spool()).size() == 1; }));
}

TEST(ActivityDelivery, SigkillLosesNoAcceptedEvent) {
  ScratchDir scratch;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // No destructors, no stop(), no fsync: exactly what kill -9 leaves behind.
    std::string error;
    auto service =
        ActivityService::open(section_for(scratch.spool(), refusing_url()), "", error, fast());
    if (!service) ::_exit(2);
    service->start();
    for (int i = 0; i < 50; ++i) {
      if (!service->submit(make_event(i))) ::_exit(3);
    }
    wait_until([&] { return service->counters().delivery_failures.load() >= 1; });
    ::kill(::getpid(), SIGKILL);
    ::_exit(4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  WebhookReceiver receiver;
  auto service = open_service(section_for(scratch.spool(), receiver.url()));
  ASSERT_TRUE(service);
  EXPECT_EQ(service->counters().pending.load(), 50u);
  service->start();
  ASSERT_TRUE(wait_until([&] { return service->counters().delivered.load() == 50; }));
  std::vector<std::string> objects;
  for (const auto& event : receiver.acknowledged_events())
    objects.emplace_back(event.at("object_id").as_string());
  std::vector<std::string> expected;
  for (int i = 0; i < 50; ++i) expected.push_back("QT-" + std::to_string(i));
  EXPECT_EQ(objects, expected);
}

TEST(ActivityDelivery, RestartAfterDeliveryDoesNotSendAgain) {
  ScratchDir scratch;
  WebhookReceiver receiver;
  {
    auto service = open_service(section_for(scratch.spool(), receiver.url()));
    ASSERT_TRUE(service);
    service->start();
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(service->submit(make_event(i)));
    ASSERT_TRUE(wait_until([&] { return service->counters().delivered.load() == 20; }));
  }
  auto again = open_service(section_for(scratch.spool(), receiver.url()));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->counters().pending.load(), 0u);
  again->start();
  ASSERT_TRUE(again->submit(make_event(20)));
  ASSERT_TRUE(wait_until([&] { return again->counters().delivered.load() == 1; }));
  EXPECT_EQ(receiver.acknowledged_ids().size(), 21u);
}

TEST(ActivityDelivery, FirstOnlyEventsAreDeliveredOncePerOrgEventAndIdAcrossRestarts) {
  ScratchDir scratch;
  WebhookReceiver receiver;
  const auto viewed = [](int n, std::string id, std::string org = "60001234") {
    return make_event(n, "invoice.viewed", std::move(id), true, std::move(org));
  };
  {
    auto service = open_service(section_for(scratch.spool(), receiver.url()));
    ASSERT_TRUE(service);
    ASSERT_TRUE(service->submit(viewed(1, "INV-1")));
    ASSERT_TRUE(service->submit(viewed(2, "INV-1")));          // repeat: suppressed
    ASSERT_TRUE(service->submit(viewed(3, "INV-2")));          // another invoice
    ASSERT_TRUE(service->submit(viewed(4, "INV-1", "777")));   // another org
    ASSERT_TRUE(service->submit(make_event(5, "invoice.viewed", "INV-1")));  // not first_only
    service->start();
    ASSERT_TRUE(wait_until([&] {
      return service->counters().delivered.load() == 4 &&
             service->counters().duplicates_suppressed.load() == 1;
    }));
  }
  auto again = open_service(section_for(scratch.spool(), receiver.url()));
  ASSERT_TRUE(again);
  again->start();
  ASSERT_TRUE(again->submit(viewed(6, "INV-1")));  // remembered across the restart
  ASSERT_TRUE(again->submit(viewed(7, "INV-3")));
  ASSERT_TRUE(wait_until([&] {
    return again->counters().delivered.load() == 1 &&
           again->counters().duplicates_suppressed.load() == 1;
  }));
  std::vector<std::string> seen;
  for (const auto& event : receiver.acknowledged_events())
    seen.push_back(std::string(event.at("org_id").as_string()) + "/" +
                   std::string(event.at("object_id").as_string()));
  EXPECT_EQ(seen, (std::vector<std::string>{"60001234/INV-1", "60001234/INV-2", "777/INV-1",
                                            "60001234/INV-1", "60001234/INV-3"}));
  EXPECT_EQ(again->counters().pending.load(), 0u);
}

TEST(ActivityDelivery, StopDuringALongBackoffIsPromptAndKeepsTheEvents) {
  ScratchDir scratch;
  WebhookReceiver receiver;
  receiver.fail_next(1000, 500);
  config::ActivitySection section = section_for(scratch.spool(), receiver.url());
  section.retry_max_backoff = std::chrono::minutes(5);
  std::string error;
  ActivityTuning tuning;
  tuning.retry_initial = std::chrono::seconds(60);  // the first retry waits up to a minute
  auto service = ActivityService::open(section, "", error, tuning);
  ASSERT_TRUE(service) << error;
  service->start();
  ASSERT_TRUE(service->submit(make_event(1)));
  ASSERT_TRUE(wait_until([&] { return service->counters().delivery_failures.load() == 1; }));
  const auto started = std::chrono::steady_clock::now();
  service->stop();
  service->stop();  // idempotent
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_EQ(service->counters().pending.load(), 1u);
}

TEST(ActivityDelivery, WithoutAWebhookEventsStayInTheSpool) {
  ScratchDir scratch;
  auto service = open_service(section_for(scratch.spool(), ""));
  ASSERT_TRUE(service);
  service->start();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(service->submit(make_event(i)));
  service->stop();
  EXPECT_EQ(service->counters().delivered.load(), 0u);
  EXPECT_EQ(service->counters().pending.load(), 5u);
  std::string error;
  EXPECT_FALSE(read_cursor(scratch.spool(), error));
}

TEST(WebhookUrl, ParsesWhatTheConfigAccepts) {
  struct Row {
    std::string url;
    bool ok;
    std::string host, port, authority, target;
  };
  const std::vector<Row> table{
      {"http://127.0.0.1:9100/portal-events", true, "127.0.0.1", "9100", "127.0.0.1:9100",
       "/portal-events"},
      {"HTTP://hooks.example.com/in?token=a", true, "hooks.example.com", "80",
       "hooks.example.com", "/in?token=a"},
      {"http://hooks.example.com", true, "hooks.example.com", "80", "hooks.example.com", "/"},
      {"http://h:81?x=1#frag", true, "h", "81", "h:81", "/?x=1"},
      {"http://[::1]:9100/e", true, "::1", "9100", "[::1]:9100", "/e"},
      {"http://[::1]/e", true, "::1", "80", "[::1]", "/e"},
      {"https://h/x", false, "", "", "", ""},
      {"http://h:0/x", false, "", "", "", ""},
      {"http://h:70000/x", false, "", "", "", ""},
      {"http://user@h/x", false, "", "", "", ""},
      {"http:///x", false, "", "", "", ""},
      {"http://[::1/x", false, "", "", "", ""},
  };
  for (const Row& row : table) {
    SCOPED_TRACE(row.url);
    const auto url = parse_webhook_url(row.url);
    ASSERT_EQ(url.has_value(), row.ok);
    if (!url) continue;
    EXPECT_EQ(url->host, row.host);
    EXPECT_EQ(url->port, row.port);
    EXPECT_EQ(url->authority, row.authority);
    EXPECT_EQ(url->target, row.target);
  }
}

TEST(WebhookSignature, IsHmacSha256OfTimestampNewlineBody) {
  // Reference value: python3 hmac.new(key, b'1714566896\n[{"id":"a"}]', sha256).hexdigest()
  EXPECT_EQ(sign_webhook(signing_key, "1714566896", R"([{"id":"a"}])"),
            "v1=e02ae04c39057cc0f0970d3fbcb6c71dd8ccd45899399e136790f39eb85f28b9");
}

TEST(RetryBackoff, FullJitterUnderADoublingCeilingUpToTheCap) {
  RetryBackoff backoff(std::chrono::milliseconds(250), std::chrono::seconds(5));
  std::mt19937_64 random(7);
  const std::vector<long> ceilings{250, 500, 1000, 2000, 4000, 5000, 5000, 5000};
  for (long ceiling : ceilings) {
    EXPECT_EQ(backoff.ceiling().count(), ceiling);
    for (int i = 0; i < 50; ++i) {
      RetryBackoff probe = backoff;
      const auto delay = probe.next(random);
      EXPECT_GE(delay.count(), 0);
      EXPECT_LE(delay.count(), ceiling);
    }
    backoff.next(random);
  }
  backoff.reset();
  EXPECT_EQ(backoff.ceiling().count(), 250);
}

}  // namespace
}  // namespace portico::activity
