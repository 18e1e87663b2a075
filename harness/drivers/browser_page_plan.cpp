#include "drivers/browser_page_plan.h"

#include "core/text.h"
#include "drivers/control_words.h"

#include <algorithm>
#include <tuple>

namespace conformance {
namespace {

bool user_like(const std::string& key) {
  for (const char* k : {"username", "user", "login", "email", "identifier", "userid", "user_id",
                        "loginid", "login_id", "account"})
    if (key == k) return true;
  return false;
}

bool password_like(const std::string& key) {
  return key.find("pass") != std::string::npos || key.find("pwd") != std::string::npos;
}

bool has(const std::vector<std::string>& words, std::string_view w) {
  return std::find(words.begin(), words.end(), w) != words.end();
}

std::string text_of(const nlohmann::json& v, const char* name) {
  auto it = v.find(name);
  return it != v.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int int_of(const nlohmann::json& v, const char* name) {
  auto it = v.find(name);
  return it != v.end() && it->is_number_integer() ? it->get<int>() : -1;
}

std::string quoted(const std::string& text) {
  return "\"" + text.substr(0, 60) + "\"";
}

} // namespace

PageSnapshot snapshot_from_json(const nlohmann::json& value) {
  PageSnapshot page;
  if (!value.is_object()) return page;
  page.url = text_of(value, "url");
  page.title = text_of(value, "title");
  page.alert = text_of(value, "alert");
  if (auto it = value.find("inputs"); it != value.end() && it->is_array())
    for (const auto& i : *it)
      if (i.is_object())
        page.inputs.push_back({int_of(i, "index"), text_of(i, "name"), text_of(i, "id"),
                               oauth::ascii_lower(text_of(i, "autocomplete")),
                               oauth::ascii_lower(text_of(i, "type")), text_of(i, "label"),
                               int_of(i, "form")});
  if (auto it = value.find("controls"); it != value.end() && it->is_array())
    for (const auto& c : *it)
      if (c.is_object())
        page.controls.push_back({int_of(c, "index"), c.value("link", false),
                                 c.value("submit", false), text_of(c, "text"), text_of(c, "name"),
                                 text_of(c, "value"), int_of(c, "form")});
  return page;
}

std::string page_signature(const PageSnapshot& page) {
  std::string out = page.url + '\n' + page.title + '\n' + page.alert + '\n';
  for (const PageInput& i : page.inputs)
    out += "i:" + i.name + '|' + i.id + '|' + i.type + '|' + i.label + '\n';
  for (const PageControl& c : page.controls)
    out += "c:" + c.text + '|' + c.name + '|' + c.value + '\n';
  return out;
}

int field_match_score(const std::string& configured, const PageInput& in) {
  const std::string key = oauth::ascii_lower(configured);
  if (oauth::ascii_lower(in.name) == key) return 100;
  if (oauth::ascii_lower(in.id) == key) return 90;
  std::vector<std::string> tokens = words_of({in.autocomplete});
  bool password_input = in.type == "password";
  // A user name never goes into a password box, nor a password into a visible one, unless the
  // page named the input so.
  if (password_like(key) != password_input) return 0;
  if (has(tokens, key)) return 70;
  if (user_like(key) && (has(tokens, "username") || has(tokens, "email"))) return 70;
  if (password_like(key) && (in.autocomplete.find("current-password") != std::string::npos))
    return 70;
  if (password_like(key) && in.autocomplete.find("new-password") != std::string::npos) return 50;
  if (password_like(key)) return 60; // the page's password input
  if (key == "email" && in.type == "email") return 60;
  if (user_like(key) && in.type == "email") return 50;
  std::vector<std::string> label = words_of({in.label});
  if (has(label, key)) return 40;
  if (user_like(key) && (has(label, "username") || has(label, "email") || has(label, "user") ||
                         has(label, "login")))
    return 40;
  std::string name = oauth::ascii_lower(in.name), id = oauth::ascii_lower(in.id);
  if ((!name.empty() && name.find(key) != std::string::npos) ||
      (!id.empty() && id.find(key) != std::string::npos))
    return 30;
  return 0;
}

PagePlan plan_page(const PageSnapshot& page, const std::map<std::string, std::string>& fields,
                   ConsentDecision decision) {
  PagePlan plan;
  // Each configured field goes to its best input, best pairs first, every input used once.
  std::vector<std::tuple<int, std::string, size_t>> pairs;
  for (const auto& [key, value] : fields)
    for (size_t i = 0; i < page.inputs.size(); ++i)
      if (int score = field_match_score(key, page.inputs[i])) pairs.emplace_back(score, key, i);
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
  std::vector<std::string> assigned(page.inputs.size()); // configured field per input
  std::map<std::string, bool> key_used;
  for (const auto& [score, key, i] : pairs) {
    if (!assigned[i].empty() || key_used[key]) continue;
    assigned[i] = key;
    key_used[key] = true;
  }
  // In page order, so the last one filled is where Enter would go; the first names the form.
  int form = -1;
  for (size_t i = 0; i < page.inputs.size(); ++i) {
    if (assigned[i].empty()) continue;
    if (plan.fills.empty()) form = page.inputs[i].form;
    plan.fills.emplace_back(page.inputs[i].index, assigned[i]);
  }

  auto words = [](const PageControl& c) { return words_of({c.text, c.name, c.value}); };
  if (!plan.fills.empty()) {
    plan.kind = PagePlan::Kind::SignIn;
    // The form's own submit button that moves the sign-in on, else its first submit button,
    // else any button on the page that says so (a script's page may have no form at all).
    const PageControl* chosen = nullptr;
    for (const PageControl& c : page.controls)
      if (!c.link && form >= 0 && c.form == form &&
          (sign_in_words(words(c)) || approve_words(words(c)))) {
        chosen = &c;
        break;
      }
    if (!chosen)
      for (const PageControl& c : page.controls)
        if (!c.link && form >= 0 && c.form == form && c.submit && !deny_words(words(c))) {
          chosen = &c;
          break;
        }
    if (!chosen)
      for (const PageControl& c : page.controls)
        if (!c.link && sign_in_words(words(c))) {
          chosen = &c;
          break;
        }
    std::string names;
    for (const auto& [index, key] : plan.fills)
      names += (names.empty() ? "" : ", ") + key;
    plan.description = "filled " + names;
    if (chosen) {
      plan.press = chosen->index;
      plan.description += ", pressed " + quoted(chosen->text);
    } else {
      plan.description += ", pressed Enter";
    }
    return plan;
  }

  auto wanted = [&](const PageControl& c) {
    return decision == ConsentDecision::Approve ? approve_words(words(c)) : deny_words(words(c));
  };
  // Buttons before links: a "Cancel" link counts only when no button declines.
  for (bool links : {false, true})
    for (const PageControl& c : page.controls)
      if (c.link == links && wanted(c)) {
        plan.kind = PagePlan::Kind::Consent;
        plan.press = c.index;
        plan.declined = decision == ConsentDecision::Deny;
        plan.description = std::string("pressed ") + (links ? "the link " : "") + quoted(c.text);
        return plan;
      }
  return plan;
}

} // namespace conformance
