// tenants/host_name: request host normalization. Runs on every request: no allocation
// beyond `out`, no exceptions, no locale (ASCII lowercasing only).
#include "proxy/tenants/host_name.hpp"

#include <array>
#include <cstdint>

namespace portico::tenants {
namespace {

constexpr std::size_t max_label = 63;
constexpr std::size_t max_name = 253;

bool fail(HostError& error, HostError why) {
  error = why;
  return false;
}

// What each byte is in a host name once its port is split off: one table lookup per byte
// validates and lowercases (this runs for every request, and for every name of every tenant
// at each load).
enum class Byte : std::uint8_t { bad, keep, upper, dot };
constexpr std::array<Byte, 256> byte_kinds = [] {
  std::array<Byte, 256> kinds{};  // Byte::bad
  for (unsigned c = 'a'; c <= 'z'; ++c) kinds[c] = Byte::keep;
  for (unsigned c = '0'; c <= '9'; ++c) kinds[c] = Byte::keep;
  kinds['-'] = Byte::keep;
  for (unsigned c = 'A'; c <= 'Z'; ++c) kinds[c] = Byte::upper;
  kinds['.'] = Byte::dot;
  return kinds;
}();

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
  bool userinfo = false;
  bool non_ascii = false;
  for (char c : raw) {
    userinfo |= c == '@';
    non_ascii |= static_cast<unsigned char>(c) >= 0x80;
  }
  if (userinfo) return fail(error, HostError::userinfo);
  if (non_ascii) return fail(error, HostError::non_ascii);
  // A bracketed IPv6 literal names no portal; say so before its colons look like a port.
  if (raw.front() == '[') return fail(error, HostError::bad_character);
  return true;
}

// Validates the labels of `name` (port and trailing dot already removed), case-insensitively,
// and writes it lowercased to `lowered` (room for name.size() bytes) unless that is null.
bool check_labels(std::string_view name, char* lowered, HostError& error) {
  std::size_t label = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    switch (byte_kinds[static_cast<unsigned char>(c)]) {
      case Byte::bad:
        return fail(error, HostError::bad_character);
      case Byte::dot:
        if (label == 0) return fail(error, HostError::empty_label);
        label = 0;
        break;
      case Byte::upper:
        c = static_cast<char>(c - 'A' + 'a');
        [[fallthrough]];
      case Byte::keep:
        if (++label > max_label) return fail(error, HostError::label_too_long);
        break;
    }
    if (lowered != nullptr) lowered[i] = c;
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
  if (name.size() <= max_name) {
    char lowered[max_name];
    if (!check_labels(name, lowered, error)) return false;
    out.assign(lowered, name.size());
    return true;
  }
  check_labels(name, nullptr, error);  // too long: its first problem is the one reported
  return false;
}

}  // namespace portico::tenants
