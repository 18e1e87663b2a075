// What the browser driver does on one rendered page, decided from what the page shows: which
// inputs get which configured field, and which control is pressed. Pure logic over a snapshot
// the page script (browser_page_script.js) takes, so it is tested without a browser.
#pragma once

#include "drivers/authorization_driver.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace conformance {

struct PageInput {
  int index = -1; // the page script's handle for the element
  std::string name, id, autocomplete, type, label;
  int form = -1; // index of its form among document.forms, -1 outside any
};

struct PageControl {
  int index = -1;
  bool link = false;   // an <a href>, else a button or button-like input
  bool submit = false; // a submit button of a form
  std::string text;    // visible text, value or aria-label
  std::string name, value;
  int form = -1;
};

struct PageSnapshot {
  std::string url, title;
  std::vector<PageInput> inputs;     // visible, enabled, editable text-like inputs
  std::vector<PageControl> controls; // visible, enabled buttons and links
  std::string alert;                 // text of role=alert and error elements, if any
};
// What the page shows, as one comparable string (URL, title, inputs, controls, alert): an
// action has had its effect once this changes.
std::string page_signature(const PageSnapshot& page);
// Reads the page script's answer; fields it lacks stay empty.
PageSnapshot snapshot_from_json(const nlohmann::json& value);

struct PagePlan {
  enum class Kind {
    SignIn,  // fill `fills`, then press `press` (or Enter in the last field when none)
    Consent, // press `press` (a consent or decline control)
    Nothing  // nothing on the page to fill or press for this decision
  };
  Kind kind = Kind::Nothing;
  std::vector<std::pair<int, std::string>> fills; // input handle, configured field name
  std::optional<int> press;                       // control handle
  bool declined = false;                          // `press` declines
  std::string description;                        // "filled username, pressed \"Next\""
};

// How well input `in` fits the configured field `key` (0: not at all): by name, then id,
// autocomplete token, input type (password; email for user names) and label text.
int field_match_score(const std::string& key, const PageInput& in);

PagePlan plan_page(const PageSnapshot& page, const std::map<std::string, std::string>& fields,
                   ConsentDecision decision);

} // namespace conformance
