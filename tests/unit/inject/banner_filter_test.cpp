// Tests for inject/banner_filter and inject/html_escape: documents fed whole, split in two at
// every byte, one byte at a time (random splits for big ones); every way must agree.
#include "proxy/inject/banner_filter.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "proxy/inject/html_escape.hpp"

namespace portico::inject {
namespace {

constexpr std::string_view banner = "<div class=\"portal-banner\">B</div>";
constexpr std::string_view marker = "@@";  // where the banner is expected; stripped from input
constexpr std::uint64_t default_scan = 64 * 1024;

struct Case {
  std::string name;
  std::string document;  // with "@@" where the banner must land, or none for "unchanged"
  std::uint64_t max_scan_bytes = default_scan;
};

struct Expectation {
  std::string input;
  std::string output;
  bool injected = false;
};

Expectation expectation_for(const Case& row) {
  Expectation e;
  e.input = row.document;
  const std::size_t at = e.input.find(marker);
  e.output = e.input;
  if (at != std::string::npos) {
    e.input.erase(at, marker.size());
    e.output = e.input;
    e.output.insert(at, banner);
    e.injected = true;
  }
  return e;
}

// Feeds `input` cut at `cuts` (ascending offsets) and checks that nothing is ever held back:
// after every feed the output is exactly the input so far, plus the banner once injected.
std::string run(std::string_view input, const std::vector<std::size_t>& cuts,
                std::uint64_t max_scan, bool& injected) {
  BannerFilter filter{std::string(banner), max_scan};
  std::string out;
  out.reserve(input.size() + banner.size());
  std::size_t from = 0;
  auto feed_to = [&](std::size_t to) {
    filter.feed(input.substr(from, to - from), out);
    from = to;
    EXPECT_EQ(out.size(), from + (filter.injected() ? banner.size() : 0)) << "held back bytes";
  };
  for (const std::size_t cut : cuts) feed_to(cut);
  feed_to(input.size());
  filter.finish(out);
  EXPECT_FALSE(filter.scanning());
  injected = filter.injected();
  EXPECT_EQ(out.size(), input.size() + (injected ? banner.size() : 0));
  return out;
}

// Every position of a short document; in a long one (long tags), every position near either end
// and near the tags, and every 61st elsewhere, so the test stays fast under sanitizers.
bool worth_splitting_at(std::string_view input, std::size_t cut) {
  constexpr std::size_t near = 64;
  if (input.size() <= 2048 || cut < near || cut + near > input.size() || cut % 61 == 0) return true;
  const std::size_t tag_start = input.rfind('<', cut);
  const std::size_t tag_end = input.find('>', cut);
  return (tag_start != std::string_view::npos && cut - tag_start < near) ||
         (tag_end != std::string_view::npos && tag_end - cut < near);
}

void expect_same_for_every_split(const Case& row) {
  SCOPED_TRACE(row.name);
  const Expectation e = expectation_for(row);
  bool injected = false;
  EXPECT_EQ(run(e.input, {}, row.max_scan_bytes, injected), e.output) << "whole";
  EXPECT_EQ(injected, e.injected);
  for (std::size_t cut = 0; cut <= e.input.size(); ++cut) {
    if (!worth_splitting_at(e.input, cut)) continue;
    ASSERT_EQ(run(e.input, {cut}, row.max_scan_bytes, injected), e.output) << "split at " << cut;
    ASSERT_EQ(injected, e.injected) << "split at " << cut;
  }
  std::vector<std::size_t> every_byte;
  for (std::size_t cut = 1; cut < e.input.size(); ++cut) every_byte.push_back(cut);
  EXPECT_EQ(run(e.input, every_byte, row.max_scan_bytes, injected), e.output) << "byte by byte";
  EXPECT_EQ(injected, e.injected);
}

std::vector<Case> cases() {
  return {
      {"simple", "<!DOCTYPE html><html><head></head><body>@@<p>hi</p></body></html>"},
      {"capitals", "<HTML><HEAD></HEAD><BODY>@@x</BODY></HTML>"},
      {"quoted gt in attributes", "<html><Body class=\"a\" data-x='>'>@@x"},
      {"gt inside double quotes", "<body data-x=\"a>b\">@@"},
      {"attributes after newline", "<body\n\tclass=x\r\nid=\"m\">@@"},
      {"self closing", "<body/>@@"},
      {"slash then attribute", "<body / class=\"x\">@@"},
      {"unquoted value ends at gt", "<body class=a>@@b>"},
      {"space around equals", "<body class = \">\" >@@"},
      {"quote inside attribute name", "<body a\"b>@@\">"},
      {"quoted value right after name", "<body =\"x>@@\">"},
      {"only the first body", "<body>@@<body>"},
      {"comment first", "<!-- <body> --><body>@@"},
      {"comment with dashes", "<!-- a -- <body> - ---><body>@@"},
      {"abruptly closed comment", "<!--><body>@@"},
      {"abruptly closed dash comment", "<!---><body>@@"},
      {"comment ended by bang", "<!-- <body> --!><body>@@"},
      {"conditional comment", "<!--[if IE]><body class=\"ie\"><![endif]--><body>@@"},
      {"script string", "<script>var s = \"<body>\"; if (a</b) {}</script><body>@@"},
      {"script close case", "<SCRIPT type=\"x\">\"</body><body>\"</ScRiPt ><body>@@"},
      {"script not closed by prefix", "<script>\"</scriptx><body>\"</script><body>@@"},
      {"script self closing still opens", "<script src=a />\"<body>\"</script><body>@@"},
      {"script end tag with attributes", "<script></script x=\"><body>\"><body>@@"},
      {"style", "<style>p:after{content:\"<body>\"}</style><body>@@"},
      {"template", "<template><body></template><body>@@"},
      {"nested template", "<template><template></template><body></template><body>@@"},
      {"stray template end", "</template><body>@@"},
      {"title", "<title>Welcome <body></title><body>@@"},
      {"title end tag with attributes", "<title>t</title x=\"><body>\"><body>@@"},
      {"textarea", "<textarea><body></textarea ><body>@@"},
      {"noscript", "<noscript><body></noscript><body>@@"},
      {"double quoted attribute", "<meta content=\"<body>\"><body>@@"},
      {"single quoted attribute", "<meta content='<body>'><body>@@"},
      {"unquoted attribute", "<meta content=<body><body>@@"},
      {"bodyguard", "<bodyguard><body>@@"},
      {"bodyguard alone", "<bodyguard>x</bodyguard>"},
      {"bodyx and bod", "<bodyx><bod><body>@@"},
      {"end body first", "</body><body>@@"},
      {"end body only", "<html></body></html>"},
      {"end tag with space", "</ body><body>@@"},
      {"empty end tag", "</><body>@@"},
      {"no body", "<html><head><title>x</title></head><p>no body here</p></html>"},
      {"empty document", ""},
      {"doctype", "<!DOCTYPE html SYSTEM \"about:legacy-compat\"><body>@@"},
      {"cdata", "<![CDATA[ <body> ]] ]]]><body>@@"},
      {"cdata prefix only is bogus", "<![CDAT x><body>@@"},
      {"bogus declaration swallows body", "<![CDAT <body>"},
      {"processing instruction", "<?xml version=\"1.0\"?><body>@@"},
      {"less than in text", "a < b <1 <<body>@@"},
      {"unterminated comment", "<!-- <body> and then nothing"},
      {"unterminated script", "<script> \"<body>\""},
      {"unterminated attribute", "<meta content=\"<body>"},
      {"plaintext", "<plaintext><body>"},
      {"body in text after scan limit", std::string(100, 'x') + "<body>", 100},
      {"body tag straddles scan limit", std::string(100, 'x') + "<body>", 105},
      {"body tag ends at scan limit", std::string(100, 'x') + "<body>@@", 106},
      {"zero scan limit", "<body>", 0},
  };
}

TEST(BannerFilter, EverySplitGivesTheExpectedDocument) {
  for (const Case& row : cases()) expect_same_for_every_split(row);
}

TEST(BannerFilter, TagsLongerThanAnyBufferStillWork) {
  // Nothing is held back, so long tags cost no memory: a 9 KiB attribute before the body and
  // a 9 KiB attribute on the body tag itself both work, byte for byte.
  const std::string long_value(9 * 1024, 'v');
  expect_same_for_every_split(
      {"long meta", "<meta content=\"" + long_value + "<body>\"><body class=x>@@<p>"});
  expect_same_for_every_split({"long body", "<body data-x='" + long_value + "'>@@<p>"});
  expect_same_for_every_split({"long name", "<" + long_value + "><body>@@"});
}

TEST(BannerFilter, BigPageWithBodyNearTheTop) {
  const std::string head =
      "<!doctype html><html><head><title>Portal</title></head><body class=home>";
  std::string page = head + "@@";
  while (page.size() < 2 * 1024 * 1024) {
    page += "<p class=\"row\">Invoice INV-0001 &amp; more</p>\n";
  }
  const Case row{"2 MiB", page};
  const Expectation e = expectation_for(row);
  bool injected = false;
  EXPECT_EQ(run(e.input, {}, default_scan, injected), e.output);
  EXPECT_TRUE(injected);

  std::vector<std::size_t> pieces;
  for (std::size_t cut = 16 * 1024; cut < e.input.size(); cut += 16 * 1024) pieces.push_back(cut);
  EXPECT_EQ(run(e.input, pieces, default_scan, injected), e.output);

  std::mt19937_64 random(20240601);
  std::uniform_int_distribution<std::size_t> near_top(0, 4 * 1024);
  std::uniform_int_distribution<std::size_t> anywhere(0, e.input.size());
  for (int i = 0; i < 200; ++i) {
    const std::size_t cut = i % 2 == 0 ? near_top(random) : anywhere(random);
    ASSERT_EQ(run(e.input, {cut}, default_scan, injected), e.output) << "split at " << cut;
  }
}

TEST(BannerFilter, ReportsScanningUntilInjected) {
  BannerFilter filter{"B", 1024};
  std::string out;
  EXPECT_TRUE(filter.scanning());
  filter.feed("<html><bo", out);
  EXPECT_TRUE(filter.scanning());
  EXPECT_FALSE(filter.injected());
  filter.feed("dy>rest", out);
  EXPECT_FALSE(filter.scanning());
  EXPECT_TRUE(filter.injected());
  EXPECT_EQ(out, "<html><body>Brest");
}

TEST(BannerFilter, GivesUpAtTheScanLimitAndPassesTheRestThrough) {
  BannerFilter filter{"B", 8};
  std::string out;
  filter.feed("<html>", out);
  EXPECT_TRUE(filter.scanning());
  filter.feed("<body>", out);
  EXPECT_FALSE(filter.scanning());
  EXPECT_FALSE(filter.injected());
  filter.feed("<body>", out);
  filter.finish(out);
  EXPECT_EQ(out, "<html><body><body>");
}

TEST(BannerFilter, FinishWithoutBodyStopsScanning) {
  BannerFilter filter{"B", 1024};
  std::string out;
  filter.feed("<!-- never closed", out);
  filter.feed("", out);
  filter.finish(out);
  filter.finish(out);
  EXPECT_FALSE(filter.scanning());
  EXPECT_FALSE(filter.injected());
  EXPECT_EQ(out, "<!-- never closed");
}

TEST(HtmlEscape, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(html_escape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
  EXPECT_EQ(html_escape("Tom & Jerry"), "Tom &amp; Jerry");
  EXPECT_EQ(html_escape("say \"hi\" it's"), "say &quot;hi&quot; it&#39;s");
  EXPECT_EQ(html_escape("&amp;"), "&amp;amp;");
  EXPECT_EQ(html_escape(""), "");
  EXPECT_EQ(html_escape("Büro geschlossen {text}"), "Büro geschlossen {text}");
}

TEST(RenderBanner, ReplacesEveryPlaceholderWithEscapedText) {
  const std::string default_template = "<div class=\"portal-banner\" role=\"status\">{text}</div>";
  EXPECT_EQ(render_banner(default_template, "Closed <24-26 Dec> & \"soon\""),
            "<div class=\"portal-banner\" role=\"status\">Closed &lt;24-26 Dec&gt; &amp; "
            "&quot;soon&quot;</div>");
  EXPECT_EQ(render_banner("<p title=\"{text}\">{text}</p>", "a'b"),
            "<p title=\"a&#39;b\">a&#39;b</p>");
  EXPECT_EQ(render_banner("<hr class=\"banner\">", "ignored"), "<hr class=\"banner\">");
  EXPECT_EQ(render_banner("{text}{text}", "x"), "xx");
  EXPECT_EQ(render_banner("[{text}]", "{text}"), "[{text}]");
  EXPECT_EQ(render_banner("{tex{text}t}", "x"), "{texxt}");
}

TEST(BannerFilter, InjectsTheRenderedEscapedBanner) {
  BannerFilter filter{render_banner("<div>{text}</div>", "<script>alert(1)</script>"), 1024};
  std::string out;
  filter.feed("<body><p>", out);
  filter.finish(out);
  EXPECT_EQ(out, "<body><div>&lt;script&gt;alert(1)&lt;/script&gt;</div><p>");
}

}  // namespace
}  // namespace portico::inject
