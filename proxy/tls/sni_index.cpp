// tls/sni_index: building and querying the SNI index. Queries run in handshakes: no locks,
// no allocation.
#include "proxy/tls/sni_index.hpp"

namespace portico::tls {

SniIndex::SniIndex(std::vector<Certificate> certificates, bool has_default, bool reject_unknown)
    : certificates_(std::move(certificates)),
      has_default_(has_default && !certificates_.empty()),
      reject_unknown_(reject_unknown) {
  const std::size_t first_file = has_default_ ? 1 : 0;
  for (std::size_t i = first_file; i < certificates_.size(); ++i) index(i, true);
  for (std::size_t i = first_file; i < certificates_.size(); ++i) index(i, false);
  if (has_default_) index(0, false);
}

void SniIndex::index(std::size_t at, bool by_file_name) {
  const Certificate& certificate = certificates_[at];
  if (by_file_name) {
    exact_.try_emplace(certificate.name, at);
    return;
  }
  for (const std::string& dns : certificate.dns_names) {
    if (const std::string_view parent = wildcard_parent(dns); !parent.empty()) {
      wildcard_.try_emplace(std::string(parent), at);
    } else if (dns.find('*') == std::string::npos) {
      exact_.try_emplace(dns, at);
    }
  }
}

const Certificate* SniIndex::match(std::string_view sni) const noexcept {
  if (sni.empty()) return nullptr;
  if (const auto exact = exact_.find(sni); exact != exact_.end()) {
    return &certificates_[exact->second];
  }
  const std::size_t dot = sni.find('.');
  if (dot == std::string_view::npos || dot == 0) return nullptr;
  if (const auto wildcard = wildcard_.find(sni.substr(dot + 1)); wildcard != wildcard_.end()) {
    return &certificates_[wildcard->second];
  }
  return nullptr;
}

const Certificate* SniIndex::select(std::string_view sni) const noexcept {
  if (const Certificate* found = match(sni)) return found;
  if (reject_unknown_) return nullptr;
  return default_certificate();
}

}  // namespace portico::tls
