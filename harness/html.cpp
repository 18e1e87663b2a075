#include "html.h"

#include "text.h"

#include <gumbo.h>

namespace conformance {
namespace {

const char* attribute(const GumboElement& element, const char* name) {
  const GumboAttribute* a = gumbo_get_attribute(&element.attributes, name);
  return a ? a->value : nullptr;
}

// rel values that make the browser fetch the link target while rendering.
bool link_loads(const GumboElement& element) {
  const char* rel = attribute(element, "rel");
  if (!rel) return false;
  std::string r = " " + oauth::ascii_lower(rel) + " ";
  for (const char* kind : {" stylesheet ", " icon ", " preload ", " prefetch ", " modulepreload ",
                           " manifest ", " apple-touch-icon "})
    if (r.find(kind) != std::string::npos) return true;
  return false;
}

void collect(const GumboNode* node, std::vector<std::string>& out) {
  if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE) return;
  const GumboElement& element = node->v.element;
  const char* url = nullptr;
  switch (element.tag) {
  case GUMBO_TAG_SCRIPT:
  case GUMBO_TAG_IMG:
  case GUMBO_TAG_IFRAME:
  case GUMBO_TAG_FRAME:
  case GUMBO_TAG_EMBED:
  case GUMBO_TAG_SOURCE:
  case GUMBO_TAG_AUDIO:
  case GUMBO_TAG_VIDEO:
  case GUMBO_TAG_TRACK:
  case GUMBO_TAG_INPUT: // <input type=image src=...>
    url = attribute(element, "src");
    break;
  case GUMBO_TAG_OBJECT:
    url = attribute(element, "data");
    break;
  case GUMBO_TAG_LINK:
    if (link_loads(element)) url = attribute(element, "href");
    break;
  default:
    break;
  }
  if (url && *url) out.emplace_back(url);
  for (unsigned i = 0; i < element.children.length; ++i)
    collect(static_cast<const GumboNode*>(element.children.data[i]), out);
}

} // namespace

std::vector<std::string> loaded_resources(std::string_view html) {
  GumboOutput* parsed = gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size());
  std::vector<std::string> out;
  collect(parsed->root, out);
  gumbo_destroy_output(&kGumboDefaultOptions, parsed);
  return out;
}

} // namespace conformance
