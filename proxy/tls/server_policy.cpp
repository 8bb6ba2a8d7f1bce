// tls/server_policy: SSL_CTX settings shared by every server context. No certificates, no I/O.
#include "proxy/tls/server_policy.hpp"

#include <openssl/err.h>

#include <string>

namespace portico::tls {
namespace {

constexpr std::string_view http11 = "http/1.1";

// Picks http/1.1 when offered. Otherwise the handshake goes on without ALPN (as nginx does)
// rather than failing: a client offering only h2 then decides for itself.
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_size, const unsigned char* in,
                unsigned int in_size, void*) {
  unsigned int at = 0;
  while (at < in_size) {
    const unsigned int size = in[at];
    if (size > in_size - at - 1) break;
    if (std::string_view(reinterpret_cast<const char*>(in + at + 1), size) == http11) {
      *out = in + at + 1;
      *out_size = static_cast<unsigned char>(size);
      return SSL_TLSEXT_ERR_OK;
    }
    at += 1 + size;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

bool set_versions(SSL_CTX* ctx, const std::string& min_version, std::string& error) {
  int min = 0;
  if (min_version == "1.2") {
    min = TLS1_2_VERSION;
  } else if (min_version == "1.3") {
    min = TLS1_3_VERSION;
  } else {
    error = "[tls] min_version must be \"1.2\" or \"1.3\"";
    return false;
  }
  return SSL_CTX_set_min_proto_version(ctx, min) == 1 &&
         SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1;
}

bool set_algorithms(SSL_CTX* ctx) {
  return SSL_CTX_set_cipher_list(ctx, std::string(tls12_ciphers).c_str()) == 1 &&
         SSL_CTX_set_ciphersuites(ctx, std::string(tls13_ciphersuites).c_str()) == 1 &&
         SSL_CTX_set1_groups_list(ctx, std::string(key_exchange_groups).c_str()) == 1;
}

void set_options(SSL_CTX* ctx) {
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_clear_options(ctx, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
  // Mozilla intermediate: every suite offered is strong, so the client picks (a phone without
  // AES hardware prefers ChaCha20).
  SSL_CTX_clear_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Many idle keep-alive connections: give the read/write buffers back between records.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
}

void set_sessions(SSL_CTX* ctx, std::chrono::seconds session_timeout) {
  // Tickets only: they work on every worker and across reloads, and a server-side cache
  // would take a lock per handshake and be lost on reload anyway.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_timeout(ctx, static_cast<long>(session_timeout.count()));
  // 0-RTT data can be replayed; the portal has state-changing requests.
  SSL_CTX_set_max_early_data(ctx, 0);
}

}  // namespace

SslCtxPtr make_server_context(const config::TlsSection& tls, std::chrono::seconds session_timeout,
                              std::string& error) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (ctx == nullptr) {
    error = "cannot create a TLS context";
    return nullptr;
  }
  if (!set_versions(ctx.get(), tls.min_version, error)) return nullptr;
  if (!set_algorithms(ctx.get())) {
    ERR_clear_error();
    error = "the TLS library refused the cipher or group list";
    return nullptr;
  }
  set_options(ctx.get());
  set_sessions(ctx.get(), session_timeout);
  SSL_CTX_set_alpn_select_cb(ctx.get(), select_alpn, nullptr);
  return ctx;
}

}  // namespace portico::tls
