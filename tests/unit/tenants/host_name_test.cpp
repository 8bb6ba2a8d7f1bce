// Tests for tenants/host_name: normalization and every rejection of DESIGN §2 step 2.
#include "proxy/tenants/host_name.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace portico::tenants {
namespace {

struct HostCase {
  std::string raw;
  std::optional<std::string> normalized;  // nullopt = rejected with `error`
  HostError error = HostError::empty;
};

std::string label(std::size_t length, char c = 'a') { return std::string(length, c); }

// A name of exactly `length` bytes: 63-byte labels joined by dots, then a shorter tail.
std::string name_of_length(std::size_t length) {
  std::string name;
  while (name.size() + 64 < length) name += label(63) + '.';
  name += label(length - name.size(), 'b');
  return name;
}

std::vector<HostCase> host_cases() {
  using E = HostError;
  return {
      {"acme.portal.localhost", "acme.portal.localhost"},
      {"ACME.Portal.LocalHost", "acme.portal.localhost"},
      {"acme.portal.localhost:8443", "acme.portal.localhost"},
      {"acme.portal.localhost:1", "acme.portal.localhost"},
      {"acme.portal.localhost:65535", "acme.portal.localhost"},
      {"acme.portal.localhost.", "acme.portal.localhost"},
      {"acme.portal.localhost.:443", "acme.portal.localhost"},
      {"localhost", "localhost"},
      {"127.0.0.1:8080", "127.0.0.1"},
      {"xn--mller-kva.example", "xn--mller-kva.example"},
      {"a-b.c-d.example", "a-b.c-d.example"},
      {label(63) + ".example", label(63) + ".example"},
      {name_of_length(253), name_of_length(253)},
      {name_of_length(253) + ".", name_of_length(253)},
      {"", std::nullopt, E::empty},
      {":443", std::nullopt, E::empty},
      {"user@acme.portal.localhost", std::nullopt, E::userinfo},
      {"user:pw@acme.example:80", std::nullopt, E::userinfo},
      {"acme.portal.localhost:", std::nullopt, E::bad_port},
      {"acme.portal.localhost:99999", std::nullopt, E::bad_port},
      {"acme.portal.localhost:65536", std::nullopt, E::bad_port},
      {"acme.portal.localhost:123456", std::nullopt, E::bad_port},
      {"acme.portal.localhost:80a", std::nullopt, E::bad_port},
      {"acme.portal.localhost:-1", std::nullopt, E::bad_port},
      {".acme.example", std::nullopt, E::empty_label},
      {"acme..example", std::nullopt, E::empty_label},
      {".", std::nullopt, E::empty_label},
      {"acme.example..", std::nullopt, E::empty_label},
      {"acme_corp.example", std::nullopt, E::bad_character},
      {"acme corp.example", std::nullopt, E::bad_character},
      {" acme.example", std::nullopt, E::bad_character},
      {"acme.example/path", std::nullopt, E::bad_character},
      {"[::1]", std::nullopt, E::bad_character},
      {"[::1]:8443", std::nullopt, E::bad_character},
      {"::1", std::nullopt, E::bad_character},
      {"a:b:80", std::nullopt, E::bad_character},
      {"acme%2eexample", std::nullopt, E::bad_character},
      {"m\xc3\xbcller.example", std::nullopt, E::non_ascii},
      {"\xe4\xbe\x8b\xe5\xad\x90.example:443", std::nullopt, E::non_ascii},
      {label(64) + ".example", std::nullopt, E::label_too_long},
      {name_of_length(254), std::nullopt, E::name_too_long},
      {name_of_length(254) + ".", std::nullopt, E::name_too_long},
  };
}

TEST(HostName, NormalizesOrRejectsEveryTableRow) {
  for (const auto& c : host_cases()) {
    SCOPED_TRACE("raw = \"" + c.raw + "\"");
    std::string out = "untouched";
    HostError error = HostError::empty;
    const bool ok = normalize_host(c.raw, out, error);
    if (c.normalized) {
      ASSERT_TRUE(ok) << describe(error);
      EXPECT_EQ(out, *c.normalized);
    } else {
      ASSERT_FALSE(ok) << "normalized to " << out;
      EXPECT_EQ(error, c.error) << describe(error);
      EXPECT_EQ(out, "untouched");
    }
  }
}

TEST(HostName, TableBoundariesAreExact) {
  EXPECT_EQ(name_of_length(253).size(), 253u);
  EXPECT_EQ(name_of_length(254).size(), 254u);
  EXPECT_GE(host_cases().size(), 30u);
}

TEST(HostName, ReusesTheOutputBuffer) {
  std::string out;
  out.reserve(128);
  const auto* buffer = out.data();
  HostError error{};
  ASSERT_TRUE(normalize_host("Billing.Acme.Test:443", out, error));
  EXPECT_EQ(out, "billing.acme.test");
  EXPECT_EQ(out.data(), buffer);
  ASSERT_TRUE(normalize_host("a.b", out, error));
  EXPECT_EQ(out, "a.b");
}

TEST(HostName, DescribesEveryError) {
  EXPECT_EQ(describe(HostError::empty_label), "host has an empty label");
  for (auto error : {HostError::empty, HostError::userinfo, HostError::bad_port,
                     HostError::empty_label, HostError::bad_character, HostError::non_ascii,
                     HostError::label_too_long, HostError::name_too_long}) {
    EXPECT_TRUE(describe(error).starts_with("host ")) << describe(error);
  }
}

}  // namespace
}  // namespace portico::tenants
