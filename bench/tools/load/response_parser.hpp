// bench/tools/load/response_parser: incremental HTTP/1.1 response framing for the load tool.
// Finds where one response ends (Content-Length, chunked, or the close); keeps only the head.
// No I/O. Enough HTTP for the peers the kit drives, not a general-purpose parser.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace portico::bench {

class ResponseParser {
 public:
  enum class Result { need_more, complete, malformed };

  void reset();

  // Consumes bytes of the response; returns complete once its last byte has been seen (bytes
  // after that in `data` are ignored: the tool never pipelines).
  Result feed(std::string_view data);

  // The peer closed the connection: completes a response framed by the close.
  Result finish();

  unsigned status() const noexcept { return status_; }
  bool keep_alive() const noexcept { return keep_alive_; }  // HTTP/1.1 without "close"
  std::uint64_t body_bytes() const noexcept { return body_seen_; }

 private:
  enum class Phase {
    head,
    body_length,
    body_until_close,
    chunk_size,
    chunk_data,
    chunk_data_end,
    trailer,
    done
  };

  Result parse_head();
  Result feed_chunked(std::string_view& data);

  static constexpr std::size_t max_head_bytes = 64 * 1024;

  Phase phase_ = Phase::head;
  std::string head_;
  unsigned status_ = 0;
  bool keep_alive_ = true;
  std::uint64_t remaining_ = 0;  // body_length: body bytes; chunk_data: bytes of this chunk
  std::uint64_t body_seen_ = 0;
  std::string line_;  // chunk size line or trailer line being read
};

}  // namespace portico::bench
