// http/head_scanner: finds where a message head ends in the bytes received so far, and
// refuses, as soon as they arrive, bytes that no valid head contains. It sees the raw
// bytes before Beast's parser does (Beast unfolds obs-fold and keeps no raw copy).
// Pure: no I/O; stepped by hand in tests.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "proxy/http/framing_error.hpp"

namespace portico::http {

enum class HeadKind { request, response };

struct HeadScan {
  enum class State { need_more, complete, invalid };
  State state = State::need_more;
  std::size_t begin = 0;  // complete: first byte of the start line (empty lines before skipped)
  std::size_t end = 0;    // complete: one past the blank line that ends the head
  std::optional<FramingError> error;  // invalid: why (too large included)
};

// Checks line by line as bytes arrive: every line ends in CRLF (no bare CR, no bare LF), no
// NUL, other control character or DEL anywhere (HTAB is left to the field checks), no line
// after the start line begins with SP/HTAB (obs-fold), and the head, blank line included,
// fits in `max_bytes`. A request may be preceded by empty lines (RFC 9112 §2.2), which
// count towards `max_bytes`; a response may not.
class HeadScanner {
 public:
  HeadScanner(HeadKind kind, std::size_t max_bytes) : kind_(kind), max_bytes_(max_bytes) {}

  // `received`: every byte received so far, from the start of this head on; it may run on
  // past the head (pipelined requests, a body) and only grows between calls. Resumes where
  // the previous call stopped, so a head trickling in is scanned once in total.
  HeadScan scan(std::string_view received);

 private:
  HeadScan fail(FramingError error);

  HeadKind kind_;
  std::size_t max_bytes_;
  std::size_t position_ = 0;    // next byte to look at
  std::size_t line_start_ = 0;  // first byte of the current line
  std::size_t begin_ = 0;       // first byte of the start line
  bool saw_cr_ = false;
  bool start_line_done_ = false;
  HeadScan result_;  // sticky once complete or invalid
};

}  // namespace portico::http
