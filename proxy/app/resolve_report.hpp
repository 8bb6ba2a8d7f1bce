// app/resolve_report: the answer of GET /resolve?host=H: what a host name maps to in a
// snapshot, for operators. No I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "proxy/acme/acme_manager.hpp"
#include "proxy/config/snapshot.hpp"

namespace portico::app {

// JSON: {"host","org_id","name","portal_name","match":"custom_domain|current_name|
// previous_name","canonical_host","custom_domains","features","notify_org_on_activity",
// "banner","certificate"} where certificate is the certificate a handshake with SNI = host
// would get ("" when it would be rejected). nullopt when the name is invalid or no tenant
// has it.
// With `acme` (null: [acme] off), a custom domain's report also carries "certificate_state"
// (the same object as in GET /domains).
std::optional<std::string> resolve_report(const config::Snapshot& snapshot, std::string_view raw_host,
                                          const acme::AcmeManager* acme = nullptr);

// GET /domains: {"acme":bool,"domains":[{"domain","org_id","state","source","not_after",
// "last_error","next_attempt","order_running"}]}; without ACME, the custom domains of the
// snapshot with state "none" (or "valid", source "operator", when a certificate covers them).
std::string domains_report(const config::Snapshot& snapshot, const acme::AcmeManager* acme);

}  // namespace portico::app
