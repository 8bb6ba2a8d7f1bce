// tls/certificate: PEM loading and checks. Runs at config compile only (reads files).
#include "proxy/tls/certificate.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

namespace portico::tls {
namespace {

struct PemBlock {
  char* type = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long size = 0;
  ~PemBlock() {
    OPENSSL_free(type);
    OPENSSL_free(header);
    OPENSSL_free(data);
  }
};

enum class Read { block, end, error };

Read read_block(BIO* bio, PemBlock& block) {
  if (PEM_read_bio(bio, &block.type, &block.header, &block.data, &block.size) == 1) {
    return Read::block;
  }
  const unsigned long error = ERR_peek_last_error();
  const bool end = ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE;
  ERR_clear_error();
  return end ? Read::end : Read::error;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::int64_t to_unix(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::vector<std::string> dns_names_of(X509* leaf) {
  std::vector<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr));
  if (sans == nullptr) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* general = sk_GENERAL_NAME_value(sans, i);
    if (general->type != GEN_DNS) continue;
    const auto* bytes = ASN1_STRING_get0_data(general->d.dNSName);
    std::string_view name(reinterpret_cast<const char*>(bytes),
                          static_cast<std::size_t>(ASN1_STRING_length(general->d.dNSName)));
    if (name.find('\0') == std::string_view::npos) names.push_back(lowercase(name));
  }
  GENERAL_NAMES_free(sans);
  return names;
}

// The key type of a DER private key, read from its PEM label or, for PKCS#8 ("PRIVATE KEY"),
// from the algorithm it names; EVP_PKEY_NONE (NID_undef) when neither tells. Why: OpenSSL 3
// decoding a key of unknown type tries every decoder it has, about four times slower than
// decoding a known type, and a config with hundreds of custom-domain certificates loads them
// all at start.
int private_key_type(std::string_view label, const unsigned char* der, long size) {
  if (label == "EC PRIVATE KEY") return EVP_PKEY_EC;
  if (label == "RSA PRIVATE KEY") return EVP_PKEY_RSA;
  if (label != "PRIVATE KEY") return EVP_PKEY_NONE;
  PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &der, size);
  const ASN1_OBJECT* algorithm = nullptr;
  int type = EVP_PKEY_NONE;
  // The algorithm's NID is the key type for the common ones (EC, RSA, Ed25519, ...).
  if (info != nullptr && PKCS8_pkey_get0(&algorithm, nullptr, nullptr, nullptr, info) == 1) {
    type = OBJ_obj2nid(algorithm);
  }
  PKCS8_PRIV_KEY_INFO_free(info);
  return type;
}

EVP_PKEY* decode_private_key(std::string_view label, const unsigned char* der, long size) {
  const int type = private_key_type(label, der, size);
  if (type != EVP_PKEY_NONE) {
    const unsigned char* cursor = der;
    if (EVP_PKEY* key = d2i_PrivateKey(type, nullptr, &cursor, size)) return key;
    ERR_clear_error();  // not what its label said: let OpenSSL find out
  }
  const unsigned char* cursor = der;
  return d2i_AutoPrivateKey(nullptr, &cursor, size);
}

// Adds one PEM block to `out` (certificates in file order, the one key). Other blocks, such
// as the "EC PARAMETERS" that `openssl ecparam -genkey` writes, are ignored.
bool take_block(const PemBlock& block, Certificate& out, std::vector<X509Ptr>& certs,
                std::string& error) {
  const std::string_view type(block.type);
  const unsigned char* cursor = block.data;
  if (type == "CERTIFICATE") {
    X509Ptr cert(d2i_X509(nullptr, &cursor, block.size));
    if (cert == nullptr || cursor != block.data + block.size) {
      error = "certificate #" + std::to_string(certs.size() + 1) + " cannot be parsed";
      return false;
    }
    certs.push_back(std::move(cert));
    return true;
  }
  if (!type.ends_with("PRIVATE KEY")) return true;
  if (type.starts_with("ENCRYPTED") || std::strstr(block.header, "ENCRYPTED") != nullptr) {
    error = "the private key is encrypted; Portico needs an unencrypted key";
    return false;
  }
  if (out.key != nullptr) {
    error = "more than one private key";
    return false;
  }
  out.key.reset(decode_private_key(type, block.data, block.size));
  if (out.key == nullptr) {
    error = "the private key cannot be parsed";
    return false;
  }
  return true;
}

bool check_chain(const std::vector<X509Ptr>& certs, std::string& error) {
  for (std::size_t i = 0; i + 1 < certs.size(); ++i) {
    if (X509_check_issued(certs[i + 1].get(), certs[i].get()) != X509_V_OK) {
      error = "certificate #" + std::to_string(i + 2) + " did not issue certificate #" +
              std::to_string(i + 1) + " (the chain must be the leaf first, then each issuer)";
      return false;
    }
  }
  return true;
}

bool read_file(const std::string& path, Certificate& out, std::vector<X509Ptr>& certs,
               std::string& error) {
  errno = 0;
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (bio == nullptr) {
    const int code = errno;
    ERR_clear_error();
    error = "cannot read '" + path + "': " + (code != 0 ? std::strerror(code) : "open failed");
    return false;
  }
  for (;;) {
    PemBlock block;
    const Read read = read_block(bio.get(), block);
    if (read == Read::end) return true;
    if (read == Read::error) {
      error = "'" + path + "' is not valid PEM after " + std::to_string(certs.size()) +
              " certificate(s)";
      return false;
    }
    if (!take_block(block, out, certs, error)) {
      error = "'" + path + "': " + error;
      return false;
    }
  }
}

}  // namespace

bool load_certificate(const std::string& path, Certificate& out, std::string& error) {
  out = Certificate{};
  out.file = path;
  out.name = lowercase(std::filesystem::path(path).stem().string());
  std::vector<X509Ptr> certs;
  if (!read_file(path, out, certs, error)) return false;
  if (certs.empty()) {
    error = "'" + path + "' holds no certificate";
    return false;
  }
  if (out.key == nullptr) {
    error = "'" + path + "' holds no private key (put the key after the chain in the same file)";
    return false;
  }
  if (X509_check_private_key(certs.front().get(), out.key.get()) != 1) {
    ERR_clear_error();
    error = "'" + path + "': the private key does not match the certificate";
    return false;
  }
  if (!check_chain(certs, error)) {
    error = "'" + path + "': " + error;
    return false;
  }
  out.chain.reset(sk_X509_new_null());
  for (std::size_t i = 1; i < certs.size(); ++i) {
    if (out.chain == nullptr || sk_X509_push(out.chain.get(), certs[i].get()) == 0) {
      error = "out of memory loading '" + path + "'";
      return false;
    }
    certs[i].release();
  }
  out.leaf = std::move(certs.front());
  out.dns_names = dns_names_of(out.leaf.get());
  out.not_before_unix = to_unix(X509_get0_notBefore(out.leaf.get()));
  out.not_after_unix = to_unix(X509_get0_notAfter(out.leaf.get()));
  return true;
}

std::string_view wildcard_parent(std::string_view dns_name) {
  if (dns_name.size() < 3 || !dns_name.starts_with("*.")) return {};
  std::string_view parent = dns_name.substr(2);
  if (parent.find('*') != std::string_view::npos || parent.front() == '.') return {};
  return parent;
}

bool covers(const Certificate& certificate, std::string_view name) {
  const std::size_t dot = name.find('.');
  const std::string_view parent =
      dot == std::string_view::npos || dot == 0 ? std::string_view{} : name.substr(dot + 1);
  for (const std::string& dns : certificate.dns_names) {
    if (dns == name) return true;
    const std::string_view wildcard = wildcard_parent(dns);
    if (!wildcard.empty() && wildcard == parent) return true;
  }
  return false;
}

}  // namespace portico::tls
