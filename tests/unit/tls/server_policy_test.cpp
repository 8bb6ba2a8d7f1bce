// TLS policy in real handshakes: versions, ciphers, ALPN, compression, renegotiation.
#include "proxy/tls/server_policy.hpp"

#include <openssl/sslerr.h>

#include "tests/unit/tls/store_fixture.hpp"

namespace portico::tls {
namespace {

using test_support::ClientOptions;
using test_support::handshake;

class ServerPolicy : public test_support::StoreFixture {};

TEST_F(ServerPolicy, RefusesTls10AndTls11) {
  auto store = build(config());
  ASSERT_NE(store, nullptr);
  for (int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    // SECLEVEL=0 so the client itself is willing to speak the old versions.
    auto result = handshake(store->server_context(),
                            {.sni = "acme.portal.test",
                             .min_version = version,
                             .max_version = version,
                             .tls12_ciphers = "DEFAULT:@SECLEVEL=0"});
    EXPECT_FALSE(result.ok) << version;
    EXPECT_EQ(classify_handshake_error(result.server.get(), result.server_error),
              HandshakeFailure::protocol_version)
        << ERR_reason_error_string(result.server_error);
  }
}

TEST_F(ServerPolicy, NegotiatesTls13AndAcceptsTls12Clients) {
  auto store = build(config());
  ASSERT_NE(store, nullptr);
  auto modern = handshake(store->server_context(), {.sni = "acme.portal.test"});
  ASSERT_TRUE(modern.ok);
  EXPECT_EQ(SSL_version(modern.server.get()), TLS1_3_VERSION);
  auto older = handshake(store->server_context(),
                         {.sni = "acme.portal.test", .max_version = TLS1_2_VERSION});
  ASSERT_TRUE(older.ok);
  EXPECT_EQ(SSL_version(older.server.get()), TLS1_2_VERSION);
}

TEST_F(ServerPolicy, MinVersion13RefusesTls12OnlyClients) {
  auto cfg = config();
  cfg.tls.min_version = "1.3";
  auto store = build(cfg);
  ASSERT_NE(store, nullptr);
  auto result = handshake(store->server_context(),
                          {.sni = "acme.portal.test", .max_version = TLS1_2_VERSION});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(classify_handshake_error(result.server.get(), result.server_error),
            HandshakeFailure::protocol_version);
  EXPECT_TRUE(handshake(store->server_context(), {.sni = "acme.portal.test"}).ok);
}

TEST_F(ServerPolicy, SelectsHttp11WithAlpnAndOtherwiseContinuesWithout) {
  auto store = build(config());
  ASSERT_NE(store, nullptr);
  auto alpn_of = [](const test_support::Handshake& result) {
    const unsigned char* data = nullptr;
    unsigned size = 0;
    SSL_get0_alpn_selected(result.client.get(), &data, &size);
    return std::string(reinterpret_cast<const char*>(data), size);
  };
  auto both = handshake(store->server_context(),
                        {.sni = "acme.portal.test", .alpn = std::string("\x02h2\x08http/1.1", 12)});
  ASSERT_TRUE(both.ok);
  EXPECT_EQ(alpn_of(both), "http/1.1");
  auto h2_only = handshake(store->server_context(), {.sni = "acme.portal.test", .alpn = "\x02h2"});
  ASSERT_TRUE(h2_only.ok);
  EXPECT_EQ(alpn_of(h2_only), "");
}

TEST_F(ServerPolicy, OffersOnlyEcdheSuitesAndLetsTheClientChoose) {
  auto store = build(config());
  ASSERT_NE(store, nullptr);
  const int tls12 = TLS1_2_VERSION;
  STACK_OF(SSL_CIPHER)* offered = SSL_CTX_get_ciphers(store->server_context());
  ASSERT_NE(offered, nullptr);
  for (int i = 0; i < sk_SSL_CIPHER_num(offered); ++i) {
    const std::string name = SSL_CIPHER_get_name(sk_SSL_CIPHER_value(offered, i));
    EXPECT_TRUE(name.starts_with("ECDHE-") || name.starts_with("TLS_")) << name;
    EXPECT_EQ(name.find("CBC"), std::string::npos) << name;
  }
  auto cbc = handshake(store->server_context(), {.sni = "acme.portal.test",
                                                  .max_version = tls12,
                                                  .tls12_ciphers = "ECDHE-ECDSA-AES128-SHA"});
  EXPECT_FALSE(cbc.ok);
  EXPECT_EQ(classify_handshake_error(cbc.server.get(), cbc.server_error),
            HandshakeFailure::no_shared_cipher);
  // Client order wins: ChaCha20 first is honoured although AES-GCM is first on our list.
  auto chacha = handshake(
      store->server_context(),
      {.sni = "acme.portal.test",
       .max_version = tls12,
       .tls12_ciphers = "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256"});
  ASSERT_TRUE(chacha.ok);
  EXPECT_STREQ(SSL_get_cipher_name(chacha.server.get()), "ECDHE-ECDSA-CHACHA20-POLY1305");
  EXPECT_EQ(SSL_get_current_compression(chacha.server.get()), nullptr);
}

TEST_F(ServerPolicy, RefusesRenegotiation) {
  auto store = build(config());
  ASSERT_NE(store, nullptr);
  auto result = handshake(store->server_context(),
                          {.sni = "acme.portal.test", .max_version = TLS1_2_VERSION});
  ASSERT_TRUE(result.ok);
  ASSERT_EQ(SSL_renegotiate(result.client.get()), 1);
  unsigned long client_error = 0;
  char byte = 0;
  for (int round = 0; round < 10 && client_error == 0; ++round) {
    if (SSL_do_handshake(result.client.get()) <= 0) client_error = ERR_peek_error();
    SSL_read(result.server.get(), &byte, 1);
    ERR_clear_error();
  }
  EXPECT_EQ(ERR_GET_REASON(client_error), SSL_R_NO_RENEGOTIATION);
}

TEST(TlsCounters, ClassifiesOpenSslReasons) {
  struct Case {
    int reason;
    HandshakeFailure expected;
  };
  const Case cases[] = {
      {SSL_R_UNSUPPORTED_PROTOCOL, HandshakeFailure::protocol_version},
      {SSL_R_NO_SHARED_CIPHER, HandshakeFailure::no_shared_cipher},
      {SSL_R_HTTP_REQUEST, HandshakeFailure::malformed},
      {SSL_R_UNEXPECTED_EOF_WHILE_READING, HandshakeFailure::closed},
      {SSL_R_TLSV1_ALERT_UNKNOWN_CA, HandshakeFailure::certificate_rejected},
      {SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN, HandshakeFailure::certificate_rejected},
      {SSL_R_TLSV1_ALERT_PROTOCOL_VERSION, HandshakeFailure::protocol_version},
      {SSL_R_TLSV1_ALERT_DECODE_ERROR, HandshakeFailure::peer_alert},
      {SSL_R_BAD_SIGNATURE, HandshakeFailure::other},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(classify_handshake_error(nullptr, ERR_PACK(ERR_LIB_SSL, 0, c.reason)), c.expected)
        << c.reason;
  }
  EXPECT_EQ(classify_handshake_error(nullptr, 0), HandshakeFailure::other);
  EXPECT_EQ(to_string(HandshakeFailure::certificate_rejected), "certificate_rejected");
}

TEST(TlsCounters, CountsFailuresByReason) {
  TlsCounters counters;
  counters.record_failure(HandshakeFailure::timeout);
  counters.record_failure(HandshakeFailure::timeout);
  counters.record_failure(HandshakeFailure::closed);
  EXPECT_EQ(counters.failures_of(HandshakeFailure::timeout), 2u);
  EXPECT_EQ(counters.failures_of(HandshakeFailure::closed), 1u);
  EXPECT_EQ(counters.failures_of(HandshakeFailure::other), 0u);
}

}  // namespace
}  // namespace portico::tls
