// tenants/host_table_build: config -> HostTable. Assigns portal names, checks every
// collision and reports all problems with their positions; never returns a half-built table.
#include <algorithm>
#include <functional>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "proxy/tenants/host_name.hpp"
#include "proxy/tenants/host_table.hpp"
#include "proxy/tenants/portal_name.hpp"

namespace portico::tenants {
namespace {

using config::Problem;
using config::SourcePos;
using config::TenantConfig;

constexpr std::size_t max_portal_name = 63;

// "file:line", the way one problem points at another.
std::string at(const SourcePos& pos) {
  return (pos.file.empty() ? std::string("<config>") : pos.file.str()) + ':' + std::to_string(pos.line);
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string quoted(std::string_view text) { return '"' + std::string(text) + '"'; }

std::string features_header(std::uint32_t features) {
  std::string out;
  for (std::size_t i = 0; i < feature_count; ++i) {  // the enum is in name order
    const auto feature = static_cast<Feature>(i);
    if ((features & feature_bit(feature)) == 0) continue;
    if (!out.empty()) out += ',';
    out += feature_name(feature);
  }
  return out;
}

Tenant make_tenant(const TenantConfig& source) {
  Tenant tenant;
  tenant.org_id = source.org_id;
  tenant.name = source.name;
  tenant.canonical_custom = source.canonical_host == config::CanonicalHost::custom;
  tenant.banner = source.banner;
  tenant.notify_org_on_activity = source.notify_org_on_activity;
  tenant.notify_customer_on_comment = source.notify_customer_on_comment;
  const std::pair<bool, Feature> gates[] = {
      {source.allow_edit_profile, Feature::edit_profile},
      {source.allow_forward_documents, Feature::forward_documents},
      {source.enable_reviews, Feature::reviews},
      {source.show_sales_orders, Feature::sales_orders},
      {source.show_projects, Feature::projects},
  };
  for (const auto& [enabled, feature] : gates) {
    if (enabled) tenant.features |= feature_bit(feature);
  }
  tenant.features_header = features_header(tenant.features);
  if (tenant.notify_customer_on_comment) tenant.notify_header = "customer_comment";
  if (tenant.notify_org_on_activity) {
    tenant.notify_header += tenant.notify_header.empty() ? "org_activity" : ",org_activity";
  }
  return tenant;
}

// A build allocates per tenant only what the table keeps: a claim points at its position in
// the config (which outlives the build) rather than copying it, and message text is made only
// when there is a problem to report (100,000 tenants are built on every reload).
struct Claim {
  std::uint32_t tenant;  // index into the tenant list (file order)
  HostMatch match;
  const SourcePos* pos;
};

Claim claim_of(std::size_t tenant, HostMatch match, const SourcePos& pos) {
  return Claim{static_cast<std::uint32_t>(tenant), match, &pos};
}

// The names claimed so far in one build: open addressing over views of strings that outlive
// the build (the config's, or the tenant records', whose vectors never grow). One array for
// the whole build, where a node-based map made an allocation (and a key copy) per name.
template <typename Value>
class ViewMap {
 public:
  explicit ViewMap(std::size_t expected) { rehash(expected); }

  // The value claimed for `key`, and whether this call claimed it.
  std::pair<Value*, bool> emplace(std::string_view key, Value value) {
    if ((size_ + 1) * 10 > slots_.size() * 7) rehash(slots_.size());
    const std::uint64_t hash = hash_of(key);
    Slot& slot = slots_[slot_of(key, hash)];
    if (slot.data != nullptr) return {&slot.value, false};
    slot = Slot{key.data(), static_cast<std::uint32_t>(key.size()), static_cast<std::uint32_t>(hash), std::move(value)};
    ++size_;
    return {&slot.value, true};
  }
  bool contains(std::string_view key) const { return slots_[slot_of(key, hash_of(key))].data != nullptr; }
  std::size_t size() const { return size_; }
  template <typename Visit>
  void for_each(Visit visit) const {
    for (const Slot& slot : slots_) {
      if (slot.data != nullptr) visit(slot.key(), slot.value);
    }
  }

 private:
  // 32 bytes with a Claim: the slots of 100,000 tenants are fresh memory on every reload.
  struct Slot {
    const char* data = nullptr;  // nullptr: empty (a key's data never is, even when empty)
    std::uint32_t size = 0;
    std::uint32_t hash = 0;  // compared first: a key's bytes live elsewhere (a cache miss each)
    Value value{};
    std::string_view key() const { return {data, size}; }
  };

  static std::uint64_t hash_of(std::string_view key) { return std::hash<std::string_view>{}(key); }
  // The slot holding `key`, or the empty one where it would go (linear probing from the
  // slot the high bits of hash * count give: any count works, no rounding to a power of two).
  std::size_t slot_of(std::string_view key, std::uint64_t hash) const {
    __extension__ using Wide = unsigned __int128;
    std::size_t at = static_cast<std::size_t>((static_cast<Wide>(hash) * slots_.size()) >> 64);
    const auto low = static_cast<std::uint32_t>(hash);
    while (slots_[at].data != nullptr && (slots_[at].hash != low || slots_[at].key() != key)) {
      at = at + 1 == slots_.size() ? 0 : at + 1;
    }
    return at;
  }
  // Room for `expected` keys at a load factor under 0.7.
  void rehash(std::size_t expected) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<std::size_t>(16, expected * 10 / 7 + 1), Slot{});
    for (Slot& slot : old) {
      if (slot.data != nullptr) slots_[slot_of(slot.key(), hash_of(slot.key()))] = std::move(slot);
    }
  }

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

// One build: the tenant records plus every name and domain claimed so far.
class Builder {
 public:
  Builder(const config::Config& config, std::vector<Problem>& problems)
      : config_(config), problems_(problems) {
    for (const auto& name : config.portal.reserved_names) reserved_.insert(lowercase(name));
  }

  void check_base_domain();
  void make_tenants();
  void claim_explicit_names();
  void claim_previous_names();
  void generate_names();
  void claim_custom_domains();
  void check_canonical_hosts();

  bool failed() const { return failed_; }
  std::vector<Tenant> tenants;
  // Keys: explicit and previous names in the config, generated names in `tenants`.
  ViewMap<Claim> names{0};
  // Keys are the normalized domains in `tenants`, whose vectors are reserved and never grow.
  ViewMap<Claim> domains{0};
  std::string base_domain;

 private:
  void error(const SourcePos& where, std::string message) {
    problems_.push_back(Problem{where, std::move(message), false});
    failed_ = true;
  }
  const TenantConfig& source(std::size_t index) const { return config_.tenants[index]; }
  bool is_reserved(std::string_view name) const { return reserved_.contains(std::string(name)); }
  std::string owner(const Claim& claim) const;
  std::string fallback_name(std::size_t index, const std::string& candidate) const;
  bool is_free(const std::string& name) const {
    return is_valid_portal_name(name) && !is_reserved(name) && !names.contains(name);
  }

  const config::Config& config_;
  std::vector<Problem>& problems_;
  std::unordered_set<std::string> reserved_;
  bool failed_ = false;
};

std::string Builder::owner(const Claim& claim) const {
  const char* kind = claim.match == HostMatch::previous_name  ? "a previous portal name"
                     : claim.match == HostMatch::current_name ? "the portal name"
                                                              : "a custom domain";
  return std::string(kind) + " of tenant " + quoted(source(claim.tenant).org_id) + " (" +
         at(*claim.pos) + ")";
}

void Builder::check_base_domain() {
  const auto& portal = config_.portal;
  HostError host_error{};
  if (portal.base_domain.find(':') != std::string::npos) {
    error(portal.base_domain_pos,
          "base_domain " + quoted(portal.base_domain) + " must not contain a port");
  } else if (!normalize_host(portal.base_domain, base_domain, host_error)) {
    error(portal.base_domain_pos,
          "base_domain " + quoted(portal.base_domain) + ": " + std::string(describe(host_error)));
  } else if (base_domain.find('.') == std::string::npos) {
    error(portal.base_domain_pos,
          "base_domain " + quoted(portal.base_domain) + " must have at least two labels");
    base_domain.clear();
  }
}

void Builder::make_tenants() {
  ViewMap<std::size_t> first_by_org_id(config_.tenants.size());
  tenants.reserve(config_.tenants.size());
  std::size_t name_count = 0;
  for (const auto& tenant : config_.tenants) {
    name_count += 1 + tenant.previous_portal_names.size();
  }
  names = ViewMap<Claim>(name_count);
  for (std::size_t i = 0; i < config_.tenants.size(); ++i) {
    const auto& tenant = source(i);
    tenants.push_back(make_tenant(tenant));
    if (tenant.org_id.empty()) {
      error(tenant.where, "tenant has an empty org_id");
      continue;
    }
    const auto [first, inserted] = first_by_org_id.emplace(tenant.org_id, i);
    if (!inserted) {
      error(tenant.org_id_pos, "duplicate org_id " + quoted(tenant.org_id) + " (first defined at " +
                                   at(source(*first).org_id_pos) + ")");
    }
  }
}

void Builder::claim_explicit_names() {
  for (std::size_t i = 0; i < tenants.size(); ++i) {
    const auto& tenant = source(i);
    if (!tenant.portal_name) continue;
    const std::string& name = *tenant.portal_name;
    const auto prefix = [&] { return "portal_name " + quoted(name); };
    if (const auto problem = portal_name_problem(name); !problem.empty()) {
      error(tenant.portal_name_pos, prefix() + " " + std::string(problem));
      continue;
    }
    if (is_reserved(name)) {
      error(tenant.portal_name_pos, prefix() + " is reserved ([portal] reserved_names)");
      continue;
    }
    const auto [claim, inserted] =
        names.emplace(name, claim_of(i, HostMatch::current_name, tenant.portal_name_pos));
    if (!inserted) {
      error(tenant.portal_name_pos, prefix() + " is already " + owner(*claim));
      continue;
    }
    tenants[i].portal_name = name;
  }
}

// Reserved names are allowed here: a name may predate the reserved list, and its links must
// keep redirecting rather than start pointing nowhere.
void Builder::claim_previous_names() {
  for (std::size_t i = 0; i < tenants.size(); ++i) {
    const auto& tenant = source(i);
    for (std::size_t k = 0; k < tenant.previous_portal_names.size(); ++k) {
      const std::string& name = tenant.previous_portal_names[k];
      const SourcePos& pos = k < tenant.previous_portal_name_pos.size()
                                 ? tenant.previous_portal_name_pos[k]
                                 : tenant.where;
      const auto prefix = [&] { return "previous portal name " + quoted(name); };
      if (const auto problem = portal_name_problem(name); !problem.empty()) {
        error(pos, prefix() + " " + std::string(problem));
        continue;
      }
      const auto [claim, inserted] =
          names.emplace(name, claim_of(i, HostMatch::previous_name, pos));
      if (inserted) {
        tenants[i].previous_portal_names.push_back(name);
      } else if (claim->tenant != i) {
        error(pos, prefix() + " is already " + owner(*claim));
      } else if (claim->match == HostMatch::current_name) {
        error(pos, prefix() + " is this tenant's current portal_name");
      } else {
        problems_.push_back(Problem{
            pos, prefix() + " is listed twice (first at " + at(*claim->pos) + ")", true});
      }
    }
  }
}

// The name to try when the generated candidate cannot be used: "<candidate>-<org_id>",
// the candidate trimmed so the whole fits 63 characters; the org_id alone ("org-" prefixed
// when shorter than 3) when nothing of the candidate fits.
std::string Builder::fallback_name(std::size_t index, const std::string& candidate) const {
  const std::string org_label = lowercase(source(index).org_id);
  std::string base = candidate;
  const std::size_t room =
      org_label.size() + 1 < max_portal_name ? max_portal_name - org_label.size() - 1 : 0;
  if (base.size() > room) base.resize(room);
  while (!base.empty() && base.back() == '-') base.pop_back();
  std::string name = base.empty() ? org_label : base + '-' + org_label;
  if (name.size() < 3) name = "org-" + name;
  return name;
}

void Builder::generate_names() {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < tenants.size(); ++i) {
    if (!source(i).portal_name) order.push_back(i);
  }
  // org_id order (file order only among duplicate org_ids, which are errors anyway).
  std::stable_sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) {
    return source(a).org_id < source(b).org_id;
  });
  for (std::size_t i : order) {
    const auto& tenant = source(i);
    std::string name = portal_name_from_org_name(tenant.name);
    if (!is_free(name)) {
      std::string fallback = fallback_name(i, name);
      if (!is_free(fallback)) {
        error(tenant.where, "cannot generate a portal name for tenant " + quoted(tenant.org_id) +
                                " from name " + quoted(tenant.name) + ": neither " + quoted(name) +
                                " nor " + quoted(fallback) +
                                " is valid, unreserved and free; set portal_name");
        continue;
      }
      name = std::move(fallback);
    }
    tenants[i].portal_name = std::move(name);  // the key is a view of the name where it stays
    names.emplace(tenants[i].portal_name, claim_of(i, HostMatch::current_name, tenant.where));
  }
}

void Builder::claim_custom_domains() {
  std::size_t domain_count = 0;
  for (const auto& tenant : config_.tenants) domain_count += tenant.custom_domains.size();
  domains = ViewMap<Claim>(domain_count);
  const std::string base_suffix = '.' + base_domain;
  for (std::size_t i = 0; i < tenants.size(); ++i) {
    const auto& tenant = source(i);
    std::vector<std::string>& claimed = tenants[i].custom_domains;
    claimed.reserve(tenant.custom_domains.size());  // never grows: `domains` keys point into it
    for (std::size_t k = 0; k < tenant.custom_domains.size(); ++k) {
      const std::string& raw = tenant.custom_domains[k];
      const SourcePos& pos =
          k < tenant.custom_domain_pos.size() ? tenant.custom_domain_pos[k] : tenant.where;
      const auto prefix = [&] { return "custom domain " + quoted(raw); };
      HostError host_error{};
      if (raw.find(':') != std::string::npos) {
        error(pos, prefix() + " must not contain a port");
        continue;
      }
      std::string& domain = claimed.emplace_back();
      if (!normalize_host(raw, domain, host_error)) {
        claimed.pop_back();
        error(pos, prefix() + ": " + std::string(describe(host_error)));
        continue;
      }
      if (!base_domain.empty() && (domain == base_domain || domain.ends_with(base_suffix))) {
        claimed.pop_back();
        error(pos, prefix() + " is under base_domain " + quoted(base_domain) +
                       ": a portal subdomain cannot be a custom domain");
        continue;
      }
      const auto [claim, inserted] =
          domains.emplace(std::string_view(domain), claim_of(i, HostMatch::custom_domain, pos));
      if (!inserted) {
        claimed.pop_back();
        error(pos, prefix() + " is already " + owner(*claim));
        continue;
      }
    }
  }
}

// canonical_host = "custom" redirects to the first custom domain, so there must be one.
void Builder::check_canonical_hosts() {
  for (std::size_t i = 0; i < tenants.size(); ++i) {
    const auto& tenant = source(i);
    if (tenant.canonical_host == config::CanonicalHost::custom && tenant.custom_domains.empty()) {
      error(tenant.canonical_host_pos,
            "canonical_host = \"custom\" needs at least one custom domain");
    }
  }
}

}  // namespace

std::optional<HostTable> HostTable::build(const config::Config& config,
                                          std::vector<config::Problem>& problems) {
  Builder builder(config, problems);
  builder.check_base_domain();
  builder.make_tenants();
  builder.claim_explicit_names();
  builder.claim_previous_names();
  builder.generate_names();
  builder.claim_custom_domains();
  builder.check_canonical_hosts();
  if (builder.failed()) return std::nullopt;

  HostTable table;
  table.tenants_ = std::move(builder.tenants);
  table.base_domain_ = std::move(builder.base_domain);
  table.base_suffix_ = '.' + table.base_domain_;
  std::vector<std::pair<std::string_view, std::uint32_t>> keys;
  keys.reserve(table.tenants_.size());
  for (std::size_t i = 0; i < table.tenants_.size(); ++i) {
    keys.emplace_back(table.tenants_[i].org_id, static_cast<std::uint32_t>(i));  // distinct: checked
  }
  table.by_org_id_ = HostIndex(keys);
  const auto index = [&](const ViewMap<Claim>& claims) {
    keys.clear();
    keys.reserve(claims.size());
    claims.for_each([&](std::string_view key, const Claim& claim) {
      keys.emplace_back(key, static_cast<std::uint32_t>(table.entries_.size()));
      table.entries_.push_back(HostEntry{&table.tenants_[claim.tenant], claim.match});
    });
    return HostIndex(keys);
  };
  table.entries_.reserve(builder.names.size() + builder.domains.size());
  table.portal_names_ = index(builder.names);
  table.custom_domains_ = index(builder.domains);
  return table;
}

}  // namespace portico::tenants
