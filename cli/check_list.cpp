#include "check_list.h"

#include "checks/catalogue.h"
#include "checks/check.h"

#include <gtest/gtest.h>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

namespace conformance {

void print_check_list(bool as_json) {
  const Catalogue& catalogue = Catalogue::instance();
  nlohmann::json checks = nlohmann::json::array();
  std::set<std::string> cited;
  const testing::UnitTest& unit = *testing::UnitTest::GetInstance();
  for (int s = 0; s < unit.total_test_suite_count(); ++s) {
    const testing::TestSuite& suite = *unit.GetTestSuite(s);
    for (int t = 0; t < suite.total_test_count(); ++t) {
      const testing::TestInfo& info = *suite.GetTestInfo(t);
      const CheckInfo* check = find_check(info.test_suite_name(), info.name());
      std::vector<std::string> ids = check ? check->requirements : std::vector<std::string>{};
      cited.insert(ids.begin(), ids.end());
      checks.push_back({{"suite", std::string(report_suite_name(info.test_suite_name()))},
                        {"name", info.name()},
                        {"requirements", ids}});
    }
  }
  nlohmann::json covered = nlohmann::json::array(), open = nlohmann::json::array();
  nlohmann::json excluded = nlohmann::json::array();
  for (const auto& r : catalogue.requirements()) {
    if (cited.count(r.id))
      covered.push_back(r.id);
    else if (auto reason = catalogue.exclusion(r.id))
      excluded.push_back({{"id", r.id}, {"reason", *reason}});
    else
      open.push_back(r.id);
  }
  if (as_json) {
    nlohmann::json out = {{"checks", checks},
                          {"requirements",
                           {{"total", catalogue.requirements().size()},
                            {"covered", covered},
                            {"excluded", excluded},
                            {"not_covered", open}}}};
    std::cout << out.dump(2) << "\n";
    return;
  }
  for (const auto& c : checks) {
    std::cout << c["suite"].get<std::string>() << "." << c["name"].get<std::string>() << "  [";
    const auto& ids = c["requirements"];
    for (size_t i = 0; i < ids.size(); ++i)
      std::cout << (i ? "," : "") << ids[i].get<std::string>();
    std::cout << "]\n";
  }
  if (!excluded.empty()) std::cout << "\nExcluded (not black-box testable here):\n";
  for (const auto& e : excluded)
    std::cout << "  " << e["id"].get<std::string>() << ": " << e["reason"].get<std::string>()
              << "\n";
  std::cout << "\n"
            << checks.size() << " checks; of " << catalogue.requirements().size()
            << " requirements " << covered.size() << " covered, " << excluded.size()
            << " excluded, " << open.size() << " not covered yet.\n";
}

} // namespace conformance
