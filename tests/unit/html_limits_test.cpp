// HTML from a hostile server: pages nested deeper than a browser would nest, or full of
// unclosed tags, parse quickly and in little memory; the depth pre-scan never bounds a
// page below the depth gumbo's tree really reaches, and leaves ordinary pages whole.
#include "drivers/html.h"
#include "drivers/html_depth.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <gumbo.h>
#include <random>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <vector>

namespace {

using namespace conformance;

// The deepest node of gumbo's tree for `html` (the <html> element at 1, text included),
// walked with an explicit stack: the oracle for the pre-scan.
size_t tree_depth(std::string_view html) {
  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = 0;
  GumboOutput* output = gumbo_parse_with_options(&options, html.data(), html.size());
  size_t deepest = 0;
  std::vector<std::pair<const GumboNode*, size_t>> stack{{output->root, 1}};
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    deepest = std::max(deepest, depth);
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE) continue;
    const GumboVector& children = node->v.element.children;
    for (unsigned i = 0; i < children.length; ++i)
      stack.emplace_back(static_cast<const GumboNode*>(children.data[i]), depth + 1);
  }
  gumbo_destroy_output(&options, output);
  return deepest;
}

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(FIXTURES_DIR) + "/pages/" + name);
  if (!in) throw std::runtime_error("missing fixture page " + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(HtmlLimits, DeeplyNestedPageParsesQuicklyAndKeepsWhatComesBefore) {
  std::string html = "<html><body><form id=before action=/before><input name=a value=1></form>";
  for (int i = 0; i < 200000; ++i)
    html += "<div>";
  html += "<form id=after action=/after><input name=b></form>";

  auto start = std::chrono::steady_clock::now();
  std::vector<HtmlForm> forms = parse_forms(html);
  double parse = seconds_since(start);
  std::printf("200,000 nested <div> (%zu bytes): parse_forms in %.3f s\n", html.size(), parse);
  EXPECT_LT(parse, 10.0); // gumbo alone takes minutes on this page

  ASSERT_FALSE(forms.empty());
  EXPECT_EQ(forms[0].id, "before");
  EXPECT_EQ(forms[0].action, "/before");
  ASSERT_EQ(forms[0].fields.size(), 1u);
  EXPECT_EQ(forms[0].fields[0].value, "1");
  // Deeper than a browser nests, gumbo sees none of the rest: the second form is cut off.
  EXPECT_EQ(forms.size(), 1u);

  start = std::chrono::steady_clock::now();
  EXPECT_TRUE(parse_links(html).empty());
  EXPECT_TRUE(loaded_resources(html).empty());
  EXPECT_EQ(page_title(html), "");
  std::printf("links, resources and title of the same page in %.3f s\n", seconds_since(start));

  size_t cut = html_prefix_within_depth(html, 512);
  EXPECT_LT(cut, html.size());
  EXPECT_LE(tree_depth(std::string_view(html).substr(0, cut)), 512u);
}

TEST(HtmlLimits, UnclosedTagsStayInLittleMemory) {
  // Each unclosed tag is a parse error; gumbo would record each one with a copy of its
  // stack of open elements (gigabytes here) if errors were kept.
  std::string html = "<form action=/f><input name=x></form>";
  for (int i = 0; html.size() < 1000000; ++i)
    html += i % 2 ? "<div>" : "<b id=" + std::to_string(i) + ">";

  long before = peak_rss_kb();
  auto start = std::chrono::steady_clock::now();
  std::vector<HtmlForm> forms = parse_forms(html);
  double parse = seconds_since(start);
  long grown_mb = (peak_rss_kb() - before) / 1024;
  std::printf("1 MB of unclosed <b id=N>/<div>: parse_forms in %.3f s, peak RSS +%ld MB (%ld MB)\n",
              parse, grown_mb, peak_rss_kb() / 1024);
  EXPECT_LT(grown_mb, 300);
  EXPECT_LT(parse, 10.0);
  ASSERT_EQ(forms.size(), 1u);
  EXPECT_EQ(forms[0].action, "/f");
}

// Random small pages from a tag alphabet that exercises gumbo's tree builder: formatting
// elements (reopened after blocks, the adoption agency), tables (implied tbody and tr,
// foster parenting), lists, void elements, forms, selects, foreign content, raw text with
// markup inside, comments, and attribute values holding '>'.
class SnippetGenerator {
public:
  explicit SnippetGenerator(unsigned seed) : rng_(seed) {}

  std::string next() {
    std::string html;
    int tokens = 1 + pick(40);
    if (pick(4) == 0) { // a short run repeated: what accumulates per repetition shows
      std::string unit;
      for (int i = 1 + pick(5); i > 0; --i)
        unit += token();
      for (int i = 2 + pick(25); i > 0; --i)
        html += unit;
    } else {
      for (int i = 0; i < tokens; ++i)
        html += token();
    }
    return html;
  }

private:
  int pick(int n) { return static_cast<int>(rng_() % static_cast<unsigned>(n)); }

  // One of the space-separated words of `list`.
  std::string one_of(std::string_view list) {
    std::vector<std::string_view> words;
    for (size_t at = 0; at < list.size();) {
      size_t space = std::min(list.find(' ', at), list.size());
      words.push_back(list.substr(at, space - at));
      at = space + 1;
    }
    return std::string(words[static_cast<size_t>(pick(static_cast<int>(words.size())))]);
  }

  std::string name() {
    return one_of("div p span b i a em strong font nobr u s code small big tt strike table tbody "
                  "thead tr td th caption col colgroup ul ol li dl dd dt form input button "
                  "select option optgroup textarea label h1 h2 br hr img meta link wbr param "
                  "script style title xmp iframe noscript template svg math foreignObject desc g "
                  "path mi mtext annotation-xml object marquee ruby rt rp pre center section "
                  "address blockquote head body html sub foo x-y");
  }

  std::string attributes() {
    std::string out;
    for (int i = pick(3); i > 0; --i)
      out += " " + one_of("id=1 class=c title=\">x<div>\" data-x='a>b</td>' color=red "
                          "encoding=\"text/html\" type=hidden x=a/ checked");
    return out;
  }

  std::string token() {
    static const char* kOther[] = {"x",
                                   " ",
                                   "\n",
                                   "&amp;",
                                   "<",
                                   "x<y",
                                   "<!-- c -->",
                                   "<!-- <div> -->",
                                   "<!-->",
                                   "<!DOCTYPE html>",
                                   "<![CDATA[<div>]]>",
                                   "<?php <div> ?>",
                                   "</>",
                                   "<script>if (a<b) x='</div>';</script>",
                                   "<script><!--<script></script><div>--></script>",
                                   "<style>p>a{}</style>",
                                   "<textarea><div></textarea>",
                                   "<title><b></title>"};
    int kind = pick(100);
    if (kind < 45) return "<" + name() + attributes() + (pick(12) == 0 ? "/>" : ">");
    if (kind < 85) return "</" + name() + (pick(15) == 0 ? " x" : "") + ">";
    return kOther[pick(static_cast<int>(std::size(kOther)))];
  }

  std::mt19937 rng_;
};

TEST(HtmlLimits, PreScanNeverBoundsBelowGumbosRealDepth) {
  SnippetGenerator generator(20240611);
  size_t exact = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string html = generator.next();
    size_t depth = tree_depth(html);
    size_t bound = html_depth_bound(html);
    ASSERT_GE(bound, depth) << html;
    if (bound == depth) ++exact;
    // A prefix cut for a small limit stays within it.
    size_t limit = 3 + static_cast<size_t>(i % 20);
    size_t cut = html_prefix_within_depth(html, limit);
    ASSERT_LE(tree_depth(std::string_view(html).substr(0, cut)), limit) << html;
  }
  std::printf("bound equal to the real depth for %zu of 4000 snippets\n", exact);
}

TEST(HtmlLimits, FixturePagesAreParsedWhole) {
  struct Page {
    const char* name;
    size_t forms;
  };
  for (const Page& page : {Page{"login_nested.html", 1}, Page{"login_table.html", 2},
                           Page{"consent_buttons.html", 1}, Page{"consent_formaction.html", 1},
                           Page{"consent_cancel_link.html", 1}, Page{"no_form.html", 1}}) {
    std::string html = fixture(page.name);
    EXPECT_EQ(html_prefix_within_depth(html, 512), html.size()) << page.name;
    size_t bound = html_depth_bound(html);
    EXPECT_GE(bound, tree_depth(html)) << page.name;
    EXPECT_LE(bound, 16u) << page.name; // shallow pages are bounded tightly
    EXPECT_EQ(parse_forms(html).size(), page.forms) << page.name;
  }
}

TEST(HtmlLimits, SloppyButOrdinaryPagesStayWhole) {
  // Unclosed paragraphs, list items, cells and options, misnested formatting: gumbo
  // closes these itself, and the pre-scan follows it instead of piling them up.
  std::string html = "<!DOCTYPE html><html><body><form action=/last>";
  for (int i = 0; i < 300; ++i)
    html +=
        "<p>text<ul><li>one<li>two</ul><table><tr><td>a<td><font size=2>b</table>"
        "<select><option>x<option>y</select><b><p>bold</b>after</p><a href=#>link<a href=#>next";
  html += "<input name=end></form>";
  EXPECT_EQ(html_prefix_within_depth(html, 512), html.size());
  EXPECT_GE(html_depth_bound(html), tree_depth(html));
  std::vector<HtmlForm> forms = parse_forms(html);
  ASSERT_EQ(forms.size(), 1u);
  EXPECT_EQ(forms[0].fields.size(), 1u); // selects without name are not sent
}

TEST(HtmlLimits, TagWithHugelyManyAttributesParsesQuickly) {
  // gumbo compares each attribute with those before it: 40,000 on one tag took 4.5 s.
  std::string html = "<form action=/f><input name=a></form><div";
  for (int i = 0; html.size() < 1000000; ++i)
    html += " a" + std::to_string(i);
  html += "><a href=/after>after</a>";
  auto start = std::chrono::steady_clock::now();
  std::vector<HtmlForm> forms = parse_forms(html);
  double parse = seconds_since(start);
  std::printf("1 MB of attributes on one tag: parse_forms in %.3f s\n", parse);
  EXPECT_LT(parse, 10.0);
  ASSERT_EQ(forms.size(), 1u);
  EXPECT_TRUE(parse_links(html).empty()); // the page ends before that tag
}

TEST(HtmlLimits, PagesThatFailGumbosAssertionsAreCutBeforeThem) {
  // Debian's gumbo 0.10.1 keeps its assertions: each of these aborted the whole process.
  // Foreign content foster-parented out of a table, and foreign elements named like the
  // ones that decide gumbo's insertion mode, end the part of the page gumbo reads.
  for (const char* tail :
       {"<table><svg><th><title><select></table>",
        "<table><math><th><mo><template></template></table>", "<table><math><mn><![CDATA[x]]>y",
        "<table><svg><title><![CDATA[x]]> 3", "<table><svg><select><desc><select><td>",
        "<table><caption><math><select><mi><select><section><tr>"}) {
    std::string html = std::string("<form action=/f><input name=a></form>") + tail;
    std::vector<HtmlForm> forms = parse_forms(html);
    ASSERT_EQ(forms.size(), 1u) << tail;
    EXPECT_EQ(forms[0].action, "/f");
    parse_links(html);
    loaded_resources(html);
    page_title(html);
  }
  // An icon inside a cell is ordinary and stays.
  std::string icons = "<table><tr><td><svg viewBox='0 0 1 1'><title>t</title><path d=M0/></svg>"
                      "<form action=/in-cell><input name=b></form></td></tr></table>";
  std::vector<HtmlForm> forms = parse_forms(icons);
  ASSERT_EQ(forms.size(), 1u);
  EXPECT_EQ(forms[0].action, "/in-cell");
}

} // namespace
