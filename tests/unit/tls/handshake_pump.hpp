// Test helper for tls/: a real handshake between an OpenSSL client SSL and a server SSL
// from CertificateStore::server_context(), over a BIO pair stepped by hand (no sockets).
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <optional>
#include <string>

#include "proxy/tls/openssl_ptr.hpp"
#include "tests/unit/tls/test_pki.hpp"

namespace portico::tls::test_support {

struct SessionDeleter {
  void operator()(SSL_SESSION* session) const noexcept { SSL_SESSION_free(session); }
};
using SessionPtr = std::unique_ptr<SSL_SESSION, SessionDeleter>;

struct ClientOptions {
  std::optional<std::string> sni{};
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  std::string tls12_ciphers{};  // "" = OpenSSL default
  std::string sigalgs{};       // "" = OpenSSL default
  std::string groups{};        // "" = OpenSSL default; the first gets the key share
  std::string alpn{};          // wire format, e.g. "\x08http/1.1"
  SSL_SESSION* session = nullptr;
  bool no_ticket = false;
};

struct Handshake {
  bool ok = false;
  SslPtr client;
  SslPtr server;
  SessionPtr session;  // the client's session after the handshake (tickets read)
  unsigned long client_error = 0;
  unsigned long server_error = 0;
  bool offered_resumption = false;  // the server saw a ticket / PSK in the ClientHello

  std::string served() const {
    X509Ptr peer(client ? SSL_get1_peer_certificate(client.get()) : nullptr);
    return common_name(peer.get());
  }
  bool resumed() const { return ok && SSL_session_reused(server.get()) == 1; }
  int client_reason() const { return ERR_GET_REASON(client_error); }
};

// Sets `*arg` when the ClientHello carries a non-empty session_ticket (TLS 1.2) or a
// pre_shared_key (TLS 1.3) extension: proof the client offered its session.
inline void watch_client_hello(int write_p, int, int content_type, const void* buf,
                               std::size_t size, SSL*, void* arg) {
  const auto* p = static_cast<const unsigned char*>(buf);
  if (write_p != 0 || content_type != SSL3_RT_HANDSHAKE || size < 4 || p[0] != 1) return;
  std::size_t at = 4 + 2 + 32;
  auto u16 = [&](std::size_t i) { return static_cast<std::size_t>(p[i] << 8 | p[i + 1]); };
  if (at >= size) return;
  at += 1 + p[at];
  if (at + 2 > size) return;
  at += 2 + u16(at);
  if (at >= size) return;
  at += 1 + p[at];
  if (at + 2 > size) return;
  at += 2;
  while (at + 4 <= size) {
    const std::size_t type = u16(at), length = u16(at + 2);
    if ((type == 35 && length > 0) || type == 41) *static_cast<bool*>(arg) = true;
    at += 4 + length;
  }
}

inline SslPtr make_client(const ClientOptions& options) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_min_proto_version(ctx.get(), options.min_version);
  SSL_CTX_set_max_proto_version(ctx.get(), options.max_version);
  if (!options.tls12_ciphers.empty()) SSL_CTX_set_cipher_list(ctx.get(), options.tls12_ciphers.c_str());
  if (!options.sigalgs.empty()) SSL_CTX_set1_sigalgs_list(ctx.get(), options.sigalgs.c_str());
  if (!options.groups.empty()) SSL_CTX_set1_groups_list(ctx.get(), options.groups.c_str());
  if (options.no_ticket) SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET);
  SslPtr client(SSL_new(ctx.get()));
  SSL_set_connect_state(client.get());
  if (options.sni) SSL_set_tlsext_host_name(client.get(), const_cast<char*>(options.sni->c_str()));
  if (!options.alpn.empty()) {
    SSL_set_alpn_protos(client.get(), reinterpret_cast<const unsigned char*>(options.alpn.data()),
                        static_cast<unsigned>(options.alpn.size()));
  }
  if (options.session != nullptr) SSL_set_session(client.get(), options.session);
  return client;
}

// Steps one side; false when it failed (its first error kept in `error`).
inline bool step(SSL* ssl, bool& done, unsigned long& error) {
  if (done) return true;
  const int rc = SSL_do_handshake(ssl);
  if (rc == 1) return done = true;
  const int kind = SSL_get_error(ssl, rc);
  if (kind == SSL_ERROR_WANT_READ || kind == SSL_ERROR_WANT_WRITE) return true;
  error = ERR_peek_error();
  ERR_clear_error();
  return false;
}

inline Handshake handshake(SSL_CTX* server_ctx, const ClientOptions& options) {
  ERR_clear_error();
  Handshake out;
  out.client = make_client(options);
  out.server.reset(SSL_new(server_ctx));
  SSL_set_accept_state(out.server.get());
  SSL_set_msg_callback(out.server.get(), watch_client_hello);
  SSL_set_msg_callback_arg(out.server.get(), &out.offered_resumption);
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  BIO_new_bio_pair(&client_bio, 0, &server_bio, 0);
  SSL_set_bio(out.client.get(), client_bio, client_bio);
  SSL_set_bio(out.server.get(), server_bio, server_bio);
  bool client_done = false, server_done = false;
  for (int round = 0; round < 50 && !(client_done && server_done); ++round) {
    bool client_ok = step(out.client.get(), client_done, out.client_error);
    bool server_ok = step(out.server.get(), server_done, out.server_error);
    // Let the other side read the alert the failing side wrote.
    if (!client_ok) step(out.server.get(), server_done, out.server_error);
    if (!server_ok) step(out.client.get(), client_done, out.client_error);
    if (!client_ok || !server_ok) return out;
  }
  out.ok = client_done && server_done;
  if (!out.ok) return out;
  char byte = 0;
  SSL_read(out.client.get(), &byte, 1);  // takes in TLS 1.3 NewSessionTickets
  ERR_clear_error();
  out.session.reset(SSL_get1_session(out.client.get()));
  return out;
}

}  // namespace portico::tls::test_support
