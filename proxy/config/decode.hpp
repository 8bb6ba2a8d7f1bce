// config/decode: internals of the TOML decoder shared by load*.cpp and decode_*.cpp.
// Reads typed values from toml++ nodes into model fields and reports every problem with its
// position; it never throws for bad input and never checks anything that spans sections.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/config/model.hpp"

namespace portico::config::decode {

// One file being decoded: where its problems go and what its relative paths are relative to.
class Decoder {
 public:
  Decoder(std::string file, std::vector<Problem>& problems);

  const std::string& file() const { return file_.str(); }
  SourcePos pos(const toml::source_region& region) const;
  SourcePos pos(const toml::node& node) const { return pos(node.source()); }
  SourcePos pos(const toml::key& key) const { return pos(key.source()); }

  void error(SourcePos where, std::string message);
  void warning(SourcePos where, std::string message);

  // `written` resolved against this file's directory, lexically normal; "" stays "".
  std::string resolve_path(std::string_view written) const;

 private:
  SourceFile file_;  // shared by every position it gives
  std::filesystem::path dir_;
  std::vector<Problem>& problems_;
};

// One TOML table being decoded. Every reader marks its key as known, so reject_unknown()
// can report all the others. Readers leave `out` untouched when the key is absent or its
// value is bad (the default stays in place); a bad value is reported at the value's position.
// Arrays are all-or-nothing: one bad element reports, and the field keeps its default.
class TableReader {
 public:
  // `label` prefixes messages: "[server]", "[[tenant]]"; "" for the top level.
  TableReader(Decoder& decoder, const toml::table& table, std::string label);

  Decoder& decoder() { return decoder_; }
  const toml::table& table() const { return table_; }
  const std::string& label() const { return label_; }

  // The node under `key` (nullptr when absent), marking the key known.
  const toml::node* find(std::string_view key);
  // "[server] workers" (the subject of a message about `key`).
  std::string subject(std::string_view key) const;
  void type_error(std::string_view key, const toml::node& node, std::string_view expected);

  bool boolean(std::string_view key, bool& out);
  bool string(std::string_view key, std::string& out, SourcePos* where = nullptr);
  bool strings(std::string_view key, std::vector<std::string>& out,
               std::vector<SourcePos>* where = nullptr);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
  bool duration(std::string_view key, Duration& out);  // must be > 0
  bool size(std::string_view key, std::uint64_t& out, std::uint64_t min, std::uint64_t max);
  bool one_of(std::string_view key, std::string& out,
              std::initializer_list<std::string_view> allowed, SourcePos* where = nullptr);
  bool path(std::string_view key, std::string& out, SourcePos* where = nullptr);
  bool endpoint(std::string_view key, Endpoint& out);
  bool endpoints(std::string_view key, std::vector<Endpoint>& out);
  bool methods(std::string_view key, std::vector<std::string>& out);  // uppercase HTTP tokens
  const toml::table* subtable(std::string_view key);
  const toml::array* array_of_tables(std::string_view key);

  // Reports every key no reader asked for. Call once, after all the readers.
  void reject_unknown();

 private:
  Decoder& decoder_;
  const toml::table& table_;
  std::string label_;
  std::vector<std::string> known_;
};

// "a string", "an integer", ... for type errors.
std::string_view type_name(const toml::node& node);

// "host:port" or "[ipv6]:port" (port 0..65535, required). On failure returns nullopt and
// sets `why` to a message fragment.
std::optional<Endpoint> parse_endpoint(std::string_view text, std::string& why);

// An HTTP method as config may name it: RFC 9110 token characters, uppercase only.
bool is_method_token(std::string_view text);

// An "http://host[:port][/path]" URL; on failure sets `why`.
bool valid_webhook(std::string_view url, std::string& why);

// Section decoders: each reads one table into its section struct.
void decode_server(TableReader& reader, ServerSection& out);
void decode_limits(TableReader& reader, LimitsSection& out);
void decode_portal(TableReader& reader, PortalSection& out);
void decode_tls(TableReader& reader, TlsSection& out);
void decode_upstream(TableReader& reader, UpstreamSection& out);
void decode_context(TableReader& reader, ContextSection& out);
void decode_features(TableReader& reader, FeaturesSection& out);
void decode_banner(TableReader& reader, BannerSection& out);
void decode_activity(TableReader& reader, ActivitySection& out);
void decode_acme(TableReader& reader, AcmeSection& out);
void decode_admin(TableReader& reader, AdminSection& out);
void decode_log(TableReader& reader, LogSection& out);

// A tenant's org_id: 1-64 characters of A-Z, a-z, 0-9, '_', '.', '-'.
bool valid_org_id(std::string_view org_id);

// Appends every [[tenant]] of `tenants` (the value of the top-level `tenant` key) to `out`.
void decode_tenants(Decoder& decoder, const toml::array& tenants, std::vector<TenantConfig>& out);

}  // namespace portico::config::decode
