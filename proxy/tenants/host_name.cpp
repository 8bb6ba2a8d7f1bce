// tenants/host_name: request host normalization. Runs on every request: no allocation
// beyond `out`, no exceptions, no locale (ASCII lowercasing only).
#include "proxy/tenants/host_name.hpp"

namespace portico::tenants {
namespace {

constexpr std::size_t max_label = 63;
constexpr std::size_t max_name = 253;

bool fail(HostError& error, HostError why) {
  error = why;
  return false;
}

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_ldh(char c) {
  c = to_lower(c);
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535;
}

// Whole-input checks that must win over anything the port split would say.
bool check_raw(std::string_view raw, HostError& error) {
  if (raw.empty()) return fail(error, HostError::empty);
  for (char c : raw) {
    if (c == '@') return fail(error, HostError::userinfo);
  }
  for (char c : raw) {
    if (static_cast<unsigned char>(c) >= 0x80) return fail(error, HostError::non_ascii);
  }
  // A bracketed IPv6 literal names no portal; say so before its colons look like a port.
  if (raw.front() == '[') return fail(error, HostError::bad_character);
  return true;
}

// Validates labels of `name` (port and trailing dot already removed), case-insensitively.
bool check_labels(std::string_view name, HostError& error) {
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return fail(error, HostError::empty_label);
      label = 0;
      continue;
    }
    if (!is_ldh(c)) return fail(error, HostError::bad_character);
    if (++label > max_label) return fail(error, HostError::label_too_long);
  }
  if (label == 0) return fail(error, HostError::empty_label);
  if (name.size() > max_name) return fail(error, HostError::name_too_long);
  return true;
}

}  // namespace

std::string_view describe(HostError error) {
  switch (error) {
    case HostError::empty:
      return "host is empty";
    case HostError::userinfo:
      return "host contains userinfo ('@')";
    case HostError::bad_port:
      return "host has an invalid port";
    case HostError::empty_label:
      return "host has an empty label";
    case HostError::bad_character:
      return "host has a character outside [a-z0-9-.]";
    case HostError::non_ascii:
      return "host is not ASCII (use the punycode A-label)";
    case HostError::label_too_long:
      return "host has a label longer than 63 bytes";
    case HostError::name_too_long:
      return "host is longer than 253 bytes";
  }
  return "host is invalid";
}

bool normalize_host(std::string_view raw, std::string& out, HostError& error) {
  if (!check_raw(raw, error)) return false;
  std::string_view name = raw;
  if (const auto colon = name.rfind(':'); colon != std::string_view::npos) {
    if (!valid_port(name.substr(colon + 1))) return fail(error, HostError::bad_port);
    name = name.substr(0, colon);
  }
  if (name.empty()) return fail(error, HostError::empty);
  if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
  if (!check_labels(name, error)) return false;
  out.assign(name);
  for (char& c : out) c = to_lower(c);
  return true;
}

}  // namespace portico::tenants
