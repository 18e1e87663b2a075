#include "run_diff.h"

#include "markdown_summary.h"
#include "utf8_text.h"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace conformance {
namespace {

using nlohmann::json;

constexpr Outcome kOutcomes[] = {Outcome::Pass, Outcome::Fail, Outcome::Warn,
                                 Outcome::Info, Outcome::Skip, Outcome::Error};
constexpr CheckChangeKind kKinds[] = {
    CheckChangeKind::NewFailure, CheckChangeKind::AcceptedNewFailure,
    CheckChangeKind::Fixed,      CheckChangeKind::StillFailing,
    CheckChangeKind::Changed,    CheckChangeKind::NoLongerJudged,
    CheckChangeKind::Added,      CheckChangeKind::Removed};
// The target members a run names; a difference is a note, not an error.
constexpr const char* kTargetFields[] = {"base_url", "issuer", "metadata_url", "mcp_url",
                                         "resource_metadata_url"};

constexpr std::size_t kMessageCap = 160; // bytes of a message shown on one line
constexpr std::size_t kValueCap = 200;   // bytes of a target value quoted in a note
constexpr std::size_t kNameCap = 60;     // bytes of a name from the file quoted in an error
constexpr std::size_t kMarkdownRows = 50;

bool failing(Outcome o) {
  return o == Outcome::Fail || o == Outcome::Error;
}

// Control characters (C0, DEL, C1) become spaces, so a crafted record cannot move the cursor
// or recolour a terminal, and a message stays on its line.
std::string one_line(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x20 || b == 0x7F) {
      out += ' ';
    } else if (b == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
      out += ' ';
      ++i;
    } else {
      out += static_cast<char>(b);
    }
  }
  return out;
}

std::string truncated(std::string_view s, std::size_t cap) {
  std::string_view prefix = utf8_prefix(s, cap);
  return prefix.size() == s.size() ? std::string(s) : std::string(prefix) + "…";
}

// --- Reading a record: every member's type is checked before it is used. ---

[[noreturn]] void refuse(const std::string& what) {
  throw std::runtime_error(what);
}

const json* member(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::string optional_string(const json& object, const char* key, const std::string& where) {
  const json* value = member(object, key);
  if (!value) return {};
  if (!value->is_string()) refuse(where + key + " is not a string");
  return value->get<std::string>();
}

bool optional_bool(const json& object, const char* key, const std::string& where) {
  const json* value = member(object, key);
  if (!value) return false;
  if (!value->is_boolean()) refuse(where + key + " is not true or false");
  return value->get<bool>();
}

Outcome required_outcome(const json& object, const std::string& where) {
  const json* value = member(object, "outcome");
  if (!value) refuse(where + "outcome is missing");
  if (!value->is_string()) refuse(where + "outcome is not a string");
  for (Outcome o : kOutcomes)
    if (outcome_name(o) == value->get_ref<const std::string&>()) return o;
  refuse(where + "outcome is not one of pass, fail, warn, info, skip, error");
}

struct CheckEntry {
  std::string key; // "Suite.Name"
  Outcome outcome = Outcome::Skip;
  std::vector<std::string> requirements;
  std::string level, message;
  bool known_failure = false, unfinished = false;
};

// A validated record, reduced to what the diff compares.
struct RecordView {
  std::vector<CheckEntry> checks;      // in run order
  std::map<std::string, size_t> index; // "Suite.Name" -> position in checks
  std::map<std::string, Outcome> requirements;
  std::map<std::string, std::string> target;
  std::string profile, started_at;
  std::string catalogue_version; // empty in records that predate it
  std::optional<bool> strict;
  long long interrupted_by = 0;
};

CheckEntry read_check(const json& check, const std::string& where) {
  if (!check.is_object()) refuse(where.substr(0, where.size() - 1) + " is not an object");
  CheckEntry entry;
  const json* suite = member(check, "suite");
  const json* name = member(check, "name");
  if (!suite || !suite->is_string()) refuse(where + "suite is missing or not a string");
  if (!name || !name->is_string()) refuse(where + "name is missing or not a string");
  entry.key = suite->get<std::string>() + "." + name->get<std::string>();
  entry.outcome = required_outcome(check, where);
  entry.level = optional_string(check, "level", where);
  entry.message = optional_string(check, "message", where);
  entry.known_failure = optional_bool(check, "known_failure", where);
  entry.unfinished = optional_bool(check, "unfinished", where);
  if (const json* ids = member(check, "requirements")) {
    if (!ids->is_array()) refuse(where + "requirements is not an array");
    for (const json& id : *ids) {
      if (!id.is_string()) refuse(where + "requirements holds a value that is not a string");
      entry.requirements.push_back(id.get<std::string>());
    }
  }
  return entry;
}

RecordView read_record(const json& record) {
  if (!record.is_object()) refuse("not a JSON object");
  RecordView view;
  const json* checks = member(record, "checks");
  if (!checks) refuse("no \"checks\" array");
  if (!checks->is_array()) refuse("\"checks\" is not an array");
  for (std::size_t i = 0; i < checks->size(); ++i) {
    std::string where = "checks[" + std::to_string(i) + "].";
    CheckEntry entry = read_check((*checks)[i], where);
    if (!view.index.emplace(entry.key, view.checks.size()).second)
      refuse("checks[" + std::to_string(i) + "]: " + truncated(one_line(entry.key), kNameCap) +
             " appears more than once");
    view.checks.push_back(std::move(entry));
  }
  if (const json* requirements = member(record, "requirements")) {
    if (!requirements->is_object()) refuse("\"requirements\" is not an object");
    for (const auto& [id, result] : requirements->items()) {
      std::string where = "requirements[\"" + truncated(one_line(id), kNameCap) + "\"].";
      if (!result.is_object()) refuse(where.substr(0, where.size() - 1) + " is not an object");
      view.requirements[id] = required_outcome(result, where);
    }
  }
  if (const json* target = member(record, "target")) {
    if (!target->is_object()) refuse("\"target\" is not an object");
    for (const char* field : kTargetFields)
      view.target[field] = optional_string(*target, field, "target.");
  }
  if (const json* tool = member(record, "tool")) {
    if (!tool->is_object()) refuse("\"tool\" is not an object");
    view.catalogue_version = optional_string(*tool, "catalogue_version", "tool.");
  }
  view.profile = optional_string(record, "profile", "");
  view.started_at = optional_string(record, "started_at", "");
  if (const json* strict = member(record, "strict")) {
    if (!strict->is_boolean()) refuse("strict is not true or false");
    view.strict = strict->get<bool>();
  }
  if (const json* signal = member(record, "interrupted_by_signal")) {
    if (!signal->is_number_integer()) refuse("interrupted_by_signal is not an integer");
    view.interrupted_by = signal->get<long long>();
  }
  return view;
}

// --- Comparing. ---

// None when the outcome did not change. A check in NEW only that fails is a new failure, not
// merely "added"; a check in OLD only is "removed" whatever it was, never "fixed".
std::optional<CheckChangeKind> classify(std::optional<Outcome> old_outcome,
                                        std::optional<Outcome> new_outcome, bool accepted) {
  if (!new_outcome) return CheckChangeKind::Removed;
  if (old_outcome == new_outcome) return std::nullopt;
  if (failing(*new_outcome)) {
    if (old_outcome && failing(*old_outcome)) return CheckChangeKind::StillFailing;
    return accepted ? CheckChangeKind::AcceptedNewFailure : CheckChangeKind::NewFailure;
  }
  if (!old_outcome) return CheckChangeKind::Added;
  // A check that now skips verified nothing: the failure may still be there, so not "fixed".
  if (*new_outcome == Outcome::Skip) return CheckChangeKind::NoLongerJudged;
  if (failing(*old_outcome)) return CheckChangeKind::Fixed;
  return CheckChangeKind::Changed;
}

CheckChange change_of(CheckChangeKind kind, const CheckEntry& shown,
                      std::optional<Outcome> old_outcome, std::optional<Outcome> new_outcome) {
  CheckChange c;
  c.kind = kind;
  c.check = shown.key;
  c.old_outcome = old_outcome;
  c.new_outcome = new_outcome;
  c.requirements = shown.requirements;
  c.level = shown.level;
  c.message = shown.message;
  c.unfinished = new_outcome && shown.unfinished;
  return c;
}

std::string shown_value(const std::string& value) {
  return value.empty() ? "(none)" : truncated(value, kValueCap);
}

void note_difference(std::vector<std::string>& notes, const std::string& what,
                     const std::string& old_value, const std::string& new_value) {
  if (old_value != new_value)
    notes.push_back(what + " differs: " + shown_value(old_value) + " (OLD), " +
                    shown_value(new_value) + " (NEW)");
}

std::vector<std::string> notes_on(const RecordView& old_view, const RecordView& new_view) {
  std::vector<std::string> notes;
  for (const char* field : kTargetFields) {
    auto value = [&](const RecordView& v) {
      auto it = v.target.find(field);
      return it == v.target.end() ? std::string() : it->second;
    };
    note_difference(notes, std::string("target.") + field, value(old_view), value(new_view));
  }
  note_difference(notes, "profile", old_view.profile, new_view.profile);
  // A new catalogue can change a row's level or what a check judges: an outcome may have moved
  // with the harness, not with the server.
  note_difference(notes, "tool.catalogue_version", old_view.catalogue_version,
                  new_view.catalogue_version);
  auto strictness = [](const RecordView& v) {
    return v.strict ? std::string(*v.strict ? "true" : "false") : std::string();
  };
  note_difference(notes, "strict", strictness(old_view), strictness(new_view));
  for (const auto& [view, side] :
       {std::pair<const RecordView*, const char*>{&old_view, "OLD"}, {&new_view, "NEW"}})
    if (view->interrupted_by != 0)
      notes.push_back(std::string("the ") + side + " run was interrupted by signal " +
                      std::to_string(view->interrupted_by) +
                      ": the checks it did not reach count as skipped");
  return notes;
}

// --- Rendering helpers. ---

std::string outcome_text(std::optional<Outcome> o) {
  return o ? std::string(outcome_name(*o)) : "absent";
}

std::string joined(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : separator) + item;
  return out;
}

const char* group_title(CheckChangeKind kind) {
  switch (kind) {
  case CheckChangeKind::NewFailure:
    return "New failures";
  case CheckChangeKind::AcceptedNewFailure:
    return "New failures accepted by the baseline";
  case CheckChangeKind::Fixed:
    return "Fixed";
  case CheckChangeKind::StillFailing:
    return "Still failing, changed";
  case CheckChangeKind::Changed:
    return "Changed";
  case CheckChangeKind::NoLongerJudged:
    return "No longer judged";
  case CheckChangeKind::Added:
    return "Added";
  case CheckChangeKind::Removed:
    return "Removed";
  }
  return "";
}

// The kind in a sentence: "1 changed", "Pkce.X: pass → skip (no longer judged)".
const char* label_of(CheckChangeKind kind) {
  switch (kind) {
  case CheckChangeKind::NewFailure:
    return "new failure";
  case CheckChangeKind::AcceptedNewFailure:
    return "new but accepted by the baseline";
  case CheckChangeKind::Fixed:
    return "fixed";
  case CheckChangeKind::StillFailing:
    return "still failing, changed";
  case CheckChangeKind::Changed:
    return "changed";
  case CheckChangeKind::NoLongerJudged:
    return "no longer judged";
  case CheckChangeKind::Added:
    return "added";
  case CheckChangeKind::Removed:
    return "removed";
  }
  return "";
}

// "1 new failure, 2 fixed, ..., 40 unchanged": the two a gate cares about always, the rest when
// there are any.
std::string counts_line(const RunDiff& diff) {
  std::size_t failures = diff.count(CheckChangeKind::NewFailure);
  std::string out = std::to_string(failures) + (failures == 1 ? " new failure" : " new failures");
  out += ", " + std::to_string(diff.count(CheckChangeKind::Fixed)) + " fixed";
  for (CheckChangeKind kind : kKinds)
    if (kind != CheckChangeKind::NewFailure && kind != CheckChangeKind::Fixed)
      if (std::size_t n = diff.count(kind)) out += ", " + std::to_string(n) + " " + label_of(kind);
  out += ", " + std::to_string(diff.unchanged) + " unchanged";
  return out;
}

// Markdown text safe in a table cell or a list item (markdown_summary.h); the callers cut
// messages to length themselves.
std::string markdown_text(std::string_view s) {
  return markdown_cell(s, s.size());
}

std::string markdown_requirements(const CheckChange& c) {
  return c.requirements.empty() ? "" : markdown_text(joined(c.requirements, ", "));
}

std::string markdown_transition(const CheckChange& c) {
  return outcome_text(c.old_outcome) + " → **" + outcome_text(c.new_outcome) + "**";
}

std::string markdown_more(std::size_t shown, std::size_t total) {
  return shown < total ? "\n… and " + std::to_string(total - shown) + " more\n" : "";
}

} // namespace

std::string_view check_change_kind_name(CheckChangeKind kind) {
  switch (kind) {
  case CheckChangeKind::NewFailure:
    return "new_failure";
  case CheckChangeKind::AcceptedNewFailure:
    return "accepted_new_failure";
  case CheckChangeKind::Fixed:
    return "fixed";
  case CheckChangeKind::StillFailing:
    return "still_failing";
  case CheckChangeKind::Changed:
    return "changed";
  case CheckChangeKind::NoLongerJudged:
    return "no_longer_judged";
  case CheckChangeKind::Added:
    return "added";
  case CheckChangeKind::Removed:
    return "removed";
  }
  return "changed";
}

std::size_t RunDiff::count(CheckChangeKind kind) const {
  return static_cast<std::size_t>(std::count_if(
      checks.begin(), checks.end(), [kind](const CheckChange& c) { return c.kind == kind; }));
}

void validate_result_record(const nlohmann::json& record) {
  read_record(record);
}

RunDiff compute_run_diff(const nlohmann::json& old_record, const nlohmann::json& new_record) {
  auto read = [](const json& record, const char* side) {
    try {
      return read_record(record);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(std::string(side) + " record: " + e.what());
    }
  };
  RecordView old_view = read(old_record, "OLD");
  RecordView new_view = read(new_record, "NEW");

  RunDiff diff;
  diff.old_started_at = old_view.started_at;
  diff.new_started_at = new_view.started_at;
  diff.notes = notes_on(old_view, new_view);
  for (const CheckEntry& now : new_view.checks) {
    auto it = old_view.index.find(now.key);
    std::optional<Outcome> before;
    if (it != old_view.index.end()) before = old_view.checks[it->second].outcome;
    auto kind = classify(before, now.outcome, now.known_failure);
    if (kind)
      diff.checks.push_back(change_of(*kind, now, before, now.outcome));
    else
      ++diff.unchanged;
  }
  for (const CheckEntry& gone : old_view.checks)
    if (!new_view.index.count(gone.key))
      diff.checks.push_back(change_of(CheckChangeKind::Removed, gone, gone.outcome, std::nullopt));
  std::stable_sort(diff.checks.begin(), diff.checks.end(),
                   [](const CheckChange& a, const CheckChange& b) { return a.kind < b.kind; });

  // Both maps are sorted by ID: one merge pass.
  auto o = old_view.requirements.begin(), n = new_view.requirements.begin();
  while (o != old_view.requirements.end() || n != new_view.requirements.end()) {
    RequirementChange r;
    if (n == new_view.requirements.end() ||
        (o != old_view.requirements.end() && o->first < n->first)) {
      r = {o->first, o->second, std::nullopt};
      ++o;
    } else if (o == old_view.requirements.end() || n->first < o->first) {
      r = {n->first, std::nullopt, n->second};
      ++n;
    } else {
      r = {n->first, o->second, n->second};
      ++o, ++n;
    }
    if (r.old_outcome != r.new_outcome) diff.requirements.push_back(std::move(r));
  }
  return diff;
}

std::string run_diff_text(const RunDiff& diff) {
  std::string out;
  if (!diff.old_started_at.empty() || !diff.new_started_at.empty())
    out += "Comparing the run started " + one_line(shown_value(diff.old_started_at)) +
           " (OLD) with the run started " + one_line(shown_value(diff.new_started_at)) + " (NEW)\n";
  for (const std::string& note : diff.notes)
    out += "warning: " + one_line(note) + "\n";
  for (CheckChangeKind kind : kKinds) {
    std::size_t n = diff.count(kind);
    if (n == 0) continue;
    out += std::string("\n") + group_title(kind) + " (" + std::to_string(n) + "):\n";
    for (const CheckChange& c : diff.checks) {
      if (c.kind != kind) continue;
      out += "  " + one_line(c.check) + "  " + outcome_text(c.old_outcome) + " → " +
             outcome_text(c.new_outcome);
      if (!c.requirements.empty()) out += "  [" + one_line(joined(c.requirements, ",")) + "]";
      if (c.unfinished) out += "  (unfinished: the run was interrupted)";
      if (!c.message.empty()) out += "  " + truncated(one_line(c.message), kMessageCap);
      out += "\n";
    }
  }
  if (!diff.requirements.empty()) {
    out += "\nRequirements (" + std::to_string(diff.requirements.size()) + "):\n";
    for (const RequirementChange& r : diff.requirements)
      out += "  " + one_line(r.id) + "  " + outcome_text(r.old_outcome) + " → " +
             outcome_text(r.new_outcome) + "\n";
  }
  out +=
      std::string("\n") + (diff.has_new_failures() ? "FAIL: " : "OK: ") + counts_line(diff) + "\n";
  return out;
}

nlohmann::json run_diff_json(const RunDiff& diff) {
  auto outcome = [](std::optional<Outcome> o) {
    return o ? json(std::string(outcome_name(*o))) : json();
  };
  json counts = json::object();
  for (CheckChangeKind kind : kKinds)
    counts[std::string(check_change_kind_name(kind))] = diff.count(kind);
  counts["unchanged"] = diff.unchanged;
  json checks = json::array();
  for (const CheckChange& c : diff.checks) {
    json entry = {{"check", c.check},
                  {"change", std::string(check_change_kind_name(c.kind))},
                  {"old", outcome(c.old_outcome)},
                  {"new", outcome(c.new_outcome)},
                  {"requirements", c.requirements},
                  {"level", c.level},
                  {"message", c.message}};
    if (c.unfinished) entry["unfinished"] = true;
    checks.push_back(std::move(entry));
  }
  json requirements = json::array();
  for (const RequirementChange& r : diff.requirements)
    requirements.push_back(
        {{"id", r.id}, {"old", outcome(r.old_outcome)}, {"new", outcome(r.new_outcome)}});
  return {{"old", {{"started_at", diff.old_started_at}}},
          {"new", {{"started_at", diff.new_started_at}}},
          {"new_failures", diff.has_new_failures()},
          {"counts", counts},
          {"notes", diff.notes},
          {"checks", checks},
          {"requirements", requirements}};
}

std::string run_diff_markdown(const RunDiff& diff) {
  std::string out = "## Conformance diff\n\n";
  out += std::string(diff.has_new_failures() ? "**FAIL**: " : "**OK**: ") +
         markdown_text(counts_line(diff)) + "\n";
  if (!diff.old_started_at.empty() || !diff.new_started_at.empty())
    out += "\nOLD run started " + markdown_text(shown_value(diff.old_started_at)) +
           ", NEW run started " + markdown_text(shown_value(diff.new_started_at)) + ".\n";
  if (!diff.notes.empty()) {
    out += "\n";
    for (const std::string& note : diff.notes)
      out += "> **Note:** " + markdown_text(note) + "\n>\n";
    out.resize(out.size() - 2); // no empty quote line after the last note
  }

  auto table = [&](CheckChangeKind kind, const std::string& header, const std::string& rule,
                   auto row) {
    std::size_t total = diff.count(kind), shown = 0;
    if (total == 0) return;
    out += std::string("\n### ") + group_title(kind) + " (" + std::to_string(total) + ")\n\n" +
           header + "\n" + rule + "\n";
    for (const CheckChange& c : diff.checks)
      if (c.kind == kind && shown < kMarkdownRows) {
        out += row(c) + "\n";
        ++shown;
      }
    out += markdown_more(shown, total);
  };
  table(CheckChangeKind::NewFailure, "| Check | Outcome | Requirements | Level | Message |",
        "|---|---|---|---|---|", [](const CheckChange& c) {
          return "| " + markdown_text(c.check) + " | " + markdown_transition(c) + " | " +
                 markdown_requirements(c) + " | " + markdown_text(c.level) + " | " +
                 markdown_text(truncated(c.message, kMessageCap)) + " |";
        });
  table(CheckChangeKind::Fixed, "| Check | Outcome | Requirements |", "|---|---|---|",
        [](const CheckChange& c) {
          return "| " + markdown_text(c.check) + " | " + markdown_transition(c) + " | " +
                 markdown_requirements(c) + " |";
        });

  std::size_t others = 0, shown = 0;
  std::string list;
  for (const CheckChange& c : diff.checks) {
    if (c.kind == CheckChangeKind::NewFailure || c.kind == CheckChangeKind::Fixed) continue;
    if (++others > kMarkdownRows) continue;
    ++shown;
    list += "- " + markdown_text(c.check) + ": " + outcome_text(c.old_outcome) + " → " +
            outcome_text(c.new_outcome) + " (" + markdown_text(label_of(c.kind));
    if (!c.requirements.empty()) list += "; " + markdown_requirements(c);
    list += ")\n";
  }
  if (others > 0)
    out += "\n### Other changes (" + std::to_string(others) + ")\n\n" + list +
           markdown_more(shown, others);
  if (!diff.requirements.empty()) {
    std::vector<std::string> items;
    for (std::size_t i = 0; i < diff.requirements.size() && i < kMarkdownRows; ++i) {
      const RequirementChange& r = diff.requirements[i];
      items.push_back(markdown_text(r.id) + " " + outcome_text(r.old_outcome) + " → " +
                      outcome_text(r.new_outcome));
    }
    out += "\n**Requirements whose outcome changed (" + std::to_string(diff.requirements.size()) +
           "):** " + joined(items, "; ") + "\n" +
           markdown_more(items.size(), diff.requirements.size());
  }
  if (diff.checks.empty()) out += "\nNo check changed outcome.\n";
  return out;
}

} // namespace conformance
