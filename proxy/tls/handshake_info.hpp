// tls/handshake_info: what the ClientHello callback learned about THIS handshake (the SNI
// name), kept in SSL ex_data for the http layer. Also SNI parsing and normalization. No I/O.
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <string_view>

namespace portico::tls {

struct HandshakeInfo {
  // Normalized (lowercase, no trailing dot) server_name of this handshake's ClientHello; ""
  // when it sent none or one that is not a valid host name. Set before session resumption
  // is decided, so on a resumed session it is still the current handshake's name.
  std::string sni;
  bool rejected = false;  // unknown_sni = "reject" aborted the handshake
};

// The info of `ssl`, or nullptr when no ClientHello callback ran (client SSLs, or failures
// before the ClientHello was parsed).
const HandshakeInfo* handshake_info(const SSL* ssl) noexcept;

namespace detail {

// The info of `ssl`, created on first use (owned by the SSL); nullptr on allocation failure.
HandshakeInfo* ensure_handshake_info(SSL* ssl) noexcept;

// Lowercases, removes one trailing dot and validates as a DNS name (LDH labels of 1-63
// bytes, at most 253 bytes). Returns "" for names that are not valid host names.
std::string normalize_sni(std::string_view raw);

enum class SniParse { absent, found, malformed };
// Reads the first host_name of the server_name extension of the ClientHello being processed
// (only valid inside a client-hello callback).
SniParse read_client_hello_sni(SSL* ssl, std::string_view& host_name) noexcept;

// Sets the session id context from the SNI name, so a session or ticket issued under one
// name is never resumed under another: OpenSSL refuses resumption when they differ.
bool set_session_context(SSL* ssl, std::string_view sni) noexcept;

}  // namespace detail
}  // namespace portico::tls
