// Loading PEM files: what is accepted, what is refused and how it is reported.
#include "proxy/tls/certificate.hpp"

#include "tests/unit/tls/test_pki.hpp"

namespace portico::tls {
namespace {

using test_support::CertSpec;
using test_support::pem_of;
using test_support::write_file;

class CertificateLoad : public ::testing::Test {
 protected:
  bool load(const std::string& path) { return load_certificate(path, certificate, error); }

  test_support::TempDir dir;
  test_support::Pki pki;
  Certificate certificate;
  std::string error;
};

TEST_F(CertificateLoad, ReadsChainKeyNamesAndExpiry) {
  PkeyPtr key = test_support::make_ec_key();
  X509Ptr leaf = test_support::make_cert({"Shop.Example.Test", {"Shop.Example.Test", "*.Example.Test"}, -1, 30},
                                         key.get(), pki.ca.get(), pki.ca_key.get());
  const std::string path = write_file(dir.file("Shop.Example.Test.pem"),
                                      pem_of(leaf.get()) + pem_of(pki.ca.get()) + pem_of(key.get()));
  ASSERT_TRUE(load(path)) << error;
  EXPECT_EQ(certificate.name, "shop.example.test");
  EXPECT_EQ(certificate.file, path);
  EXPECT_EQ(certificate.dns_names, (std::vector<std::string>{"shop.example.test", "*.example.test"}));
  EXPECT_EQ(sk_X509_num(certificate.chain.get()), 1);
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  EXPECT_NEAR(static_cast<double>(certificate.not_after_unix - now), 30.0 * 86400, 120);
  EXPECT_LT(certificate.not_before_unix, now);
}

TEST_F(CertificateLoad, AcceptsTraditionalKeysInAnyPosition) {
  PkeyPtr key = test_support::make_ec_key();
  X509Ptr leaf = test_support::make_cert({"a.test", {"a.test"}}, key.get(), pki.ca.get(), pki.ca_key.get());
  const std::string path = write_file(
      dir.file("a.test.pem"), pem_of(key.get(), /*traditional=*/true) + pem_of(leaf.get()));
  EXPECT_TRUE(load(path)) << error;
}

// Keys are decoded as the type their PEM names (faster than OpenSSL's auto-detection), and a
// label that lies falls back to auto-detection: what loads does not depend on the label.
TEST_F(CertificateLoad, LoadsEcAndRsaKeysInEveryPemFormEvenUnderAWrongLabel) {
  struct Case {
    std::string name;
    PkeyPtr key;
    bool traditional;
    std::string relabel;  // replaces the key's PEM label when not empty
  };
  Case cases[] = {
      {"ec-pkcs8", test_support::make_ec_key(), false, ""},
      {"ec-sec1", test_support::make_ec_key(), true, ""},
      {"rsa-pkcs8", test_support::make_rsa_key(), false, ""},
      {"rsa-pkcs1", test_support::make_rsa_key(), true, ""},
      {"ec-sec1-labelled-rsa", test_support::make_ec_key(), true, "RSA PRIVATE KEY"},
  };
  for (Case& c : cases) {
    X509Ptr leaf = test_support::make_cert({c.name + ".test", {c.name + ".test"}}, c.key.get(), pki.ca.get(),
                                           pki.ca_key.get());
    std::string key_pem = pem_of(c.key.get(), c.traditional);
    if (!c.relabel.empty()) {
      const std::size_t label_start = key_pem.find("BEGIN ") + 6;
      const std::size_t label_end = key_pem.find("-----", label_start);
      const std::string label = key_pem.substr(label_start, label_end - label_start);
      for (std::size_t at = key_pem.find(label); at != std::string::npos; at = key_pem.find(label, at + 1)) {
        key_pem.replace(at, label.size(), c.relabel);
      }
    }
    const std::string path = write_file(dir.file(c.name + ".pem"), pem_of(leaf.get()) + key_pem);
    ASSERT_TRUE(load(path)) << c.name << ": " << error;
    EXPECT_EQ(EVP_PKEY_eq(certificate.key.get(), c.key.get()), 1) << c.name;
  }
}

TEST_F(CertificateLoad, RefusesBrokenFilesWithAReason) {
  PkeyPtr key = test_support::make_ec_key();
  PkeyPtr other = test_support::make_ec_key();
  X509Ptr leaf = test_support::make_cert({"a.test", {"a.test"}}, key.get(), pki.ca.get(), pki.ca_key.get());
  X509Ptr unrelated = test_support::make_cert({"Other CA", {}, -1, 90, true}, other.get());
  std::string corrupt = pem_of(pki.ca.get());
  corrupt[corrupt.size() / 2] = '!';
  struct Case {
    std::string name;
    std::string contents;
    std::string expected;
  };
  const Case cases[] = {
      {"mismatch", pem_of(leaf.get()) + pem_of(other.get()), "does not match the certificate"},
      {"no-key", pem_of(leaf.get()), "holds no private key"},
      {"no-cert", pem_of(key.get()), "holds no certificate"},
      {"two-keys", pem_of(leaf.get()) + pem_of(key.get()) + pem_of(key.get()), "more than one private key"},
      {"unparsable-chain", pem_of(leaf.get()) + corrupt + pem_of(key.get()), "not valid PEM"},
      {"out-of-order", pem_of(leaf.get()) + pem_of(unrelated.get()) + pem_of(key.get()),
       "certificate #2 did not issue certificate #1"},
      {"empty", "", "holds no certificate"},
  };
  for (const Case& c : cases) {
    const std::string path = write_file(dir.file(c.name + ".pem"), c.contents);
    EXPECT_FALSE(load(path)) << c.name;
    EXPECT_NE(error.find(c.expected), std::string::npos) << c.name << ": " << error;
  }
  EXPECT_FALSE(load(dir.file("missing.pem")));
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;
}

TEST_F(CertificateLoad, RefusesEncryptedKeys) {
  PkeyPtr key = test_support::make_ec_key();
  X509Ptr leaf = test_support::make_cert({"a.test", {"a.test"}}, key.get(), pki.ca.get(), pki.ca_key.get());
  BioPtr bio(BIO_new(BIO_s_mem()));
  char pass[] = "secret";
  PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), EVP_aes_256_cbc(), pass, 6, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  const std::string path = write_file(dir.file("enc.pem"), pem_of(leaf.get()) +
                                                               std::string(data, static_cast<std::size_t>(size)));
  EXPECT_FALSE(load(path));
  EXPECT_NE(error.find("encrypted"), std::string::npos) << error;
}

TEST(CertificateNames, WildcardsCoverExactlyOneLabel) {
  Certificate certificate;
  certificate.dns_names = {"portal.test", "*.portal.test", "billing.acme.test", "f*o.bad.test"};
  struct Case {
    const char* name;
    bool covered;
  };
  const Case cases[] = {
      {"portal.test", true},   {"acme.portal.test", true},  {"a.b.portal.test", false},
      {"billing.acme.test", true}, {"x.acme.test", false},  {"foo.bad.test", false},
      {"test", false},         {".portal.test", false},
  };
  for (const Case& c : cases) EXPECT_EQ(covers(certificate, c.name), c.covered) << c.name;
  EXPECT_EQ(wildcard_parent("*.portal.test"), "portal.test");
  EXPECT_EQ(wildcard_parent("*portal.test"), "");
  EXPECT_EQ(wildcard_parent("a.*.test"), "");
  EXPECT_EQ(wildcard_parent("*."), "");
}

}  // namespace
}  // namespace portico::tls
