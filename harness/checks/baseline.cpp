#include "checks/baseline.h"

#include "core/bounded_json.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace conformance {
namespace {

bool failing(const CheckResult& c) {
  return c.outcome == Outcome::Fail || c.outcome == Outcome::Error;
}

std::string full_name(const CheckResult& c) {
  return c.suite + "." + c.name;
}

// The requirements a check failed (findings with outcome fail).
std::set<std::string> failed_requirements(const CheckResult& c) {
  std::set<std::string> out;
  for (const Finding& f : c.findings)
    if (f.outcome == Outcome::Fail) out.insert(f.requirement);
  return out;
}

} // namespace

Baseline parse_baseline(const std::string& text) {
  auto doc = oauth::parse_bounded_json(text);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("known_failures") ||
      !doc["known_failures"].is_array())
    throw BaselineError("a baseline is a JSON object with a \"known_failures\" array");
  Baseline out;
  for (const auto& e : doc["known_failures"]) {
    if (!e.is_object()) throw BaselineError("each known failure must be an object");
    BaselineEntry entry;
    if (e.contains("requirement") && e["requirement"].is_string())
      entry.requirement = e["requirement"].get<std::string>();
    if (e.contains("check") && e["check"].is_string()) entry.check = e["check"].get<std::string>();
    if (e.contains("note") && e["note"].is_string()) entry.note = e["note"].get<std::string>();
    if (entry.requirement.empty() == entry.check.empty())
      throw BaselineError("each known failure names either a \"requirement\" or a \"check\": " +
                          e.dump());
    out.entries.push_back(std::move(entry));
  }
  return out;
}

Baseline load_baseline(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw BaselineError("cannot read baseline " + path);
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return parse_baseline(text.str());
  } catch (const BaselineError& e) {
    throw BaselineError(path + ": " + e.what());
  }
}

BaselineOutcome apply_baseline(const Baseline& baseline, RunRecord& record) {
  BaselineOutcome out;
  std::vector<bool> used(baseline.entries.size(), false);
  for (CheckResult& c : record.checks) {
    if (!failing(c)) continue;
    bool known = false;
    for (size_t i = 0; i < baseline.entries.size(); ++i)
      if (baseline.entries[i].check == full_name(c)) used[i] = known = true;
    std::set<std::string> failed = failed_requirements(c);
    if (!failed.empty()) {
      bool all = true;
      for (const std::string& id : failed) {
        bool listed = false;
        for (size_t i = 0; i < baseline.entries.size(); ++i)
          if (baseline.entries[i].requirement == id) {
            used[i] = true;
            listed = true;
          }
        all = all && listed;
      }
      known = known || all;
    }
    c.known_failure = known;
    (known ? out.known : out.unknown).push_back(full_name(c));
  }
  for (size_t i = 0; i < baseline.entries.size(); ++i)
    if (!used[i]) out.stale.push_back(baseline.entries[i]);
  return out;
}

std::string baseline_json(const RunRecord& record) {
  nlohmann::ordered_json entries = nlohmann::ordered_json::array();
  std::set<std::string> seen;
  for (const CheckResult& c : record.checks) {
    if (!failing(c)) continue;
    std::set<std::string> failed = failed_requirements(c);
    if (failed.empty()) {
      if (seen.insert(full_name(c)).second)
        entries.push_back({{"check", full_name(c)}, {"note", c.message.substr(0, 200)}});
      continue;
    }
    for (const std::string& id : failed)
      if (seen.insert(id).second)
        entries.push_back(
            {{"requirement", id}, {"note", full_name(c) + ": " + c.message.substr(0, 200)}});
  }
  nlohmann::ordered_json doc = {
      {"about", "Known failures accepted by conformance --baseline; replace each note with why "
                "it is accepted, and remove entries as the server is fixed."},
      {"known_failures", entries}};
  return doc.dump(2) + "\n";
}

void write_baseline(const RunRecord& record, const std::string& path) {
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    out << baseline_json(record);
    if (!out) throw BaselineError("cannot write baseline " + path);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0)
    throw BaselineError("cannot write baseline " + path);
}

} // namespace conformance
