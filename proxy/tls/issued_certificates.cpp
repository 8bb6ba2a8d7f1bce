// tls/issued_certificates: the map attached to an SSL in ex_data. No I/O, no locks.
#include "proxy/tls/issued_certificates.hpp"

namespace portico::tls {
namespace {

using Holder = std::shared_ptr<const IssuedCertificates::Map>;

void free_holder(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<Holder*>(ptr); }

int holder_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_holder);
  return index;
}

}  // namespace

std::shared_ptr<const Certificate> IssuedCertificates::find(const std::string& domain) const {
  const std::shared_ptr<const Map> map = current();
  const auto found = map->find(domain);
  return found == map->end() ? nullptr : found->second;
}

bool attach_issued(SSL* ssl, std::shared_ptr<const IssuedCertificates::Map> map) {
  const int index = holder_index();
  if (index < 0) return false;
  delete static_cast<Holder*>(SSL_get_ex_data(ssl, index));
  auto* holder = new Holder(std::move(map));
  if (SSL_set_ex_data(ssl, index, holder) != 1) {
    delete holder;
    return false;
  }
  return true;
}

namespace detail {

const Certificate* find_issued(const SSL* ssl, std::string_view sni) noexcept {
  if (sni.empty()) return nullptr;
  const auto* holder = static_cast<const Holder*>(SSL_get_ex_data(ssl, holder_index()));
  if (holder == nullptr || *holder == nullptr) return nullptr;
  // Heterogeneous lookup needs C++20 transparent hashing on the map; a copy is cheap next to
  // a handshake and only happens for names with no operator certificate.
  const auto found = (*holder)->find(std::string(sni));
  return found == (*holder)->end() ? nullptr : found->second.get();
}

}  // namespace detail
}  // namespace portico::tls
