// tls/server_policy: the TLS policy every server SSL_CTX gets (versions, ciphers, groups,
// options, ALPN, sessions). Builds contexts only: no certificates, no I/O.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "proxy/config/model.hpp"
#include "proxy/tls/openssl_ptr.hpp"

namespace portico::tls {

// Mozilla "intermediate" (v5.7) TLS 1.2 suites without the DHE ones: every client that has
// DHE-RSA-*-GCM also has ECDHE, and finite-field DHE costs far more CPU per handshake.
inline constexpr std::string_view tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
inline constexpr std::string_view tls13_ciphersuites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
inline constexpr std::string_view key_exchange_groups = "X25519:P-256:P-384";

// A server context with the policy of `tls` (min_version "1.2" or "1.3"): TLS 1.2-1.3,
// the ciphers above, client cipher preference, no compression, no renegotiation, ALPN
// http/1.1 only, no 0-RTT, stateless tickets only (no server-side session cache), session
// lifetime `session_timeout`. Null and `error` set on failure.
SslCtxPtr make_server_context(const config::TlsSection& tls, std::chrono::seconds session_timeout,
                              std::string& error);

}  // namespace portico::tls
