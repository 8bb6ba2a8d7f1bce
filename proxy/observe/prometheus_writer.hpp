// observe/prometheus_writer: builds the Prometheus text exposition format (version 0.0.4):
// # HELP / # TYPE lines, samples with escaped label values, histograms. No I/O, no locks.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace portico::observe {

using Label = std::pair<std::string_view, std::string_view>;  // name, value
using Labels = std::initializer_list<Label>;

// What a histogram looks like at scrape time: per-bucket (non-cumulative) counts, one per
// upper bound, plus the overflow bucket; the writer makes them cumulative.
struct HistogramValues {
  std::span<const double> upper_bounds;      // ascending, seconds, without +Inf
  std::span<const std::uint64_t> counts;     // upper_bounds.size() + 1 (last = above every bound)
  double sum = 0;
};

class PrometheusWriter {
 public:
  // Starts a metric family. `type` is "counter", "gauge" or "histogram". Names and label
  // names are the caller's constants and must already be valid Prometheus names; every
  // sample of a family must follow its header, before the next family starts.
  void family(std::string_view name, std::string_view type, std::string_view help);

  void sample(std::string_view name, Labels labels, std::uint64_t value);
  void sample(std::string_view name, Labels labels, std::int64_t value);
  void sample(std::string_view name, Labels labels, double value);
  // For label sets built at run time (the per-tenant series).
  void sample_with(std::string_view name, std::span<const Label> labels, std::uint64_t value);

  // Writes name_bucket{...,le="..."} (cumulative, ending with le="+Inf"), name_sum and
  // name_count. `labels` are added before `le`.
  void histogram(std::string_view name, Labels labels, const HistogramValues& values);

  const std::string& text() const noexcept { return out_; }
  std::string take() noexcept { return std::move(out_); }

 private:
  void begin_sample(std::string_view name, std::string_view suffix, std::span<const Label> labels,
                    std::string_view le = {});

  std::string out_;
};

// Label values escape backslash, double quote and newline (\\, \", \n).
void append_label_value(std::string& out, std::string_view value);
// HELP text escapes backslash and newline.
void append_help_text(std::string& out, std::string_view text);
// Shortest text that reads back as the same double; "+Inf", "-Inf", "NaN".
void append_double(std::string& out, double value);

}  // namespace portico::observe
