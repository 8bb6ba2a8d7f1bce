// acme/jws: the JOSE pieces ACME needs (RFC 7515, 7517, 7638, 8555 6.2): base64url, the JWK of
// a P-256 key, its thumbprint, ES256 signatures (raw r||s) and flattened JWS request bodies.
// Pure: no I/O.
#pragma once

#include <openssl/evp.h>

#include <string>
#include <string_view>

namespace portico::acme {

// RFC 4648 5, without padding (RFC 7515 2).
std::string base64url(std::string_view bytes);
// Decodes unpadded base64url; false on a character outside the alphabet or a bad length.
bool base64url_decode(std::string_view text, std::string& out);

// {"crv":"P-256","kty":"EC","x":"...","y":"..."}: members in lexicographic order and no
// whitespace, so it is also the RFC 7638 input of the thumbprint. "" if `key` is not P-256.
std::string jwk_json(EVP_PKEY* key);
// base64url(SHA-256(canonical_jwk)) (RFC 7638 3).
std::string jwk_thumbprint(std::string_view canonical_jwk);
// HTTP-01 key authorization (RFC 8555 8.1): token "." thumbprint of the account key.
std::string key_authorization(std::string_view token, EVP_PKEY* account_key);

// ES256 over `signing_input`: the 64-byte r||s form JWS wants (RFC 7518 3.4), not DER.
// "" on failure.
std::string sign_es256(EVP_PKEY* key, std::string_view signing_input);

// A flattened JSON JWS (RFC 8555 6.2). `protected_header` is a JSON object text (alg, nonce,
// url and either jwk or kid); `payload` a JSON text, or "" for POST-as-GET. "" on failure.
std::string flattened_jws(EVP_PKEY* key, std::string_view protected_header, std::string_view payload);

}  // namespace portico::acme
