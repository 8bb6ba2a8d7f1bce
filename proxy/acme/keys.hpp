// acme/keys: P-256 keys (account and certificate keys), their PEM form, and the CSR that
// finalizes an order (RFC 8555 7.4). Pure: no I/O.
#pragma once

#include <string>
#include <string_view>

#include "proxy/tls/openssl_ptr.hpp"

namespace portico::acme {

// A fresh ECDSA P-256 key; null on failure.
tls::PkeyPtr generate_p256_key();
// PKCS#8 PEM of the private key; "" on failure.
std::string private_key_pem(EVP_PKEY* key);
// The first private key in `pem`; null when there is none.
tls::PkeyPtr read_private_key_pem(std::string_view pem);

// DER of a PKCS#10 request for `domain` (subject CN and a DNS subjectAltName), signed with
// `key` (SHA-256). "" on failure.
std::string certificate_request_der(std::string_view domain, EVP_PKEY* key);

}  // namespace portico::acme
