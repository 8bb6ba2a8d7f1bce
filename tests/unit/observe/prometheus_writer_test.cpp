// Tests for observe/prometheus_writer: exact exposition text, escaping, histograms.
#include "proxy/observe/prometheus_writer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <limits>

namespace portico::observe {
namespace {

TEST(PrometheusWriter, WritesHelpTypeAndSamples) {
  PrometheusWriter writer;
  writer.family("portico_things_total", "counter", "Things counted.");
  writer.sample("portico_things_total", {{"kind", "a"}, {"result", "ok"}}, std::uint64_t{3});
  writer.sample("portico_things_total", {}, std::uint64_t{0});
  writer.family("portico_level", "gauge", "A level.");
  writer.sample("portico_level", {}, std::int64_t{-2});
  writer.sample("portico_level", {{"x", "y"}}, 1.5);
  EXPECT_EQ(writer.text(),
            "# HELP portico_things_total Things counted.\n"
            "# TYPE portico_things_total counter\n"
            "portico_things_total{kind=\"a\",result=\"ok\"} 3\n"
            "portico_things_total 0\n"
            "# HELP portico_level A level.\n"
            "# TYPE portico_level gauge\n"
            "portico_level -2\n"
            "portico_level{x=\"y\"} 1.5\n");
}

TEST(PrometheusWriter, EscapesLabelValuesAndHelp) {
  PrometheusWriter writer;
  writer.family("m", "gauge", "back\\slash and\nnewline \"quotes stay\"");
  writer.sample("m", {{"name", "a\"b\\c\nd"}}, std::uint64_t{1});
  EXPECT_EQ(writer.text(),
            "# HELP m back\\\\slash and\\nnewline \"quotes stay\"\n"
            "# TYPE m gauge\n"
            "m{name=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(PrometheusWriter, FormatsSpecialDoubles) {
  struct Case {
    double value;
    const char* text;
  };
  const Case cases[] = {
      {0.0, "0"},
      {1.0, "1"},
      {0.0005, "0.0005"},
      {2.5, "2.5"},
      {1700000000.123, "1700000000.123"},
      {0.000001, "0.000001"},
      {1e-9, "1e-09"},
      {1e20, "1e+20"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {std::numeric_limits<double>::quiet_NaN(), "NaN"},
  };
  for (const auto& c : cases) {
    std::string out;
    append_double(out, c.value);
    EXPECT_EQ(out, c.text);
  }
}

TEST(PrometheusWriter, HistogramIsCumulativeWithInfSumAndCount) {
  const std::array<double, 3> bounds{0.1, 1, 10};
  const std::array<std::uint64_t, 4> counts{2, 0, 3, 1};  // last: above 10 s
  PrometheusWriter writer;
  writer.family("h_seconds", "histogram", "H.");
  writer.histogram("h_seconds", {{"route", "x"}}, HistogramValues{bounds, counts, 42.25});
  EXPECT_EQ(writer.text(),
            "# HELP h_seconds H.\n"
            "# TYPE h_seconds histogram\n"
            "h_seconds_bucket{route=\"x\",le=\"0.1\"} 2\n"
            "h_seconds_bucket{route=\"x\",le=\"1\"} 2\n"
            "h_seconds_bucket{route=\"x\",le=\"10\"} 5\n"
            "h_seconds_bucket{route=\"x\",le=\"+Inf\"} 6\n"
            "h_seconds_sum{route=\"x\"} 42.25\n"
            "h_seconds_count{route=\"x\"} 6\n");
}

TEST(PrometheusWriter, HistogramWithoutLabelsHasOnlyLe) {
  const std::array<double, 1> bounds{0.5};
  const std::array<std::uint64_t, 2> counts{0, 0};
  PrometheusWriter writer;
  writer.histogram("h", {}, HistogramValues{bounds, counts, 0});
  EXPECT_EQ(writer.text(),
            "h_bucket{le=\"0.5\"} 0\n"
            "h_bucket{le=\"+Inf\"} 0\n"
            "h_sum 0\n"
            "h_count 0\n");
}

}  // namespace
}  // namespace portico::observe
