// Tests for the activity spool's write side and its files: concurrent appends, the size
// bound, recovery of the backlog, the lock, the first_only memory and torn tails.
#include "proxy/activity/spool.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "proxy/activity/activity_service.hpp"
#include "proxy/activity/seen_set.hpp"
#include "proxy/activity/spool_files.hpp"
#include "proxy/activity/spool_reader.hpp"
#include "tests/unit/activity/activity_fixture.hpp"

namespace portico::activity {
namespace {

using testing::make_event;
using testing::ScratchDir;
using testing::section_for;

std::vector<std::string> spooled_lines(const std::string& dir) {
  std::vector<std::string> lines;
  for (std::uint64_t segment : list_segments(dir)) {
    std::ifstream in(segment_path(dir, segment), std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    const std::string text = content.str();
    EXPECT_TRUE(text.empty() || text.back() == '\n') << "segment " << segment;
    std::size_t start = 0;
    for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
      lines.push_back(text.substr(start, end - start));
  }
  return lines;
}

void append_raw(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << bytes;
}

TEST(ActivitySpool, ConcurrentSubmitsNeitherInterleaveNorGetLost) {
  ScratchDir scratch;
  std::string error;
  ActivityTuning tuning;
  tuning.segment_bytes = 64 * 1024;  // dozens of rotations while the threads race
  auto service = ActivityService::open(section_for(scratch.spool(), ""), "", error, tuning);
  ASSERT_TRUE(service) << error;
  constexpr int threads = 4;
  constexpr int per_thread = 2000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        Event e = make_event(i, "load.test", "T" + std::to_string(t) + "-" + std::to_string(i));
        e.path = "/padding/" + std::string(static_cast<std::size_t>(i % 300), 'x');
        EXPECT_TRUE(service->submit(e));
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  EXPECT_EQ(service->counters().spooled.load(), std::uint64_t{threads * per_thread});
  EXPECT_EQ(service->counters().pending.load(), std::uint64_t{threads * per_thread});
  service->stop();

  const std::vector<std::string> lines = spooled_lines(scratch.spool());
  ASSERT_EQ(lines.size(), std::size_t{threads * per_thread});
  EXPECT_GT(list_segments(scratch.spool()).size(), 10u);
  std::set<std::string> ids;
  std::map<std::string, int> next_of_thread;  // each thread's events stay in its order
  for (const std::string& line : lines) {
    SpooledEvent event;
    ASSERT_TRUE(parse_spooled_event(line, event)) << line.substr(0, 200);
    ids.insert(event.id);
    const std::string thread = event.object_id.substr(0, event.object_id.find('-'));
    const int n = std::stoi(event.object_id.substr(event.object_id.find('-') + 1));
    EXPECT_EQ(n, next_of_thread[thread]) << event.object_id;
    next_of_thread[thread] = n + 1;
  }
  EXPECT_EQ(ids.size(), lines.size());
  std::uint64_t bytes = 0;
  for (std::uint64_t segment : list_segments(scratch.spool()))
    bytes += file_size_or_zero(segment_path(scratch.spool(), segment));
  EXPECT_EQ(service->counters().spool_bytes.load(), bytes);
}

TEST(ActivitySpool, FullSpoolRefusesNewEventsAndCountsThem) {
  ScratchDir scratch;
  config::ActivitySection section = section_for(scratch.spool(), "");
  section.max_spool_bytes = 4096;  // below what config allows, to fill it quickly
  std::string error;
  auto service = ActivityService::open(section, "", error);
  ASSERT_TRUE(service) << error;
  int accepted = 0;
  while (service->submit(make_event(accepted))) ++accepted;
  EXPECT_GT(accepted, 5);
  const ActivityCounters& counters = service->counters();
  EXPECT_EQ(counters.dropped_spool_full.load(), 1u);
  EXPECT_FALSE(service->submit(make_event(1000)));
  EXPECT_EQ(counters.dropped_spool_full.load(), 2u);
  EXPECT_EQ(counters.spooled.load(), static_cast<std::uint64_t>(accepted));
  EXPECT_LE(counters.spool_bytes.load(), 4096u);
  service->stop();
  EXPECT_EQ(spooled_lines(scratch.spool()).size(), static_cast<std::size_t>(accepted));
}

TEST(ActivitySpool, ReopenCountsTheBacklogAndWritesANewSegment) {
  ScratchDir scratch;
  std::string error;
  {
    auto first = ActivityService::open(section_for(scratch.spool(), ""), "", error);
    ASSERT_TRUE(first) << error;
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(first->submit(make_event(i)));
  }
  const std::vector<std::uint64_t> before = list_segments(scratch.spool());
  ASSERT_EQ(before.size(), 1u);
  auto second = ActivityService::open(section_for(scratch.spool(), ""), "", error);
  ASSERT_TRUE(second) << error;
  EXPECT_EQ(second->counters().pending.load(), 10u);
  EXPECT_GT(second->counters().spool_bytes.load(), 0u);
  ASSERT_TRUE(second->submit(make_event(10)));
  const std::vector<std::uint64_t> after = list_segments(scratch.spool());
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[1], before[0] + 1);
  EXPECT_EQ(spooled_lines(scratch.spool()).size(), 11u);
}

TEST(ActivitySpool, OneServicePerSpoolDirectory) {
  ScratchDir scratch;
  std::string error;
  auto first = ActivityService::open(section_for(scratch.spool(), ""), "", error);
  ASSERT_TRUE(first) << error;
  auto second = ActivityService::open(section_for(scratch.spool(), ""), "", error);
  EXPECT_FALSE(second);
  EXPECT_NE(error.find("in use"), std::string::npos) << error;
  first.reset();
  error.clear();
  EXPECT_TRUE(ActivityService::open(section_for(scratch.spool(), ""), "", error)) << error;
}

TEST(ActivitySpool, OpenRefusesWhatCannotWork) {
  std::string error;
  EXPECT_FALSE(ActivityService::open(section_for("", ""), "", error));
  EXPECT_NE(error.find("spool_dir"), std::string::npos) << error;
  ScratchDir scratch;
  error.clear();
  EXPECT_FALSE(ActivityService::open(section_for(scratch.spool(), "ftp://x/y"), "", error));
  EXPECT_NE(error.find("webhook"), std::string::npos) << error;
  const std::string file = scratch.path() + "/a-file";
  append_raw(file, "x");
  error.clear();
  EXPECT_FALSE(ActivityService::open(section_for(file + "/spool", ""), "", error));
  EXPECT_FALSE(error.empty());
}

TEST(SpoolReader, SkipsATornTailOnlyOnceItsSegmentIsComplete) {
  ScratchDir scratch;
  const std::string dir = scratch.path();
  const std::string good = to_json(make_event(1)) + "\n";
  append_raw(segment_path(dir, 1), good + "{\"id\":\"torn");
  append_raw(segment_path(dir, 2), good);
  SpoolReader reader(dir);

  // Segment 1 still current: the partial line may yet be completed.
  SpoolBatch batch = reader.read({1, 0}, 10, 1);
  ASSERT_EQ(batch.events.size(), 1u);
  EXPECT_EQ(batch.next, (SpoolPosition{1, good.size()}));
  batch = reader.read(batch.next, 10, 1);
  EXPECT_TRUE(batch.events.empty());
  EXPECT_EQ(batch.next, (SpoolPosition{1, good.size()}));

  // Segment 2 exists and is current: segment 1's tail is torn for good.
  batch = reader.read({1, good.size()}, 10, 2);
  EXPECT_TRUE(batch.events.empty());
  EXPECT_EQ(batch.corrupt, 1u);
  batch = reader.read(batch.next, 10, 2);
  EXPECT_EQ(batch.next, (SpoolPosition{2, 0}));
  batch = reader.read(batch.next, 10, 2);
  EXPECT_EQ(batch.events.size(), 1u);
  EXPECT_EQ(reader.count_lines({1, 0}, 2), 2u);
}

TEST(SpoolReader, SkipsGarbageLinesAndMissingSegments) {
  ScratchDir scratch;
  const std::string dir = scratch.path();
  append_raw(segment_path(dir, 3),
             std::string(100, '\0') + "\nnot json\n" + to_json(make_event(1)) + "\n");
  append_raw(segment_path(dir, 7), to_json(make_event(2)) + "\n");
  SpoolReader reader(dir);
  SpoolBatch batch = reader.read({1, 0}, 10, 7);  // segment 1 was deleted
  EXPECT_EQ(batch.next, (SpoolPosition{3, 0}));
  batch = reader.read(batch.next, 10, 7);
  EXPECT_EQ(batch.corrupt, 2u);
  ASSERT_EQ(batch.events.size(), 1u);
  EXPECT_EQ(batch.events[0].object_id, "QT-1");
  batch = reader.read(batch.next, 10, 7);
  EXPECT_EQ(batch.next, (SpoolPosition{7, 0}));
}

TEST(SeenSet, RemembersKeysAcrossReopenAndLetsTheSameEventRetry) {
  ScratchDir scratch;
  const std::string path = scratch.path() + "/seen";
  std::string error;
  {
    SeenSet seen;
    ASSERT_TRUE(seen.open(path, error)) << error;
    EXPECT_TRUE(seen.admit("org1", "invoice.viewed", "INV-1", "id-a"));
    EXPECT_FALSE(seen.admit("org1", "invoice.viewed", "INV-1", "id-b"));
    EXPECT_TRUE(seen.admit("org1", "invoice.viewed", "INV-1", "id-a"));  // a retried batch
    EXPECT_TRUE(seen.admit("org2", "invoice.viewed", "INV-1", "id-c"));
    EXPECT_TRUE(seen.admit("org1", "invoice.viewed", "INV\t1\n%", "id-d"));
    EXPECT_TRUE(seen.admit("org1", "invoice.paid", "INV-1", "id-e"));
    ASSERT_TRUE(seen.sync(error)) << error;
  }
  append_raw(path, "org9\tinvoice.viewed\tINV-9");  // a crash in the middle of an append
  SeenSet seen;
  ASSERT_TRUE(seen.open(path, error)) << error;
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_FALSE(seen.admit("org1", "invoice.viewed", "INV-1", "id-x"));
  EXPECT_TRUE(seen.admit("org1", "invoice.viewed", "INV-1", "id-a"));
  EXPECT_FALSE(seen.admit("org1", "invoice.viewed", "INV\t1\n%", "id-y"));
  EXPECT_TRUE(seen.admit("org9", "invoice.viewed", "INV-9", "id-z"));
  ASSERT_TRUE(seen.sync(error)) << error;
  SeenSet again;
  ASSERT_TRUE(again.open(path, error)) << error;
  EXPECT_EQ(again.size(), 5u);
  EXPECT_FALSE(again.admit("org9", "invoice.viewed", "INV-9", "id-other"));
}

TEST(SpoolFiles, CursorRoundTripsAndRejectsGarbage) {
  ScratchDir scratch;
  std::string error;
  EXPECT_FALSE(read_cursor(scratch.path(), error));
  EXPECT_TRUE(error.empty());
  ASSERT_TRUE(write_cursor(scratch.path(), {42, 1234}, error)) << error;
  const auto cursor = read_cursor(scratch.path(), error);
  ASSERT_TRUE(cursor);
  EXPECT_EQ(*cursor, (SpoolPosition{42, 1234}));
  std::ofstream(scratch.path() + "/cursor") << "garbage";
  EXPECT_FALSE(read_cursor(scratch.path(), error));
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace portico::activity
