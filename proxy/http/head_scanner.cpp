// http/head_scanner: the byte-level pass over a message head.
#include "proxy/http/head_scanner.hpp"

#include <algorithm>
#include <array>

namespace portico::http {
namespace {

// A byte that may sit anywhere inside a line: not CR or LF, not a control character or
// DEL (HTAB may). Nearly every byte of a head is one, so runs of them are skipped in a
// tight loop rather than going through every state check.
constexpr std::array<bool, 256> inside_line = [] {
  std::array<bool, 256> table{};
  for (unsigned c = 0; c < 256; ++c) table[c] = (c >= 0x20 && c != 0x7f) || c == '\t';
  return table;
}();

}  // namespace

HeadScan HeadScanner::fail(FramingError error) {
  result_.state = HeadScan::State::invalid;
  result_.error = error;
  return result_;
}

HeadScan HeadScanner::scan(std::string_view received) {
  if (result_.state != HeadScan::State::need_more) return result_;
  for (; position_ < received.size(); ++position_) {
    if (position_ >= max_bytes_) {
      return fail(start_line_done_ ? FramingError::head_too_large
                                   : FramingError::start_line_too_long);
    }
    auto c = static_cast<unsigned char>(received[position_]);
    if (saw_cr_) {
      if (c != '\n') return fail(FramingError::bare_cr);
      saw_cr_ = false;
      std::size_t next_line = position_ + 1;
      if (position_ - 1 == line_start_) {  // an empty line
        if (start_line_done_) {
          ++position_;
          result_ = {HeadScan::State::complete, begin_, next_line, std::nullopt};
          return result_;
        }
        if (kind_ == HeadKind::response) return fail(FramingError::leading_empty_line);
        begin_ = next_line;  // ignored before a request line (RFC 9112 §2.2)
      } else {
        start_line_done_ = true;
      }
      line_start_ = next_line;
      continue;
    }
    if (c == '\r') {
      saw_cr_ = true;
      continue;
    }
    if (c == '\n') return fail(FramingError::bare_lf);
    if (position_ == line_start_ && start_line_done_ && (c == ' ' || c == '\t')) {
      return fail(FramingError::obs_fold);
    }
    if ((c < 0x20 && c != '\t') || c == 0x7f) return fail(FramingError::control_character);
    // The rest of the run. It stops before a CR or LF, so never on a line's first byte, and
    // one short of max_bytes_, so the check above still sees that byte.
    const std::size_t run_end = std::min(received.size(), max_bytes_);
    while (position_ + 1 < run_end && inside_line[static_cast<unsigned char>(received[position_ + 1])]) ++position_;
  }
  return result_;
}

}  // namespace portico::http
