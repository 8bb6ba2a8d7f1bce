// Test helpers for tls/: EC P-256 (and RSA) keys, a CA and leaf certificates made with the
// OpenSSL API at run time, PEM files in a temporary directory, and a config pointing at them.
#pragma once

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "proxy/config/model.hpp"
#include "proxy/tls/openssl_ptr.hpp"

namespace portico::tls::test_support {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "portico-tls-XXXXXX").string();
    path_ = mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline PkeyPtr make_ec_key() { return PkeyPtr(EVP_EC_gen("P-256")); }
inline PkeyPtr make_rsa_key() { return PkeyPtr(EVP_RSA_gen(2048)); }

struct CertSpec {
  std::string common_name{};
  std::vector<std::string> dns_names{};  // subjectAltName DNS entries
  long not_before_days = -1;
  long not_after_days = 90;
  bool ca = false;
};

inline void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  ASSERT_NE(ext, nullptr) << value;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// Signed by `issuer`/`issuer_key`, or self-signed when they are null.
inline X509Ptr make_cert(const CertSpec& spec, EVP_PKEY* key, X509* issuer = nullptr,
                         EVP_PKEY* issuer_key = nullptr) {
  static long serial = 1000;
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), spec.not_before_days * 86400);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), spec.not_after_days * 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
                             -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  add_extension(cert.get(), signer, NID_basic_constraints, spec.ca ? "critical,CA:TRUE" : "CA:FALSE");
  add_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
  add_extension(cert.get(), signer, NID_authority_key_identifier, "keyid");
  if (!spec.dns_names.empty()) {
    std::string sans;
    for (const std::string& dns : spec.dns_names) sans += (sans.empty() ? "DNS:" : ",DNS:") + dns;
    add_extension(cert.get(), signer, NID_subject_alt_name, sans);
  }
  X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256());
  return cert;
}

inline std::string pem_of(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

inline std::string pem_of(EVP_PKEY* key, bool traditional = false) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (traditional) {
    PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

inline std::string write_file(const std::string& path, const std::string& contents) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

// A dev CA and leaves it signs, written as "<leaf PEM><key PEM>" files.
struct Pki {
  PkeyPtr ca_key = make_ec_key();
  X509Ptr ca = make_cert({"Test CA", {}, -1, 3650, true}, ca_key.get());

  std::string leaf_file(const std::string& path, const CertSpec& spec) const {
    PkeyPtr key = make_ec_key();
    X509Ptr leaf = make_cert(spec, key.get(), ca.get(), ca_key.get());
    return write_file(path, pem_of(leaf.get()) + pem_of(key.get()));
  }
};

inline std::string common_name(X509* cert) {
  if (cert == nullptr) return "";
  X509_NAME* name = X509_get_subject_name(cert);
  const int at = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (at < 0) return "";
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<std::size_t>(ASN1_STRING_length(data)));
}

inline config::SourcePos certificate_pos() { return {"portico.toml", 30, 15}; }
inline config::SourcePos cert_dir_pos() { return {"portico.toml", 31, 15}; }

// https on, base domain portal.test, positions on lines 30 and 31 of portico.toml.
inline config::Config tls_config(const std::string& certificate, const std::string& cert_dir) {
  config::Config config;
  config.path = "portico.toml";
  config.server.https_listen = {{"127.0.0.1", 8443, {}}};
  config.portal.base_domain = "portal.test";
  config.tls.certificate = certificate;
  config.tls.cert_dir = cert_dir;
  config.tls.certificate_pos = certificate_pos();
  config.tls.cert_dir_pos = cert_dir_pos();
  return config;
}

}  // namespace portico::tls::test_support
