// http/head_scanner: the byte-level pass over a message head.
#include "proxy/http/head_scanner.hpp"

namespace portico::http {

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
  }
  return result_;
}

}  // namespace portico::http
