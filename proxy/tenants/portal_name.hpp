// tenants/portal_name: the syntax of portal names and their generation from org names (DESIGN §1).
// Pure string functions: no config, no reserved list, no uniqueness (HostTable::build does those).
#pragma once

#include <string>
#include <string_view>

namespace portico::tenants {

// A DNS label of 3..63 characters of [a-z0-9-], not starting or ending with '-', not starting
// with "xn--". Syntax only: reserved names and collisions are checked by HostTable::build.
bool is_valid_portal_name(std::string_view name);

// Why `name` is not a valid portal name ("is shorter than 3 characters", ...); empty when valid.
std::string_view portal_name_problem(std::string_view name);

// The portal name generated from an organization name (UTF-8): Latin-1 Supplement and Latin
// Extended-A letters folded to their base letters (é -> e, ß -> ss, æ -> ae), combining marks
// dropped, lowercased, every run of other characters -> one '-', '-' trimmed at both ends, cut to
// 63. The result may be invalid (too short, "xn--"); callers check with is_valid_portal_name.
std::string portal_name_from_org_name(std::string_view org_name);

}  // namespace portico::tenants
