// acme/acme_manager: certificates for the custom domains of the tenant table, obtained over
// ACME ahead of time (start-up, reload) and on demand (a handshake waiting), renewed before
// expiry, retried with backoff, shared through the storage directory. Runs on the control
// io_context; the parts marked thread-safe are what workers use. Permission comes only from
// the tenant table given to sync(): any other name never causes an ACME request.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proxy/acme/challenge_tokens.hpp"
#include "proxy/config/model.hpp"
#include "proxy/tls/issued_certificates.hpp"

namespace portico::config {
struct Snapshot;
}
namespace portico::observe {
class PrometheusWriter;
}

namespace portico::acme {

struct AcmeCounters {
  std::atomic<std::uint64_t> orders_started{0};    // newOrder sent
  std::atomic<std::uint64_t> orders_succeeded{0};  // certificate stored and served
  std::atomic<std::uint64_t> orders_failed{0};
  std::atomic<std::uint64_t> handshakes_held{0};  // handshakes that waited for a certificate (workers)
};

// One custom domain as operators see it (GET /domains, /resolve).
struct DomainReport {
  std::string domain;
  std::string org_id;
  std::string state;   // none | pending | valid | failed
  std::string source;  // "acme" or "operator" (a cert_dir/default certificate covers it)
  std::int64_t not_after_unix = 0;    // valid: expiry of the served certificate
  std::string last_error;             // of the last failed order ("" after a success)
  std::int64_t next_attempt_unix = 0; // failed: next retry; valid: planned renewal
  bool order_running = false;
  unsigned failures = 0;              // consecutive failed orders
};

class AcmeManager {
 public:
  AcmeManager(boost::asio::io_context& control, config::AcmeSection settings);
  ~AcmeManager();
  AcmeManager(const AcmeManager&) = delete;
  AcmeManager& operator=(const AcmeManager&) = delete;

  // Prepares the storage directory and starts the scheduler. False with `error` on failure.
  bool start(std::string& error);
  // Stops scheduling and lets running orders end at their next step. Control thread.
  void stop();

  // Control thread: the tenant table is now `snapshot`'s. New custom domains load a stored
  // certificate or are ordered at once; removed ones stop being served now and their files
  // are deleted after cleanup_grace.
  void sync(const config::Snapshot& snapshot);

  // Thread-safe: the certificates handshakes serve.
  const tls::IssuedCertificates& issued() const noexcept;
  // Thread-safe: HTTP-01 tokens for the plaintext listener.
  ChallengeTokens& challenges() noexcept;
  // Thread-safe: a handshake for `domain` has no certificate. Starts an order unless one is
  // running (joined) or the domain is backing off; `ready` runs on the control thread when a
  // certificate is served or the attempt ended (at once when nothing will happen).
  void demand(std::string domain, std::function<void()> ready);

  const AcmeCounters& counters() const noexcept;
  AcmeCounters& counters() noexcept;
  std::chrono::milliseconds handshake_wait() const noexcept;

  // Control thread.
  std::vector<DomainReport> report() const;
  std::optional<DomainReport> report(const std::string& domain) const;
  void write_metrics(observe::PrometheusWriter& writer) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace portico::acme
