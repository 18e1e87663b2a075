#include "drivers/html_depth.h"

#include "core/text.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <gumbo.h>
#include <initializer_list>
#include <unordered_set>
#include <utility>
#include <vector>

namespace conformance {
namespace {

// ---------------------------------------------------------------------------------------
// Depth bound. gumbo's tree builder scans its stack of open elements for most tags, so a
// page nested N deep costs O(N^2) (100,000 <div> take 32 s), and browsers cap the depth
// anyway (Blink at 512). Before gumbo sees a page we bound, in one linear pass, how deep
// its stack can get, and hand gumbo only the prefix that stays within the limit.
//
// The bound must never under-estimate. The scan keeps its own stack S of what gumbo may
// have open, each entry "sure" (gumbo certainly has that element open) or not. Every
// element gumbo opens has an entry, in the same order, or, for formatting elements gumbo
// closed but may re-open (the list of active formatting elements), a slot in a pool. The
// scan pops an entry only where gumbo certainly closes it: a matching end tag at the top,
// or a deeper one when the target is sure and gumbo's scope rules let the tag reach it.
// Where it cannot tell what gumbo does, it keeps the entries and marks them unsure; where
// it cannot even tell how gumbo tokenizes the rest (foreign content in doubt, framesets),
// it counts every remaining "<letter" as three more levels, the most one start tag opens.

enum class Ns : uint8_t { Html, Svg, Math };

constexpr size_t kNoIndex = static_cast<size_t>(-1);
// html, and head or body, which gumbo opens without a tag.
constexpr size_t kImpliedLevels = 2;
// The most elements one start tag opens: <td> directly in a table implies tbody and tr.
constexpr size_t kMostPerTag = 3;

bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

bool tag_in(GumboTag t, std::initializer_list<GumboTag> set) {
  for (GumboTag s : set)
    if (s == t) return true;
  return false;
}

// A set of tags with constant-time lookup, for the checks the scan runs per entry.
class TagSet {
public:
  TagSet(std::initializer_list<GumboTag> tags) {
    for (GumboTag t : tags)
      has_[t] = true;
  }
  template <size_t N> explicit TagSet(const std::array<GumboTag, N>& tags) {
    for (GumboTag t : tags)
      has_[t] = true;
  }
  bool operator()(GumboTag t) const { return t >= 0 && t <= GUMBO_TAG_LAST && has_[t]; }

private:
  std::array<bool, GUMBO_TAG_LAST + 1> has_{};
};

// The elements whose nearest open one decides gumbo's insertion mode (its
// reset_insertion_mode_appropriately).
constexpr std::array kModeDecidingTags{
    GUMBO_TAG_SELECT,   GUMBO_TAG_TD,    GUMBO_TAG_TH,      GUMBO_TAG_TR,       GUMBO_TAG_TBODY,
    GUMBO_TAG_THEAD,    GUMBO_TAG_TFOOT, GUMBO_TAG_CAPTION, GUMBO_TAG_COLGROUP, GUMBO_TAG_TABLE,
    GUMBO_TAG_TEMPLATE, GUMBO_TAG_HEAD,  GUMBO_TAG_BODY,    GUMBO_TAG_FRAMESET, GUMBO_TAG_HTML};

// Formatting elements: reopened by gumbo after a block closes them.
int formatting_index(GumboTag t) {
  static const std::array<int, GUMBO_TAG_LAST + 1> kIndex = [] {
    std::array<int, GUMBO_TAG_LAST + 1> index;
    index.fill(-1);
    int k = 0;
    for (GumboTag f : {GUMBO_TAG_A, GUMBO_TAG_B, GUMBO_TAG_BIG, GUMBO_TAG_CODE, GUMBO_TAG_EM,
                       GUMBO_TAG_FONT, GUMBO_TAG_I, GUMBO_TAG_NOBR, GUMBO_TAG_S, GUMBO_TAG_SMALL,
                       GUMBO_TAG_STRIKE, GUMBO_TAG_STRONG, GUMBO_TAG_TT, GUMBO_TAG_U})
      index[f] = k++;
    return index;
  }();
  return t >= 0 && t <= GUMBO_TAG_LAST ? kIndex[t] : -1;
}
constexpr int kFormattingTags = 14;

struct Entry {
  GumboTag tag = GUMBO_TAG_UNKNOWN;
  Ns ns = Ns::Html;
  bool sure = false; // gumbo certainly has this element open
  // Formatting: the element is surely in gumbo's active list after its last marker, so
  // its own end tag reaches it.
  bool clean = false;
  bool html_ip = false; // foreignObject, desc, title (svg); annotation-xml as html
  bool text_ip = false; // mi, mo, mn, ms, mtext
  bool head_noscript = false;
  bool maybe_foreign = false; // opened in doubt while foreign content may be current
  // An element gumbo took off its stack (a closed form, one the adoption agency moved
  // past) while content stays open inside it: a level of the tree, but nothing gumbo's
  // scope rules see.
  bool ghost = false;
  bool select_in_table = false; // a select opened from a table insertion mode
  // Left open by the adoption agency while its ancestors left the stack.
  bool detached = false;
  // Template entries: the insertion mode its first child chose.
  enum class TemplateMode : uint8_t { Initial, Body, Table, TableBody, Row, ColumnGroup };
  TemplateMode template_mode = TemplateMode::Initial;
  uint32_t id = 0;
  std::string name; // foreign elements: the name as written, lower-case, for end tags
  bool html(GumboTag t) const { return ns == Ns::Html && tag == t && !ghost; }
  bool foreign() const { return ns != Ns::Html; }
  bool formatting() const { return ns == Ns::Html && formatting_index(tag) >= 0; }
  // Elements whose insertion pushes a marker onto gumbo's active formatting list.
  bool marker() const {
    static const TagSet kMarkers{GUMBO_TAG_APPLET,  GUMBO_TAG_CAPTION, GUMBO_TAG_MARQUEE,
                                 GUMBO_TAG_OBJECT,  GUMBO_TAG_TD,      GUMBO_TAG_TH,
                                 GUMBO_TAG_TEMPLATE};
    return ns == Ns::Html && kMarkers(tag);
  }
};

// The scan's stack, counting its entries per tag so that "is an X open at all?" is answered
// without walking a stack that may be hundreds deep: most scope questions on a deep page are
// about tags that are not open, and walking for each made the scan quadratic in the depth.
class OpenStack {
public:
  using iterator = std::vector<Entry>::iterator;
  using const_iterator = std::vector<Entry>::const_iterator;
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  Entry& back() { return entries_.back(); }
  const Entry& back() const { return entries_.back(); }
  Entry& operator[](size_t i) { return entries_[i]; }
  const Entry& operator[](size_t i) const { return entries_[i]; }
  iterator begin() { return entries_.begin(); }
  iterator end() { return entries_.end(); }
  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  void push_back(Entry e) {
    ++count_[e.tag];
    entries_.push_back(std::move(e));
  }
  void pop_back() {
    --count_[entries_.back().tag];
    entries_.pop_back();
  }
  // Replaces entries [from, to) with `with` (the adoption agency's rebuilt stretch).
  void replace(size_t from, size_t to, std::vector<Entry> with) {
    for (size_t i = from; i < to; ++i) --count_[entries_[i].tag];
    for (const Entry& e : with) ++count_[e.tag];
    entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(from),
                   entries_.begin() + static_cast<std::ptrdiff_t>(to));
    entries_.insert(entries_.begin() + static_cast<std::ptrdiff_t>(from),
                    std::make_move_iterator(with.begin()), std::make_move_iterator(with.end()));
  }
  // Entries of this tag in any namespace, ghosts included: zero means none can match.
  size_t count(GumboTag tag) const { return count_[tag]; }

private:
  std::vector<Entry> entries_;
  std::array<uint32_t, GUMBO_TAG_LAST + 1> count_{};
};

// gumbo's "special" category (parser.c is_special_node), which stops generic end tags.
bool is_special(const Entry& e) {
  if (e.ghost) return false;
  static const TagSet kMath{GUMBO_TAG_MI, GUMBO_TAG_MO,    GUMBO_TAG_MN,
                            GUMBO_TAG_MS, GUMBO_TAG_MTEXT, GUMBO_TAG_ANNOTATION_XML};
  static const TagSet kSvg{GUMBO_TAG_FOREIGNOBJECT, GUMBO_TAG_DESC};
  static const TagSet kHtml{
      GUMBO_TAG_ADDRESS,    GUMBO_TAG_APPLET,     GUMBO_TAG_AREA,     GUMBO_TAG_ARTICLE,
      GUMBO_TAG_ASIDE,      GUMBO_TAG_BASE,       GUMBO_TAG_BASEFONT, GUMBO_TAG_BGSOUND,
      GUMBO_TAG_BLOCKQUOTE, GUMBO_TAG_BODY,       GUMBO_TAG_BR,       GUMBO_TAG_BUTTON,
      GUMBO_TAG_CAPTION,    GUMBO_TAG_CENTER,     GUMBO_TAG_COL,      GUMBO_TAG_COLGROUP,
      GUMBO_TAG_MENUITEM,   GUMBO_TAG_DD,         GUMBO_TAG_DETAILS,  GUMBO_TAG_DIR,
      GUMBO_TAG_DIV,        GUMBO_TAG_DL,         GUMBO_TAG_DT,       GUMBO_TAG_EMBED,
      GUMBO_TAG_FIELDSET,   GUMBO_TAG_FIGCAPTION, GUMBO_TAG_FIGURE,   GUMBO_TAG_FOOTER,
      GUMBO_TAG_FORM,       GUMBO_TAG_FRAME,      GUMBO_TAG_FRAMESET, GUMBO_TAG_H1,
      GUMBO_TAG_H2,         GUMBO_TAG_H3,         GUMBO_TAG_H4,       GUMBO_TAG_H5,
      GUMBO_TAG_H6,         GUMBO_TAG_HEAD,       GUMBO_TAG_HEADER,   GUMBO_TAG_HGROUP,
      GUMBO_TAG_HR,         GUMBO_TAG_HTML,       GUMBO_TAG_IFRAME,   GUMBO_TAG_IMG,
      GUMBO_TAG_INPUT,      GUMBO_TAG_ISINDEX,    GUMBO_TAG_LI,       GUMBO_TAG_LINK,
      GUMBO_TAG_LISTING,    GUMBO_TAG_MARQUEE,    GUMBO_TAG_MENU,     GUMBO_TAG_META,
      GUMBO_TAG_NAV,        GUMBO_TAG_NOEMBED,    GUMBO_TAG_NOFRAMES, GUMBO_TAG_NOSCRIPT,
      GUMBO_TAG_OBJECT,     GUMBO_TAG_OL,         GUMBO_TAG_P,        GUMBO_TAG_PARAM,
      GUMBO_TAG_PLAINTEXT,  GUMBO_TAG_PRE,        GUMBO_TAG_SCRIPT,   GUMBO_TAG_SECTION,
      GUMBO_TAG_SELECT,     GUMBO_TAG_STYLE,      GUMBO_TAG_SUMMARY,  GUMBO_TAG_TABLE,
      GUMBO_TAG_TBODY,      GUMBO_TAG_TD,         GUMBO_TAG_TEMPLATE, GUMBO_TAG_TEXTAREA,
      GUMBO_TAG_TFOOT,      GUMBO_TAG_TH,         GUMBO_TAG_THEAD,    GUMBO_TAG_TITLE,
      GUMBO_TAG_TR,         GUMBO_TAG_UL,         GUMBO_TAG_WBR,      GUMBO_TAG_XMP};
  return e.ns == Ns::Math ? kMath(e.tag) : e.ns == Ns::Svg ? kSvg(e.tag) : kHtml(e.tag);
}

enum class Scope { Default, ListItem, Button, Table, Select };

// Elements that end gumbo's "has an element in scope" search.
bool ends_scope(const Entry& e, Scope scope) {
  if (e.ghost) return false;
  if (scope == Scope::Select) return !(e.html(GUMBO_TAG_OPTGROUP) || e.html(GUMBO_TAG_OPTION));
  if (scope == Scope::Table)
    return e.html(GUMBO_TAG_TABLE) || e.html(GUMBO_TAG_TEMPLATE) || e.html(GUMBO_TAG_HTML);
  static const TagSet kMath{GUMBO_TAG_MI, GUMBO_TAG_MO,    GUMBO_TAG_MN,
                            GUMBO_TAG_MS, GUMBO_TAG_MTEXT, GUMBO_TAG_ANNOTATION_XML};
  static const TagSet kSvg{GUMBO_TAG_FOREIGNOBJECT, GUMBO_TAG_DESC, GUMBO_TAG_TITLE};
  static const TagSet kHtml{GUMBO_TAG_APPLET,  GUMBO_TAG_CAPTION, GUMBO_TAG_HTML,
                            GUMBO_TAG_TABLE,   GUMBO_TAG_TD,      GUMBO_TAG_TH,
                            GUMBO_TAG_MARQUEE, GUMBO_TAG_OBJECT,  GUMBO_TAG_TEMPLATE};
  if (e.ns == Ns::Math) return kMath(e.tag);
  if (e.ns == Ns::Svg) return kSvg(e.tag);
  if (kHtml(e.tag)) return true;
  if (scope == Scope::ListItem) return tag_in(e.tag, {GUMBO_TAG_OL, GUMBO_TAG_UL});
  if (scope == Scope::Button) return e.tag == GUMBO_TAG_BUTTON;
  return false;
}

bool is_heading(GumboTag t) {
  return tag_in(
      t, {GUMBO_TAG_H1, GUMBO_TAG_H2, GUMBO_TAG_H3, GUMBO_TAG_H4, GUMBO_TAG_H5, GUMBO_TAG_H6});
}

// Popped from the top by gumbo's "generate implied end tags".
bool implied_end(const Entry& e) {
  return e.ns == Ns::Html &&
         tag_in(e.tag,
                {GUMBO_TAG_DD, GUMBO_TAG_DT, GUMBO_TAG_LI, GUMBO_TAG_OPTION, GUMBO_TAG_OPTGROUP,
                 GUMBO_TAG_P, GUMBO_TAG_RB, GUMBO_TAG_RP, GUMBO_TAG_RT, GUMBO_TAG_RTC});
}

// One start or end tag as gumbo's tokenizer reads it.
struct Tag {
  bool end = false;
  GumboTag tag = GUMBO_TAG_UNKNOWN;
  std::string name; // lower-case
  // Foreign content matches end tags by source text: for a start tag the name up to a
  // space or '/', for an end tag everything between "</" and ">" (lower-case).
  std::string source_name;
  bool self_closing = false;
  bool font_breakout = false;   // <font> with color, face or size leaves foreign content
  bool html_encoding = false;   // annotation-xml encoding="text/html" | "application/xhtml+xml"
  bool encoding_unsure = false; // a character reference there: left to gumbo to decode
  size_t attributes = 0;
};

// Reads the tag whose name starts at html[i] (just past "<" or "</"), as gumbo's tag,
// attribute and self-closing states do (quoted values may hold '>'). Returns the position
// past its '>', or npos when the input ends first (gumbo then drops the tag).
size_t read_tag(std::string_view html, size_t i, bool end, Tag& tag) {
  tag = Tag{};
  tag.end = end;
  const size_t n = html.size();
  size_t start = i;
  while (i < n && !is_ws(html[i]) && html[i] != '/' && html[i] != '>')
    tag.name += lower(html[i++]);
  tag.tag = gumbo_tagn_enum(tag.name.data(), static_cast<unsigned>(tag.name.size()));
  if (!end) {
    size_t j = start;
    while (j < n && !std::isspace(static_cast<unsigned char>(html[j])) && html[j] != '/' &&
           html[j] != '>')
      tag.source_name += lower(html[j++]);
  }
  enum { BeforeName, Name, AfterName, BeforeValue, Quoted, Unquoted, AfterQuoted, SelfClosing };
  int state = i < n && html[i] == '/' ? SelfClosing : BeforeName;
  if (i < n && html[i] == '/') ++i;
  // gumbo's tag buffer: after a duplicate name (dropped) it is not cleared, so the next
  // name starts with it.
  std::string buffer, attribute;
  std::unordered_set<std::string> names; // linear: a tag may carry a megabyte of them
  bool duplicate = false;
  char quote = 0;
  auto finish_name = [&] {
    ++tag.attributes;
    duplicate = !names.insert(buffer).second;
    if (duplicate) return;
    attribute = buffer;
    if (attribute == "color" || attribute == "face" || attribute == "size")
      tag.font_breakout = true;
    buffer.clear();
  };
  auto finish_value = [&] {
    if (!duplicate && attribute == "encoding") {
      std::string v = oauth::ascii_lower(buffer);
      tag.html_encoding = v == "text/html" || v == "application/xhtml+xml";
      tag.encoding_unsure = v.find('&') != std::string::npos;
    }
    duplicate = false;
    buffer.clear();
  };
  for (; i < n; ++i) {
    char c = html[i];
    switch (state) {
    case BeforeName:
    case AfterName:
      if (is_ws(c)) break;
      if (c == '/') {
        state = SelfClosing;
        break;
      }
      if (c == '>') goto done;
      if (c == '=' && state == AfterName) {
        state = BeforeValue;
        break;
      }
      state = Name;
      buffer += lower(c);
      break;
    case Name:
      if (is_ws(c) || c == '/' || c == '=' || c == '>') {
        finish_name();
        if (c == '>') goto done;
        state = is_ws(c) ? AfterName : c == '/' ? SelfClosing : BeforeValue;
        break;
      }
      buffer += lower(c);
      break;
    case BeforeValue:
      if (is_ws(c)) break;
      if (c == '"' || c == '\'') {
        quote = c;
        state = Quoted;
        break;
      }
      if (c == '>') goto done;
      state = Unquoted;
      buffer += c;
      break;
    case Quoted:
      if (c == quote) {
        state = AfterQuoted;
        break;
      }
      buffer += c;
      break;
    case Unquoted:
      if (is_ws(c) || c == '>') {
        finish_value();
        if (c == '>') goto done;
        state = BeforeName;
        break;
      }
      buffer += c;
      break;
    case AfterQuoted:
      finish_value();
      if (is_ws(c)) {
        state = BeforeName;
        break;
      }
      if (c == '/') {
        state = SelfClosing;
        break;
      }
      if (c == '>') goto done;
      state = BeforeName;
      --i; // reconsumed
      break;
    case SelfClosing:
      if (c == '>') {
        tag.self_closing = true;
        goto done;
      }
      state = BeforeName;
      --i;
      break;
    }
  }
  return std::string_view::npos;
done:
  if (end) {
    // Between "</" and ">": gumbo compares this whole text with the foreign element's name.
    for (size_t j = start; j < i; ++j)
      tag.source_name += lower(html[j]);
  }
  return i + 1;
}

// Where gumbo's tokenizer leaves raw text (script, style, textarea...): the first "</name"
// followed by a space, '/' or '>'. For script, also its escaped states ("<!--<script>").
// Returns the position of that "</", or npos when the text runs to the end.
size_t raw_text_end(std::string_view html, size_t i, GumboTag tag) {
  const std::string_view name = gumbo_normalized_tagname(tag);
  const size_t n = html.size();
  auto end_tag_at = [&](size_t p) { // html[p] == '<'
    if (p + 1 >= n || html[p + 1] != '/') return false;
    size_t q = p + 2, k = 0;
    while (q < n && is_alpha(html[q])) {
      if (k >= name.size() || lower(html[q]) != name[k]) return false;
      ++q, ++k;
    }
    return k == name.size() && q < n && (is_ws(html[q]) || html[q] == '/' || html[q] == '>');
  };
  if (tag != GUMBO_TAG_SCRIPT) {
    for (; i < n; ++i)
      if (html[i] == '<' && end_tag_at(i)) return i;
    return std::string_view::npos;
  }
  // gumbo's script data states (tokenizer.c handle_script_*).
  enum { Data, Escaped, EscapedDash, EscapedDashDash, Double, DoubleDash, DoubleDashDash };
  int state = Data;
  auto word_after = [&](size_t p, std::string& word) { // letters from p
    word.clear();
    while (p < n && is_alpha(html[p]))
      word += lower(html[p++]);
    return p;
  };
  std::string word;
  while (i < n) {
    char c = html[i];
    switch (state) {
    case Data:
      if (c == '<') {
        if (end_tag_at(i)) return i;
        if (i + 3 < n && html[i + 1] == '!' && html[i + 2] == '-' && html[i + 3] == '-') {
          state = EscapedDashDash;
          i += 4;
          continue;
        }
      }
      ++i;
      continue;
    case Escaped:
    case EscapedDash:
    case EscapedDashDash:
      if (c == '-') {
        state = state == Escaped ? EscapedDash : EscapedDashDash;
        ++i;
        continue;
      }
      if (c == '<') {
        if (end_tag_at(i)) return i;
        if (i + 1 < n && is_alpha(html[i + 1])) {
          size_t q = word_after(i + 1, word);
          if (q < n && (is_ws(html[q]) || html[q] == '/' || html[q] == '>')) {
            state = word == "script" ? Double : Escaped;
            i = q + 1;
            continue;
          }
          // the letters are text; the character after them is read in the escaped state
          state = Escaped;
          i = q;
          continue;
        }
        state = Escaped;
        ++i;
        continue;
      }
      if (c == '>' && state == EscapedDashDash) {
        state = Data;
        ++i;
        continue;
      }
      state = Escaped;
      ++i;
      continue;
    case Double:
    case DoubleDash:
    case DoubleDashDash:
      if (c == '-') {
        state = state == Double ? DoubleDash : DoubleDashDash;
        ++i;
        continue;
      }
      if (c == '<') {
        if (i + 1 < n && html[i + 1] == '/') {
          size_t q = word_after(i + 2, word);
          if (q < n && (is_ws(html[q]) || html[q] == '/' || html[q] == '>')) {
            state = word == "script" ? Escaped : Double;
            i = q + 1;
            continue;
          }
          state = Double;
          i = q;
          continue;
        }
        state = Double;
        ++i;
        continue;
      }
      if (c == '>' && state == DoubleDashDash) {
        state = Data;
        ++i;
        continue;
      }
      state = Double;
      ++i;
      continue;
    }
  }
  return std::string_view::npos;
}

class DepthScan {
public:
  DepthScan(std::string_view html, size_t limit, size_t max_attributes = kNoIndex,
            bool guard_foreign = false)
      : html_(html), limit_(limit), max_attributes_(max_attributes), guard_foreign_(guard_foreign) {
    pools_.emplace_back(); // the segment before any marker
  }

  // Runs to the end, or to the first start tag that could take gumbo past the limit.
  void run() {
    const size_t n = html_.size();
    size_t i = 0;
    while (i < n && !stopped_) {
      if (paranoid_) {
        // No tokenizing in doubt: every "<letter" may be a start tag.
        size_t lt = html_.find('<', i);
        if (lt == std::string_view::npos) return;
        if (lt + 1 < n && is_alpha(html_[lt + 1])) {
          Tag tag;
          read_tag(html_, lt + 1, false, tag);
          bool foreign = tag.tag == GUMBO_TAG_SVG || tag.tag == GUMBO_TAG_MATH;
          if (guard_foreign_ &&
              ((table_seen_ && foreign) || (foreign_seen_ && decides_mode(tag.tag))))
            return stop_at(lt);
          table_seen_ = table_seen_ || tag.tag == GUMBO_TAG_TABLE;
          foreign_seen_ = foreign_seen_ || foreign;
          grow(kMostPerTag, lt);
        }
        i = lt + 1;
        continue;
      }
      size_t lt = html_.find('<', i);
      if (lt == std::string_view::npos) return text(i, n);
      if (lt != i) {
        text(i, lt);
        glued_ = false;
      }
      i = lt;
      if (i + 1 >= n) return;
      char c = html_[i + 1];
      // gumbo emits nothing for "</>", so its source text sticks to the next token's, and
      // a tag right after it never matches by name in foreign content.
      bool glued = std::exchange(glued_, false);
      if (is_alpha(c)) {
        Tag tag;
        size_t next = read_tag(html_, i + 1, false, tag);
        if (next == std::string_view::npos) return; // gumbo drops a tag cut by the end
        if (glued) tag.source_name = "\x01";
        if (tag.attributes > max_attributes_) return stop_at(i);
        table_seen_ = table_seen_ || tag.tag == GUMBO_TAG_TABLE;
        foreign_seen_ = foreign_seen_ || tag.tag == GUMBO_TAG_SVG || tag.tag == GUMBO_TAG_MATH;
        at_ = i;
        start_tag(tag);
        i = next;
        if (raw_ != GUMBO_TAG_LAST && !stopped_ && !paranoid_) i = skip_raw_text(i);
      } else if (c == '/') {
        if (i + 2 >= n) return;
        if (html_[i + 2] == '>') {
          i += 3;
          glued_ = true;
        } else if (is_alpha(html_[i + 2])) {
          Tag tag;
          size_t next = read_tag(html_, i + 2, true, tag);
          if (next == std::string_view::npos) return;
          if (glued) tag.source_name = "\x02";
          if (tag.attributes > max_attributes_) return stop_at(i);
          at_ = i;
          end_tag(tag);
          note(); // the adoption agency may have wrapped content deeper
          i = next;
        } else {
          i = skip_past(i + 2, ">"); // bogus comment
        }
      } else if (c == '!') {
        i = markup_declaration(i);
      } else if (c == '?') {
        i = skip_past(i + 2, ">");
      } else {
        text(i, i + 1);
        i += 1;
      }
    }
  }

  size_t bound() const { return max_; }
  size_t cut() const { return cut_; } // npos when the whole page fits

private:
  enum class Mode {
    Body,
    Table,
    TableBody,
    Row,
    Cell,
    Caption,
    ColumnGroup,
    Select,
    SelectInTable,
    TemplateInitial,
    Unknown
  };
  enum class Head { In, After, Done };
  enum class Quirks { Undecided, Quirks, NoQuirks, Unknown };
  // gumbo's form element pointer.
  enum class FormPointer { None, OnStack, OffStack, Maybe, Unknown };
  enum class TemplateOpen { No, Yes, Maybe };
  enum class Current { No, Yes, Maybe };
  // What gumbo's current node is, for the choice between HTML and foreign rules.
  enum class Top { Html, Foreign, HtmlIp, TextIp, AnnotationXml, Unknown };

  // --- levels ---

  // Records `extra` more levels at the current start tag (kept in paranoid mode, else
  // transient); past the limit, cuts the page before that tag and stops. The +1 is the
  // leaf (text or a void element) below the deepest element.
  void grow(size_t extra, size_t at) {
    size_t total;
    if (paranoid_) {
      paranoid_levels_ += extra;
      total = levels() + 1;
    } else {
      total = levels() + extra + 1;
    }
    if (total > limit_) {
      cut_ = at;
      stopped_ = true;
      return;
    }
    max_ = std::max(max_, total);
  }
  void note() { grow(0, at_); }
  void stop_at(size_t at) {
    cut_ = at;
    stopped_ = true;
  }
  size_t levels() const {
    return stack_.size() + pool_total_ + kImpliedLevels + paranoid_levels_ + rewrapped_;
  }

  void go_paranoid() { paranoid_ = true; }

  // --- the stack ---

  void push(GumboTag tag, Ns ns, bool sure, std::string name = {}) {
    Entry e;
    e.tag = tag;
    e.ns = ns;
    e.sure = sure;
    e.id = ++next_id_;
    e.name = std::move(name);
    if (e.formatting()) {
      // Noah's ark: with three identical entries after its last marker gumbo drops the
      // earliest from its list, though its element may stay open.
      size_t same = pool_count(formatting_index(tag));
      for (size_t i = stack_.size(), floor = last_marker_floor(); i-- > floor;)
        if (stack_[i].html(tag)) ++same;
      if (same >= 3)
        for (Entry& other : stack_)
          if (other.html(tag)) other.clean = false;
      e.clean = sure;
    }
    if (e.marker()) pools_.emplace_back();
    stack_.push_back(std::move(e));
  }

  size_t pool_count(int k) const { return pool_by_tag_[k]; }

  bool clones_possible() const { return clone_floor_ != kNoIndex; }

  // gumbo reopens the formatting elements of its list that are closed here, on top of
  // the current entries ("reconstruct the active formatting elements").
  void reopen_point() {
    if (pool_total_ > 0) clone_floor_ = std::min(clone_floor_, stack_.size());
  }

  void add_slot(const Entry& e) {
    int k = formatting_index(e.tag);
    pool_newest_[k] = std::max(pool_newest_[k], e.id);
    ++pools_.back()[k];
    ++pool_by_tag_[k];
    ++pool_total_;
  }

  // Drops (or, when gumbo keeps them, merges down) the pool segment of a closing marker.
  void close_segment(bool cleared) {
    Segment seg = pools_.back();
    pools_.pop_back();
    for (int k = 0; k < kFormattingTags; ++k) {
      if (cleared) {
        pool_total_ -= seg[k];
        pool_by_tag_[k] -= seg[k];
      } else {
        pools_.back()[k] += seg[k];
      }
    }
  }

  // Entries above the nearest sure marker (all, when markers may be stale or missing):
  // those gumbo may find after the last marker of its active formatting list.
  size_t last_marker_floor() const {
    if (!markers_exact_) return 0;
    for (size_t i = stack_.size(); i-- > 0;)
      if (stack_[i].marker() && stack_[i].sure) return i + 1;
    return 0;
  }

  // Pops stack_[from..top] as gumbo pops them. `clears` is 1 when gumbo then clears its
  // active formatting list to the last marker (closing a cell, caption, object, template).
  void pop_to(size_t from, int clears = 0) {
    bool first_marker = true, stale = false;
    bool lowest_sure = from < stack_.size() && stack_[from].sure;
    while (stack_.size() > from) {
      Entry e = std::move(stack_.back());
      stack_.pop_back();
      if (e.id == form_id_ && (form_ == FormPointer::OnStack || form_ == FormPointer::Maybe))
        form_ = FormPointer::OffStack;
      // gumbo keeps a formatting element in its list and may reopen it: a pool slot.
      if (e.formatting()) add_slot(e);
      if (e.marker()) {
        bool cleared = first_marker && clears == 1 && markers_exact_ && e.sure;
        close_segment(cleared);     // gumbo clears its list down to this marker
        if (!cleared) stale = true; // a marker gumbo may leave behind, or may not have had
        first_marker = false;
      }
    }
    if (stale) markers_stale();
    // Reopened copies above what gumbo closed are closed too, unless the lowest entry
    // popped was perhaps not gumbo's at all.
    if (clone_floor_ != kNoIndex && clone_floor_ > stack_.size())
      clone_floor_ = lowest_sure ? kNoIndex : stack_.size();
  }

  void markers_stale() {
    markers_exact_ = false;
    for (Entry& e : stack_)
      e.clean = false;
  }

  void doubt(Entry& e) {
    e.sure = false;
    e.clean = false;
    if (e.id == form_id_ && form_ == FormPointer::OnStack) form_ = FormPointer::Maybe;
  }
  // gumbo may have closed stack_[from..top]: keep them, unsure.
  void doubt_from(size_t from) {
    bool marker = false;
    for (size_t i = from; i < stack_.size(); ++i) {
      doubt(stack_[i]);
      marker = marker || stack_[i].marker();
    }
    if (marker) markers_stale();
  }
  void doubt_all() { doubt_from(0); }

  // gumbo's "nearest X in scope": the index gumbo surely pops through, or npos. When it
  // cannot tell, marks unsure what gumbo may pop, sets doubted_ and returns npos.
  template <class Match, class Stop> size_t target(Match match, Stop stop) {
    doubted_ = false;
    bool unsure_stop = false;
    for (size_t i = stack_.size(); i-- > 0;) {
      const Entry& e = stack_[i];
      if (match(e)) {
        if (e.sure && !unsure_stop) return i;
        size_t floor = i;
        if (!e.sure)
          for (size_t j = i; j-- > 0;) {
            if (match(stack_[j])) {
              floor = j;
              if (stack_[j].sure) break;
            } else if (stop(stack_[j]) && stack_[j].sure) {
              break;
            }
          }
        doubt_from(floor);
        doubted_ = true;
        return kNoIndex;
      }
      if (stop(e)) {
        if (e.sure) return kNoIndex;
        unsure_stop = true;
      }
    }
    return kNoIndex;
  }

  size_t in_scope(GumboTag tag, Scope scope) {
    if (stack_.count(tag) == 0) { // what target() finds when nothing matches
      doubted_ = false;
      return kNoIndex;
    }
    return target([&](const Entry& e) { return e.html(tag); },
                  [&](const Entry& e) { return ends_scope(e, scope); });
  }

  // Whether gumbo's current node matches: yes only when the top entry is sure, matches,
  // and no formatting element can have been reopened above it.
  template <class Pred> Current current_is(Pred pred, bool reopened_possible) {
    for (size_t i = stack_.size(); i-- > 0;) {
      const Entry& e = stack_[i];
      if (pred(e)) {
        if (i + 1 == stack_.size() && e.sure && !(reopened_possible && clones_possible()))
          return Current::Yes;
        doubt_from(i);
        return Current::Maybe;
      }
      if (e.sure) return Current::No;
    }
    return Current::No;
  }

  static bool decides_mode(GumboTag t) {
    static const TagSet kDecisive(kModeDecidingTags);
    return kDecisive(t);
  }

  // The nearest entry that decides gumbo's insertion mode (npos: the body).
  size_t decisive_index() const {
    if (std::none_of(kModeDecidingTags.begin(), kModeDecidingTags.end(),
                     [&](GumboTag t) { return stack_.count(t) > 0; }))
      return kNoIndex;
    for (size_t i = stack_.size(); i-- > 0;)
      if (decides_mode(stack_[i].tag)) return i;
    return kNoIndex;
  }

  // gumbo's insertion mode, as its reset_insertion_mode_appropriately finds it.
  Mode mode() const {
    size_t d = decisive_index();
    if (d == kNoIndex) return Mode::Body;
    const Entry& e = stack_[d];
    if (e.foreign() || !e.sure) return Mode::Unknown; // gumbo resets by tag alone
    switch (e.tag) {
    case GUMBO_TAG_SELECT: {
      // gumbo sets the mode from where the select opened, and resets it (after a
      // template inside closes) from the nearest table or template below.
      Mode found = Mode::Select;
      for (size_t j = d; j-- > 0;) {
        const Entry& a = stack_[j];
        if (a.html(GUMBO_TAG_TEMPLATE) || a.html(GUMBO_TAG_TABLE)) {
          if (!a.sure) return Mode::Unknown;
          found = a.html(GUMBO_TAG_TABLE) ? Mode::SelectInTable : Mode::Select;
          break;
        }
      }
      if (found != (e.select_in_table ? Mode::SelectInTable : Mode::Select)) return Mode::Unknown;
      return found;
    }
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TH:
      return Mode::Cell;
    case GUMBO_TAG_TR:
      return Mode::Row;
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TFOOT:
      return Mode::TableBody;
    case GUMBO_TAG_CAPTION:
      return Mode::Caption;
    case GUMBO_TAG_COLGROUP:
      return Mode::ColumnGroup;
    case GUMBO_TAG_TABLE:
      return Mode::Table;
    case GUMBO_TAG_TEMPLATE:
      switch (e.template_mode) {
      case Entry::TemplateMode::Initial:
        return Mode::TemplateInitial;
      case Entry::TemplateMode::Body:
        return Mode::Body;
      case Entry::TemplateMode::Table:
        return Mode::Table;
      case Entry::TemplateMode::TableBody:
        return Mode::TableBody;
      case Entry::TemplateMode::Row:
        return Mode::Row;
      case Entry::TemplateMode::ColumnGroup:
        return Mode::ColumnGroup;
      }
      return Mode::Unknown;
    default:
      return Mode::Unknown;
    }
  }

  Top top() const {
    auto kind = [](const Entry& x) {
      if (x.maybe_foreign) return Top::Unknown;
      if (x.ns == Ns::Html) return Top::Html;
      if (x.html_ip) return Top::HtmlIp;
      if (x.text_ip) return Top::TextIp;
      if (x.ns == Ns::Math && x.tag == GUMBO_TAG_ANNOTATION_XML) return Top::AnnotationXml;
      return Top::Foreign;
    };
    if (stack_.empty()) return Top::Html;
    if (stack_.back().sure) return kind(stack_.back());
    // An unsure top: gumbo's current node is one of the entries down to the first sure one.
    for (size_t i = stack_.size(); i-- > 0;) {
      if (kind(stack_[i]) != Top::Html) return Top::Unknown;
      if (stack_[i].sure) break;
    }
    return Top::Html;
  }

  TemplateOpen template_open() const {
    bool any = false;
    for (const Entry& e : stack_)
      if (e.html(GUMBO_TAG_TEMPLATE)) {
        if (e.sure) return TemplateOpen::Yes;
        any = true;
      }
    return any ? TemplateOpen::Maybe : TemplateOpen::No;
  }

  // In the head with nothing but a head <noscript> open (templates take over).
  bool head_context() const {
    for (const Entry& e : stack_)
      if (!e.head_noscript) return false;
    return true;
  }
  bool head_noscript_open() const { return !stack_.empty() && stack_.back().head_noscript; }

  // --- tokens other than tags ---

  size_t skip_past(size_t i, std::string_view what) const {
    size_t p = html_.find(what, i);
    return p == std::string_view::npos ? html_.size() : p + what.size();
  }

  size_t markup_declaration(size_t i) { // html_[i..] == "<!"
    std::string_view rest = html_.substr(i + 2);
    if (rest.substr(0, 2) == "--") return comment(i + 4);
    if (rest.size() >= 7 && oauth::iequals(rest.substr(0, 7), "doctype")) {
      size_t end = skip_past(i + 9, ">");
      if (quirks_ == Quirks::Undecided) {
        std::string d = oauth::ascii_lower(html_.substr(i + 9, end - (i + 9)));
        if (!d.empty() && d.back() == '>') d.pop_back();
        quirks_ = oauth::trim(d) == "html" ? Quirks::NoQuirks : Quirks::Unknown;
      }
      return end;
    }
    if (rest.substr(0, 7) == "[CDATA[") {
      // A CDATA section only where gumbo's current node is foreign.
      Top t = top();
      if (t == Top::Unknown || (t == Top::HtmlIp && clones_possible())) {
        go_paranoid();
        return i + 2;
      }
      if (t != Top::Html) return skip_past(i + 9, "]]>");
    }
    return skip_past(i + 2, ">"); // bogus comment
  }

  size_t comment(size_t i) { // past "<!--": gumbo's comment states
    enum { Start, StartDash, Body, EndDash, End, EndBang };
    int state = Start;
    for (const size_t n = html_.size(); i < n; ++i) {
      char c = html_[i];
      switch (state) {
      case Start:
      case StartDash:
        if (c == '>') return i + 1;
        state = c == '-' ? (state == Start ? StartDash : End) : Body;
        break;
      case Body:
        if (c == '-') state = EndDash;
        break;
      case EndDash:
        state = c == '-' ? End : Body;
        break;
      case End:
        if (c == '>') return i + 1;
        if (c == '!')
          state = EndBang;
        else if (c != '-')
          state = Body;
        break;
      case EndBang:
        if (c == '>') return i + 1;
        state = c == '-' ? EndDash : Body;
        break;
      }
    }
    return html_.size();
  }

  size_t skip_raw_text(size_t i) {
    GumboTag tag = raw_;
    raw_ = GUMBO_TAG_LAST;
    if (tag == GUMBO_TAG_PLAINTEXT) return html_.size(); // the rest is text
    size_t end = raw_text_end(html_, i, tag);
    if (end == std::string_view::npos) return html_.size();
    Tag close;
    size_t next = read_tag(html_, end + 2, true, close);
    return next == std::string_view::npos ? html_.size() : next;
  }

  void text(size_t from, size_t to) {
    reopen_point();
    bool space = true;
    for (size_t i = from; i < to && space; ++i)
      space = is_ws(html_[i]);
    if (space) return;
    if (quirks_ == Quirks::Undecided) quirks_ = Quirks::Quirks;
    if (head_ != Head::Done && head_context()) {
      if (head_noscript_open()) pop_to(stack_.size() - 1);
      head_ = Head::Done;
    }
    Mode m = mode();
    if (m == Mode::ColumnGroup) {
      // gumbo pops the colgroup and reprocesses the text in the table.
      if (current_is([](const Entry& e) { return e.html(GUMBO_TAG_COLGROUP); }, false) ==
          Current::Yes)
        pop_to(stack_.size() - 1);
    } else if (m == Mode::Unknown) {
      // Text closes only a current colgroup (gumbo retries it in the table).
      for (size_t i = 0; i < stack_.size(); ++i)
        if (stack_[i].html(GUMBO_TAG_COLGROUP)) return doubt_from(i);
    }
  }

  // --- start tags ---

  void start_tag(const Tag& tag) {
    if (quirks_ == Quirks::Undecided) quirks_ = Quirks::Quirks;
    if (tag.tag == GUMBO_TAG_FRAMESET) {
      go_paranoid(); // gumbo may replace the body; frameset content tokenizes differently
      return grow(kMostPerTag, at_);
    }
    if (head_ != Head::Done && head_context() && head_start(tag)) return;
    dispatch_start(tag);
  }

  // gumbo's head insertion modes; true when the tag was handled there.
  bool head_start(const Tag& tag) {
    GumboTag t = tag.tag;
    if (head_noscript_open()) {
      if (tag_in(t, {GUMBO_TAG_BASEFONT, GUMBO_TAG_BGSOUND, GUMBO_TAG_LINK, GUMBO_TAG_META}))
        return note(), true;
      if (tag_in(t, {GUMBO_TAG_NOFRAMES, GUMBO_TAG_STYLE})) return raw(t), true;
      if (tag_in(t, {GUMBO_TAG_HEAD, GUMBO_TAG_NOSCRIPT, GUMBO_TAG_HTML})) return true;
      pop_to(stack_.size() - 1); // gumbo closes the noscript and retries in the head
    }
    if (t == GUMBO_TAG_HTML || t == GUMBO_TAG_HEAD) return true;
    if (tag_in(t, {GUMBO_TAG_BASE, GUMBO_TAG_BASEFONT, GUMBO_TAG_BGSOUND, GUMBO_TAG_LINK,
                   GUMBO_TAG_META}) ||
        (head_ == Head::In && t == GUMBO_TAG_MENUITEM))
      return note(), true;
    if (tag_in(t, {GUMBO_TAG_TITLE, GUMBO_TAG_NOFRAMES, GUMBO_TAG_STYLE, GUMBO_TAG_SCRIPT}))
      return raw(t), true;
    if (t == GUMBO_TAG_TEMPLATE) return push(t, Ns::Html, true), note(), true;
    if (t == GUMBO_TAG_NOSCRIPT && head_ == Head::In) {
      push(t, Ns::Html, true);
      stack_.back().head_noscript = true;
      return note(), true;
    }
    head_ = Head::Done;
    if (t == GUMBO_TAG_BODY) return note(), true;
    return false;
  }

  void raw(GumboTag t) {
    raw_ = t;
    grow(1, at_); // the element holding the text
  }

  void dispatch_start(const Tag& tag) {
    Top t = top();
    if (t == Top::Unknown) return uncertain_start(tag);
    bool html_rules =
        t == Top::Html || t == Top::HtmlIp ||
        (t == Top::TextIp && !tag_in(tag.tag, {GUMBO_TAG_MGLYPH, GUMBO_TAG_MALIGNMARK})) ||
        (t == Top::AnnotationXml && tag.tag == GUMBO_TAG_SVG);
    if (!html_rules) {
      // A reopened formatting element above a MathML text point would take HTML rules.
      if (t == Top::TextIp && clones_possible()) return uncertain_start(tag);
      return foreign_start(tag);
    }
    mode_start(tag, mode());
  }

  static bool is_raw(GumboTag t) {
    return tag_in(t, {GUMBO_TAG_SCRIPT, GUMBO_TAG_STYLE, GUMBO_TAG_TITLE, GUMBO_TAG_TEXTAREA,
                      GUMBO_TAG_XMP, GUMBO_TAG_IFRAME, GUMBO_TAG_NOEMBED, GUMBO_TAG_NOFRAMES,
                      GUMBO_TAG_PLAINTEXT});
  }
  static bool is_void(GumboTag t) {
    return tag_in(t, {GUMBO_TAG_AREA,  GUMBO_TAG_BR,       GUMBO_TAG_EMBED,   GUMBO_TAG_IMG,
                      GUMBO_TAG_IMAGE, GUMBO_TAG_KEYGEN,   GUMBO_TAG_WBR,     GUMBO_TAG_INPUT,
                      GUMBO_TAG_PARAM, GUMBO_TAG_SOURCE,   GUMBO_TAG_TRACK,   GUMBO_TAG_HR,
                      GUMBO_TAG_BASE,  GUMBO_TAG_BASEFONT, GUMBO_TAG_BGSOUND, GUMBO_TAG_MENUITEM,
                      GUMBO_TAG_LINK,  GUMBO_TAG_META,     GUMBO_TAG_FRAME,   GUMBO_TAG_ISINDEX});
  }

  // Where gumbo's handling cannot be told: every entry becomes unsure, and the tag counts
  // as the most it could open.
  void uncertain_start(const Tag& tag) {
    GumboTag t = tag.tag;
    if (is_raw(t)) {
      go_paranoid(); // raw text or markup: the tokenizing itself is in doubt
      return grow(kMostPerTag, at_);
    }
    if (guard_foreign_) {
      bool table = false, foreign = false;
      for (const Entry& e : stack_) {
        table = table || e.tag == GUMBO_TAG_TABLE;
        foreign = foreign || e.foreign() || e.maybe_foreign;
      }
      if ((table && (t == GUMBO_TAG_SVG || t == GUMBO_TAG_MATH)) || (foreign && decides_mode(t)))
        return stop_at(at_);
    }
    doubt_all();
    reopen_point();
    bool maybe_foreign = false;
    for (const Entry& e : stack_)
      maybe_foreign = maybe_foreign || e.foreign() || e.maybe_foreign;
    if (t == GUMBO_TAG_FORM && form_ == FormPointer::None) form_ = FormPointer::Unknown;
    auto add = [&](GumboTag pushed, Ns ns) {
      push(pushed, ns, false, tag.source_name);
      stack_.back().maybe_foreign = maybe_foreign && ns == Ns::Html;
    };
    if (t == GUMBO_TAG_TD || t == GUMBO_TAG_TH) add(GUMBO_TAG_TBODY, Ns::Html);
    if (t == GUMBO_TAG_TD || t == GUMBO_TAG_TH || t == GUMBO_TAG_TR) add(GUMBO_TAG_TR, Ns::Html);
    if (t == GUMBO_TAG_COL && !maybe_foreign) add(GUMBO_TAG_COLGROUP, Ns::Html);
    if (t == GUMBO_TAG_ISINDEX) grow(2, at_);
    // In foreign content even a void tag opens an element.
    bool opens = !is_void(t) || (maybe_foreign && !tag.self_closing);
    if (opens && (maybe_foreign || !tag_in(t, {GUMBO_TAG_HTML, GUMBO_TAG_BODY, GUMBO_TAG_HEAD})))
      add(t, t == GUMBO_TAG_SVG ? Ns::Svg : t == GUMBO_TAG_MATH ? Ns::Math : Ns::Html);
    note();
  }

  void foreign_start(const Tag& tag) {
    bool breakout =
        tag_in(tag.tag,
               {GUMBO_TAG_B,       GUMBO_TAG_BIG,    GUMBO_TAG_BLOCKQUOTE, GUMBO_TAG_BODY,
                GUMBO_TAG_BR,      GUMBO_TAG_CENTER, GUMBO_TAG_CODE,       GUMBO_TAG_DD,
                GUMBO_TAG_DIV,     GUMBO_TAG_DL,     GUMBO_TAG_DT,         GUMBO_TAG_EM,
                GUMBO_TAG_EMBED,   GUMBO_TAG_H1,     GUMBO_TAG_H2,         GUMBO_TAG_H3,
                GUMBO_TAG_H4,      GUMBO_TAG_H5,     GUMBO_TAG_H6,         GUMBO_TAG_HEAD,
                GUMBO_TAG_HR,      GUMBO_TAG_I,      GUMBO_TAG_IMG,        GUMBO_TAG_LI,
                GUMBO_TAG_LISTING, GUMBO_TAG_MENU,   GUMBO_TAG_META,       GUMBO_TAG_NOBR,
                GUMBO_TAG_OL,      GUMBO_TAG_P,      GUMBO_TAG_PRE,        GUMBO_TAG_RUBY,
                GUMBO_TAG_S,       GUMBO_TAG_SMALL,  GUMBO_TAG_SPAN,       GUMBO_TAG_STRONG,
                GUMBO_TAG_STRIKE,  GUMBO_TAG_SUB,    GUMBO_TAG_SUP,        GUMBO_TAG_TABLE,
                GUMBO_TAG_TT,      GUMBO_TAG_U,      GUMBO_TAG_UL,         GUMBO_TAG_VAR}) ||
        (tag.tag == GUMBO_TAG_FONT && tag.font_breakout);
    if (breakout) {
      // gumbo pops foreign elements down to an HTML element or integration point, then
      // retries the tag as HTML.
      size_t i = stack_.size() - 1;
      while (i > 0 && stack_[i - 1].foreign() && !stack_[i - 1].html_ip && !stack_[i - 1].text_ip)
        --i;
      bool sure = i == 0 || (stack_[i - 1].sure && !stack_[i - 1].maybe_foreign);
      for (size_t j = i; j < stack_.size(); ++j)
        sure = sure && stack_[j].sure;
      if (!sure) return uncertain_start(tag);
      pop_to(i);
      return dispatch_start(tag);
    }
    if (guard_foreign_ && decides_mode(tag.tag)) return stop_at(at_);
    if (tag.self_closing) return note();
    Ns ns = stack_.back().ns;
    push(tag.tag, ns, !(tag.tag == GUMBO_TAG_ANNOTATION_XML && tag.encoding_unsure),
         tag.source_name);
    Entry& e = stack_.back();
    if (ns == Ns::Svg)
      e.html_ip = tag_in(tag.tag, {GUMBO_TAG_FOREIGNOBJECT, GUMBO_TAG_DESC, GUMBO_TAG_TITLE});
    if (ns == Ns::Math) {
      e.text_ip = tag_in(tag.tag,
                         {GUMBO_TAG_MI, GUMBO_TAG_MO, GUMBO_TAG_MN, GUMBO_TAG_MS, GUMBO_TAG_MTEXT});
      e.html_ip = tag.tag == GUMBO_TAG_ANNOTATION_XML && tag.html_encoding;
    }
    note();
  }

  // The tag under gumbo's insertion mode `m`, its current node being HTML or an
  // integration point.
  void mode_start(const Tag& tag, Mode m) {
    GumboTag t = tag.tag;
    bool table_part =
        tag_in(t, {GUMBO_TAG_CAPTION, GUMBO_TAG_COL, GUMBO_TAG_COLGROUP, GUMBO_TAG_TBODY,
                   GUMBO_TAG_TD, GUMBO_TAG_TFOOT, GUMBO_TAG_TH, GUMBO_TAG_THEAD, GUMBO_TAG_TR});
    switch (m) {
    case Mode::Unknown:
      return uncertain_start(tag);
    case Mode::Body:
      return body_start(tag);
    case Mode::Cell:
      if (!table_part) return body_start(tag);
      if (!close_cell()) return uncertain_start(tag);
      return mode_start(tag, mode());
    case Mode::Caption:
      if (!table_part) return body_start(tag);
      pop_to(decisive_index(), 1);
      return mode_start(tag, mode());
    case Mode::Table:
      return table_start(tag);
    case Mode::TableBody: {
      size_t d = decisive_index();
      if (t == GUMBO_TAG_TR) {
        pop_to(d + 1);
        push(t, Ns::Html, true);
        return note();
      }
      if (t == GUMBO_TAG_TD || t == GUMBO_TAG_TH) {
        pop_to(d + 1);
        push(GUMBO_TAG_TR, Ns::Html, true); // implied
        return mode_start(tag, Mode::Row);
      }
      if (table_part) { // caption, col, colgroup, tbody, tfoot, thead
        if (stack_[d].html(GUMBO_TAG_TEMPLATE)) return note(); // no table body in scope
        pop_to(d);
        return mode_start(tag, mode());
      }
      return table_start(tag);
    }
    case Mode::Row: {
      size_t d = decisive_index();
      if (t == GUMBO_TAG_TD || t == GUMBO_TAG_TH) {
        pop_to(d + 1);
        push(t, Ns::Html, true);
        return note();
      }
      if (table_part) {
        if (stack_[d].html(GUMBO_TAG_TEMPLATE)) return note(); // no row in scope
        pop_to(d);
        return mode_start(tag, mode());
      }
      return table_start(tag);
    }
    case Mode::ColumnGroup: {
      if (t == GUMBO_TAG_COL || t == GUMBO_TAG_HTML) return note();
      if (t == GUMBO_TAG_TEMPLATE) return body_start(tag);
      Current c = current_is([](const Entry& e) { return e.html(GUMBO_TAG_COLGROUP); }, false);
      if (c == Current::Maybe) return uncertain_start(tag);
      if (c == Current::No) return note(); // a template is current: ignored, raw text too
      pop_to(stack_.size() - 1);
      return mode_start(tag, mode());
    }
    case Mode::Select:
    case Mode::SelectInTable:
      return select_start(tag, m);
    case Mode::TemplateInitial: {
      using TM = Entry::TemplateMode;
      if (tag_in(t, {GUMBO_TAG_BASE, GUMBO_TAG_BASEFONT, GUMBO_TAG_BGSOUND, GUMBO_TAG_LINK,
                     GUMBO_TAG_META, GUMBO_TAG_NOFRAMES, GUMBO_TAG_SCRIPT, GUMBO_TAG_STYLE,
                     GUMBO_TAG_TEMPLATE, GUMBO_TAG_TITLE}))
        return body_start(tag);
      Entry& tmpl = stack_[decisive_index()];
      if (tag_in(t, {GUMBO_TAG_CAPTION, GUMBO_TAG_COLGROUP, GUMBO_TAG_TBODY, GUMBO_TAG_TFOOT,
                     GUMBO_TAG_THEAD}))
        tmpl.template_mode = TM::Table;
      else if (t == GUMBO_TAG_COL)
        tmpl.template_mode = TM::ColumnGroup;
      else if (t == GUMBO_TAG_TR)
        tmpl.template_mode = TM::TableBody;
      else if (t == GUMBO_TAG_TD || t == GUMBO_TAG_TH)
        tmpl.template_mode = TM::Row;
      else
        tmpl.template_mode = TM::Body;
      return mode_start(tag, mode());
    }
    }
  }

  // gumbo's close_current_cell; false when it cannot be told which cell closes.
  bool close_cell() {
    size_t td = kNoIndex, th = kNoIndex;
    for (size_t i = stack_.size(); i-- > 0;) {
      const Entry& e = stack_[i];
      if (ends_scope(e, Scope::Table)) {
        if (!e.sure) return false;
        break;
      }
      if (e.html(GUMBO_TAG_TD) && td == kNoIndex) td = i;
      if (e.html(GUMBO_TAG_TH) && th == kNoIndex) th = i;
    }
    size_t cell = td != kNoIndex ? td : th;
    if (cell == kNoIndex || !stack_[cell].sure) return false;
    pop_to(cell, 1);
    return true;
  }

  // Where gumbo's "clear the stack back to a table context" stops.
  size_t table_context() const {
    for (size_t i = stack_.size(); i-- > 0;)
      if (stack_[i].html(GUMBO_TAG_TABLE) || stack_[i].html(GUMBO_TAG_TEMPLATE)) return i + 1;
    return 0;
  }

  void table_start(const Tag& tag) {
    GumboTag t = tag.tag;
    if (tag_in(t, {GUMBO_TAG_CAPTION, GUMBO_TAG_COLGROUP, GUMBO_TAG_TBODY, GUMBO_TAG_TFOOT,
                   GUMBO_TAG_THEAD})) {
      pop_to(table_context());
      push(t, Ns::Html, true);
      return note();
    }
    if (t == GUMBO_TAG_COL) {
      pop_to(table_context());
      push(GUMBO_TAG_COLGROUP, Ns::Html, true); // implied; the col itself is void
      return note();
    }
    if (t == GUMBO_TAG_TD || t == GUMBO_TAG_TH || t == GUMBO_TAG_TR) {
      pop_to(table_context());
      push(GUMBO_TAG_TBODY, Ns::Html, true); // implied
      return mode_start(tag, Mode::TableBody);
    }
    if (t == GUMBO_TAG_TABLE) {
      size_t table = in_scope(GUMBO_TAG_TABLE, Scope::Table);
      if (doubted_) return uncertain_start(tag);
      if (table == kNoIndex) return note(); // ignored
      pop_to(table);
      return dispatch_start(tag);
    }
    if (tag_in(t, {GUMBO_TAG_STYLE, GUMBO_TAG_SCRIPT, GUMBO_TAG_TEMPLATE})) return body_start(tag);
    if (t == GUMBO_TAG_INPUT) return note();
    if (t == GUMBO_TAG_FORM) {
      if (form_ == FormPointer::None) {
        TemplateOpen tmpl = template_open();
        if (tmpl == TemplateOpen::No) form_ = FormPointer::OffStack; // inserted, closed at once
        if (tmpl == TemplateOpen::Maybe) form_ = FormPointer::Unknown;
      }
      return note();
    }
    if (guard_foreign_ && (t == GUMBO_TAG_SVG || t == GUMBO_TAG_MATH)) return stop_at(at_);
    body_start(tag); // foster-parented, as in the body
  }

  void select_start(const Tag& tag, Mode m) {
    GumboTag t = tag.tag;
    auto select_in_scope = [&] {
      return target([](const Entry& e) { return e.html(GUMBO_TAG_SELECT); },
                    [](const Entry& e) { return ends_scope(e, Scope::Select); });
    };
    if (m == Mode::SelectInTable &&
        tag_in(t, {GUMBO_TAG_CAPTION, GUMBO_TAG_TABLE, GUMBO_TAG_TBODY, GUMBO_TAG_TFOOT,
                   GUMBO_TAG_THEAD, GUMBO_TAG_TR, GUMBO_TAG_TD, GUMBO_TAG_TH})) {
      pop_to(decisive_index());
      return dispatch_start(tag);
    }
    if (t == GUMBO_TAG_OPTION || t == GUMBO_TAG_OPTGROUP) {
      if (current_is([](const Entry& e) { return e.html(GUMBO_TAG_OPTION); }, false) ==
          Current::Yes)
        pop_to(stack_.size() - 1);
      if (t == GUMBO_TAG_OPTGROUP &&
          current_is([](const Entry& e) { return e.html(GUMBO_TAG_OPTGROUP); }, false) ==
              Current::Yes)
        pop_to(stack_.size() - 1);
      push(t, Ns::Html, true);
      return note();
    }
    if (t == GUMBO_TAG_SELECT) {
      size_t s = select_in_scope();
      if (s != kNoIndex) pop_to(s);
      return note();
    }
    if (tag_in(t, {GUMBO_TAG_INPUT, GUMBO_TAG_KEYGEN, GUMBO_TAG_TEXTAREA})) {
      size_t s = select_in_scope();
      if (doubted_) return uncertain_start(tag);
      if (s == kNoIndex) return note(); // ignored, a textarea too: no raw text follows
      pop_to(s);
      return dispatch_start(tag);
    }
    if (t == GUMBO_TAG_SCRIPT || t == GUMBO_TAG_TEMPLATE) return body_start(tag);
    note(); // ignored: gumbo keeps reading markup (style, title... are not raw here)
  }

  void close_p() {
    size_t p = in_scope(GUMBO_TAG_P, Scope::Button);
    if (p != kNoIndex) pop_to(p);
  }

  // gumbo may close a <p> here, or not: keep it, unsure.
  void doubt_p() {
    for (size_t i = 0; i < stack_.size(); ++i)
      if (stack_[i].html(GUMBO_TAG_P)) return doubt_from(i);
  }

  // <li>, <dd>, <dt>: gumbo closes the previous item unless a special element intervenes.
  void close_list_item(bool li) {
    size_t i = target(
        [&](const Entry& e) {
          return li ? e.html(GUMBO_TAG_LI) : (e.html(GUMBO_TAG_DD) || e.html(GUMBO_TAG_DT));
        },
        [](const Entry& e) {
          return is_special(e) && !e.html(GUMBO_TAG_ADDRESS) && !e.html(GUMBO_TAG_DIV) &&
                 !e.html(GUMBO_TAG_P);
        });
    if (i != kNoIndex) pop_to(i);
  }

  void body_start(const Tag& tag) {
    GumboTag t = tag.tag;
    switch (t) {
    case GUMBO_TAG_HTML:
    case GUMBO_TAG_BODY:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_COL:
    case GUMBO_TAG_COLGROUP:
    case GUMBO_TAG_FRAME:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_TH:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TR:
      return note(); // merged into html or body, or ignored
    case GUMBO_TAG_BASE:
    case GUMBO_TAG_BASEFONT:
    case GUMBO_TAG_BGSOUND:
    case GUMBO_TAG_MENUITEM:
    case GUMBO_TAG_LINK:
    case GUMBO_TAG_META:
    case GUMBO_TAG_AREA:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_IMG:
    case GUMBO_TAG_IMAGE:
    case GUMBO_TAG_KEYGEN:
    case GUMBO_TAG_WBR:
    case GUMBO_TAG_INPUT:
      reopen_point();
      return note(); // void
    case GUMBO_TAG_PARAM:
    case GUMBO_TAG_SOURCE:
    case GUMBO_TAG_TRACK:
      return note(); // void
    case GUMBO_TAG_HR:
      close_p();
      return note();
    case GUMBO_TAG_TITLE:
    case GUMBO_TAG_NOFRAMES:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_NOEMBED:
      return raw(t);
    case GUMBO_TAG_XMP:
      close_p();
      reopen_point();
      return raw(t);
    case GUMBO_TAG_PLAINTEXT:
      close_p();
      return raw(t);
    case GUMBO_TAG_SELECT: {
      Mode m = mode();
      reopen_point();
      push(t, Ns::Html, true);
      stack_.back().select_in_table = m == Mode::Table || m == Mode::Caption ||
                                      m == Mode::TableBody || m == Mode::Row || m == Mode::Cell;
      return note();
    }
    case GUMBO_TAG_TEMPLATE:
      push(t, Ns::Html, true);
      return note();
    case GUMBO_TAG_APPLET:
    case GUMBO_TAG_MARQUEE:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_NOSCRIPT: // gumbo runs without scripting: its content is markup
      reopen_point();
      push(t, Ns::Html, true);
      return note();
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
      close_p();
      if (current_is(
              [](const Entry& e) { return e.ns == Ns::Html && !e.ghost && is_heading(e.tag); },
              true) == Current::Yes)
        pop_to(stack_.size() - 1);
      push(t, Ns::Html, true);
      return note();
    case GUMBO_TAG_LI:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_DT:
      close_list_item(t == GUMBO_TAG_LI);
      close_p();
      push(t, Ns::Html, true);
      return note();
    case GUMBO_TAG_FORM:
      return form_start();
    case GUMBO_TAG_ISINDEX:
      // A form, hr, label, input and hr, all closed again; ignored inside a form.
      if (form_ == FormPointer::None && template_open() == TemplateOpen::No)
        close_p();
      else if (form_ == FormPointer::Unknown || template_open() != TemplateOpen::No)
        doubt_p();
      return grow(2, at_);
    case GUMBO_TAG_BUTTON: {
      size_t b = in_scope(GUMBO_TAG_BUTTON, Scope::Default);
      if (b != kNoIndex) pop_to(b);
      reopen_point();
      push(t, Ns::Html, true);
      return note();
    }
    case GUMBO_TAG_A:
    case GUMBO_TAG_NOBR:
      adoption(t, true);
      reopen_point();
      push(t, Ns::Html, true);
      return note();
    case GUMBO_TAG_TABLE:
      if (quirks_ == Quirks::NoQuirks)
        close_p();
      else if (quirks_ != Quirks::Quirks)
        doubt_p();
      push(t, Ns::Html, true);
      return note();
    case GUMBO_TAG_OPTION:
    case GUMBO_TAG_OPTGROUP:
      if (current_is([](const Entry& e) { return e.html(GUMBO_TAG_OPTION); }, true) == Current::Yes)
        pop_to(stack_.size() - 1);
      reopen_point();
      push(t, Ns::Html, true);
      return note();
    case GUMBO_TAG_RB:
    case GUMBO_TAG_RP:
    case GUMBO_TAG_RT:
    case GUMBO_TAG_RTC: {
      // With a ruby in scope gumbo pops implied-end elements off the top.
      bool ruby = false;
      for (const Entry& e : stack_)
        ruby = ruby || e.html(GUMBO_TAG_RUBY);
      if (ruby) doubt_from(implied_top());
      push(t, Ns::Html, true);
      return note();
    }
    case GUMBO_TAG_MATH:
    case GUMBO_TAG_SVG:
      reopen_point();
      if (tag.self_closing) return note();
      push(t, t == GUMBO_TAG_MATH ? Ns::Math : Ns::Svg, true, tag.source_name);
      return note();
    default:
      break;
    }
    if (tag_in(t,
               {GUMBO_TAG_ADDRESS, GUMBO_TAG_ARTICLE,  GUMBO_TAG_ASIDE,      GUMBO_TAG_BLOCKQUOTE,
                GUMBO_TAG_CENTER,  GUMBO_TAG_DETAILS,  GUMBO_TAG_DIR,        GUMBO_TAG_DIV,
                GUMBO_TAG_DL,      GUMBO_TAG_FIELDSET, GUMBO_TAG_FIGCAPTION, GUMBO_TAG_FIGURE,
                GUMBO_TAG_FOOTER,  GUMBO_TAG_HEADER,   GUMBO_TAG_HGROUP,     GUMBO_TAG_MENU,
                GUMBO_TAG_MAIN,    GUMBO_TAG_NAV,      GUMBO_TAG_OL,         GUMBO_TAG_P,
                GUMBO_TAG_SECTION, GUMBO_TAG_SUMMARY,  GUMBO_TAG_UL,         GUMBO_TAG_PRE,
                GUMBO_TAG_LISTING}))
      close_p();
    else
      reopen_point();
    push(t, Ns::Html, true);
    note();
  }

  void form_start() {
    TemplateOpen tmpl = template_open();
    if (tmpl == TemplateOpen::Yes) {
      close_p();
      push(GUMBO_TAG_FORM, Ns::Html, true);
      return note();
    }
    if (tmpl == TemplateOpen::No && form_ == FormPointer::None) {
      close_p();
      push(GUMBO_TAG_FORM, Ns::Html, true);
      form_ = FormPointer::OnStack;
      form_id_ = stack_.back().id;
      return note();
    }
    if (tmpl == TemplateOpen::No && form_ != FormPointer::Unknown)
      return note(); // inside a form: gumbo ignores nested ones
    doubt_p();
    push(GUMBO_TAG_FORM, Ns::Html, false);
    if (form_ == FormPointer::None) form_ = FormPointer::Unknown;
    note();
  }

  // From the top, the implied-end entries gumbo may pop (and unsure ones it may skip).
  size_t implied_top() const {
    size_t i = stack_.size();
    while (i > 0 && (implied_end(stack_[i - 1]) || !stack_[i - 1].sure))
      --i;
    return i;
  }

  // gumbo's adoption agency, for a formatting end tag (or <a>, <nobr> with one open):
  // does what gumbo surely does, else marks unsure all it may move or close.
  void adoption(GumboTag t, bool start) {
    int k = formatting_index(t);
    size_t floor = last_marker_floor();
    size_t nearest = kNoIndex, lowest = kNoIndex;
    for (size_t i = stack_.size(); i-- > floor;)
      if (stack_[i].html(t)) {
        if (nearest == kNoIndex) nearest = i;
        lowest = i;
      }
    size_t pooled = pool_count(k);
    if (nearest == kNoIndex && pooled == 0) return; // none after gumbo's last marker
    // gumbo takes the last such element of its list: this entry, when it is surely in the
    // list and nothing of that tag was pooled after it.
    if (nearest != kNoIndex && stack_[nearest].sure && stack_[nearest].clean &&
        stack_[nearest].id > pool_newest_[k] && adopt(nearest, start)) {
      if (t == GUMBO_TAG_A) doubt_tag(t); // gumbo drops another <a> from the stack too
      return;
    }
    if (nearest == kNoIndex && markers_exact_ && pools_.back()[k] > 0 &&
        !(t == GUMBO_TAG_NOBR && clones_possible())) {
      // Only pooled ones after the marker: gumbo drops the last from its list, and closes
      // it (with what follows it) if it was reopened, as nothing above can stop that.
      // (<nobr> first reopens them all, when none is open, and closes that copy.)
      bool plain = true;
      size_t from = clones_possible() ? clone_floor_ : stack_.size();
      for (size_t i = from; plain && i < stack_.size(); ++i)
        plain = !is_special(stack_[i]) && !ends_scope(stack_[i], Scope::Default);
      if (plain) {
        doubt_from(from);
        --pools_.back()[k];
        --pool_by_tag_[k];
        --pool_total_;
        return;
      }
    }
    size_t from = lowest == kNoIndex ? stack_.size() : lowest;
    if (pooled > 0 && clones_possible()) from = std::min(from, clone_floor_);
    // Up to eight rounds, one per special element above, may each wrap content deeper.
    size_t blocks = 0, formatting = pool_total_;
    for (size_t i = from; i < stack_.size(); ++i) {
      if (is_special(stack_[i])) ++blocks;
      if (stack_[i].formatting()) ++formatting;
    }
    rewrapped_ += std::min<size_t>(blocks, 8) * (1 + tree_gap_below(stack_.size()) + formatting);
    doubt_from(from);
    doubt_tag(t);
  }

  // Entries below `index` whose place in gumbo's tree may lie above their place in the
  // stack: kept open while an ancestor left, or foster-parented beside a table. Moving a
  // furthest block among them may take its content that much deeper.
  size_t tree_gap_below(size_t index) const {
    size_t gap = 0, foster = kNoIndex;
    for (size_t i = 0; i < index && i < stack_.size(); ++i) {
      const Entry& e = stack_[i];
      if (e.ghost || e.detached) ++gap;
      if (foster == kNoIndex &&
          (e.html(GUMBO_TAG_TABLE) || e.html(GUMBO_TAG_TBODY) || e.html(GUMBO_TAG_THEAD) ||
           e.html(GUMBO_TAG_TFOOT) || e.html(GUMBO_TAG_TR)))
        foster = i;
    }
    if (foster != kNoIndex) gap += std::min(index, stack_.size()) - foster - 1;
    return gap;
  }

  // The adoption agency's rounds (parser.c adoption_agency_algorithm) with `f` as the
  // formatting element, when every entry from it up is sure, every formatting entry
  // among them surely in gumbo's list, and no reopened element can sit among them;
  // false, changing nothing, otherwise.
  bool adopt(size_t f, bool start) {
    GumboTag t = stack_[f].tag;
    for (size_t i = f; i < stack_.size(); ++i) {
      const Entry& e = stack_[i];
      if (!e.sure || (e.formatting() && !e.clean)) return false;
      // Reopened elements may sit anywhere above: only a plain pop is then sure.
      if (clones_possible() && i > f && (is_special(e) || ends_scope(e, Scope::Default)))
        return false;
    }
    for (int round = 0; round < 8; ++round) {
      size_t block = kNoIndex;
      for (size_t i = f + 1; i < stack_.size(); ++i) {
        if (ends_scope(stack_[i], Scope::Default)) {
          // Not in scope, unless another element of its tag is (gumbo checks the tag).
          for (size_t j = i; j < stack_.size(); ++j)
            if (stack_[j].html(t)) return round > 0 ? (doubt_from(f), true) : false;
          return true; // ignored
        }
        if (block == kNoIndex && is_special(stack_[i])) block = i;
      }
      if (block == kNoIndex) {
        // No furthest block: gumbo pops through it and drops it from its list.
        pop_to(f + 1);
        stack_.pop_back(); // no pool slot: gumbo drops it from its list
        if (clone_floor_ != kNoIndex) clone_floor_ = std::min(clone_floor_, stack_.size());
        return true;
      }
      // The copy wraps the furthest block's content: a level more, unless the block moves
      // up at least as much, as it does when the stack below it matches the tree.
      if (size_t gap = tree_gap_below(block); gap > 0) rewrapped_ += 1 + gap;
      // From the furthest block down: formatting elements still in the list become
      // copies chained above the common ancestor (all but the nearest three leave the
      // list and stay where they are); the others leave the stack.
      std::vector<Entry> kept_or_ghosts; // what stays between, bottom up, for the tree
      std::vector<Entry> chain;          // the copies, bottom up
      bool kept_above = false;
      int j = 0;
      for (size_t i = block; i-- > f + 1;) {
        Entry& e = stack_[i];
        ++j;
        if (e.formatting() && j <= 3) {
          chain.push_back(std::move(e));
        } else if (e.formatting()) {
          e.clean = false; // out of the list, still open
          e.detached = true;
          kept_or_ghosts.push_back(std::move(e));
          kept_above = true;
        } else if (kept_above) {
          // Closed, but an ancestor of what stays open above it.
          e.ghost = true;
          e.sure = false;
          kept_or_ghosts.push_back(std::move(e));
        }
      }
      Entry fe = std::move(stack_[f]);
      Entry copy = fe;  // the new formatting element, in fe's place in the list
      if (kept_above) { // fe too stays an ancestor of what stays open
        fe.ghost = true;
        fe.sure = false;
        fe.clean = false;
        kept_or_ghosts.push_back(std::move(fe));
      }
      std::vector<Entry> rebuilt;
      for (size_t i = kept_or_ghosts.size(); i-- > 0;)
        rebuilt.push_back(std::move(kept_or_ghosts[i]));
      for (size_t i = chain.size(); i-- > 0;)
        rebuilt.push_back(std::move(chain[i]));
      rebuilt.push_back(std::move(stack_[block]));
      rebuilt.push_back(std::move(copy)); // inside the furthest block, holding its children
      size_t next = f + rebuilt.size() - 1;
      stack_.replace(f, block + 1, std::move(rebuilt));
      f = next;
    }
    // Eight rounds: the copy stays open; for <a> gumbo then drops it from its stack while
    // its content stays inside it.
    if (start && stack_[f].html(GUMBO_TAG_A)) {
      stack_[f].ghost = true;
      stack_[f].sure = false;
      stack_[f].clean = false;
    }
    return true;
  }

  void doubt_tag(GumboTag t) {
    for (Entry& e : stack_)
      if (e.html(t)) doubt(e);
  }

  // --- end tags ---

  void end_tag(const Tag& tag) {
    GumboTag t = tag.tag;
    if (quirks_ == Quirks::Undecided) quirks_ = Quirks::Quirks;
    if (head_ != Head::Done && head_context()) {
      if (head_noscript_open()) {
        if (t == GUMBO_TAG_NOSCRIPT) return pop_to(stack_.size() - 1);
        if (t != GUMBO_TAG_BR) return; // ignored
        pop_to(stack_.size() - 1);
      }
      if (t == GUMBO_TAG_TEMPLATE) return body_end(tag);
      if (t == GUMBO_TAG_HEAD && head_ == Head::In) {
        head_ = Head::After;
        return;
      }
      if (!tag_in(t, {GUMBO_TAG_BODY, GUMBO_TAG_HTML, GUMBO_TAG_BR})) return; // ignored
      head_ = Head::Done; // gumbo opens the body and retries
    }
    Top top_kind = top();
    if (top_kind == Top::Unknown ||
        (top_kind != Top::Html && top_kind != Top::Foreign && clones_possible()))
      return uncertain_end(tag); // HTML or foreign rules, which one is in doubt
    if (top_kind != Top::Html) {
      // Foreign content: gumbo walks the foreign elements for one of exactly that name.
      for (size_t i = stack_.size(); i-- > 0;) {
        const Entry& e = stack_[i];
        if (e.ghost) continue;
        if (!e.foreign()) {
          if (!e.sure || e.maybe_foreign) return uncertain_end(tag);
          break;
        }
        if (e.name == tag.source_name) {
          if (!e.sure) return uncertain_end(tag);
          return pop_to(i);
        }
      }
    }
    end_in_mode(tag, mode());
  }

  void uncertain_end(const Tag& tag) {
    doubt_all();
    // Only a match at the top is safe: gumbo's current node then is that element (or a
    // reopened formatting element above it), and every end tag rule closes it.
    if (stack_.empty() || clones_possible()) return;
    const Entry& e = stack_.back();
    bool match =
        e.foreign() || e.maybe_foreign ? e.name == tag.source_name : e.tag == tag.tag && !e.ghost;
    if (match && !e.formatting() && !e.html(GUMBO_TAG_FORM) && !e.html_ip && !e.text_ip &&
        e.tag != GUMBO_TAG_ANNOTATION_XML)
      pop_to(stack_.size() - 1);
  }

  void end_in_mode(const Tag& tag, Mode m) {
    GumboTag t = tag.tag;
    switch (m) {
    case Mode::Unknown:
      return uncertain_end(tag);
    case Mode::Body:
      return body_end(tag);
    case Mode::TemplateInitial:
      if (t == GUMBO_TAG_TEMPLATE) body_end(tag);
      return; // anything else is ignored
    case Mode::Cell:
      if (t == GUMBO_TAG_TD || t == GUMBO_TAG_TH) {
        size_t c = in_scope(t, Scope::Table);
        if (c != kNoIndex) pop_to(c, 1);
        return;
      }
      if (tag_in(t, {GUMBO_TAG_BODY, GUMBO_TAG_CAPTION, GUMBO_TAG_COL, GUMBO_TAG_COLGROUP,
                     GUMBO_TAG_HTML}))
        return;
      if (tag_in(t, {GUMBO_TAG_TABLE, GUMBO_TAG_TBODY, GUMBO_TAG_TFOOT, GUMBO_TAG_THEAD,
                     GUMBO_TAG_TR})) {
        if (in_scope(t, Scope::Table) == kNoIndex) return;
        if (!close_cell()) return uncertain_end(tag);
        return end_in_mode(tag, mode());
      }
      return body_end(tag);
    case Mode::Caption:
      if (t == GUMBO_TAG_CAPTION || t == GUMBO_TAG_TABLE) {
        pop_to(decisive_index(), 1);
        if (t == GUMBO_TAG_TABLE) end_in_mode(tag, mode());
        return;
      }
      if (tag_in(t, {GUMBO_TAG_BODY, GUMBO_TAG_COL, GUMBO_TAG_COLGROUP, GUMBO_TAG_HTML,
                     GUMBO_TAG_TBODY, GUMBO_TAG_TD, GUMBO_TAG_TFOOT, GUMBO_TAG_TH, GUMBO_TAG_THEAD,
                     GUMBO_TAG_TR}))
        return;
      return body_end(tag);
    case Mode::Row: {
      size_t d = decisive_index();
      bool in_template = stack_[d].html(GUMBO_TAG_TEMPLATE); // no row in scope
      if (t == GUMBO_TAG_TR || t == GUMBO_TAG_TABLE) {
        if (in_template) return;
        pop_to(d);
        if (t == GUMBO_TAG_TABLE) end_in_mode(tag, mode());
        return;
      }
      if (t == GUMBO_TAG_TBODY || t == GUMBO_TAG_TFOOT || t == GUMBO_TAG_THEAD) {
        if (in_template || in_scope(t, Scope::Table) == kNoIndex) return;
        pop_to(d);
        return end_in_mode(tag, mode());
      }
      if (tag_in(t, {GUMBO_TAG_BODY, GUMBO_TAG_CAPTION, GUMBO_TAG_COL, GUMBO_TAG_COLGROUP,
                     GUMBO_TAG_HTML, GUMBO_TAG_TD, GUMBO_TAG_TH}))
        return;
      return table_end(tag);
    }
    case Mode::TableBody: {
      size_t d = decisive_index();
      bool in_template = stack_[d].html(GUMBO_TAG_TEMPLATE);
      if (t == GUMBO_TAG_TBODY || t == GUMBO_TAG_TFOOT || t == GUMBO_TAG_THEAD) {
        if (in_template || in_scope(t, Scope::Table) == kNoIndex) return;
        return pop_to(d);
      }
      if (t == GUMBO_TAG_TABLE) {
        if (in_template) return;
        pop_to(d);
        return end_in_mode(tag, mode());
      }
      if (tag_in(t, {GUMBO_TAG_BODY, GUMBO_TAG_CAPTION, GUMBO_TAG_COL, GUMBO_TAG_TR,
                     GUMBO_TAG_COLGROUP, GUMBO_TAG_HTML, GUMBO_TAG_TD, GUMBO_TAG_TH}))
        return;
      return table_end(tag);
    }
    case Mode::Table:
      return table_end(tag);
    case Mode::ColumnGroup: {
      if (t == GUMBO_TAG_COL) return;
      if (t == GUMBO_TAG_TEMPLATE) return body_end(tag);
      Current c = current_is([](const Entry& e) { return e.html(GUMBO_TAG_COLGROUP); }, false);
      if (c == Current::Maybe) return uncertain_end(tag);
      if (c == Current::No) return; // a template is current: ignored
      pop_to(stack_.size() - 1);
      if (t != GUMBO_TAG_COLGROUP) end_in_mode(tag, mode());
      return;
    }
    case Mode::Select:
    case Mode::SelectInTable:
      return select_end(tag, m);
    }
  }

  void table_end(const Tag& tag) {
    GumboTag t = tag.tag;
    if (t == GUMBO_TAG_TABLE) {
      size_t table = in_scope(GUMBO_TAG_TABLE, Scope::Table);
      if (table != kNoIndex) pop_to(table);
      return;
    }
    if (tag_in(t, {GUMBO_TAG_BODY, GUMBO_TAG_CAPTION, GUMBO_TAG_COL, GUMBO_TAG_COLGROUP,
                   GUMBO_TAG_HTML, GUMBO_TAG_TBODY, GUMBO_TAG_TD, GUMBO_TAG_TFOOT, GUMBO_TAG_TH,
                   GUMBO_TAG_THEAD, GUMBO_TAG_TR}))
      return;
    body_end(tag); // a template, or foster-parented content
  }

  void select_end(const Tag& tag, Mode m) {
    GumboTag t = tag.tag;
    if (m == Mode::SelectInTable &&
        tag_in(t, {GUMBO_TAG_CAPTION, GUMBO_TAG_TABLE, GUMBO_TAG_TBODY, GUMBO_TAG_TFOOT,
                   GUMBO_TAG_THEAD, GUMBO_TAG_TR, GUMBO_TAG_TD, GUMBO_TAG_TH})) {
      if (in_scope(t, Scope::Table) == kNoIndex) return;
      pop_to(decisive_index());
      return end_in_mode(tag, mode());
    }
    auto option = [](const Entry& e) { return e.html(GUMBO_TAG_OPTION); };
    auto optgroup = [](const Entry& e) { return e.html(GUMBO_TAG_OPTGROUP); };
    if (t == GUMBO_TAG_OPTGROUP) {
      size_t n = stack_.size();
      if (n >= 2 && optgroup(stack_[n - 2]) && stack_[n - 2].sure &&
          current_is(option, false) == Current::Yes)
        pop_to(n - 1);
      if (current_is(optgroup, false) == Current::Yes) pop_to(stack_.size() - 1);
      return;
    }
    if (t == GUMBO_TAG_OPTION) {
      if (current_is(option, false) == Current::Yes) pop_to(stack_.size() - 1);
      return;
    }
    if (t == GUMBO_TAG_SELECT) {
      size_t s = target([](const Entry& e) { return e.html(GUMBO_TAG_SELECT); },
                        [](const Entry& e) { return ends_scope(e, Scope::Select); });
      if (s != kNoIndex) pop_to(s);
      return;
    }
    if (t == GUMBO_TAG_TEMPLATE) body_end(tag);
    // anything else is ignored
  }

  void body_end(const Tag& tag) {
    GumboTag t = tag.tag;
    size_t i = kNoIndex;
    switch (t) {
    case GUMBO_TAG_BODY:
    case GUMBO_TAG_HTML:
      return;
    case GUMBO_TAG_BR:
      reopen_point(); // gumbo inserts a void <br>
      return;
    case GUMBO_TAG_TEMPLATE:
      i = target([](const Entry& e) { return e.html(GUMBO_TAG_TEMPLATE); },
                 [](const Entry&) { return false; });
      if (i != kNoIndex) pop_to(i, 1);
      return;
    case GUMBO_TAG_P:
      i = in_scope(t, Scope::Button);
      break;
    case GUMBO_TAG_LI:
      i = in_scope(t, Scope::ListItem);
      break;
    case GUMBO_TAG_DD:
    case GUMBO_TAG_DT:
      i = in_scope(t, Scope::Default);
      break;
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
      i = target([](const Entry& e) { return e.ns == Ns::Html && !e.ghost && is_heading(e.tag); },
                 [](const Entry& e) { return ends_scope(e, Scope::Default); });
      break;
    case GUMBO_TAG_APPLET:
    case GUMBO_TAG_MARQUEE:
    case GUMBO_TAG_OBJECT:
      i = in_scope(t, Scope::Table);
      if (i != kNoIndex) pop_to(i, 1);
      return;
    case GUMBO_TAG_FORM:
      return form_end();
    default:
      if (formatting_index(t) >= 0) return adoption(t, false);
      if (tag_in(t, {GUMBO_TAG_ADDRESS, GUMBO_TAG_ARTICLE, GUMBO_TAG_ASIDE,    GUMBO_TAG_BLOCKQUOTE,
                     GUMBO_TAG_BUTTON,  GUMBO_TAG_CENTER,  GUMBO_TAG_DETAILS,  GUMBO_TAG_DIR,
                     GUMBO_TAG_DIV,     GUMBO_TAG_DL,      GUMBO_TAG_FIELDSET, GUMBO_TAG_FIGCAPTION,
                     GUMBO_TAG_FIGURE,  GUMBO_TAG_FOOTER,  GUMBO_TAG_HEADER,   GUMBO_TAG_HGROUP,
                     GUMBO_TAG_LISTING, GUMBO_TAG_MAIN,    GUMBO_TAG_MENU,     GUMBO_TAG_NAV,
                     GUMBO_TAG_OL,      GUMBO_TAG_PRE,     GUMBO_TAG_SECTION,  GUMBO_TAG_SUMMARY,
                     GUMBO_TAG_UL})) {
        i = in_scope(t, Scope::Default);
      } else {
        // Any other end tag: the nearest element of that tag, unless a special one is nearer.
        i = target([&](const Entry& e) { return e.ns == Ns::Html && !e.ghost && e.tag == t; },
                   [](const Entry& e) { return is_special(e); });
      }
    }
    if (i != kNoIndex) pop_to(i);
  }

  void form_end() {
    TemplateOpen tmpl = template_open();
    if (tmpl == TemplateOpen::No) {
      // gumbo removes only the form its pointer names, if in scope, after popping
      // implied-end elements off the top.
      FormPointer ptr = form_;
      form_ = FormPointer::None;
      if (ptr == FormPointer::None || ptr == FormPointer::OffStack) return;
      size_t form = kNoIndex;
      for (size_t i = 0; i < stack_.size(); ++i)
        if (stack_[i].id == form_id_) form = i;
      if (ptr == FormPointer::OnStack && form != kNoIndex) {
        bool doubt_scope = false;
        for (size_t i = form + 1; i < stack_.size(); ++i)
          if (ends_scope(stack_[i], Scope::Default)) {
            if (stack_[i].sure) return; // not in scope: ignored
            doubt_scope = true;
          }
        size_t run = stack_.size(); // sure implied-end entries at the top
        while (run > form + 1 && implied_end(stack_[run - 1]) && stack_[run - 1].sure)
          --run;
        if (!doubt_scope && !clones_possible() && (run == form + 1 || stack_[run - 1].sure)) {
          pop_to(run);
          stack_[form].ghost = true; // off gumbo's stack, still the parent of what follows
          stack_[form].sure = false;
          return;
        }
        doubt_from(std::max(form + 1, implied_top()));
        doubt(stack_[form]);
        return;
      }
      // Maybe or Unknown: gumbo may remove one form and pop implied-end elements.
      doubt_from(implied_top());
      for (Entry& e : stack_)
        if (e.html(GUMBO_TAG_FORM)) doubt(e);
      return;
    }
    if (tmpl == TemplateOpen::Maybe && form_ != FormPointer::OffStack) form_ = FormPointer::Unknown;
    // With a template open gumbo pops through the form when it ends up current.
    doubt_from(implied_top());
    for (size_t i = stack_.size(); i-- > 0;)
      if (stack_[i].html(GUMBO_TAG_FORM)) return doubt_from(i);
  }

  std::string_view html_;
  size_t limit_;
  size_t max_attributes_;
  // Stop before what makes gumbo 0.10.1 fail an assertion, and so abort: foreign content
  // foster-parented out of a table (<table><math><mn><![CDATA[x]]>y), and foreign elements
  // named like those that decide its insertion mode, which it then mistakes for them
  // (<table><svg><th><title><select></table>). No real page has either.
  bool guard_foreign_ = false;
  bool table_seen_ = false, foreign_seen_ = false;
  OpenStack stack_;
  // Pool slots of reopenable formatting elements, per marker segment and tag.
  // Pool slots per tag, one segment per marker entry (gumbo clears its list by markers).
  using Segment = std::array<size_t, kFormattingTags>;
  std::vector<Segment> pools_;
  std::array<size_t, kFormattingTags> pool_by_tag_{};
  std::array<uint32_t, kFormattingTags> pool_newest_{}; // the latest entry id pooled, per tag
  size_t pool_total_ = 0;
  // Where gumbo may have reopened pooled formatting elements: above this many entries
  // (npos: none is open).
  size_t clone_floor_ = kNoIndex;
  // Levels the adoption agency may have added to content it wrapped in new elements.
  size_t rewrapped_ = 0;
  bool markers_exact_ = true;
  FormPointer form_ = FormPointer::None;
  uint32_t form_id_ = 0;
  uint32_t next_id_ = 0;
  Quirks quirks_ = Quirks::Undecided;
  Head head_ = Head::In;
  GumboTag raw_ = GUMBO_TAG_LAST;
  bool doubted_ = false;
  bool glued_ = false; // the last token was "</>"
  bool paranoid_ = false;
  size_t paranoid_levels_ = 0;
  size_t at_ = 0; // where the current start tag begins: the cut if it goes too deep
  size_t max_ = kImpliedLevels + 1;
  size_t cut_ = std::string_view::npos;
  bool stopped_ = false;
};

} // namespace

size_t html_depth_bound(std::string_view html) {
  DepthScan scan(html, static_cast<size_t>(-1));
  scan.run();
  return scan.bound();
}

size_t html_prefix_within_depth(std::string_view html, size_t max_depth) {
  DepthScan scan(html, max_depth);
  scan.run();
  return std::min(scan.cut(), html.size());
}

size_t gumbo_safe_length(std::string_view html, size_t max_depth, size_t max_attributes) {
  DepthScan scan(html, max_depth, max_attributes, /*guard_foreign=*/true);
  scan.run();
  return std::min(scan.cut(), html.size());
}

} // namespace conformance
