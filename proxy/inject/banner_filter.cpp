// inject/banner_filter: the tokenizer states that find the first real <body> start tag.
// Follows the HTML Living Standard tokenizer where it moves a tag boundary; no I/O, no buffering.
#include "proxy/inject/banner_filter.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

namespace portico::inject {
namespace {

constexpr std::string_view cdata_opener = "[CDATA[";

// Elements whose content is text up to their own end tag: a "<body>" inside is not a tag.
constexpr std::array<std::string_view, 9> raw_text_elements = {
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Bytes that can end a tag name, an attribute name or an unquoted value; the step functions
// decide what each one means in the state at hand.
constexpr std::array<bool, 256> tag_delimiters = [] {
  std::array<bool, 256> table{};
  for (const char c : std::string_view(" \t\n\f\r/=>")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

bool is_tag_delimiter(char c) { return tag_delimiters[static_cast<unsigned char>(c)]; }

// Index of the first `c` in in[at..], or in.size().
std::size_t find_byte(std::string_view in, std::size_t at, char c) {
  const void* hit = std::memchr(in.data() + at, c, in.size() - at);
  return hit == nullptr ? in.size()
                        : static_cast<std::size_t>(static_cast<const char*>(hit) - in.data());
}

}  // namespace

BannerFilter::BannerFilter(std::string banner_html, std::uint64_t max_scan_bytes)
    : banner_(std::move(banner_html)), max_scan_bytes_(max_scan_bytes) {
  if (max_scan_bytes_ == 0) phase_ = Phase::gave_up;
}

void BannerFilter::feed(std::string_view in, std::string& out) {
  if (phase_ != Phase::scanning) {
    out.append(in);
    return;
  }
  const std::uint64_t budget = std::min<std::uint64_t>(in.size(), max_scan_bytes_ - scanned_);
  const std::size_t scanned = scan(in.substr(0, static_cast<std::size_t>(budget)));
  scanned_ += scanned;
  out.append(in.substr(0, scanned));
  if (phase_ == Phase::injected) {
    out.append(banner_);
  } else if (scanned_ >= max_scan_bytes_) {
    phase_ = Phase::gave_up;
  }
  out.append(in.substr(scanned));
}

void BannerFilter::finish(std::string& /*out*/) {
  if (phase_ == Phase::scanning) phase_ = Phase::gave_up;
}

// Consumes `in` until it ends or the body tag's '>' has been consumed; returns bytes consumed.
std::size_t BannerFilter::scan(std::string_view in) {
  std::size_t at = 0;
  while (phase_ == Phase::scanning) {
    at = skip_plain_bytes(in, at);
    if (at == in.size()) break;
    if (step(in[at])) ++at;  // false: the state changed and wants to see this byte again
  }
  return at;
}

// The states that only wait for a delimiter run to it in a tight loop (memchr where it is one
// byte) instead of stepping byte by byte.
std::size_t BannerFilter::skip_plain_bytes(std::string_view in, std::size_t at) {
  switch (state_) {
    case State::tag_name:
      for (; at < in.size() && !is_tag_delimiter(in[at]); ++at) append_name(in[at]);
      return at;
    case State::attr_name:
    case State::attr_value_unquoted:
      while (at < in.size() && !is_tag_delimiter(in[at])) ++at;
      return at;
    case State::data:
    case State::raw_text:
      return find_byte(in, at, '<');
    case State::attr_value_double:
      return find_byte(in, at, '"');
    case State::attr_value_single:
      return find_byte(in, at, '\'');
    case State::bogus_comment:
      return find_byte(in, at, '>');
    case State::comment:
      return find_byte(in, at, '-');
    default:
      return at;
  }
}

bool BannerFilter::step(char c) {
  switch (state_) {
    case State::data:
      state_ = State::tag_open;  // skip_plain_bytes stopped on '<'
      return true;
    case State::tag_open:
    case State::end_tag_open:
    case State::tag_name:
    case State::self_closing:
      return step_tag(c);
    case State::before_attr_name:
    case State::attr_name:
    case State::after_attr_name:
    case State::before_attr_value:
    case State::attr_value_double:
    case State::attr_value_single:
    case State::attr_value_unquoted:
    case State::after_attr_value_quoted:
      return step_attribute(c);
    case State::markup_dash:
    case State::markup_cdata:
    case State::bogus_comment:
    case State::cdata:
    case State::cdata_bracket:
    case State::cdata_end:
      return step_markup(c);
    case State::comment_start:
    case State::comment_start_dash:
    case State::comment:
    case State::comment_end_dash:
    case State::comment_end:
    case State::comment_end_bang:
      return step_comment(c);
    case State::raw_text:
    case State::raw_less_than:
    case State::raw_end_name:
      return step_raw(c);
  }
  return true;
}

bool BannerFilter::step_tag(char c) {
  switch (state_) {
    case State::tag_open:
      if (c == '!') {
        state_ = State::markup_dash;
        matched_ = 0;
      } else if (c == '/') {
        state_ = State::end_tag_open;
      } else if (is_alpha(c)) {
        begin_tag(false);
        return false;
      } else {
        // "<?..." is a bogus comment; "<3" or "< " is text (and "<<" starts over).
        state_ = c == '?' ? State::bogus_comment : State::data;
        return false;
      }
      return true;
    case State::end_tag_open:
      if (is_alpha(c)) {
        begin_tag(true);
        return false;
      }
      state_ = c == '>' ? State::data : State::bogus_comment;  // "</>" vanishes; "</ x>" is bogus
      return c == '>';
    case State::tag_name:
      if (is_space(c)) {
        state_ = State::before_attr_name;
      } else if (c == '/') {
        state_ = State::self_closing;
      } else if (c == '>') {
        end_tag();
      } else {
        append_name(c);
      }
      return true;
    default:  // self_closing
      if (c == '>') {
        end_tag();
        return true;
      }
      state_ = State::before_attr_name;
      return false;
  }
}

bool BannerFilter::step_attribute(char c) {
  const bool space = is_space(c);
  switch (state_) {
    case State::before_attr_name:
    case State::after_attr_name:
      if (c == '/')
        state_ = State::self_closing;
      else if (c == '>')
        end_tag();
      else if (c == '=' && state_ == State::after_attr_name)
        state_ = State::before_attr_value;
      else if (!space)
        state_ = State::attr_name;  // a leading '=' is part of the name
      return true;
    case State::attr_name:
      if (space)
        state_ = State::after_attr_name;
      else if (c == '/')
        state_ = State::self_closing;
      else if (c == '=')
        state_ = State::before_attr_value;
      else if (c == '>')
        end_tag();
      return true;
    case State::before_attr_value:
      if (c == '"')
        state_ = State::attr_value_double;
      else if (c == '\'')
        state_ = State::attr_value_single;
      else if (c == '>')
        end_tag();
      else if (!space)
        state_ = State::attr_value_unquoted;
      return true;
    case State::attr_value_double:
    case State::attr_value_single:
      state_ = State::after_attr_value_quoted;  // skip_plain_bytes stopped on the closing quote
      return true;
    case State::attr_value_unquoted:
      if (space)
        state_ = State::before_attr_name;
      else if (c == '>')
        end_tag();
      return true;
    default:  // after_attr_value_quoted: like before_attr_name, no space needed before a name
      state_ = State::before_attr_name;
      return space;
  }
}

// <!...>, <!-, <![CDATA[...]]> and bogus comments (<?...>, <!DOCTYPE ...>, </ ...>).
bool BannerFilter::step_markup(char c) {
  switch (state_) {
    case State::markup_dash:
      if (matched_ == 0 && c == '[') {
        state_ = State::markup_cdata;
        matched_ = 1;
        return true;
      }
      if (c == '-') {
        if (matched_ == 1) state_ = State::comment_start;
        matched_ = 1;
        return true;
      }
      state_ = State::bogus_comment;  // <!DOCTYPE ...> and other declarations end at '>'
      return false;
    case State::markup_cdata:
      if (c != cdata_opener[matched_]) {
        state_ = State::bogus_comment;
        return false;
      }
      if (++matched_ == cdata_opener.size()) state_ = State::cdata;
      return true;
    case State::bogus_comment:
      state_ = State::data;  // skip_plain_bytes stopped on '>'
      return true;
    case State::cdata:
      if (c == ']') state_ = State::cdata_bracket;
      return true;
    case State::cdata_bracket:
      state_ = c == ']' ? State::cdata_end : State::cdata;
      return c == ']';
    default:  // cdata_end
      if (c == '>')
        state_ = State::data;
      else if (c != ']')
        state_ = State::cdata;
      return c == '>' || c == ']';
  }
}

// <!-- ... -->, including the forms browsers end early: <!-->, <!--->, --!>.
bool BannerFilter::step_comment(char c) {
  switch (state_) {
    case State::comment_start:
    case State::comment_start_dash:
      if (c == '>') {
        state_ = State::data;
        return true;
      }
      if (c == '-') {
        state_ = state_ == State::comment_start ? State::comment_start_dash : State::comment_end;
        return true;
      }
      state_ = State::comment;
      return false;
    case State::comment:
      state_ = State::comment_end_dash;  // skip_plain_bytes stopped on '-'
      return true;
    case State::comment_end_dash:
      state_ = c == '-' ? State::comment_end : State::comment;
      return c == '-';
    case State::comment_end:
      if (c == '>')
        state_ = State::data;
      else if (c == '!')
        state_ = State::comment_end_bang;
      else if (c != '-')
        state_ = State::comment;
      return c == '>' || c == '!' || c == '-';
    default:  // comment_end_bang
      if (c == '>')
        state_ = State::data;
      else
        state_ = c == '-' ? State::comment_end_dash : State::comment;
      return c == '>' || c == '-';
  }
}

// Raw text / RCDATA content: only "</name" followed by space, '/' or '>' ends it.
bool BannerFilter::step_raw(char c) {
  switch (state_) {
    case State::raw_text:
      state_ = State::raw_less_than;  // skip_plain_bytes stopped on '<'
      return true;
    case State::raw_less_than:
      if (c != '/') {
        state_ = State::raw_text;
        return false;
      }
      state_ = State::raw_end_name;
      matched_ = 0;
      return true;
    default:  // raw_end_name
      if (matched_ < raw_name_.size()) {
        if (to_lower(c) != raw_name_[matched_]) {
          state_ = State::raw_text;
          return false;
        }
        ++matched_;
        return true;
      }
      if (!is_space(c) && c != '/' && c != '>') {
        state_ = State::raw_text;
        return false;
      }
      begin_tag(true);  // the rest is an ordinary end tag, attributes and all
      state_ = State::before_attr_name;
      return false;
  }
}

void BannerFilter::begin_tag(bool end_tag) {
  end_tag_ = end_tag;
  name_length_ = 0;
  state_ = State::tag_name;
}

void BannerFilter::append_name(char c) {
  if (name_length_ < max_name_) name_[name_length_] = to_lower(c);
  if (name_length_ <= max_name_) ++name_length_;
}

bool BannerFilter::name_is(std::string_view name) const {
  return name_length_ == name.size() && std::memcmp(name_, name.data(), name.size()) == 0;
}

// Called on the '>' that ends a tag.
void BannerFilter::end_tag() {
  state_ = State::data;
  if (!end_tag_) {
    end_start_tag();
  } else if (template_depth_ > 0 && name_is("template")) {
    --template_depth_;
  }
}

void BannerFilter::end_start_tag() {
  if (name_is("body")) {
    // Browsers ignore a <body> inside <template> content; it does not start the page.
    if (template_depth_ == 0) phase_ = Phase::injected;
  } else if (name_is("template")) {
    if (template_depth_ < UINT32_MAX) ++template_depth_;
  } else if (name_is("plaintext")) {
    phase_ = Phase::gave_up;  // everything after it is text: no tag can follow
  } else {
    for (const std::string_view raw : raw_text_elements) {
      if (name_is(raw)) {
        raw_name_ = raw;
        state_ = State::raw_text;
        return;
      }
    }
  }
}

}  // namespace portico::inject
