// config/tenant_file: the fast path for included tenant files (docs/decisions.md). It decodes
// only files in the usual shape of a tenants file and declines everything else; toml++ stays
// the authority on TOML, and on every problem, which it reports with its position.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "proxy/config/model.hpp"

namespace portico::config {

// Appends the tenants of `text` (the included file `file`) to `out` and returns true when the
// file is made only of comments, blank lines and [[tenant]] tables whose lines are
// `key = value` with a known tenant key, a single-line string, a boolean or an array of
// single-line strings, and every tenant decodes without a problem. Then `out` holds exactly
// what toml++ and the decoder would have produced, positions included, and they would have
// reported nothing. Otherwise returns false and leaves `out` as it was: the caller parses the
// file with toml++ (tests/unit/config/tenant_file_test.cpp and tests/fuzz/tenant_file_fuzz.cpp
// compare the two).
bool scan_tenant_file(std::string_view text, const std::string& file,
                      std::vector<TenantConfig>& out);

}  // namespace portico::config
