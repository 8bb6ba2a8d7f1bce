// tls/certificate_store: loading the certificates of a config, the server context and its
// ClientHello callback. Disk reads happen in build only; the callback never blocks or locks.
#include "proxy/tls/certificate_store.hpp"

#include <openssl/err.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <system_error>
#include <unordered_map>

#include "proxy/tls/issued_certificates.hpp"
#include "proxy/tls/server_policy.hpp"

namespace portico::tls {
namespace {

using config::Problem;
using config::SourcePos;
using IndexHolder = std::shared_ptr<const SniIndex>;

void free_index(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<IndexHolder*>(ptr);
}

int index_holder_slot() {
  static const int slot = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, free_index);
  return slot;
}

// Replaces every certificate of `ssl` (not only the slot of the new key type, so an RSA
// default can never be served next to a tenant's ECDSA certificate).
bool use_certificate(SSL* ssl, const Certificate& certificate) {
  if (SSL_get_certificate(ssl) == certificate.leaf.get()) return true;
  SSL_certs_clear(ssl);
  return SSL_use_cert_and_key(ssl, certificate.leaf.get(), certificate.key.get(),
                              certificate.chain.get(), 1) == 1;
}

int abort_handshake(int* alert, int code) {
  *alert = code;
  return SSL_CLIENT_HELLO_ERROR;
}

int select_certificate(SSL* ssl, const SniIndex& index, int* alert) {
  HandshakeInfo* info = detail::ensure_handshake_info(ssl);
  if (info == nullptr) return abort_handshake(alert, SSL_AD_INTERNAL_ERROR);
  std::string_view raw;
  switch (detail::read_client_hello_sni(ssl, raw)) {
    case detail::SniParse::malformed:
      return abort_handshake(alert, SSL_AD_DECODE_ERROR);
    case detail::SniParse::found:
      info->sni = detail::normalize_sni(raw);
      break;
    case detail::SniParse::absent:
      info->sni.clear();
      break;
  }
  // Operator certificates (cert_dir, the default's SANs) first, then the ones ACME issued.
  const Certificate* certificate = index.match(info->sni);
  if (certificate == nullptr) certificate = detail::find_issued(ssl, info->sni);
  if (certificate == nullptr) certificate = index.select(info->sni);
  if (certificate == nullptr) {
    info->rejected = true;
    return abort_handshake(alert, SSL_AD_UNRECOGNIZED_NAME);
  }
  if (!use_certificate(ssl, *certificate) || !detail::set_session_context(ssl, info->sni)) {
    return abort_handshake(alert, SSL_AD_INTERNAL_ERROR);
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

// Runs before OpenSSL looks at any offered session (ticket, PSK), so the session id context
// it sets decides resumption: a session from another SNI name is refused (CVE-2025-23419).
int on_client_hello(SSL* ssl, int* alert, void* arg) {
  try {
    return select_certificate(ssl, *static_cast<const SniIndex*>(arg), alert);
  } catch (...) {  // bad_alloc: fail this handshake, never unwind through OpenSSL
    return abort_handshake(alert, SSL_AD_INTERNAL_ERROR);
  }
}

SourcePos where(const SourcePos& pos, const config::Config& config) {
  return pos.file.empty() ? SourcePos{config.path, 0, 0} : pos;
}

std::optional<std::string> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return std::nullopt;
  return bytes;
}

// The same certificate, sharing the OpenSSL objects (reference counted, read-only once loaded).
Certificate share(const Certificate& certificate) {
  Certificate copy;
  copy.name = certificate.name;
  copy.file = certificate.file;
  copy.dns_names = certificate.dns_names;
  copy.not_before_unix = certificate.not_before_unix;
  copy.not_after_unix = certificate.not_after_unix;
  if (certificate.leaf != nullptr && X509_up_ref(certificate.leaf.get()) == 1) {
    copy.leaf.reset(certificate.leaf.get());
  }
  if (certificate.key != nullptr && EVP_PKEY_up_ref(certificate.key.get()) == 1) {
    copy.key.reset(certificate.key.get());
  }
  if (certificate.chain != nullptr) copy.chain.reset(X509_chain_up_ref(certificate.chain.get()));
  return copy;
}

// Certificates parsed by earlier builds, by file, with the bytes they were parsed from. Every
// build reads every file again but parses only those whose bytes changed: OpenSSL 3 takes
// about a millisecond to decode a private key, so a cert_dir of 200 unchanged files would
// cost every reload 0.2 s. Builds may run on several threads (tests), hence the mutex; a build
// keeps only the files it used, so removed files do not linger.
class ParsedCertificates {
 public:
  static ParsedCertificates& instance() {
    static ParsedCertificates cache;
    return cache;
  }

  bool load(const std::string& path, Certificate& out, std::string& error) {
    const std::optional<std::string> bytes = file_bytes(path);
    if (bytes) {
      std::lock_guard lock(mutex_);
      const auto it = entries_.find(path);
      if (it != entries_.end() && it->second.bytes == *bytes) {
        out = share(it->second.certificate);
        if (out.leaf != nullptr && out.key != nullptr && out.chain != nullptr) return true;
      }
    }
    if (!load_certificate(path, out, error)) return false;
    // Cached only when the file did not change while it was parsed.
    if (bytes && file_bytes(path) == bytes) {
      std::lock_guard lock(mutex_);
      entries_.insert_or_assign(path, Entry{*bytes, share(out)});
    }
    return true;
  }

  void keep_only(const std::vector<std::string>& paths) {
    std::lock_guard lock(mutex_);
    std::erase_if(entries_, [&](const auto& entry) {
      return std::find(paths.begin(), paths.end(), entry.first) == paths.end();
    });
  }

 private:
  struct Entry {
    std::string bytes;
    Certificate certificate;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

// Loads one file and checks that the TLS policy accepts it (key type and size), as the
// handshake will, so a certificate that could never be served fails the reload instead.
bool load_checked(const std::string& path, SSL_CTX* scratch, Certificate& out,
                  std::string& error) {
  if (!ParsedCertificates::instance().load(path, out, error)) return false;
  if (SSL_CTX_use_cert_and_key(scratch, out.leaf.get(), out.key.get(), out.chain.get(), 1) != 1) {
    char reason[256];
    ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
    ERR_clear_error();
    error = "'" + path + "' is refused by the TLS policy: " + reason;
    return false;
  }
  return true;
}

std::vector<std::string> pem_files(const std::string& dir, std::string& error) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    error = "cannot read directory '" + dir + "': " + ec.message();
    return files;
  }
  for (const fs::directory_entry& entry : it) {
    std::error_code type_ec;
    if (entry.path().extension() == ".pem" && entry.is_regular_file(type_ec)) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct Loaded {
  std::vector<Certificate> certificates;
  bool has_default = false;
  bool ok = true;
};

void load_default(const config::Config& config, SSL_CTX* scratch, Loaded& loaded,
                  std::vector<Problem>& problems) {
  const config::TlsSection& tls = config.tls;
  if (tls.certificate.empty()) {
    if (config.server.https_listen.empty()) return;
    problems.push_back({where(tls.certificate_pos, config),
                        "[tls] certificate is required when [server] https_listen is set"});
    loaded.ok = false;
    return;
  }
  Certificate certificate;
  std::string error;
  if (!load_checked(tls.certificate, scratch, certificate, error)) {
    problems.push_back({where(tls.certificate_pos, config), "[tls] certificate: " + error});
    loaded.ok = false;
    return;
  }
  loaded.certificates.push_back(std::move(certificate));
  loaded.has_default = true;
}

void load_cert_dir(const config::Config& config, SSL_CTX* scratch, Loaded& loaded,
                   std::vector<Problem>& problems) {
  const config::TlsSection& tls = config.tls;
  if (tls.cert_dir.empty()) return;
  std::string error;
  const std::vector<std::string> files = pem_files(tls.cert_dir, error);
  if (!error.empty()) {
    problems.push_back({where(tls.cert_dir_pos, config), "[tls] cert_dir: " + error});
    loaded.ok = false;
    return;
  }
  for (const std::string& file : files) {
    Certificate certificate;
    if (!load_checked(file, scratch, certificate, error)) {
      problems.push_back({where(tls.cert_dir_pos, config), "[tls] cert_dir: " + error});
      loaded.ok = false;
      continue;
    }
    loaded.certificates.push_back(std::move(certificate));
  }
}

SslCtxPtr make_context(const config::Config& config, const IndexHolder& index,
                       const std::shared_ptr<TicketKeys>& keys, std::string& error) {
  SslCtxPtr ctx = make_server_context(config.tls, keys->rotation(), error);
  if (ctx == nullptr) return nullptr;
  const Certificate& fallback = *index->default_certificate();
  auto* holder = new IndexHolder(index);
  if (SSL_CTX_set_ex_data(ctx.get(), index_holder_slot(), holder) != 1) {
    delete holder;
    error = "cannot attach the certificate index to the TLS context";
    return nullptr;
  }
  if (SSL_CTX_use_cert_and_key(ctx.get(), fallback.leaf.get(), fallback.key.get(),
                               fallback.chain.get(), 1) != 1 ||
      !TicketKeys::install(ctx.get(), keys)) {
    ERR_clear_error();
    error = "cannot set up the TLS context";
    return nullptr;
  }
  SSL_CTX_set_client_hello_cb(ctx.get(), on_client_hello, const_cast<SniIndex*>(index.get()));
  return ctx;
}

}  // namespace

CertificateStore::CertificateStore(std::shared_ptr<const SniIndex> index, SslCtxPtr context,
                                   std::shared_ptr<TicketKeys> ticket_keys,
                                   std::shared_ptr<TlsCounters> counters)
    : index_(std::move(index)),
      context_(std::move(context)),
      ticket_keys_(std::move(ticket_keys)),
      counters_(std::move(counters)) {}

std::shared_ptr<const CertificateStore> CertificateStore::build(
    const config::Config& config, std::shared_ptr<TicketKeys> ticket_keys,
    std::vector<Problem>& problems, std::shared_ptr<TlsCounters> counters) {
  if (ticket_keys == nullptr) ticket_keys = std::make_shared<TicketKeys>();
  if (counters == nullptr) counters = std::make_shared<TlsCounters>();
  std::string error;
  SslCtxPtr scratch = make_server_context(config.tls, ticket_keys->rotation(), error);
  if (scratch == nullptr) {
    problems.push_back({where(config.tls.certificate_pos, config), "[tls] " + error});
    return nullptr;
  }
  Loaded loaded;
  load_default(config, scratch.get(), loaded, problems);
  load_cert_dir(config, scratch.get(), loaded, problems);
  std::vector<std::string> files;
  for (const Certificate& certificate : loaded.certificates) files.push_back(certificate.file);
  ParsedCertificates::instance().keep_only(files);
  if (!loaded.ok) return nullptr;
  auto index = std::make_shared<const SniIndex>(std::move(loaded.certificates), loaded.has_default,
                                                config.tls.unknown_sni == "reject");
  SslCtxPtr context;
  if (loaded.has_default) {
    context = make_context(config, index, ticket_keys, error);
    if (context == nullptr) {
      problems.push_back({where(config.tls.certificate_pos, config), "[tls] " + error});
      return nullptr;
    }
  }
  return std::make_shared<const CertificateStore>(std::move(index), std::move(context),
                                                  std::move(ticket_keys), std::move(counters));
}

std::string CertificateStore::describe_selection(std::string_view sni) const {
  const Certificate* certificate = index_->select(detail::normalize_sni(sni));
  return certificate == nullptr ? std::string() : certificate->name;
}

const Certificate* CertificateStore::covering(std::string_view name) const noexcept {
  const Certificate* certificate = index_->match(name);
  if (certificate != nullptr && covers(*certificate, name)) return certificate;
  const Certificate* fallback = index_->default_certificate();
  if (fallback != nullptr && covers(*fallback, name)) return fallback;
  return nullptr;
}

std::vector<CertificateStore::CertificateInfo> CertificateStore::certificates() const {
  std::vector<CertificateInfo> out;
  const Certificate* fallback = index_->default_certificate();
  for (const Certificate& certificate : index_->certificates()) {
    out.push_back({certificate.name, certificate.file, certificate.dns_names,
                   certificate.not_before_unix, certificate.not_after_unix,
                   &certificate == fallback});
  }
  return out;
}

}  // namespace portico::tls
