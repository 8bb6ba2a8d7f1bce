// http/trailer_guard: Beast 1.81 appends the trailer fields of a chunked message to its
// header fields. The guard notes where the header fields end (Beast calls the chunk-header
// callback of the last chunk just before it parses the trailer section), so trailers can
// be told apart from headers and removed. Socket-free; one guard per parser, and the guard
// must outlive the parser's reads (Beast keeps a reference to it).
#pragma once

#include <boost/beast/core/string_type.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <iterator>
#include <optional>

namespace portico::http {

class TrailerGuard {
 public:
  // Starts watching `parser` (a beast::http::parser), before its body is read.
  template <class Parser>
  void watch(Parser& parser) {
    fields_ = &static_cast<boost::beast::http::fields&>(parser.get());
    header_fields_.reset();
    parser.on_chunk_header(*this);
  }

  // Beast's chunk-header callback; the last chunk has size 0.
  void operator()(std::uint64_t size, boost::beast::string_view /*extensions*/,
                  boost::system::error_code& /*ec*/) {
    if (size == 0 && fields_ != nullptr) header_fields_ = count();
  }

  // The message ended with a non-empty trailer section.
  bool has_trailers() const { return header_fields_ && count() > *header_fields_; }

  // Removes the trailer fields, leaving the header fields as they were.
  void drop_trailers() {
    if (!has_trailers()) return;
    auto it = fields_->begin();
    std::advance(it, static_cast<std::ptrdiff_t>(*header_fields_));
    while (it != fields_->end()) it = fields_->erase(it);
  }

 private:
  std::size_t count() const {
    return static_cast<std::size_t>(std::distance(fields_->begin(), fields_->end()));
  }

  boost::beast::http::fields* fields_ = nullptr;
  std::optional<std::size_t> header_fields_;  // set once the last chunk is seen
};

}  // namespace portico::http
