#include "checks/result_record.h"

namespace conformance {

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
  case Outcome::Pass:
    return "pass";
  case Outcome::Fail:
    return "fail";
  case Outcome::Warn:
    return "warn";
  case Outcome::Info:
    return "info";
  case Outcome::Skip:
    return "skip";
  case Outcome::Error:
    return "error";
  }
  return "error";
}

int severity(Outcome outcome) {
  switch (outcome) {
  case Outcome::Skip:
    return 0;
  case Outcome::Pass:
    return 1;
  case Outcome::Info:
    return 2;
  case Outcome::Warn:
    return 3;
  case Outcome::Error:
    return 4;
  case Outcome::Fail:
    return 5;
  }
  return 4;
}

Outcome worst(Outcome a, Outcome b) {
  return severity(a) >= severity(b) ? a : b;
}

std::map<Outcome, int> RunRecord::summary() const {
  std::map<Outcome, int> counts{{Outcome::Pass, 0}, {Outcome::Fail, 0}, {Outcome::Warn, 0},
                                {Outcome::Info, 0}, {Outcome::Skip, 0}, {Outcome::Error, 0}};
  for (const auto& check : checks)
    ++counts[check.outcome];
  return counts;
}

std::map<std::string, RequirementResult> RunRecord::requirement_results() const {
  std::map<std::string, RequirementResult> out;
  for (const auto& check : checks) {
    std::string check_name = check.suite + "." + check.name;
    auto note = [&](const std::string& id, Outcome outcome) {
      auto [it, inserted] = out.try_emplace(id);
      it->second.outcome = inserted ? outcome : worst(it->second.outcome, outcome);
      if (it->second.checks.empty() || it->second.checks.back() != check_name)
        it->second.checks.push_back(check_name);
    };
    for (const auto& finding : check.findings)
      note(finding.requirement, finding.outcome);
    // A check that could not judge (skip, error) leaves that mark on every row it cites.
    if (check.outcome == Outcome::Skip || check.outcome == Outcome::Error)
      for (const auto& id : check.requirements)
        note(id, check.outcome);
  }
  return out;
}

} // namespace conformance
