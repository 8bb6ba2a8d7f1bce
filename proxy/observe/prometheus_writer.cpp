// observe/prometheus_writer: text exposition format 0.0.4. Pure string building.
#include "proxy/observe/prometheus_writer.hpp"

#include <charconv>
#include <cmath>

namespace portico::observe {
namespace {

void append_unsigned(std::string& out, std::uint64_t value) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

void append_signed(std::string& out, std::int64_t value) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

}  // namespace

void append_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

void append_help_text(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

void append_double(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    // Plain decimals in the usual range ("0.0005", not "5e-04"): bucket bounds read as
    // operators wrote them. Still the shortest text that reads back as the same double.
    char digits[400];
    double magnitude = std::fabs(value);
    bool plain = magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e15);
    auto result = plain ? std::to_chars(digits, digits + sizeof digits, value, std::chars_format::fixed)
                        : std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, result.ptr);
  }
}

void PrometheusWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  append_help_text(out_, help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void PrometheusWriter::begin_sample(std::string_view name, std::string_view suffix,
                                    std::span<const Label> labels, std::string_view le) {
  out_ += name;
  out_ += suffix;
  if (labels.empty() && le.empty()) {
    out_ += ' ';
    return;
  }
  out_ += '{';
  bool first = true;
  for (const auto& [label, value] : labels) {
    if (!first) out_ += ',';
    first = false;
    out_ += label;
    out_ += "=\"";
    append_label_value(out_, value);
    out_ += '"';
  }
  if (!le.empty()) {
    if (!first) out_ += ',';
    out_ += "le=\"";
    out_ += le;
    out_ += '"';
  }
  out_ += "} ";
}

void PrometheusWriter::sample(std::string_view name, Labels labels, std::uint64_t value) {
  sample_with(name, std::span<const Label>(labels.begin(), labels.size()), value);
}

void PrometheusWriter::sample_with(std::string_view name, std::span<const Label> labels, std::uint64_t value) {
  begin_sample(name, {}, labels);
  append_unsigned(out_, value);
  out_ += '\n';
}

void PrometheusWriter::sample(std::string_view name, Labels labels, std::int64_t value) {
  begin_sample(name, {}, std::span<const Label>(labels.begin(), labels.size()));
  append_signed(out_, value);
  out_ += '\n';
}

void PrometheusWriter::sample(std::string_view name, Labels labels, double value) {
  begin_sample(name, {}, std::span<const Label>(labels.begin(), labels.size()));
  append_double(out_, value);
  out_ += '\n';
}

void PrometheusWriter::histogram(std::string_view name, Labels labels, const HistogramValues& values) {
  std::span<const Label> label_span(labels.begin(), labels.size());
  std::uint64_t cumulative = 0;
  std::string le;
  for (std::size_t i = 0; i < values.upper_bounds.size(); ++i) {
    if (i < values.counts.size()) cumulative += values.counts[i];
    le.clear();
    append_double(le, values.upper_bounds[i]);
    begin_sample(name, "_bucket", label_span, le);
    append_unsigned(out_, cumulative);
    out_ += '\n';
  }
  if (values.counts.size() > values.upper_bounds.size()) cumulative += values.counts[values.upper_bounds.size()];
  begin_sample(name, "_bucket", label_span, "+Inf");
  append_unsigned(out_, cumulative);
  out_ += '\n';
  begin_sample(name, "_sum", label_span);
  append_double(out_, values.sum);
  out_ += '\n';
  begin_sample(name, "_count", label_span);
  append_unsigned(out_, cumulative);
  out_ += '\n';
}

}  // namespace portico::observe
