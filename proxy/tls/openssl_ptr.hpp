// tls/openssl_ptr: unique_ptr owners for the OpenSSL objects the tls module keeps.
// Ownership only: no policy, no I/O.
#pragma once

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>

namespace portico::tls {

struct OpensslDeleter {
  void operator()(X509* x) const noexcept { X509_free(x); }
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
  void operator()(STACK_OF(X509) * chain) const noexcept { sk_X509_pop_free(chain, X509_free); }
  void operator()(SSL_CTX* ctx) const noexcept { SSL_CTX_free(ctx); }
  void operator()(SSL* ssl) const noexcept { SSL_free(ssl); }
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
  void operator()(EVP_CIPHER* cipher) const noexcept { EVP_CIPHER_free(cipher); }
};

using X509Ptr = std::unique_ptr<X509, OpensslDeleter>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpensslDeleter>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), OpensslDeleter>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, OpensslDeleter>;
using SslPtr = std::unique_ptr<SSL, OpensslDeleter>;
using BioPtr = std::unique_ptr<BIO, OpensslDeleter>;
using CipherPtr = std::unique_ptr<EVP_CIPHER, OpensslDeleter>;

}  // namespace portico::tls
