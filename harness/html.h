// HTML inspection on gumbo (a real HTML5 parser, never regular expressions): what a
// login, consent or error page loads from where.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace conformance {

// Every URL the page makes a browser fetch as it renders: script/img/iframe/frame/embed/
// source/audio/video/track `src`, object `data`, and link `href` except plain navigation
// rels (so a stylesheet or icon counts, an <a href> does not). As written, not resolved.
std::vector<std::string> loaded_resources(std::string_view html);

} // namespace conformance
