// bench/tools/load/response_parser: see the header.
#include "bench/tools/load/response_parser.hpp"

#include <algorithm>
#include <charconv>

namespace portico::bench {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool contains_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const auto comma = value.find(',');
    auto item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

void ResponseParser::reset() {
  phase_ = Phase::head;
  head_.clear();
  status_ = 0;
  keep_alive_ = true;
  remaining_ = 0;
  body_seen_ = 0;
  line_.clear();
}

ResponseParser::Result ResponseParser::feed(std::string_view data) {
  if (phase_ == Phase::head) {
    // Look for the end of the head across the old tail and the new bytes.
    const std::size_t old_size = head_.size();
    head_.append(data);
    const std::size_t from = old_size >= 3 ? old_size - 3 : 0;
    const auto end = head_.find("\r\n\r\n", from);
    if (end == std::string::npos) {
      return head_.size() > max_head_bytes ? Result::malformed : Result::need_more;
    }
    const std::size_t body_start = end + 4;
    data = data.substr(body_start - old_size);
    head_.resize(end + 2);  // keep the last header's CRLF
    if (const Result result = parse_head(); result != Result::need_more) return result;
  }
  switch (phase_) {
    case Phase::body_length: {
      const auto take = std::min<std::uint64_t>(remaining_, data.size());
      remaining_ -= take;
      body_seen_ += take;
      if (remaining_ != 0) return Result::need_more;
      phase_ = Phase::done;
      return Result::complete;
    }
    case Phase::body_until_close:
      body_seen_ += data.size();
      return Result::need_more;
    case Phase::done:
      return Result::complete;
    case Phase::head:
      return Result::need_more;
    default:
      return feed_chunked(data);
  }
}

ResponseParser::Result ResponseParser::finish() {
  if (phase_ == Phase::body_until_close || phase_ == Phase::done) {
    phase_ = Phase::done;
    return Result::complete;
  }
  return Result::malformed;
}

// Reads the status line and the framing headers; leaves phase_ at the first body phase.
ResponseParser::Result ResponseParser::parse_head() {
  std::string_view head = head_;
  const auto line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") return Result::malformed;
  const bool http10 = status_line.substr(5, 3) == "1.0";
  keep_alive_ = !http10;
  const auto code = status_line.substr(9, 3);
  if (std::from_chars(code.data(), code.data() + 3, status_).ec != std::errc{}) {
    return Result::malformed;
  }
  bool chunked = false;
  bool has_length = false;
  head.remove_prefix(line_end + 2);
  while (!head.empty()) {
    const auto end = head.find("\r\n");
    const std::string_view line = head.substr(0, end);
    head.remove_prefix(end + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return Result::malformed;
    const std::string_view name = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (iequals(name, "content-length")) {
      if (std::from_chars(value.data(), value.data() + value.size(), remaining_).ec !=
          std::errc{}) {
        return Result::malformed;
      }
      has_length = true;
    } else if (iequals(name, "transfer-encoding")) {
      chunked = contains_token(value, "chunked");
    } else if (iequals(name, "connection")) {
      if (contains_token(value, "close")) keep_alive_ = false;
      if (contains_token(value, "keep-alive")) keep_alive_ = true;
    }
  }
  const bool no_body = status_ == 204 || status_ == 304 || (status_ >= 100 && status_ < 200);
  if (no_body || (has_length && remaining_ == 0 && !chunked)) {
    phase_ = Phase::done;
    return Result::complete;
  }
  phase_ = chunked ? Phase::chunk_size : has_length ? Phase::body_length : Phase::body_until_close;
  if (phase_ == Phase::body_until_close) keep_alive_ = false;
  return Result::need_more;
}

ResponseParser::Result ResponseParser::feed_chunked(std::string_view& data) {
  while (!data.empty()) {
    switch (phase_) {
      case Phase::chunk_size:
      case Phase::trailer:
      case Phase::chunk_data_end: {
        const auto newline = data.find('\n');
        line_.append(data.substr(0, newline));
        if (line_.size() > 4096) return Result::malformed;
        if (newline == std::string_view::npos) return Result::need_more;
        data.remove_prefix(newline + 1);
        if (!line_.empty() && line_.back() == '\r') line_.pop_back();
        const std::string line = std::move(line_);
        line_.clear();
        if (phase_ == Phase::chunk_data_end) {
          if (!line.empty()) return Result::malformed;
          phase_ = Phase::chunk_size;
        } else if (phase_ == Phase::trailer) {
          if (line.empty()) {
            phase_ = Phase::done;
            return Result::complete;
          }
        } else {
          std::uint64_t size = 0;
          const auto digits_end = line.find_first_of("; \t");
          const std::string_view digits = std::string_view(line).substr(0, digits_end);
          if (digits.empty() ||
              std::from_chars(digits.data(), digits.data() + digits.size(), size, 16).ptr !=
                  digits.data() + digits.size()) {
            return Result::malformed;
          }
          remaining_ = size;
          phase_ = size == 0 ? Phase::trailer : Phase::chunk_data;
        }
        break;
      }
      case Phase::chunk_data: {
        const auto take = std::min<std::uint64_t>(remaining_, data.size());
        data.remove_prefix(static_cast<std::size_t>(take));
        remaining_ -= take;
        body_seen_ += take;
        if (remaining_ == 0) phase_ = Phase::chunk_data_end;
        break;
      }
      default:
        return Result::malformed;
    }
  }
  return Result::need_more;
}

}  // namespace portico::bench
