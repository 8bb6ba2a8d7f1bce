// tls/certificate_store: the certificates of one config snapshot, indexed by SNI, and the
// server SSL_CTX whose ClientHello callback picks among them. Built (with disk reads) at
// config compile; immutable afterwards and safe to use from every worker at once.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/config/model.hpp"
#include "proxy/tls/handshake_info.hpp"
#include "proxy/tls/sni_index.hpp"
#include "proxy/tls/ticket_keys.hpp"
#include "proxy/tls/tls_counters.hpp"

namespace portico::tls {

class CertificateStore {
 public:
  struct CertificateInfo {
    std::string name;  // file name without ".pem"
    std::string file;
    std::vector<std::string> dns_names;
    std::int64_t not_before_unix = 0;
    std::int64_t not_after_unix = 0;
    bool is_default = false;  // [tls] certificate
    std::int64_t seconds_to_expiry(std::int64_t now_unix) const { return not_after_unix - now_unix; }
  };

  // Loads [tls] certificate and every *.pem in [tls] cert_dir, checks each (key matches,
  // chain in order, acceptable to the TLS policy) and builds the server context. Problems
  // are appended with the position of `certificate` / `cert_dir`. Returns nullptr on any
  // error. Without a default certificate (allowed only when https_listen is empty) the store
  // has no server context. `ticket_keys` and `counters` are shared with the stores of later
  // reloads (a fresh one is made when null).
  static std::shared_ptr<const CertificateStore> build(const config::Config& config,
                                                       std::shared_ptr<TicketKeys> ticket_keys,
                                                       std::vector<config::Problem>& problems,
                                                       std::shared_ptr<TlsCounters> counters = {});

  // The context every server-side SSL starts from (SSL_new(server_context())), owned by the
  // store; SSL_new takes its own reference, so connections may outlive the store. Null when
  // the store has no default certificate.
  SSL_CTX* server_context() const noexcept { return context_.get(); }

  // The name of the certificate a handshake with SNI `sni` (raw, normalized here; "" = no
  // SNI) gets; "" when it would be rejected.
  std::string describe_selection(std::string_view sni) const;
  // The certificate `name` (normalized) is truly covered by (its SANs match), or nullptr.
  const Certificate* covering(std::string_view name) const noexcept;

  std::vector<CertificateInfo> certificates() const;
  const SniIndex& index() const noexcept { return *index_; }
  TlsCounters& counters() const noexcept { return *counters_; }
  const std::shared_ptr<TlsCounters>& shared_counters() const noexcept { return counters_; }
  const std::shared_ptr<TicketKeys>& ticket_keys() const noexcept { return ticket_keys_; }

  CertificateStore(std::shared_ptr<const SniIndex> index, SslCtxPtr context,
                   std::shared_ptr<TicketKeys> ticket_keys, std::shared_ptr<TlsCounters> counters);

 private:
  std::shared_ptr<const SniIndex> index_;
  SslCtxPtr context_;
  std::shared_ptr<TicketKeys> ticket_keys_;
  std::shared_ptr<TlsCounters> counters_;
};

// For --check: warnings for custom domains no certificate covers (wildcards count), for
// portal subdomains of base_domain when no "*.<base_domain>" certificate exists, for cert_dir
// files whose SANs do not cover their own file name, and for certificates that expire within
// 14 days of `now_unix` or have expired (0 = the current time).
void check_coverage(const CertificateStore& store, const config::Config& config,
                    std::vector<config::Problem>& problems, std::int64_t now_unix = 0);

}  // namespace portico::tls
