// Tests for acme/keys: P-256 keys through PEM and back, and the CSR an order is finalized with.
#include "proxy/acme/keys.hpp"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "proxy/acme/jws.hpp"

namespace portico::acme {
namespace {

TEST(AcmeKeys, PemRoundTripKeepsTheKey) {
  tls::PkeyPtr key = generate_p256_key();
  ASSERT_TRUE(key);
  const std::string pem = private_key_pem(key.get());
  EXPECT_NE(pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  tls::PkeyPtr back = read_private_key_pem(pem);
  ASSERT_TRUE(back);
  EXPECT_EQ(EVP_PKEY_eq(key.get(), back.get()), 1);
  EXPECT_EQ(jwk_json(back.get()), jwk_json(key.get()));
  EXPECT_FALSE(read_private_key_pem("not a key"));
}

TEST(AcmeKeys, CsrNamesTheDomainAndIsSignedByTheKey) {
  tls::PkeyPtr key = generate_p256_key();
  const std::string der = certificate_request_der("shop.example.test", key.get());
  ASSERT_FALSE(der.empty());
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  X509_REQ* request = d2i_X509_REQ(nullptr, &cursor, static_cast<long>(der.size()));
  ASSERT_NE(request, nullptr);
  EXPECT_EQ(X509_REQ_verify(request, key.get()), 1);
  char common_name[256] = {};
  X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(request), NID_commonName, common_name, sizeof common_name);
  EXPECT_STREQ(common_name, "shop.example.test");
  STACK_OF(X509_EXTENSION)* extensions = X509_REQ_get_extensions(request);
  ASSERT_NE(extensions, nullptr);
  bool found = false;
  for (int i = 0; i < sk_X509_EXTENSION_num(extensions); ++i) {
    X509_EXTENSION* extension = sk_X509_EXTENSION_value(extensions, i);
    if (OBJ_obj2nid(X509_EXTENSION_get_object(extension)) != NID_subject_alt_name) continue;
    auto* names = static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(extension));
    ASSERT_EQ(sk_GENERAL_NAME_num(names), 1);
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, 0);
    ASSERT_EQ(name->type, GEN_DNS);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName))), "shop.example.test");
    GENERAL_NAMES_free(names);
    found = true;
  }
  EXPECT_TRUE(found);
  sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  X509_REQ_free(request);
}

}  // namespace
}  // namespace portico::acme
