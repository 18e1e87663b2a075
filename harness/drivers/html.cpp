#include "drivers/html.h"

#include "core/text.h"

#include <gumbo.h>
#include <map>

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

namespace {

std::string attribute_or(const GumboElement& element, const char* name, std::string fallback = "") {
  const char* v = attribute(element, name);
  return v ? std::string(v) : fallback;
}

bool has_attribute(const GumboElement& element, const char* name) {
  return attribute(element, name) != nullptr;
}

void append_text(const GumboNode* node, std::string& out) {
  if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
      node->type == GUMBO_NODE_CDATA) {
    out += node->v.text.text;
    out += ' '; // adjacent elements render apart; collapse_spaces removes the excess
    return;
  }
  if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE) return;
  const GumboElement& element = node->v.element;
  for (unsigned i = 0; i < element.children.length; ++i)
    append_text(static_cast<const GumboNode*>(element.children.data[i]), out);
}

// Whitespace runs to one space, trimmed: how the text reads on screen.
std::string collapse_spaces(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      space = false;
      out += c;
    }
  }
  return out;
}

std::string text_of(const GumboNode* node) {
  std::string raw;
  append_text(node, raw);
  return collapse_spaces(raw);
}

std::string normalized_method(const char* method) {
  std::string m = method ? oauth::ascii_lower(oauth::trim(method)) : "";
  return m == "post" || m == "dialog" ? m : "get"; // the HTML invalid-value default is get
}

struct Walker {
  std::vector<HtmlForm> forms;
  std::map<std::string, size_t> by_id;
  // Controls carrying form="id", attached once every form is known (the form may come later).
  std::vector<std::pair<std::string, const GumboNode*>> deferred;

  void add_select(HtmlForm& form, const GumboElement& select) {
    std::string name = attribute_or(select, "name");
    if (name.empty()) return;
    // Options sit directly in the select or inside an optgroup.
    std::vector<std::pair<const GumboElement*, const GumboNode*>> flat;
    for (unsigned i = 0; i < select.children.length; ++i) {
      auto* child = static_cast<const GumboNode*>(select.children.data[i]);
      if (child->type != GUMBO_NODE_ELEMENT) continue;
      const GumboElement& e = child->v.element;
      if (e.tag == GUMBO_TAG_OPTION) flat.emplace_back(&e, child);
      if (e.tag == GUMBO_TAG_OPTGROUP)
        for (unsigned j = 0; j < e.children.length; ++j) {
          auto* g = static_cast<const GumboNode*>(e.children.data[j]);
          if (g->type == GUMBO_NODE_ELEMENT && g->v.element.tag == GUMBO_TAG_OPTION)
            flat.emplace_back(&g->v.element, g);
        }
    }
    auto option_value = [](const GumboElement& e, const GumboNode* n) {
      const char* v = attribute(e, "value");
      return v ? std::string(v) : text_of(n);
    };
    bool any = false;
    for (const auto& [e, n] : flat)
      if (has_attribute(*e, "selected")) {
        form.fields.push_back({name, option_value(*e, n), "select"});
        any = true;
        if (!has_attribute(select, "multiple")) break;
      }
    // A single-choice select shows, and submits, its first option when none is marked.
    if (!any && !flat.empty() && !has_attribute(select, "multiple"))
      form.fields.push_back(
          {name, option_value(*flat.front().first, flat.front().second), "select"});
  }

  void add_control(HtmlForm& form, const GumboNode* node) {
    const GumboElement& e = node->v.element;
    if (has_attribute(e, "disabled")) return; // browsers never submit disabled controls
    if (e.tag == GUMBO_TAG_INPUT) {
      std::string type = oauth::ascii_lower(oauth::trim(attribute_or(e, "type", "text")));
      if (type.empty()) type = "text";
      if (type == "submit" || type == "image") {
        std::string value = attribute_or(e, "value");
        std::string label = type == "image" ? attribute_or(e, "alt", value) : value;
        form.submits.push_back({attribute_or(e, "name"), value, collapse_spaces(label),
                                attribute_or(e, "formaction"),
                                oauth::ascii_lower(attribute_or(e, "formmethod"))});
        return;
      }
      if (type == "button" || type == "reset" || type == "file") return;
      if ((type == "checkbox" || type == "radio") && !has_attribute(e, "checked")) return;
      std::string name = attribute_or(e, "name");
      if (name.empty()) return;
      std::string fallback = type == "checkbox" || type == "radio" ? "on" : "";
      form.fields.push_back({name, attribute_or(e, "value", fallback), type});
    } else if (e.tag == GUMBO_TAG_BUTTON) {
      std::string type = oauth::ascii_lower(oauth::trim(attribute_or(e, "type", "submit")));
      if (type != "submit") return; // an unknown or missing type is submit; button/reset are not
      std::string value = attribute_or(e, "value");
      std::string label = text_of(node);
      form.submits.push_back({attribute_or(e, "name"), value, label.empty() ? value : label,
                              attribute_or(e, "formaction"),
                              oauth::ascii_lower(attribute_or(e, "formmethod"))});
    } else if (e.tag == GUMBO_TAG_SELECT) {
      add_select(form, e);
    } else if (e.tag == GUMBO_TAG_TEXTAREA) {
      std::string name = attribute_or(e, "name");
      if (!name.empty()) form.fields.push_back({name, text_of(node), "textarea"});
    }
  }

  static bool is_control(GumboTag tag) {
    return tag == GUMBO_TAG_INPUT || tag == GUMBO_TAG_BUTTON || tag == GUMBO_TAG_SELECT ||
           tag == GUMBO_TAG_TEXTAREA;
  }

  // `owner` is the index of the nearest enclosing form, or -1.
  void walk(const GumboNode* node, long owner) {
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE) return;
    const GumboElement& e = node->v.element;
    if (e.tag == GUMBO_TAG_FORM && owner < 0) { // nested forms are ignored by the parser too
      HtmlForm form;
      form.id = attribute_or(e, "id");
      form.action = attribute_or(e, "action");
      form.method = normalized_method(attribute(e, "method"));
      form.enctype = attribute_or(e, "enctype");
      owner = static_cast<long>(forms.size());
      if (!form.id.empty()) by_id.emplace(form.id, forms.size());
      forms.push_back(std::move(form));
    } else if (is_control(e.tag)) {
      if (const char* f = attribute(e, "form")) {
        deferred.emplace_back(f, node);
      } else if (owner >= 0) {
        add_control(forms[owner], node);
      }
      if (e.tag != GUMBO_TAG_BUTTON) return; // their children are options or text, done above
    }
    for (unsigned i = 0; i < e.children.length; ++i)
      walk(static_cast<const GumboNode*>(e.children.data[i]), owner);
  }
};

const GumboNode* find_tag(const GumboNode* node, GumboTag tag) {
  if (node->type != GUMBO_NODE_ELEMENT) return nullptr;
  if (node->v.element.tag == tag) return node;
  for (unsigned i = 0; i < node->v.element.children.length; ++i)
    if (auto* found =
            find_tag(static_cast<const GumboNode*>(node->v.element.children.data[i]), tag))
      return found;
  return nullptr;
}

void collect_links(const GumboNode* node, std::vector<HtmlLink>& out) {
  if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE) return;
  const GumboElement& e = node->v.element;
  if (e.tag == GUMBO_TAG_A && has_attribute(e, "href")) {
    std::string label = text_of(node);
    if (label.empty()) label = collapse_spaces(attribute_or(e, "aria-label"));
    if (label.empty()) label = collapse_spaces(attribute_or(e, "title"));
    out.push_back({attribute_or(e, "href"), label});
  }
  for (unsigned i = 0; i < e.children.length; ++i)
    collect_links(static_cast<const GumboNode*>(e.children.data[i]), out);
}

} // namespace

std::vector<HtmlForm> parse_forms(std::string_view html) {
  GumboOutput* parsed = gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size());
  Walker walker;
  walker.walk(parsed->root, -1);
  for (const auto& [id, node] : walker.deferred)
    if (auto it = walker.by_id.find(id); it != walker.by_id.end())
      walker.add_control(walker.forms[it->second], node);
  gumbo_destroy_output(&kGumboDefaultOptions, parsed);
  return std::move(walker.forms);
}

std::vector<HtmlLink> parse_links(std::string_view html) {
  GumboOutput* parsed = gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size());
  std::vector<HtmlLink> out;
  collect_links(parsed->root, out);
  gumbo_destroy_output(&kGumboDefaultOptions, parsed);
  return out;
}

std::string page_title(std::string_view html) {
  GumboOutput* parsed = gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size());
  const GumboNode* title = find_tag(parsed->root, GUMBO_TAG_TITLE);
  std::string out = title ? text_of(title) : "";
  gumbo_destroy_output(&kGumboDefaultOptions, parsed);
  return out;
}

} // namespace conformance
