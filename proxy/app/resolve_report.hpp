// app/resolve_report: the answer of GET /resolve?host=H: what a host name maps to in a
// snapshot, for operators. No I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "proxy/config/snapshot.hpp"

namespace portico::app {

// JSON: {"host","org_id","name","portal_name","match":"custom_domain|current_name|
// previous_name","canonical_host","custom_domains","features","notify_org_on_activity",
// "banner","certificate"} where certificate is the certificate a handshake with SNI = host
// would get ("" when it would be rejected). nullopt when the name is invalid or no tenant
// has it.
std::optional<std::string> resolve_report(const config::Snapshot& snapshot, std::string_view raw_host);

}  // namespace portico::app
