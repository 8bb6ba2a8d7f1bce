// Fuzz target: the banner filter (inject::BannerFilter) on arbitrary bytes as HTML.
// Invariants: the output does not depend on how the body is split into pieces; it is the
// input, untouched, or the input with the banner inserted once, right after a '>' that ends
// a "<body" tag within max_scan_bytes; and a text with no other markup than one body tag
// within max_scan_bytes gets the banner exactly once, right after that tag.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/inject/banner_filter.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace {

using portico::inject::BannerFilter;

constexpr std::string_view banner = "<div class=\"portal-banner\" role=\"status\">Closed &amp; away</div>";

struct Filtered {
  std::string out;
  bool injected = false;
};

Filtered run(std::string_view html, std::uint64_t max_scan_bytes, std::uint32_t seed) {
  BannerFilter filter{std::string(banner), max_scan_bytes};
  Filtered result;
  portico::fuzz::for_each_piece(html, seed, [&](std::string_view piece) {
    std::size_t before = result.out.size();
    filter.feed(piece, result.out);
    // Never holds bytes back: each piece comes out at once (with the banner, maybe).
    FUZZ_CHECK(result.out.size() - before == piece.size() ||
               result.out.size() - before == piece.size() + banner.size());
  });
  filter.finish(result.out);
  result.injected = filter.injected();
  return result;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The output is the input with the banner at one position after a body tag's '>'.
void check_shape(std::string_view html, const Filtered& filtered, std::uint64_t max_scan_bytes) {
  if (!filtered.injected) {
    FUZZ_CHECK(filtered.out == html);
    return;
  }
  FUZZ_CHECK(filtered.out.size() == html.size() + banner.size());
  bool found = false;
  for (std::size_t at = filtered.out.find(banner); at != std::string::npos && !found;
       at = filtered.out.find(banner, at + 1)) {
    found = at <= html.size() && filtered.out.compare(0, at, html.substr(0, at)) == 0 &&
            filtered.out.compare(at + banner.size(), std::string::npos, html.substr(at)) == 0;
    if (found) {
      FUZZ_CHECK(at >= 6 && html[at - 1] == '>');
      FUZZ_CHECK(at <= max_scan_bytes);
      FUZZ_CHECK(lower(html.substr(0, at)).find("<body") != std::string::npos);
    }
  }
  FUZZ_CHECK(found);
}

constexpr std::array<std::string_view, 4> body_tags{
    "<body>", "<BoDy>", "<body class=\"a>b\" data-x='c>d'>", "<body\tonload=x >"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  portico::fuzz::FuzzInput input(data, size);
  const std::uint8_t scan_choice = input.byte();
  const std::uint64_t max_scan_bytes =
      scan_choice < 16 ? scan_choice : scan_choice < 200 ? scan_choice * 4u : 64u * 1024;
  const std::uint32_t seed = input.byte();
  const std::uint16_t tag_place = input.u16();
  const std::string_view html = input.rest();

  Filtered whole = run(html, max_scan_bytes, 0);
  Filtered pieces = run(html, max_scan_bytes, seed);
  FUZZ_CHECK(whole.out == pieces.out && whole.injected == pieces.injected);
  check_shape(html, whole, max_scan_bytes);

  // Text without markup and one body tag: the banner goes right after the tag, exactly once,
  // when the tag ends within max_scan_bytes; otherwise the page passes untouched.
  std::string text(html);
  text.erase(std::remove(text.begin(), text.end(), '<'), text.end());
  const std::string_view tag = body_tags[tag_place % body_tags.size()];
  const std::size_t at = text.empty() ? 0 : (tag_place / body_tags.size()) % (text.size() + 1);
  const std::string page = text.substr(0, at) + std::string(tag) + text.substr(at);
  Filtered with_tag = run(page, max_scan_bytes, seed);
  const bool within = at + tag.size() <= max_scan_bytes;
  FUZZ_CHECK(with_tag.injected == within);
  if (within) {
    FUZZ_CHECK(with_tag.out == page.substr(0, at + tag.size()) + std::string(banner) +
                                   page.substr(at + tag.size()));
  } else {
    FUZZ_CHECK(with_tag.out == page);
  }
  return 0;
}
