// The check vocabulary (DESIGN.md "Check"): how a GoogleTest test cites
// requirements and records verdicts. Severity is decided here, where a
// requirement is judged, from its level, the profile and --strict.
#pragma once

#include "checks/catalogue.h"
#include "checks/result_record.h"

#include <functional>
#include <gtest/gtest.h>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace conformance {

// What every check cites, known before any check runs (for --list and the catalogue test).
struct CheckInfo {
  std::string suite;
  std::string name;
  std::vector<std::string> requirements;
};
bool register_check(std::string suite, std::string name, std::vector<std::string> requirements);
const std::vector<CheckInfo>& registered_checks();
// Finds a check by GoogleTest's names; "Prefix/Suite" and "Name/Variant" find the
// parameterised check's registration.
const CheckInfo* find_check(std::string_view suite, std::string_view name);
// "Variants/RedirectUri" -> "RedirectUri": the suite name a report shows.
std::string_view report_suite_name(std::string_view gtest_suite);

// How findings become outcomes for this run.
struct JudgingPolicy {
  Profile profile = kDefaultProfile;
  bool strict = false;
};
void set_judging_policy(JudgingPolicy policy);
const JudgingPolicy& judging_policy();

// Level of a requirement under the run's profile; throws std::logic_error for unknown IDs.
Level level_of(std::string_view requirement);

// --- verdicts, called from check bodies ---
// A check may judge only the requirements it declares: a verdict on any other is a harness
// error, so the declared IDs are the whole truth about what a check judges. The one exception
// is a row judged across the whole run (run_wide_check.h): a check that meets it on the way
// (a token error while testing codes) hands its observation to the run-wide check instead.

// What a verdict compared, when it compared one thing (a status, an error code, a header).
struct Comparison {
  std::string expected;
  std::string actual;
};

// The requirement held, with what was observed.
void pass(std::string_view requirement, std::string message);
// The requirement was broken: fail for MUST, warn for SHOULD (fail under --strict), info for MAY.
// `level` overrides the catalogue level where a row mixes levels (e.g. TOKEN-05).
void violation(std::string_view requirement, std::string message, std::optional<Level> level = {});
// The same, with what was expected and what came back shown beside the message in every report.
void violation(std::string_view requirement, std::string message, Comparison compared,
               std::optional<Level> level = {});
// Worth reporting, neither pass nor violation (e.g. a MAY behaviour, a divergence).
void note(std::string_view requirement, std::string message);
// Something about how the check was carried out (a client that stood in for another), added to
// the check's message once, whatever its outcome.
void remark(std::string text);

// Thrown to end a check early: skip when a prerequisite is absent (always with the
// reason), error when the harness could not carry the check out.
class CheckAborted : public std::runtime_error {
public:
  CheckAborted(Outcome outcome, const std::string& message)
      : std::runtime_error(message), outcome_(outcome) {}
  Outcome outcome() const { return outcome_; }

private:
  Outcome outcome_;
};
[[noreturn]] void skip_check(const std::string& reason);
[[noreturn]] void cannot_run(const std::string& reason);

// The state of the running check; the GoogleTest listener owns its lifetime.
class CheckContext : public EvidenceSink {
public:
  CheckContext(std::string suite, std::string name);
  void record(Exchange exchange) override;
  void attach(Attachment attachment) override;
  std::string where() const override { return full_name(); }
  void add_finding(Finding finding);
  void add_remark(std::string text);
  bool declares(std::string_view requirement) const;
  // The latest exchange recorded, if any.
  const Exchange* last_exchange() const;
  std::string full_name() const { return result_.suite + "." + result_.name; }
  void abort_with(Outcome outcome, std::string message);
  void unexpected_failure(std::string message);
  // Folds findings, skip state and evidence into the result.
  CheckResult finish(bool gtest_skipped, const std::string& skip_message, double duration_ms);

private:
  CheckResult result_;
  std::optional<std::pair<Outcome, std::string>> aborted_;
  std::vector<std::string> unexpected_;
  std::vector<std::string> remarks_;
};
CheckContext* current_check();
void set_current_check(CheckContext* context);

// An observation of a run-wide row made by another check, kept for the run-wide check.
struct DeferredFinding {
  Finding finding;
  std::string seen_in;              // "Suite.Name" of the check that made it
  std::optional<Exchange> exchange; // the exchange it judged (the check's latest)
};
// Marks `requirement` as judged across the run (done by run-wide checks as they register).
void mark_run_wide(std::string_view requirement);
bool is_run_wide(std::string_view requirement);
// The observations deferred so far on requirements `taker` declares, handed over once.
std::vector<DeferredFinding> take_deferred_findings(const CheckContext& taker);

// Marks the GoogleTest failures our verdicts raise, so others are seen as harness errors.
inline constexpr std::string_view kVerdictMarker = "[verdict] ";

void run_check(const std::function<void()>& body);

} // namespace conformance

// Declares a check: CONFORMANCE_CHECK(Pkce, PlainMethodIsRejected, "PKCE-05") { ... }
#define CONFORMANCE_CHECK(Suite, Name, ...)                                                        \
  static void Suite##Name##Body();                                                                 \
  [[maybe_unused]] static const bool Suite##Name##Registered =                                     \
      ::conformance::register_check(#Suite, #Name, {__VA_ARGS__});                                 \
  TEST(Suite, Name) {                                                                              \
    ::conformance::run_check(&Suite##Name##Body);                                                  \
  }                                                                                                \
  static void Suite##Name##Body()

// Declares a check run once per variant, each reported as its own check
// ("Suite.Name/Variant"). `Fixture` is a testing::TestWithParam<T>; the body sees `param`.
//   CONFORMANCE_CHECK_P(RedirectUriVariant, NearMissIsRefused, "REDIR-01") { ... param ... }
//   INSTANTIATE_TEST_SUITE_P(Variants, RedirectUriVariant, testing::ValuesIn(...), name_of);
#define CONFORMANCE_CHECK_P(Fixture, Name, ...)                                                    \
  static void Fixture##Name##Body(const Fixture::ParamType& param);                                \
  [[maybe_unused]] static const bool Fixture##Name##Registered =                                   \
      ::conformance::register_check(#Fixture, #Name, {__VA_ARGS__});                               \
  TEST_P(Fixture, Name) {                                                                          \
    ::conformance::run_check([this] { Fixture##Name##Body(GetParam()); });                         \
  }                                                                                                \
  static void Fixture##Name##Body([[maybe_unused]] const Fixture::ParamType& param)
