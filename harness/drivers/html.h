// HTML inspection on gumbo (a real HTML5 parser, never regular expressions): what a
// login, consent or error page loads from where, and what its forms would submit (so
// the form driver can fill and post them like a browser).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace conformance {

// Every URL the page makes a browser fetch as it renders: script/img/iframe/frame/embed/
// source/audio/video/track `src`, object `data`, and link `href` except plain navigation
// rels (so a stylesheet or icon counts, an <a href> does not). As written, not resolved.
std::vector<std::string> loaded_resources(std::string_view html);

struct FormControl {
  std::string name, value, type; // type: input type (lower-case), "select" or "textarea"
};

struct SubmitControl {
  std::string name, value;
  std::string label; // visible text (a <button>'s content) or, failing that, the value
  std::string formaction, formmethod; // per-button overrides of the form's action and method
};

struct HtmlForm {
  std::string id;
  std::string action;  // as written, not resolved
  std::string method;  // lower-case, "get" when absent or unknown
  std::string enctype; // as written
  // Successful controls as a browser would send them: inputs other than buttons (checkboxes
  // and radios only when checked), selects (selected or first option), textareas.
  std::vector<FormControl> fields;
  // <button> of type submit (or no type), <input type=submit>, <input type=image>.
  std::vector<SubmitControl> submits;
};

// Every <form> on the page, in document order, including controls placed outside it that
// name it with form="id".
std::vector<HtmlForm> parse_forms(std::string_view html);

struct HtmlLink {
  std::string href;  // as written, not resolved
  std::string label; // visible text or, failing that, aria-label or title
};

// Every <a href> on the page, in document order: navigation a user can click (some consent
// pages offer "Cancel" only as a link).
std::vector<HtmlLink> parse_links(std::string_view html);

// The <title> text with whitespace collapsed; empty when the page has none.
std::string page_title(std::string_view html);

// The text the page shows a reader, in document order, whitespace collapsed: no script, style
// sheet or head (attributes, hidden inputs included, are not text).
std::string page_text(std::string_view html);

// Every function above reads a page only up to the first tag that could nest deeper than
// 512 (where Blink stops nesting; gumbo's parse time grows with the square of the depth)
// or that has more than 512 attributes (gumbo's time grows with their square too), or
// that would reach one of gumbo 0.10.1's failing assertions (foreign content in tables):
// html_depth.h decides where that is.

} // namespace conformance
