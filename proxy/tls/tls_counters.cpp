// tls/tls_counters: failure classification from OpenSSL reason codes. No I/O.
#include "proxy/tls/tls_counters.hpp"

#include <openssl/err.h>
#include <openssl/sslerr.h>

#include "proxy/tls/handshake_info.hpp"

namespace portico::tls {
namespace {

bool is_received_alert(int reason) {
  // OpenSSL reports an alert from the peer as SSL_AD_REASON_OFFSET + alert number.
  return reason >= SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256;
}

HandshakeFailure classify_alert(int alert) {
  switch (alert) {
    case SSL_AD_BAD_CERTIFICATE:
    case SSL_AD_UNSUPPORTED_CERTIFICATE:
    case SSL_AD_CERTIFICATE_REVOKED:
    case SSL_AD_CERTIFICATE_EXPIRED:
    case SSL_AD_CERTIFICATE_UNKNOWN:
    case SSL_AD_UNKNOWN_CA:
      return HandshakeFailure::certificate_rejected;
    case SSL_AD_PROTOCOL_VERSION:
      return HandshakeFailure::protocol_version;
    case SSL_AD_HANDSHAKE_FAILURE:
    case SSL_AD_INSUFFICIENT_SECURITY:
      return HandshakeFailure::no_shared_cipher;
    default:
      return HandshakeFailure::peer_alert;
  }
}

}  // namespace

std::string_view to_string(HandshakeFailure reason) noexcept {
  switch (reason) {
    case HandshakeFailure::unrecognized_name: return "unrecognized_name";
    case HandshakeFailure::protocol_version: return "protocol_version";
    case HandshakeFailure::no_shared_cipher: return "no_shared_cipher";
    case HandshakeFailure::certificate_rejected: return "certificate_rejected";
    case HandshakeFailure::peer_alert: return "peer_alert";
    case HandshakeFailure::malformed: return "malformed";
    case HandshakeFailure::closed: return "closed";
    case HandshakeFailure::timeout: return "timeout";
    case HandshakeFailure::other: return "other";
  }
  return "other";
}

HandshakeFailure classify_handshake_error(const SSL* ssl, unsigned long openssl_error) noexcept {
  if (ssl != nullptr) {
    if (const HandshakeInfo* info = handshake_info(ssl); info != nullptr && info->rejected) {
      return HandshakeFailure::unrecognized_name;
    }
  }
  if (openssl_error == 0) return HandshakeFailure::other;
  const int reason = ERR_GET_REASON(openssl_error);
  if (is_received_alert(reason)) return classify_alert(reason - SSL_AD_REASON_OFFSET);
  switch (reason) {
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_VERSION_TOO_HIGH:
      return HandshakeFailure::protocol_version;
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_NO_SHARED_GROUPS:
    case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
    case SSL_R_NO_CIPHERS_AVAILABLE:
      return HandshakeFailure::no_shared_cipher;
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_UNKNOWN_PROTOCOL:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_RECORD_LENGTH_MISMATCH:
    case SSL_R_UNEXPECTED_MESSAGE:
    case SSL_R_UNEXPECTED_RECORD:
    case SSL_R_LENGTH_MISMATCH:
    case SSL_R_BAD_PACKET_LENGTH:
    case SSL_R_BAD_EXTENSION:
    case SSL_R_BAD_PACKET:
      return HandshakeFailure::malformed;
    case SSL_R_UNEXPECTED_EOF_WHILE_READING:
      return HandshakeFailure::closed;
    default:
      return HandshakeFailure::other;
  }
}

void TlsCounters::record_handshake(const SSL* ssl) noexcept {
  handshakes.fetch_add(1, std::memory_order_relaxed);
  if (ssl != nullptr && SSL_session_reused(ssl) == 1) {
    resumptions.fetch_add(1, std::memory_order_relaxed);
  }
}

void TlsCounters::record_failure(HandshakeFailure reason) noexcept {
  failures[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t TlsCounters::failures_of(HandshakeFailure reason) const noexcept {
  return failures[static_cast<std::size_t>(reason)].load(std::memory_order_relaxed);
}

}  // namespace portico::tls
