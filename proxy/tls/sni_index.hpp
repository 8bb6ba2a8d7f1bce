// tls/sni_index: SNI name -> certificate, immutable after construction. Exact name, then
// the wildcard for one label under a "*.x" SAN, then the default (unless unknown_sni = reject).
// Two hash lookups at most: cost does not depend on how many certificates there are.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "proxy/tls/certificate.hpp"

namespace portico::tls {

class SniIndex {
 public:
  // `certificates`: the default first when `has_default`, then the cert_dir files in name
  // order. Exact names: cert_dir file names, then DNS SANs (cert_dir files before the
  // default); the first certificate to claim a name keeps it.
  SniIndex(std::vector<Certificate> certificates, bool has_default, bool reject_unknown);

  // The certificate for a normalized SNI name ("" = no SNI); nullptr = abort the handshake.
  const Certificate* select(std::string_view sni) const noexcept;
  // The certificate an exact or wildcard entry gives `sni`, ignoring the default.
  const Certificate* match(std::string_view sni) const noexcept;

  const std::vector<Certificate>& certificates() const noexcept { return certificates_; }
  const Certificate* default_certificate() const noexcept {
    return has_default_ ? &certificates_.front() : nullptr;
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept {
      return std::hash<std::string_view>{}(key);
    }
  };
  using Map = std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>>;

  void index(std::size_t at, bool by_file_name);

  std::vector<Certificate> certificates_;
  bool has_default_;
  bool reject_unknown_;
  Map exact_;
  Map wildcard_;  // "*.x" stored as "x"
};

}  // namespace portico::tls
