// config/load: reads the main file and its includes, dispatches sections to their decoders,
// and orders the problems. Owns file I/O for config text; never throws out of its API.
#include "proxy/config/load.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "proxy/config/decode.hpp"
#include "proxy/config/tenant_file.hpp"

namespace portico::config {
namespace {

namespace fs = std::filesystem;
using decode::Decoder;
using decode::TableReader;

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec);
  return ec ? path : absolute.lexically_normal().string();
}

// The identity of a file for "included twice": symlinks and ".." resolved where possible.
std::string file_identity(const std::string& path) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(path, ec);
  return ec ? path : canonical.string();
}

std::optional<std::string> read_file(const std::string& path, std::string& why) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (!fs::exists(status)) {
    why = "no such file";
    return std::nullopt;
  }
  if (fs::is_directory(status)) {
    why = "it is a directory";
    return std::nullopt;
  }
  // A device or a pipe (/dev/zero, /dev/stdin) would never end or block --check and reload.
  if (!fs::is_regular_file(status)) {
    why = "not a regular file";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  // Straight into one string sized from the file (a tenants file may be tens of MB), no
  // copy; a file that grows meanwhile is read to its end all the same.
  std::string text;
  const auto size_hint = fs::file_size(path, ec);
  std::size_t want = ec ? std::size_t{1} << 16 : static_cast<std::size_t>(size_hint) + 1;
  while (in) {
    const std::size_t size = text.size();
    text.resize(size + want);
    in.read(text.data() + size, static_cast<std::streamsize>(want));
    text.resize(size + static_cast<std::size_t>(in.gcount()));
    want = std::size_t{1} << 16;
  }
  if (in.bad()) {
    why = "read error";
    return std::nullopt;
  }
  return text;
}

template <class Section>
void decode_section(TableReader& root, std::string_view name, Section& out,
                    void (*decode_fn)(TableReader&, Section&)) {
  if (const toml::table* table = root.subtable(name)) {
    TableReader reader(root.decoder(), *table, '[' + std::string(name) + ']');
    decode_fn(reader, out);
  }
}

struct IncludeEntry {
  std::string path;  // absolute
  SourcePos where;
};

class Loader {
 public:
  explicit Loader(LoadResult& result) : result_(result) {}

  void load_main(std::string_view text, const std::string& file) {
    files_.push_back(file);
    const auto root = parse(text, file);
    if (!root) return;
    Decoder decoder(file, result_.problems);
    const auto includes = decode_main(decoder, *root);
    std::vector<std::pair<std::string, SourcePos>> seen{
        {file_identity(file), SourcePos{file, 1, 1}}};
    for (const auto& include : includes) load_include(include, seen);
  }

  // Stable: problems of one file stay in file order, files in load order.
  void sort_problems() {
    auto rank = [this](const Problem& problem) {
      const auto it = std::find(files_.begin(), files_.end(), problem.where.file);
      return std::tuple(it - files_.begin(), problem.where.line, problem.where.column);
    };
    std::stable_sort(result_.problems.begin(), result_.problems.end(),
                     [&](const Problem& a, const Problem& b) { return rank(a) < rank(b); });
  }

 private:
  std::optional<toml::table> parse(std::string_view text, const std::string& file) {
    try {
      return toml::parse(text, std::string_view(file));
    } catch (const toml::parse_error& error) {
      const auto& begin = error.source().begin;
      result_.problems.push_back(
          Problem{SourcePos{file, begin.line, begin.column}, std::string(error.description())});
      return std::nullopt;
    }
  }

  std::vector<IncludeEntry> decode_main(Decoder& decoder, const toml::table& root) {
    Config& config = result_.config;
    TableReader reader(decoder, root, "");
    std::vector<std::string> written;
    std::vector<SourcePos> positions;
    std::vector<IncludeEntry> includes;
    reader.strings("include", written, &positions);
    for (std::size_t i = 0; i < written.size(); ++i) {
      if (written[i].empty()) {
        decoder.error(positions[i], "include[" + std::to_string(i) + "]: must not be empty");
      } else {
        includes.push_back({decoder.resolve_path(written[i]), positions[i]});
      }
    }
    decode_section(reader, "server", config.server, decode::decode_server);
    decode_section(reader, "limits", config.limits, decode::decode_limits);
    decode_section(reader, "portal", config.portal, decode::decode_portal);
    decode_section(reader, "tls", config.tls, decode::decode_tls);
    decode_section(reader, "upstream", config.upstream, decode::decode_upstream);
    decode_section(reader, "context", config.context, decode::decode_context);
    decode_section(reader, "features", config.features, decode::decode_features);
    decode_section(reader, "banner", config.banner, decode::decode_banner);
    decode_section(reader, "activity", config.activity, decode::decode_activity);
    decode_section(reader, "acme", config.acme, decode::decode_acme);
    decode_section(reader, "admin", config.admin, decode::decode_admin);
    decode_section(reader, "log", config.log, decode::decode_log);
    if (const toml::array* tenants = reader.array_of_tables("tenant")) {
      decode::decode_tenants(decoder, *tenants, config.tenants);
    }
    reader.reject_unknown();
    return includes;
  }

  void load_include(const IncludeEntry& include,
                    std::vector<std::pair<std::string, SourcePos>>& seen) {
    std::vector<Problem>& problems = result_.problems;
    const std::string identity = file_identity(include.path);
    const auto previous =
        std::find_if(seen.begin(), seen.end(), [&](const auto& s) { return s.first == identity; });
    if (previous != seen.end()) {
      const std::string what =
          previous == seen.begin()
              ? "the main config file includes itself"
              : "included twice (first at line " + std::to_string(previous->second.line) + ')';
      problems.push_back(Problem{include.where, "include '" + include.path + "': " + what});
      return;
    }
    seen.emplace_back(identity, include.where);
    std::string why;
    const auto text = read_file(include.path, why);
    if (!text) {
      problems.push_back(
          Problem{include.where, "include '" + include.path + "': cannot read: " + why});
      return;
    }
    files_.push_back(include.path);
    // The usual shape of a tenants file takes the fast path; anything else, and every file
    // with a problem, goes through toml++ (config/tenant_file.hpp).
    if (scan_tenant_file(*text, include.path, result_.config.tenants)) return;
    const auto root = parse(*text, include.path);
    if (!root) return;
    Decoder decoder(include.path, problems);
    decode_included(decoder, *root);
  }

  // Included files hold tenants only, so an operator can hand a tenants file to a
  // provisioning job without giving it a way to change listeners or TLS.
  void decode_included(Decoder& decoder, const toml::table& root) {
    TableReader reader(decoder, root, "");
    if (const toml::array* tenants = reader.array_of_tables("tenant")) {
      decode::decode_tenants(decoder, *tenants, result_.config.tenants);
    }
    for (const auto& [key, value] : root) {
      if (key.str() == "tenant") continue;
      decoder.error(decoder.pos(key),
                    key.str() == "include"
                        ? std::string("nested includes are not supported; list every file "
                                      "in the main config file's include")
                        : "included files may contain only [[tenant]] tables; '" +
                              std::string(key.str()) + "' is not allowed here");
    }
  }

  LoadResult& result_;
  std::vector<std::string> files_;
};

LoadResult load(std::optional<std::string_view> text, const std::string& path) {
  LoadResult result;
  result.config.path = absolute_path(path);
  const std::string& file = result.config.path;
  try {
    Loader loader(result);
    std::string why;
    std::optional<std::string> file_text;
    if (!text) {
      file_text = read_file(file, why);
      if (!file_text) {
        // No position exists in a file that cannot be read: 0:0 means "unknown" (model.hpp).
        result.problems.push_back(
            Problem{SourcePos{file, 0, 0}, "cannot read config file: " + why});
        return result;
      }
      text = *file_text;
    }
    loader.load_main(*text, file);
    loader.sort_problems();
  } catch (const std::exception& error) {
    // Only resource exhaustion gets here; report it rather than take the caller down.
    result.problems.push_back(Problem{
        SourcePos{file, 0, 0}, std::string("internal error while loading: ") + error.what()});
  }
  return result;
}

}  // namespace

bool LoadResult::ok() const {
  return std::none_of(problems.begin(), problems.end(),
                      [](const Problem& p) { return !p.warning; });
}

LoadResult load_config(const std::string& path) { return load(std::nullopt, path); }

LoadResult load_config_string(std::string_view toml_text, const std::string& virtual_path) {
  return load(toml_text, virtual_path);
}

}  // namespace portico::config
