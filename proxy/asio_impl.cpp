// asio_impl: the one translation unit that compiles Asio, Asio.SSL and Beast
// (BOOST_ASIO_SEPARATE_COMPILATION / BOOST_BEAST_SEPARATE_COMPILATION). Nothing else here.
//
// Boost 1.81's Beast asserts `n >= 5` in basic_parser::parse_chunk_header when the last chunk
// of a chunked body has arrived ("0\r\n") but not yet the end of its trailer section, and the
// next put holds only 4 bytes ("0\r\n\r"): a client sending "\r" on its own aborts a Debug
// build. The assertion is wrong (the code after it returns need_more correctly; fixed in
// Beast PR #2861, Boost 1.86). Found by tests/fuzz/chunked_body_fuzz.cpp. So in this
// translation unit, the only one that compiles basic_parser (separate compilation), Boost
// assertions go to portico's handler below (Debug builds only), which aborts on every
// assertion but that one. Inline Boost functions compiled here and elsewhere differ only in
// how a failed assertion aborts.
#define BOOST_ENABLE_ASSERT_DEBUG_HANDLER
#include <boost/assert.hpp>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>

#if !defined(NDEBUG)
namespace boost {

void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file,
                          long line) {
  std::string_view source(file);
  if (std::string_view(expr) == "n >= 5" && source.ends_with("beast/http/impl/basic_parser.ipp")) return;
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed%s%s.\n", file, line, function, expr,
               msg != nullptr ? ": " : "", msg != nullptr ? msg : "");
  std::abort();
}

void assertion_failed(char const* expr, char const* function, char const* file, long line) {
  assertion_failed_msg(expr, nullptr, function, file, line);
}

}  // namespace boost
#endif
