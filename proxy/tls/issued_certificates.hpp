// tls/issued_certificates: certificates Portico obtained itself (ACME), by exact domain,
// published atomically by the ACME manager and read by handshakes without a lock. Owned by
// the server, not by a config snapshot, so it survives reloads and changes without one.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "proxy/tls/certificate.hpp"

namespace portico::tls {

class IssuedCertificates {
 public:
  using Map = std::unordered_map<std::string, std::shared_ptr<const Certificate>>;

  IssuedCertificates() : map_(std::make_shared<const Map>()) {}
  std::shared_ptr<const Map> current() const { return map_.load(std::memory_order_acquire); }
  void publish(std::shared_ptr<const Map> map) { map_.store(std::move(map), std::memory_order_release); }
  // The certificate served for `domain`, or null.
  std::shared_ptr<const Certificate> find(const std::string& domain) const;

 private:
  std::atomic<std::shared_ptr<const Map>> map_;
};

// Hands `map` to the ClientHello callback of `ssl` (a server SSL before its handshake): a
// name that no operator certificate (cert_dir or the default's SANs) matches is served from
// it before the default. The SSL keeps the map alive until it is freed.
bool attach_issued(SSL* ssl, std::shared_ptr<const IssuedCertificates::Map> map);

namespace detail {
// The issued certificate for `sni` attached to `ssl`, or nullptr.
const Certificate* find_issued(const SSL* ssl, std::string_view sni) noexcept;
}  // namespace detail

}  // namespace portico::tls
