// http/head_buffer: reading a raw message head into a connection's flat_buffer before the
// parser sees it (exchange.cpp for requests, forward.cpp for responses). No I/O itself.
#pragma once

#include <algorithm>
#include <boost/beast/core/flat_buffer.hpp>
#include <cstddef>
#include <string_view>

namespace portico::http {

// What a connection's buffer may hold beyond a head. Beast reads at most 64 KiB at a time;
// this also bounds a chunk-size line or a trailer section, which Beast buffers whole (a
// longer one fails the read with buffer_overflow instead of growing the buffer).
inline constexpr std::size_t unparsed_body_bytes = 64 * 1024;

// The bytes received and not yet consumed (a flat_buffer is one contiguous block).
inline std::string_view buffered_bytes(const boost::beast::flat_buffer& buffer) {
  return {static_cast<const char*>(buffer.data().data()), buffer.size()};
}

// How much the next read may add: at most 16 KiB, never past the buffer's max_size. Never
// 0 while a head is incomplete: max_size is set to the head limit plus
// unparsed_body_bytes, and the scanner refuses a head at the limit.
inline std::size_t read_room(const boost::beast::flat_buffer& buffer) {
  return std::min<std::size_t>(16 * 1024, buffer.max_size() - buffer.size());
}

}  // namespace portico::http
