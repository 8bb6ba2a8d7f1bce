// config/model: defaults that need code, and problem formatting.
#include "proxy/config/model.hpp"

#include <ostream>

namespace portico::config {

SourceFile::SourceFile(std::string path)
    : path_(path.empty() ? nullptr : std::make_shared<const std::string>(std::move(path))) {}

const std::string& SourceFile::empty_path() noexcept {
  static const std::string empty;
  return empty;
}

std::ostream& operator<<(std::ostream& out, const SourceFile& file) { return out << file.str(); }

std::string format_problem(const Problem& problem) {
  std::string out = problem.where.file.empty() ? std::string("<config>") : problem.where.file.str();
  out += ':' + std::to_string(problem.where.line) + ':' + std::to_string(problem.where.column) + ": ";
  if (problem.warning) out += "warning: ";
  out += problem.message;
  return out;
}

std::string Endpoint::to_string() const {
  if (host.find(':') != std::string::npos) return '[' + host + "]:" + std::to_string(port);
  return host + ':' + std::to_string(port);
}

std::vector<FeatureGate> FeaturesSection::default_gates() {
  auto gate = [](std::string name, std::string path, std::vector<std::string> methods = {}) {
    FeatureGate g;
    g.name = std::move(name);
    g.paths = {std::move(path)};
    g.path_pos = {SourcePos{}};
    g.methods = std::move(methods);
    return g;
  };
  // Matches the demo portal app (DESIGN §4); sorted by name.
  return {
      gate("edit_profile", "^/profile(/|$)", {"POST", "PUT", "PATCH", "DELETE"}),
      gate("forward_documents", "^/(invoices|quotes|salesorders)/[^/]+/forward$"),
      gate("projects", "^/(projects|timesheets)(/|$)"),
      gate("reviews", "^/reviews(/|$)"),
      gate("sales_orders", "^/salesorders(/|$)"),
  };
}

}  // namespace portico::config
