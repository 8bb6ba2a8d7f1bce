#include "proxy/http/parked_set.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace portico::http {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

const Clock::time_point t0 = Clock::time_point{} + std::chrono::hours(1);

ParkedConnection parked(int fd, milliseconds deadline) {
  ParkedConnection connection;
  connection.fd = fd;
  connection.deadline = t0 + deadline;
  return connection;
}

std::vector<int> expire_all(ParkedSet& set, Clock::time_point now) {
  std::vector<int> fds;
  while (auto connection = set.take_expired(now)) fds.push_back(connection->fd);
  return fds;
}

TEST(ParkedSet, KeepsTheRecordAndGivesItBackByKey) {
  ParkedSet set;
  ParkedConnection connection = parked(7, milliseconds(100));
  connection.local_port = 8080;
  connection.https_port = 8443;
  connection.address_v4 = true;
  connection.address = {192, 0, 2, 1};
  auto key = set.add(connection);
  ASSERT_TRUE(key);
  EXPECT_EQ(set.size(), 1u);
  auto taken = set.take(*key);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->fd, 7);
  EXPECT_EQ(taken->local_port, 8080);
  EXPECT_EQ(taken->https_port, 8443);
  EXPECT_TRUE(taken->address_v4);
  EXPECT_EQ(taken->address[0], 192);
  EXPECT_EQ(taken->deadline, t0 + milliseconds(100));
  EXPECT_TRUE(set.empty());
}

TEST(ParkedSet, AKeyFindsNothingOnceItsRecordLeftEvenWhenTheSlotIsReused) {
  ParkedSet set;
  auto first = set.add(parked(3, milliseconds(10)));
  ASSERT_TRUE(first);
  ASSERT_TRUE(set.take(*first));
  EXPECT_FALSE(set.take(*first));  // taken twice: an event of the same epoll batch
  auto second = set.add(parked(4, milliseconds(20)));  // the same slot, a new generation
  ASSERT_TRUE(second);
  EXPECT_NE(*first, *second);
  EXPECT_FALSE(set.take(*first));
  EXPECT_EQ(set.size(), 1u);
  EXPECT_EQ(set.take(*second)->fd, 4);
  EXPECT_FALSE(set.take(ParkedSet::Key{12345678}));  // a slot never handed out
}

TEST(ParkedSet, ExpiresInDeadlineOrderUpToNow) {
  ParkedSet set;
  for (int fd = 0; fd < 5; ++fd) set.add(parked(fd, milliseconds(100 * (fd + 1))));
  EXPECT_EQ(set.first_deadline(), t0 + milliseconds(100));
  EXPECT_TRUE(expire_all(set, t0 + milliseconds(99)).empty());
  EXPECT_EQ(expire_all(set, t0 + milliseconds(300)), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(set.first_deadline(), t0 + milliseconds(400));
  EXPECT_EQ(expire_all(set, t0 + milliseconds(1000)), (std::vector<int>{3, 4}));
  EXPECT_TRUE(set.empty());
}

TEST(ParkedSet, AnEarlierDeadlineAfterAReloadIsFiledInOrder) {
  ParkedSet set;
  set.add(parked(1, milliseconds(60000)));  // idle_timeout 60s
  set.add(parked(2, milliseconds(60010)));
  set.add(parked(3, milliseconds(5000)));  // reloaded: idle_timeout 5s
  set.add(parked(4, milliseconds(60010)));  // equal deadlines keep parking order
  set.add(parked(5, milliseconds(5000)));
  EXPECT_EQ(set.first_deadline(), t0 + milliseconds(5000));
  EXPECT_EQ(expire_all(set, t0 + milliseconds(100000)), (std::vector<int>{3, 5, 1, 2, 4}));
}

TEST(ParkedSet, RecordsLeavingFromTheMiddleKeepTheOrderOfTheRest) {
  ParkedSet set;
  std::vector<ParkedSet::Key> keys;
  for (int fd = 0; fd < 6; ++fd) keys.push_back(*set.add(parked(fd, milliseconds(fd))));
  EXPECT_EQ(set.take(keys[0])->fd, 0);  // the head
  EXPECT_EQ(set.take(keys[5])->fd, 5);  // the tail
  EXPECT_EQ(set.take(keys[2])->fd, 2);  // the middle
  set.add(parked(9, milliseconds(100)));
  EXPECT_EQ(expire_all(set, t0 + milliseconds(1000)), (std::vector<int>{1, 3, 4, 9}));
}

TEST(ParkedSet, SlotsAreReusedAndChunksGrowPastTheFirst) {
  ParkedSet set;
  std::vector<ParkedSet::Key> keys;
  constexpr int count = 10000;  // more than one chunk
  for (int fd = 0; fd < count; ++fd) keys.push_back(*set.add(parked(fd, milliseconds(fd))));
  EXPECT_EQ(set.size(), static_cast<std::size_t>(count));
  EXPECT_EQ(set.slots_used(), static_cast<std::size_t>(count));
  for (int fd = 0; fd < count; fd += 2) EXPECT_EQ(set.take(keys[static_cast<std::size_t>(fd)])->fd, fd);
  for (int fd = 0; fd < count / 2; ++fd) set.add(parked(count + fd, milliseconds(count + fd)));
  EXPECT_EQ(set.slots_used(), static_cast<std::size_t>(count));  // the freed ones, again
  int previous = -1;
  std::size_t expired = 0;
  while (auto connection = set.take_any()) {
    EXPECT_GT(connection->fd, previous);
    previous = connection->fd;
    ++expired;
  }
  EXPECT_EQ(expired, static_cast<std::size_t>(count));
}

}  // namespace
}  // namespace portico::http
