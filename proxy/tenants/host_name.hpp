// tenants/host_name: normalization and validation of request hosts (DESIGN §2 step 2).
// Pure and allocation-light: runs on every request, never throws for bad input.
#pragma once

#include <string>
#include <string_view>

namespace portico::tenants {

enum class HostError {
  empty,           // nothing left once the port is removed ("", ":443")
  userinfo,        // '@' anywhere
  bad_port,        // not 1-5 digits, or > 65535 ("host:", "host:99999")
  empty_label,     // ".a", "a..b", "."
  bad_character,   // outside [a-z0-9-.] after lowercasing, IPv6 literals included
  non_ascii,       // a byte >= 0x80: U-labels are rejected, A-labels ("xn--") are ordinary
  label_too_long,  // a label over 63 bytes
  name_too_long,   // over 253 bytes (without port and trailing dot)
};

// Short human text, e.g. "host has an empty label".
std::string_view describe(HostError error);

// Normalizes a Host header value or the authority of an absolute-form target: port removed
// (1-5 digits, <= 65535, optional), one trailing dot removed, lowercased, then validated.
// Returns true and assigns the normalized host to `out` (its capacity is reused); on failure
// sets `error` and leaves `out` untouched.
bool normalize_host(std::string_view raw, std::string& out, HostError& error);

}  // namespace portico::tenants
