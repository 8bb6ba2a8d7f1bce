// tls/certificate: one PEM file (chain leaf first, and its private key) loaded into memory,
// with the checks made at load (key matches, chain in order) and the names it covers.
// Disk I/O only in load_certificate, which runs at config compile, never in a handshake.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/tls/openssl_ptr.hpp"

namespace portico::tls {

struct Certificate {
  std::string name;  // file name without ".pem" (for cert_dir files: the exact domain)
  std::string file;  // absolute path it was loaded from
  std::vector<std::string> dns_names;  // DNS subjectAltNames, lowercased ("*.x" kept as is)
  std::int64_t not_before_unix = 0;
  std::int64_t not_after_unix = 0;
  X509Ptr leaf;
  X509StackPtr chain;  // intermediates after the leaf (may be empty, never null once loaded)
  PkeyPtr key;
};

// Loads and checks `path`: at least one certificate, exactly one unencrypted private key that
// matches the first certificate, each further certificate the issuer of the one before.
// On failure returns false and sets `error` (a sentence naming what is wrong).
bool load_certificate(const std::string& path, Certificate& out, std::string& error);

// Whether `certificate` is valid for host `name` (lowercase): an exact DNS SAN, or a "*.x"
// SAN when `name` is exactly one label under x (RFC 6125 6.4.3, wildcard as a whole label).
bool covers(const Certificate& certificate, std::string_view name);

// "*.portal.localhost" -> "portal.localhost"; "" when `dns_name` is not a whole-label wildcard.
std::string_view wildcard_parent(std::string_view dns_name);

}  // namespace portico::tls
