// activity/event: JSON line of an event, event ids and times. Pure: no I/O besides the one
// random seed for ids.
#include "proxy/activity/event.hpp"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <random>

#include "proxy/core/utf8.hpp"

namespace portico::activity {
namespace {

void append_ascii(std::string& out, char c) {
  constexpr char hex[] = "0123456789abcdef";
  const auto byte = static_cast<unsigned char>(c);
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
  }
  if (byte < 0x20 || byte == 0x7f) {
    out += "\\u00";
    out += hex[byte >> 4];
    out += hex[byte & 0xf];
  } else {
    out += c;
  }
}

void append_field(std::string& out, std::string_view name, std::string_view value,
                  std::size_t max_bytes) {
  out += '"';
  out += name;
  out += "\":\"";
  append_json_string(out, value, max_bytes);
  out += "\",";
}

}  // namespace

void append_json_string(std::string& out, std::string_view text, std::size_t max_bytes) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      if (i + 1 > max_bytes) return;
      append_ascii(out, text[i]);
      ++i;
      continue;
    }
    const std::size_t length = core::utf8_sequence_length(text, i);
    if (i + (length == 0 ? 1 : length) > max_bytes) return;
    if (length == 0) {
      out += "\\ufffd";
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
}

std::string to_json(const Event& event) {
  std::string out;
  out.reserve(256 + event.path.size() + event.object_id.size());
  out += '{';
  append_field(out, "id", event.id, max_field_bytes);
  append_field(out, "time", event.time, max_field_bytes);
  append_field(out, "event", event.event, max_field_bytes);
  append_field(out, "org_id", event.org_id, max_field_bytes);
  append_field(out, "portal_name", event.portal_name, max_field_bytes);
  append_field(out, "host", event.host, max_field_bytes);
  append_field(out, "object_id", event.object_id, max_object_id_bytes);
  append_field(out, "method", event.method, max_field_bytes);
  append_field(out, "path", event.path, max_path_bytes);
  out += "\"status\":";
  out += std::to_string(event.status);
  out += ',';
  append_field(out, "request_id", event.request_id, max_field_bytes);
  out += "\"first_only\":";
  out += event.first_only ? "true" : "false";
  out += '}';
  return out;
}

std::string new_event_id() {
  static const std::uint64_t prefix = [] {
    std::random_device device;
    return (std::uint64_t{device()} << 32) ^ device();
  }();
  static std::atomic<std::uint64_t> counter{0};
  const std::uint64_t sequence = counter.fetch_add(1, std::memory_order_relaxed) + 1;
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(prefix),
                static_cast<unsigned long long>(sequence));
  return std::string(text, 32);
}

std::string format_event_time(std::chrono::system_clock::time_point when) {
  const auto since_epoch =
      std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(since_epoch / 1000);
  const int millis = static_cast<int>(since_epoch % 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[48];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
  return text;
}

void stamp(Event& event) {
  if (event.id.empty()) event.id = new_event_id();
  if (event.time.empty()) event.time = format_event_time(std::chrono::system_clock::now());
}

}  // namespace portico::activity
