// tls/certificate_checks: --check warnings about certificates (coverage, expiry). Reads the
// built store only; warnings never fail a check, because on-demand issuance comes later and
// an expiring tenant certificate must not block every other change.
#include <ctime>

#include "proxy/tls/certificate_store.hpp"

namespace portico::tls {
namespace {

using config::Problem;
using config::SourcePos;

constexpr std::int64_t expiry_warning_seconds = 14 * 24 * 3600;
constexpr std::size_t listed_uncovered_domains = 10;

std::string utc_date(std::int64_t unix_time) {
  const auto time = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  gmtime_r(&time, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm);
  return text;
}

SourcePos where(const SourcePos& pos, const config::Config& config) {
  return pos.file.empty() ? SourcePos{config.path, 0, 0} : pos;
}

void warn(std::vector<Problem>& problems, SourcePos pos, std::string message) {
  problems.push_back({std::move(pos), std::move(message), true});
}

bool has_wildcard_for(const CertificateStore& store, std::string_view parent) {
  for (const Certificate& certificate : store.index().certificates()) {
    for (const std::string& dns : certificate.dns_names) {
      if (wildcard_parent(dns) == parent) return true;
    }
  }
  return false;
}

// The first few uncovered domains get a warning each, at their position; the rest one warning
// with their number (docs/decisions.md: a table of 100,000 tenants may have a certificate for
// few of them, and 100,000 lines would bury every other message).
void check_domains(const CertificateStore& store, const config::Config& config,
                   std::vector<Problem>& problems) {
  const std::string fallback = config.tls.unknown_sni == "reject"
                                   ? "handshakes for it are rejected"
                                   : "it gets the default certificate and a name mismatch";
  std::size_t uncovered = 0;
  const SourcePos* first_unlisted = nullptr;
  std::string first_unlisted_name;
  for (const config::TenantConfig& tenant : config.tenants) {
    for (std::size_t i = 0; i < tenant.custom_domains.size(); ++i) {
      std::string name = detail::normalize_sni(tenant.custom_domains[i]);
      if (name.empty() || store.covering(name) != nullptr) continue;
      const SourcePos& pos =
          i < tenant.custom_domain_pos.size() ? tenant.custom_domain_pos[i] : tenant.where;
      if (uncovered++ < listed_uncovered_domains) {
        warn(problems, where(pos, config),
             "custom domain '" + name + "' is covered by no certificate: " + fallback);
      } else if (first_unlisted == nullptr) {
        first_unlisted = &pos;
        first_unlisted_name = std::move(name);
      }
    }
  }
  if (first_unlisted != nullptr) {
    const std::size_t rest = uncovered - listed_uncovered_domains;
    warn(problems, where(*first_unlisted, config),
         "custom domain '" + first_unlisted_name + "'" +
             (rest > 1 ? " and " + std::to_string(rest - 1) + " more after it are"
                       : " is") +
             " covered by no certificate (" + std::to_string(uncovered) +
             " custom domains in all): " + fallback +
             "; GET /domains on the admin listener lists every custom domain with its certificate");
  }
  const std::string base = detail::normalize_sni(config.portal.base_domain);
  if (!base.empty() && !has_wildcard_for(store, base)) {
    warn(problems, where(config.tls.certificate_pos, config),
         "no certificate covers '*." + base + "': portal subdomains get a name mismatch");
  }
}

void check_file_names(const CertificateStore& store, const config::Config& config,
                      std::vector<Problem>& problems) {
  const Certificate* fallback = store.index().default_certificate();
  for (const Certificate& certificate : store.index().certificates()) {
    if (&certificate == fallback) continue;
    // Only names that are host names: "_wildcard.x.pem" is a label for people, not a domain.
    if (detail::normalize_sni(certificate.name) != certificate.name) continue;
    if (covers(certificate, certificate.name)) continue;
    warn(problems, where(config.tls.cert_dir_pos, config),
         "'" + certificate.file + "' is named for '" + certificate.name +
             "' but the certificate does not cover that name");
  }
}

void check_expiry(const CertificateStore& store, const config::Config& config,
                  std::vector<Problem>& problems, std::int64_t now) {
  const Certificate* fallback = store.index().default_certificate();
  for (const Certificate& certificate : store.index().certificates()) {
    const SourcePos pos = where(
        &certificate == fallback ? config.tls.certificate_pos : config.tls.cert_dir_pos, config);
    const std::int64_t left = certificate.not_after_unix - now;
    const std::string file = "certificate '" + certificate.file + "'";
    if (left <= 0) {
      warn(problems, pos, file + " expired on " + utc_date(certificate.not_after_unix));
    } else if (left < expiry_warning_seconds) {
      warn(problems, pos,
           file + " expires in " + std::to_string(left / 86400) + " day(s), on " +
               utc_date(certificate.not_after_unix));
    }
    if (certificate.not_before_unix > now) {
      warn(problems, pos,
           file + " is not valid before " + utc_date(certificate.not_before_unix));
    }
  }
}

}  // namespace

void check_coverage(const CertificateStore& store, const config::Config& config,
                    std::vector<Problem>& problems, std::int64_t now_unix) {
  if (now_unix == 0) now_unix = static_cast<std::int64_t>(std::time(nullptr));
  if (store.server_context() != nullptr) check_domains(store, config, problems);
  check_file_names(store, config, problems);
  check_expiry(store, config, problems, now_unix);
}

}  // namespace portico::tls
