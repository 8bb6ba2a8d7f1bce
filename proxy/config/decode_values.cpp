// config/decode_values: syntax of single values (addresses, webhook URLs, method tokens).
// Pure string checks: no I/O, no name resolution.
#include <algorithm>
#include <string>

#include "proxy/config/decode.hpp"

namespace portico::config::decode {
namespace {

bool parse_port(std::string_view text, std::uint16_t& port, std::string& why) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
    why = "expected a port number after ':'";
    return false;
  }
  if (text.size() > 5 || std::stoul(std::string(text)) > 65535) {
    why = "port " + std::string(text) + " is out of range (0-65535)";
    return false;
  }
  port = static_cast<std::uint16_t>(std::stoul(std::string(text)));
  return true;
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const char c =
        text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] - 'A' + 'a') : text[i];
    if (c != prefix[i]) return false;
  }
  return true;
}

}  // namespace

// RFC 9110 tchar without lowercase letters: methods are case-sensitive and the standard
// ones are uppercase, so "get" is almost certainly a mistake that would never match.
bool is_method_token(std::string_view text) {
  if (text.empty()) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::optional<Endpoint> parse_endpoint(std::string_view text, std::string& why) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      why = "expected [ipv6]:port";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    if (host.find(':') == std::string_view::npos ||
        host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) {
      why = "expected an IPv6 address between the brackets";
      return std::nullopt;
    }
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      why = "missing port; expected host:port or [ipv6]:port";
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      why = "IPv6 addresses need brackets, like [::1]:8443";
      return std::nullopt;
    }
    if (host.empty() || host.find_first_not_of(
                            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
                            std::string_view::npos) {
      why = "expected a host name or IP address before ':'";
      return std::nullopt;
    }
  }
  Endpoint endpoint;
  if (!parse_port(port, endpoint.port, why)) return std::nullopt;
  endpoint.host = std::string(host);
  return endpoint;
}

bool valid_webhook(std::string_view url, std::string& why) {
  if (starts_with_nocase(url, "https://")) {
    why = "only http:// webhooks are supported";
    return false;
  }
  if (!starts_with_nocase(url, "http://")) {
    why = "expected http://host[:port]/path";
    return false;
  }
  if (std::any_of(url.begin(), url.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; })) {
    why = "a URL must not contain spaces or control characters";
    return false;
  }
  const std::string_view rest = url.substr(7);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    why = "user info in webhook URLs is not supported";
    return false;
  }
  const bool bracketed = !authority.empty() && authority.front() == '[';
  const auto port_colon = bracketed ? authority.find("]:") : authority.find(':');
  std::string with_port(authority);
  if (port_colon == std::string_view::npos) with_port += ":80";
  std::string endpoint_why;
  const auto endpoint = parse_endpoint(with_port, endpoint_why);
  if (!endpoint) {
    why = "bad host or port: " + endpoint_why;
    return false;
  }
  if (endpoint->port == 0) {
    why = "port 0 is not a port a webhook can listen on";
    return false;
  }
  return true;
}

}  // namespace portico::config::decode
