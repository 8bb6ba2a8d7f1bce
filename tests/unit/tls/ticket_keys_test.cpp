// The ticket key ring: rotation by time, the previous key kept one period for decryption.
#include "proxy/tls/ticket_keys.hpp"

#include <gtest/gtest.h>

namespace portico::tls {
namespace {

using namespace std::chrono_literals;

class TicketKeyRing : public ::testing::Test {
 protected:
  TicketKeys keys{12h, [this] { return now; }};
  std::chrono::steady_clock::time_point now{};

  TicketKeys::Key encrypting() {
    TicketKeys::Key key;
    EXPECT_TRUE(keys.encryption_key(key));
    return key;
  }
  bool decrypts(const TicketKeys::Key& key, bool& renew) {
    TicketKeys::Key found;
    return keys.decryption_key(key.name.data(), found, renew) && found.aes_key == key.aes_key;
  }
};

TEST_F(TicketKeyRing, KeepsOneKeyForARotationPeriod) {
  const auto first = encrypting();
  now += 11h;
  EXPECT_EQ(encrypting().name, first.name);
  bool renew = true;
  EXPECT_TRUE(decrypts(first, renew));
  EXPECT_FALSE(renew);
}

TEST_F(TicketKeyRing, PreviousKeyDecryptsAndAsksForRenewalThenExpires) {
  const auto first = encrypting();
  now += 12h;
  const auto second = encrypting();
  EXPECT_NE(second.name, first.name);
  EXPECT_NE(second.aes_key, first.aes_key);
  bool renew = false;
  EXPECT_TRUE(decrypts(first, renew));
  EXPECT_TRUE(renew);
  now += 12h;
  EXPECT_FALSE(decrypts(first, renew));
  EXPECT_TRUE(decrypts(second, renew));
  EXPECT_TRUE(renew);
}

TEST_F(TicketKeyRing, AnIdleRingNeverRevivesAKeyOlderThanTwoPeriods) {
  const auto first = encrypting();
  now += 25h;
  bool renew = false;
  EXPECT_FALSE(decrypts(first, renew));
}

TEST_F(TicketKeyRing, ForcedRotationKeepsThePreviousKey) {
  const auto first = encrypting();
  ASSERT_TRUE(keys.rotate());
  EXPECT_NE(encrypting().name, first.name);
  bool renew = false;
  EXPECT_TRUE(decrypts(first, renew));
  ASSERT_TRUE(keys.rotate());
  EXPECT_FALSE(decrypts(first, renew));
  TicketKeys::Key unknown;
  unknown.name.fill(0x5a);
  EXPECT_FALSE(decrypts(unknown, renew));
}

}  // namespace
}  // namespace portico::tls
