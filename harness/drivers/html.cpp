#include "drivers/html.h"

#include "core/text.h"
#include "drivers/html_depth.h"

#include <algorithm>
#include <gumbo.h>
#include <map>
#include <string>
#include <vector>
#include <utility>

namespace conformance {
namespace {

// Deeper than this a browser stops nesting (Blink: 512), and gumbo slows quadratically.
constexpr size_t kMaxDepth = 512;

// One set of options for every parse. Errors are never read, and gumbo records each with
// a copy of its open-element stack: gigabytes for a page of unclosed tags.
const GumboOptions& options() {
  static const GumboOptions kOptions = [] {
    GumboOptions o = kGumboDefaultOptions;
    o.max_errors = 0;
    return o;
  }();
  return kOptions;
}

// gumbo checks each attribute of a tag against the ones before it: a tag with 40,000
// attributes takes seconds. No page needs this many on one tag.
constexpr size_t kMaxAttributes = 512;

// gumbo's tree of the part of the page within kMaxDepth (and kMaxAttributes).
class Document {
public:
  explicit Document(std::string_view html) {
    const size_t length = gumbo_safe_length(html, kMaxDepth, kMaxAttributes);
    output_ = gumbo_parse_with_options(&options(), html.data(), length);
  }
  ~Document() { gumbo_destroy_output(&options(), output_); }
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;
  const GumboNode* root() const { return output_->root; }

private:
  GumboOutput* output_;
};

bool has_children(const GumboNode* node) {
  return node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE;
}

// Pushes the children of `node` so that they pop in document order.
template <class Stack, class Make>
void push_children(const GumboNode* node, Stack& stack, Make make) {
  const GumboVector& children = node->v.element.children;
  for (unsigned i = children.length; i-- > 0;)
    stack.push_back(make(static_cast<const GumboNode*>(children.data[i])));
}

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

// Every walk keeps its own stack: no tree gumbo returns can overflow ours.
void collect(const GumboNode* root, std::vector<std::string>& out) {
  std::vector<const GumboNode*> stack{root};
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    if (!has_children(node)) continue;
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
    push_children(node, stack, [](const GumboNode* child) { return child; });
  }
}

} // namespace

std::vector<std::string> loaded_resources(std::string_view html) {
  Document document(html);
  std::vector<std::string> out;
  collect(document.root(), out);
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

void append_text(const GumboNode* root, std::string& out) {
  std::vector<const GumboNode*> stack{root};
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
        node->type == GUMBO_NODE_CDATA) {
      out += node->v.text.text;
      out += ' '; // adjacent elements render apart; collapse_spaces removes the excess
    } else if (has_children(node)) {
      push_children(node, stack, [](const GumboNode* child) { return child; });
    }
  }
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

  // Each node is visited with the index of its nearest enclosing form, or -1.
  void walk(const GumboNode* root) {
    std::vector<std::pair<const GumboNode*, long>> stack{{root, -1}};
    while (!stack.empty()) {
      auto [node, owner] = stack.back();
      stack.pop_back();
      if (!has_children(node)) continue;
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
        if (e.tag != GUMBO_TAG_BUTTON) continue; // their children are options or text, done above
      }
      push_children(node, stack, [owner = owner](const GumboNode* child) {
        return std::pair<const GumboNode*, long>{child, owner};
      });
    }
  }
};

const GumboNode* find_tag(const GumboNode* root, GumboTag tag) {
  std::vector<const GumboNode*> stack{root};
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    if (node->type != GUMBO_NODE_ELEMENT) continue;
    if (node->v.element.tag == tag) return node;
    push_children(node, stack, [](const GumboNode* child) { return child; });
  }
  return nullptr;
}

void collect_links(const GumboNode* root, std::vector<HtmlLink>& out) {
  std::vector<const GumboNode*> stack{root};
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    if (!has_children(node)) continue;
    const GumboElement& e = node->v.element;
    if (e.tag == GUMBO_TAG_A && has_attribute(e, "href")) {
      std::string label = text_of(node);
      if (label.empty()) label = collapse_spaces(attribute_or(e, "aria-label"));
      if (label.empty()) label = collapse_spaces(attribute_or(e, "title"));
      out.push_back({attribute_or(e, "href"), label});
    }
    push_children(node, stack, [](const GumboNode* child) { return child; });
  }
}

} // namespace

std::vector<HtmlForm> parse_forms(std::string_view html) {
  Document document(html);
  Walker walker;
  walker.walk(document.root());
  for (const auto& [id, node] : walker.deferred)
    if (auto it = walker.by_id.find(id); it != walker.by_id.end())
      walker.add_control(walker.forms[it->second], node);
  return std::move(walker.forms);
}

std::vector<HtmlLink> parse_links(std::string_view html) {
  Document document(html);
  std::vector<HtmlLink> out;
  collect_links(document.root(), out);
  return out;
}

std::string page_text(std::string_view html) {
  Document document(html);
  std::string raw;
  std::vector<const GumboNode*> stack{document.root()};
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_CDATA) {
      raw += node->v.text.text;
      raw += ' ';
    } else if (node->type == GUMBO_NODE_ELEMENT) {
      GumboTag tag = node->v.element.tag;
      // What a script or a style sheet holds is not read by the user.
      if (tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_TEMPLATE ||
          tag == GUMBO_TAG_HEAD)
        continue;
      push_children(node, stack, [](const GumboNode* child) { return child; });
    }
  }
  return collapse_spaces(raw);
}

std::string page_title(std::string_view html) {
  Document document(html);
  const GumboNode* title = find_tag(document.root(), GUMBO_TAG_TITLE);
  return title ? text_of(title) : "";
}

} // namespace conformance
