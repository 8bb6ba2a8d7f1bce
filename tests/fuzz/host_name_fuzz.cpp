// Fuzz target: host normalization (tenants::normalize_host), the first thing Portico does
// with a client's Host header or absolute-form authority. Invariants beyond "no crash":
// the result is a valid LDH name within the DNS limits, normalizing it again changes nothing,
// case and a port do not change it, and the output is left untouched on failure.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/tenants/host_name.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using portico::tenants::HostError;
using portico::tenants::normalize_host;

bool is_ldh_name(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.back() == '.') return false;
  std::size_t label = 0;
  for (char c : host) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    bool ldh = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ldh || ++label > 63) return false;
  }
  return label > 0;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  std::string host = "untouched";
  HostError error{};
  bool ok = normalize_host(raw, host, error);
  if (!ok) {
    FUZZ_CHECK(host == "untouched");
    FUZZ_CHECK(!portico::tenants::describe(error).empty());
  } else {
    FUZZ_CHECK(is_ldh_name(host));
    std::string again;
    FUZZ_CHECK(normalize_host(host, again, error));
    FUZZ_CHECK(again == host);  // idempotent
  }

  // Case does not matter: same verdict, same name.
  std::string from_upper;
  HostError upper_error{};
  bool upper_ok = normalize_host(upper(raw), from_upper, upper_error);
  FUZZ_CHECK(upper_ok == ok);
  if (ok) FUZZ_CHECK(from_upper == host);

  // A port is removed: "name:443" is the same host as "name".
  if (ok && raw.find(':') == std::string_view::npos) {
    std::string with_port;
    FUZZ_CHECK(normalize_host(std::string(raw) + ":443", with_port, error));
    FUZZ_CHECK(with_port == host);
  }
  return 0;
}
