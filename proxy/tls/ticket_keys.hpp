// tls/ticket_keys: the rotating session-ticket key ring shared by every SSL_CTX of every
// snapshot, so resumption survives reloads and works on any worker. Keys live in memory only.
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "proxy/tls/openssl_ptr.hpp"

namespace portico::tls {

class TicketKeys {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  struct Key {
    std::array<unsigned char, 16> name{};      // sent in the clear in each ticket
    std::array<unsigned char, 32> aes_key{};   // AES-256-CBC
    std::array<unsigned char, 32> hmac_key{};  // HMAC-SHA256
  };

  // A key encrypts new tickets for `rotation`, then decrypts old ones for one more
  // `rotation` (so a ticket lives at most 2 * rotation). `clock` is for tests.
  explicit TicketKeys(std::chrono::seconds rotation = std::chrono::hours(12), Clock clock = {});
  ~TicketKeys();
  TicketKeys(const TicketKeys&) = delete;
  TicketKeys& operator=(const TicketKeys&) = delete;

  // The key to encrypt a new ticket with, rotating first when due. False if the RNG failed.
  bool encryption_key(Key& out);
  // The key named `name` (current or previous). `renew` is set when it is the previous one,
  // so the client gets a ticket under the current key. False when unknown (full handshake).
  bool decryption_key(const unsigned char* name, Key& out, bool& renew);
  // Rotates now (tests; an operator-triggered rotation later).
  bool rotate();

  std::chrono::seconds rotation() const noexcept { return rotation_; }
  const EVP_CIPHER* cipher() const noexcept { return aes_.get(); }
  // Installs the ticket callback on `ctx`, which keeps `keys` alive as long as it lives.
  static bool install(SSL_CTX* ctx, std::shared_ptr<TicketKeys> keys);

 private:
  bool rotate_locked(std::chrono::steady_clock::time_point now);
  std::chrono::steady_clock::time_point now() const;

  const std::chrono::seconds rotation_;
  const Clock clock_;
  std::mutex mutex_;  // held only to copy ~80 bytes or to rotate
  Key current_;
  Key previous_;
  bool has_current_ = false;
  bool has_previous_ = false;
  std::chrono::steady_clock::time_point rotated_at_{};
  const CipherPtr aes_;  // fetched once: no provider lookup per ticket
};

}  // namespace portico::tls
