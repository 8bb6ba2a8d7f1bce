// core/units: durations and sizes as operators write them in the config ("30s", "16KiB").
// Pure parsing: no bounds policy (the config loader decides what is sensible).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace portico::core {

// "<digits><unit>" with unit ms | s | m | h (case-sensitive), e.g. "250ms", "30s", "5m", "1h".
// Digits only: no sign, no fraction, no spaces. "0s" is valid. nullopt on anything else,
// including a value whose millisecond count does not fit the clock's representation.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// "<digits><unit>" in bytes. Binary units B, KiB, MiB, GiB (1024-based) and decimal units
// KB, MB, GB (1000-based, as disks and network people mean them); case-sensitive, because
// "Mb" (megabits) vs "MB" is exactly the mistake worth refusing. A bare number has no
// unit and is rejected: plain byte counts are written as TOML integers. nullopt on overflow.
std::optional<std::uint64_t> parse_size(std::string_view text);

}  // namespace portico::core
