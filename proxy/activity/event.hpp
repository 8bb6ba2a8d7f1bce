// activity/event: one activity event (DESIGN §6) and its JSON line, as spooled and sent.
// Pure: no I/O. Serialization never throws and always yields one line of valid UTF-8.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace portico::activity {

struct Event {
  std::string id;    // unique: 32 hex digits (new_event_id), stays the same on redelivery
  std::string time;  // RFC 3339 UTC with milliseconds: 2024-05-01T12:34:56.789Z
  std::string event;
  std::string org_id;
  std::string portal_name;
  std::string host;
  std::string object_id;  // "" when the rule or header gave no id
  std::string method;
  std::string path;
  unsigned status = 0;
  std::string request_id;
  bool first_only = false;  // delivered once per (org_id, event, object_id), ever
};

// Longest value of each field in the JSON line, in bytes (longer values are cut at a UTF-8
// boundary), so a line stays far below the size one append(2) writes atomically.
inline constexpr std::size_t max_path_bytes = 4096;
inline constexpr std::size_t max_object_id_bytes = 512;
inline constexpr std::size_t max_field_bytes = 256;  // every other string field

// {"id":..,"time":..,"event":..,"org_id":..,"portal_name":..,"host":..,"object_id":..,
//  "method":..,"path":..,"status":200,"request_id":..,"first_only":false} without a newline.
// Control characters are escaped and invalid UTF-8 bytes become U+FFFD.
std::string to_json(const Event& event);

// 32 lowercase hex digits: 64 random bits drawn once per process, then a process-wide
// counter. Thread-safe.
std::string new_event_id();

// RFC 3339 UTC with milliseconds.
std::string format_event_time(std::chrono::system_clock::time_point when);

// Fills `id` and `time` when they are empty.
void stamp(Event& event);

// Appends `text` as a JSON string body (no quotes): ", \ and control characters escaped,
// invalid UTF-8 replaced by U+FFFD, cut to at most `max_bytes` input bytes at a character
// boundary.
void append_json_string(std::string& out, std::string_view text, std::size_t max_bytes);

}  // namespace portico::activity
