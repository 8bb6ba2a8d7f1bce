// tls/ticket_keys: key ring and the OpenSSL ticket callback (RFC 5077 layout: 16-byte key
// name, AES-256-CBC, HMAC-SHA256). Called from handshakes on any thread: tiny critical section.
#include "proxy/tls/ticket_keys.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

namespace portico::tls {
namespace {

using Holder = std::shared_ptr<TicketKeys>;

void free_holder(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<Holder*>(ptr);
}

int holder_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, free_holder);
  return index;
}

bool fill_random(TicketKeys::Key& key) {
  return RAND_bytes(key.name.data(), static_cast<int>(key.name.size())) == 1 &&
         RAND_priv_bytes(key.aes_key.data(), static_cast<int>(key.aes_key.size())) == 1 &&
         RAND_priv_bytes(key.hmac_key.data(), static_cast<int>(key.hmac_key.size())) == 1;
}

bool key_crypto(const TicketKeys& keys, TicketKeys::Key& key, unsigned char* iv,
                EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int enc) {
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, key.hmac_key.data(),
                                        key.hmac_key.size()),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end()};
  const bool ok = EVP_MAC_CTX_set_params(mac, params) == 1 &&
                  EVP_CipherInit_ex2(cipher, keys.cipher(), key.aes_key.data(), iv, enc,
                                     nullptr) == 1;
  OPENSSL_cleanse(&key, sizeof key);
  return ok;
}

// OpenSSL contract: enc -> 1 ticket made, 0 no ticket; dec -> 1 ok, 2 ok but issue a new
// ticket, 0 unknown key (full handshake); -1 fatal.
int ticket_callback(SSL* ssl, unsigned char* key_name, unsigned char* iv,
                    EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int enc) {
  const auto* holder =
      static_cast<const Holder*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), holder_index()));
  if (holder == nullptr || *holder == nullptr) return 0;
  TicketKeys& keys = **holder;
  TicketKeys::Key key;
  int result = 1;
  if (enc) {
    // Without a key or an IV the connection still works, only without a ticket.
    if (!keys.encryption_key(key)) return 0;
    std::memcpy(key_name, key.name.data(), key.name.size());
    if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(keys.cipher())) != 1) return 0;
  } else {
    bool renew = false;
    if (!keys.decryption_key(key_name, key, renew)) return 0;
    result = renew ? 2 : 1;
  }
  return key_crypto(keys, key, iv, cipher, mac, enc) ? result : -1;
}

}  // namespace

TicketKeys::TicketKeys(std::chrono::seconds rotation, Clock clock)
    : rotation_(std::max(rotation, std::chrono::seconds(1))),
      clock_(std::move(clock)),
      aes_(EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr)) {}

TicketKeys::~TicketKeys() {
  OPENSSL_cleanse(&current_, sizeof current_);
  OPENSSL_cleanse(&previous_, sizeof previous_);
}

std::chrono::steady_clock::time_point TicketKeys::now() const {
  return clock_ ? clock_() : std::chrono::steady_clock::now();
}

bool TicketKeys::rotate_locked(std::chrono::steady_clock::time_point now) {
  Key fresh;
  if (!fill_random(fresh)) return false;
  // A ring left idle for two periods must not revive a key older than 2 * rotation.
  const bool current_expired = has_current_ && now - rotated_at_ >= 2 * rotation_;
  previous_ = current_;
  has_previous_ = has_current_ && !current_expired;
  current_ = fresh;
  has_current_ = true;
  rotated_at_ = now;
  OPENSSL_cleanse(&fresh, sizeof fresh);
  return true;
}

bool TicketKeys::rotate() {
  std::lock_guard lock(mutex_);
  return rotate_locked(now());
}

bool TicketKeys::encryption_key(Key& out) {
  const auto at = now();
  std::lock_guard lock(mutex_);
  if ((!has_current_ || at - rotated_at_ >= rotation_) && !rotate_locked(at) && !has_current_) {
    return false;
  }
  out = current_;
  return true;
}

bool TicketKeys::decryption_key(const unsigned char* name, Key& out, bool& renew) {
  const auto at = now();
  std::lock_guard lock(mutex_);
  if (has_current_ && at - rotated_at_ >= rotation_) rotate_locked(at);
  if (has_current_ && std::memcmp(name, current_.name.data(), current_.name.size()) == 0) {
    out = current_;
    renew = false;
    return true;
  }
  if (has_previous_ && std::memcmp(name, previous_.name.data(), previous_.name.size()) == 0) {
    out = previous_;
    renew = true;
    return true;
  }
  return false;
}

bool TicketKeys::install(SSL_CTX* ctx, std::shared_ptr<TicketKeys> keys) {
  if (ctx == nullptr || keys == nullptr || keys->cipher() == nullptr) return false;
  const int index = holder_index();
  if (index < 0) return false;
  auto* holder = new Holder(std::move(keys));
  if (SSL_CTX_set_ex_data(ctx, index, holder) != 1) {
    delete holder;
    return false;
  }
  return SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_callback) == 1;
}

}  // namespace portico::tls
