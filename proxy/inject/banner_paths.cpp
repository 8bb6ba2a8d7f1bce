// inject/banner_paths: the [banner] paths as one RE2::Set.
#include "proxy/inject/banner_paths.hpp"

#include <re2/re2.h>
#include <re2/set.h>

namespace portico::inject {

struct BannerPaths::Compiled {
  explicit Compiled(const RE2::Options& options) : set(options, RE2::UNANCHORED) {}
  RE2::Set set;
  bool empty = true;
};

std::optional<BannerPaths> BannerPaths::compile(const config::BannerSection& banner,
                                                std::vector<config::Problem>& problems) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(4 << 20);
  auto compiled = std::make_shared<Compiled>(options);
  bool ok = true;
  for (std::size_t i = 0; i < banner.paths.size(); ++i) {
    std::string error;
    if (compiled->set.Add(banner.paths[i], &error) < 0) {
      config::SourcePos where = i < banner.path_pos.size() ? banner.path_pos[i] : config::SourcePos{};
      problems.push_back({where, "[banner] invalid path pattern '" + banner.paths[i] + "': " + error});
      ok = false;
    }
  }
  compiled->empty = banner.paths.empty();
  if (!ok) return std::nullopt;
  if (!compiled->empty && !compiled->set.Compile()) {
    problems.push_back({{}, "[banner] paths: the patterns together are too large"});
    return std::nullopt;
  }
  BannerPaths paths;
  paths.compiled_ = std::move(compiled);
  return paths;
}

bool BannerPaths::matches(std::string_view normalized_path) const {
  if (!compiled_ || compiled_->empty) return false;
  return compiled_->set.Match(normalized_path, nullptr);
}

}  // namespace portico::inject
