// inject/banner_paths: which request paths get the banner ([banner] paths), all patterns in
// one RE2::Set compiled per config. Pure: immutable after compile, thread-safe to match.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "proxy/config/model.hpp"

namespace re2 {
class RE2;
}

namespace portico::inject {

class BannerPaths {
 public:
  // Every pattern that does not compile is a problem at its position; nullopt then.
  static std::optional<BannerPaths> compile(const config::BannerSection& banner,
                                            std::vector<config::Problem>& problems);
  // True when the normalized path matches any banner pattern.
  bool matches(std::string_view normalized_path) const;

 private:
  struct Compiled;
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace portico::inject
