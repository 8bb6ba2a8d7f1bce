// inject/html_escape: the banner text made safe for HTML, and the banner template rendered
// with it (DESIGN §5). Pure: no I/O, no state.
#pragma once

#include <string>
#include <string_view>

namespace portico::inject {

// & < > " ' become &amp; &lt; &gt; &quot; &#39;; every other byte is copied as is. Safe in
// element content and in quoted attribute values.
std::string html_escape(std::string_view text);

// `template_html` with every "{text}" replaced by html_escape(text). The template itself is
// trusted operator HTML and is not escaped; a "{text}" inside the tenant's text stays literal.
std::string render_banner(std::string_view template_html, std::string_view text);

}  // namespace portico::inject
