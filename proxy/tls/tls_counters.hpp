// tls/tls_counters: handshake counters for /metrics. Lock-free (relaxed atomics); the http
// layer bumps them after each handshake, the metrics endpoint reads them. No I/O.
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace portico::tls {

// Why a handshake failed. Small and fixed so it can be a metrics label.
enum class HandshakeFailure : std::uint8_t {
  unrecognized_name,     // unknown_sni = "reject" refused the name (or a ClientHello without SNI)
  protocol_version,      // no TLS version in common (TLS 1.0/1.1 clients; 1.2 when min is 1.3)
  no_shared_cipher,      // no cipher suite, group or signature algorithm in common
  certificate_rejected,  // the client refused our certificate (unknown CA, expired, bad name)
  peer_alert,            // the client aborted with another alert
  malformed,             // not TLS (plain HTTP on the https port) or a malformed message
  closed,                // the transport closed before the handshake finished
  timeout,               // the handshake deadline passed
  other,
};
inline constexpr std::size_t handshake_failure_kinds = 9;

// The metrics label value: "unrecognized_name", "protocol_version", ...
std::string_view to_string(HandshakeFailure reason) noexcept;

// Maps a failed handshake to a reason: `openssl_error` is the packed OpenSSL error
// (ERR_get_error(), or the value of an asio ssl-category error_code). `ssl` may be null.
// Transport errors (EOF, timeout) are the caller's to classify as closed / timeout.
HandshakeFailure classify_handshake_error(const SSL* ssl, unsigned long openssl_error) noexcept;

struct TlsCounters {
  std::atomic<std::uint64_t> handshakes{0};   // completed, resumed or not
  std::atomic<std::uint64_t> resumptions{0};  // completed with a resumed session
  std::array<std::atomic<std::uint64_t>, handshake_failure_kinds> failures{};

  // After a successful handshake: counts it, and a resumption when the session was reused.
  void record_handshake(const SSL* ssl) noexcept;
  void record_failure(HandshakeFailure reason) noexcept;
  std::uint64_t failures_of(HandshakeFailure reason) const noexcept;
};

}  // namespace portico::tls
