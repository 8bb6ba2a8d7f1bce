// Tests for tls/client_hello: the SNI of real ClientHellos (OpenSSL clients over memory BIOs,
// TLS 1.2 and 1.3), and every truncation of one, which must never read out of bounds.
#include "proxy/tls/client_hello.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

namespace portico::tls {
namespace {

// The bytes an OpenSSL client sends first, with `sni` ("" = none).
std::string client_hello_bytes(const std::string& sni, int max_version = 0) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (max_version != 0) SSL_CTX_set_max_proto_version(ctx, max_version);
  SSL* ssl = SSL_new(ctx);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, in, out);
  if (!sni.empty()) SSL_set_tlsext_host_name(ssl, sni.c_str());
  SSL_connect(ssl);  // wants to read: the ClientHello is in `out`
  char* data = nullptr;
  const long size = BIO_get_mem_data(out, &data);
  std::string bytes(data, static_cast<std::size_t>(size));
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return bytes;
}

TEST(ClientHello, SniOfATls13AndATls12Hello) {
  for (int version : {0, TLS1_2_VERSION}) {
    const std::string hello = client_hello_bytes("Shop.Example.TEST", version);
    ASSERT_EQ(first_record_size(hello), hello.size());
    EXPECT_EQ(client_hello_sni(hello), "shop.example.test");
  }
}

TEST(ClientHello, NoSniNoName) {
  const std::string hello = client_hello_bytes("");
  EXPECT_EQ(first_record_size(hello), hello.size());
  EXPECT_EQ(client_hello_sni(hello), "");
}

TEST(ClientHello, EveryTruncationGivesNoName) {
  const std::string hello = client_hello_bytes("shop.example.test");
  for (std::size_t size = 0; size < hello.size(); ++size) {
    EXPECT_EQ(client_hello_sni(std::string_view(hello).substr(0, size)), "") << size;
  }
}

TEST(ClientHello, NotAHandshakeRecord) {
  EXPECT_EQ(first_record_size("GET / HTTP/1.1\r\n"), 0u);
  EXPECT_EQ(first_record_size(std::string("\x16\x03\x01\x00\x00", 5)), 0u);
  EXPECT_EQ(first_record_size(std::string("\x16\x03\x01\x01\x00", 5)), 5u + 256);
  EXPECT_EQ(client_hello_sni("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "");
}

}  // namespace
}  // namespace portico::tls
