// tests/integration/pebble: a real ACME server for the ACME tests: Debian's pebble with
// pebble-challtestsrv as its DNS (every name is 127.0.0.1), on loopback ports, validating
// HTTP-01 against a given port (Portico's plaintext listener). Its HTTPS certificate is made
// here with the openssl command, signed by a throwaway CA that Portico is told to trust.
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "tests/integration/harness.hpp"

namespace portico::testing {

class Pebble {
 public:
  // `env`: extra PEBBLE_* variables (PEBBLE_VA_NOSLEEP=1 is always set).
  explicit Pebble(std::uint16_t http_port, std::map<std::string, std::string> env = {});
  ~Pebble();

  std::string directory_url() const { return "https://127.0.0.1:" + std::to_string(acme_port_) + "/dir"; }
  // The CA that signed Pebble's HTTPS certificate: [acme] ca_bundle.
  std::string ca_bundle() const { return (dir_.path() / "ca.pem").string(); }
  // Pebble's issuing root and intermediate (management API), PEM.
  std::string root_pem();
  std::string intermediate_pem();
  // Orders Pebble created since it (re)started (from its log).
  int orders_received();

  void stop();   // SIGKILL pebble (challtestsrv keeps running)
  void start();  // again, same ports

 private:
  std::string management_get(const std::string& path);
  TempDir dir_;
  std::uint16_t http_port_;
  std::uint16_t acme_port_;
  std::uint16_t management_port_;
  std::uint16_t dns_port_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<ChildProcess> dns_;
  std::unique_ptr<ChildProcess> pebble_;
};

// The certificate a TLS handshake with `sni` on `port` gets (nullptr when the handshake
// fails), and how long the handshake took.
struct ServedCertificate {
  X509* leaf = nullptr;  // owned
  std::chrono::microseconds handshake_time{0};
  ~ServedCertificate();
  ServedCertificate() = default;
  ServedCertificate(ServedCertificate&& other) noexcept;
  std::string issuer() const;         // one-line issuer name
  std::string serial() const;         // hex
  std::string first_dns_name() const;
};
ServedCertificate served_certificate(std::uint16_t port, const std::string& sni);

// Whether `leaf` is signed by the certificate in `issuer_pem`.
bool signed_by(X509* leaf, const std::string& issuer_pem);

}  // namespace portico::testing
