// core/utf8: strict UTF-8 (RFC 3629), shared by every place that must refuse malformed text
// (request targets, activity events, tenant files). Pure.
#pragma once

#include <cstddef>
#include <string_view>

namespace portico::core {

// Length (2 to 4) of the well-formed multi-byte sequence starting at text[at], or 0 if there
// is none: an ASCII or stray continuation byte, an overlong form, a surrogate, a code point
// above U+10FFFF, or a sequence cut short by the end of `text`.
std::size_t utf8_sequence_length(std::string_view text, std::size_t at) noexcept;

// Every byte is ASCII or part of a well-formed sequence.
bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace portico::core
