// Tests for activity/event: the JSON line is one line of valid JSON that round-trips every
// field, whatever bytes the fields hold.
#include "proxy/activity/event.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <re2/re2.h>
#include <set>
#include <string>

#include "proxy/activity/spool_reader.hpp"

namespace portico::activity {
namespace {

Event sample() {
  Event e;
  e.id = "0123456789abcdef0000000000000001";
  e.time = "2024-05-01T12:34:56.789Z";
  e.event = "quote.accepted";
  e.org_id = "60001234";
  e.portal_name = "acme";
  e.host = "billing.acme.test";
  e.object_id = "QT-0042";
  e.method = "POST";
  e.path = "/quotes/QT-0042/accept";
  e.status = 201;
  e.request_id = "fedcba98765432100000000000000007";
  return e;
}

boost::json::object parse_object(const std::string& line) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(line, ec);
  EXPECT_FALSE(ec) << ec.message() << " in " << line;
  if (ec || !value.is_object()) return {};
  return value.as_object();
}

std::string field(const boost::json::object& object, const char* name) {
  const boost::json::value* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) return "<missing>";
  return std::string(value->as_string());
}

TEST(ActivityEvent, JsonCarriesEveryField) {
  const std::string line = to_json(sample());
  EXPECT_EQ(line,
            R"({"id":"0123456789abcdef0000000000000001","time":"2024-05-01T12:34:56.789Z",)"
            R"("event":"quote.accepted","org_id":"60001234","portal_name":"acme",)"
            R"("host":"billing.acme.test","object_id":"QT-0042","method":"POST",)"
            R"("path":"/quotes/QT-0042/accept","status":201,)"
            R"("request_id":"fedcba98765432100000000000000007","first_only":false})");
  const boost::json::object object = parse_object(line);
  EXPECT_EQ(object.at("status").as_int64(), 201);
}

struct EscapeRow {
  std::string input;
  std::string expected;  // the value after a JSON parser read it back
};

TEST(ActivityEvent, EscapesAndRepairsWhatAFieldMayHold) {
  const std::vector<EscapeRow> table{
      {"plain", "plain"},
      {"quote\"inside", "quote\"inside"},
      {"back\\slash", "back\\slash"},
      {"new\nline", "new\nline"},
      {"cr\rtab\t", "cr\rtab\t"},
      {std::string("nul\0byte", 8), std::string("nul\0byte", 8)},
      {"\x01\x1f\x7f", "\x01\x1f\x7f"},
      {"</script>", "</script>"},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
      {"bad\xff", "bad\xef\xbf\xbd"},                  // stray byte -> U+FFFD
      {"cut\xe2\x82", "cut\xef\xbf\xbd\xef\xbf\xbd"},  // truncated sequence
      {"over\xc0\xaf", "over\xef\xbf\xbd\xef\xbf\xbd"},  // overlong '/'
      {"surrogate\xed\xa0\x80", "surrogate\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
  };
  for (const EscapeRow& row : table) {
    SCOPED_TRACE(row.input);
    Event e = sample();
    e.object_id = row.input;
    e.path = "/p/" + row.input;
    const std::string line = to_json(e);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    const boost::json::object object = parse_object(line);
    EXPECT_EQ(field(object, "object_id"), row.expected);
    EXPECT_EQ(field(object, "path"), "/p/" + row.expected);
  }
}

TEST(ActivityEvent, LongFieldsAreCutAtACharacterBoundary) {
  Event e = sample();
  e.path = "/" + std::string(100000, 'p');
  e.object_id = std::string(511, 'x') + "\xc3\xa9";  // the 2-byte character would end at 513
  e.host = std::string(1000, '\n');
  const std::string line = to_json(e);
  EXPECT_LT(line.size(), std::size_t{16 * 1024});
  const boost::json::object object = parse_object(line);
  EXPECT_EQ(field(object, "path").size(), max_path_bytes);
  EXPECT_EQ(field(object, "object_id"), std::string(511, 'x'));
  EXPECT_EQ(field(object, "host"), std::string(max_field_bytes, '\n'));
}

TEST(ActivityEvent, SpoolReaderParsesWhatToJsonWrites) {
  Event e = sample();
  e.first_only = true;
  e.object_id = "id\twith\"odd\\chars";
  SpooledEvent parsed;
  ASSERT_TRUE(parse_spooled_event(to_json(e), parsed));
  EXPECT_EQ(parsed.id, e.id);
  EXPECT_EQ(parsed.org_id, e.org_id);
  EXPECT_EQ(parsed.event, e.event);
  EXPECT_EQ(parsed.object_id, e.object_id);
  EXPECT_TRUE(parsed.first_only);
  EXPECT_EQ(parsed.line, to_json(e));
  EXPECT_FALSE(parse_spooled_event("{\"id\":\"x\"}", parsed));
  EXPECT_FALSE(parse_spooled_event(std::string(40, '\0'), parsed));
  EXPECT_FALSE(parse_spooled_event("{\"id\":\"x\",\"org_id\":", parsed));
}

TEST(ActivityEvent, IdsAreUniqueHexAndTimesAreRfc3339Utc) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = new_event_id();
    EXPECT_TRUE(RE2::FullMatch(id, "[0-9a-f]{32}")) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
  const auto when = std::chrono::system_clock::time_point(std::chrono::milliseconds(1714566896789));
  EXPECT_EQ(format_event_time(when), "2024-05-01T12:34:56.789Z");
  Event e;
  stamp(e);
  EXPECT_EQ(e.id.size(), 32u);
  EXPECT_TRUE(RE2::FullMatch(e.time, R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"))
      << e.time;
  Event kept = sample();
  stamp(kept);
  EXPECT_EQ(kept.id, sample().id);
  EXPECT_EQ(kept.time, sample().time);
}

}  // namespace
}  // namespace portico::activity
