// inject/banner_filter: streaming insertion of the rendered banner right after the first real
// <body> start tag of an HTML response body (DESIGN §5). Pure: bytes in, bytes out, O(1) state.
// It must never buffer the response: every byte fed is emitted before feed() returns.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace portico::inject {

// A tokenizer for the part of HTML that decides where "<body" is real (the HTML Living
// Standard tokenizer, reduced to what moves a tag boundary): tags with quoted attribute values,
// comments, DOCTYPE and other <!...> declarations, <?...>, <![CDATA[...]]>, raw text and RCDATA
// elements (script, style, textarea, title, xmp, iframe, noembed, noframes, noscript) and
// <template> contents, which browsers do not treat as the document's body.
//
// Because the banner goes right after the '>' that ends the body tag, nothing before that byte
// changes and nothing needs to be held back: the filter follows the bytes with a handful of
// counters and emits each piece as it arrives.
class BannerFilter {
 public:
  // banner_html: already rendered (render_banner). max_scan_bytes: the whole body start tag,
  // up to and including its '>', must lie within the first max_scan_bytes input bytes;
  // otherwise the body passes through untouched. 0 means never inject.
  BannerFilter(std::string banner_html, std::uint64_t max_scan_bytes);

  // Appends the next piece of the response body to `out`, with the banner inserted if this
  // piece completes the body tag. After injection or giving up this is a plain append.
  void feed(std::string_view in, std::string& out);

  // End of the body. Nothing is ever held back, so this only stops the scan (a body that ended
  // without a body tag was passed through unchanged).
  void finish(std::string& out);

  bool injected() const noexcept { return phase_ == Phase::injected; }
  bool scanning() const noexcept { return phase_ == Phase::scanning; }

 private:
  enum class Phase : std::uint8_t { scanning, injected, gave_up };

  enum class State : std::uint8_t {
    data,
    tag_open,
    end_tag_open,
    tag_name,
    before_attr_name,
    attr_name,
    after_attr_name,
    before_attr_value,
    attr_value_double,
    attr_value_single,
    attr_value_unquoted,
    after_attr_value_quoted,
    self_closing,
    markup_dash,   // "<!-" seen
    markup_cdata,  // a prefix of "<![CDATA[" seen
    bogus_comment,
    comment_start,
    comment_start_dash,
    comment,
    comment_end_dash,
    comment_end,
    comment_end_bang,
    cdata,
    cdata_bracket,
    cdata_end,
    raw_text,
    raw_less_than,
    raw_end_name,
  };

  // Longest tag name worth remembering ("plaintext"); longer names match nothing we act on.
  static constexpr std::uint8_t max_name_ = 9;

  std::size_t scan(std::string_view in);
  std::size_t skip_plain_bytes(std::string_view in, std::size_t at);
  bool step(char c);
  bool step_tag(char c);
  bool step_attribute(char c);
  bool step_markup(char c);
  bool step_comment(char c);
  bool step_raw(char c);
  void begin_tag(bool end_tag);
  void append_name(char c);
  bool name_is(std::string_view name) const;
  void end_tag();
  void end_start_tag();

  std::string banner_;
  std::uint64_t max_scan_bytes_;
  std::uint64_t scanned_ = 0;
  Phase phase_ = Phase::scanning;
  State state_ = State::data;
  bool end_tag_ = false;          // the tag being read is </...>
  std::uint8_t name_length_ = 0;  // saturates at max_name_ + 1
  std::uint8_t matched_ = 0;      // bytes of "[CDATA[" or of the raw text end tag name matched
  std::uint32_t template_depth_ = 0;
  std::string_view raw_name_;  // a static literal: the element whose end tag ends raw text
  char name_[max_name_] = {};  // lowercased
};

}  // namespace portico::inject
