#include "checks/run_wide_check.h"

#include <map>

namespace conformance {
namespace {

struct RunWideCheck {
  const char* suite;
  const char* name;
  void (*body)();
  const char* file;
  int line;
};

std::vector<RunWideCheck>& run_wide_checks() {
  static std::vector<RunWideCheck> checks;
  return checks;
}

class RunWideTest : public testing::Test {
public:
  explicit RunWideTest(void (*body)()) : body_(body) {}
  void TestBody() override { run_check(body_); }

private:
  void (*body_)();
};

// How many violations of one requirement are listed one by one; the rest are counted.
constexpr size_t kListedPerRequirement = 5;

} // namespace

bool register_run_wide_check(const char* suite, const char* name,
                             std::vector<std::string> requirements, void (*body)(),
                             const char* file, int line) {
  for (const std::string& id : requirements)
    mark_run_wide(id);
  register_check(suite, name, std::move(requirements));
  run_wide_checks().push_back({suite, name, body, file, line});
  return true;
}

void register_run_wide_checks() {
  for (const RunWideCheck& c : run_wide_checks())
    testing::RegisterTest(c.suite, c.name, nullptr, nullptr, c.file, c.line,
                          [body = c.body]() -> testing::Test* { return new RunWideTest(body); });
}

void judge_deferred_findings() {
  CheckContext* context = current_check();
  if (!context) throw std::logic_error("judge_deferred_findings() outside a check");
  std::vector<DeferredFinding> seen = take_deferred_findings(*context);
  if (seen.empty()) skip_check("no other check met these requirements during the run");
  struct Tally {
    size_t held = 0, listed = 0, unlisted = 0;
    std::set<std::string> checks;
  };
  std::map<std::string, Tally> by_requirement;
  for (DeferredFinding& d : seen) {
    Finding& f = d.finding;
    Tally& tally = by_requirement[f.requirement];
    tally.checks.insert(d.seen_in);
    if (f.outcome == Outcome::Pass) {
      ++tally.held;
      continue;
    }
    if (tally.listed == kListedPerRequirement) {
      ++tally.unlisted;
      continue;
    }
    ++tally.listed;
    if (d.exchange) context->record(*d.exchange);
    std::string message = "in " + d.seen_in + ": " + f.message;
    Comparison compared{f.expected, f.actual};
    if (f.outcome == Outcome::Info)
      note(f.requirement, message);
    else
      violation(f.requirement, message, compared, parse_level(f.level));
  }
  for (const auto& [id, tally] : by_requirement) {
    if (tally.held)
      pass(id, std::to_string(tally.held) + " observation(s) held, in " +
                   std::to_string(tally.checks.size()) + " check(s)");
    if (tally.unlisted)
      note(id, std::to_string(tally.unlisted) + " more violation(s) like those above");
  }
}

} // namespace conformance
