// config/load: TOML file(s) -> Config (DESIGN §9). Parses with toml++, decodes into the model,
// and collects every problem with file:line:col. Never throws; checks nothing across sections.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "proxy/config/model.hpp"

namespace portico::config {

struct LoadResult {
  Config config;                  // always filled, best effort: an invalid value leaves the default
  std::vector<Problem> problems;  // errors and warnings, in file order (main file, then includes)
  bool ok() const;                // no error (warnings allowed)
};

// Loads `path` and the files it includes. `path` may be relative; Config::path and every
// path inside the config come back absolute. File existence of referenced certificates,
// secrets etc. is not checked here (compile does that).
LoadResult load_config(const std::string& path);

// For tests: parses `toml_text` as if it were the file `virtual_path` (includes resolve
// relative to its directory, which must exist for includes to be found).
LoadResult load_config_string(std::string_view toml_text, const std::string& virtual_path);

}  // namespace portico::config
