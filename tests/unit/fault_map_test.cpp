// The fault list (reference-server/faults.def) and the self-check's map (fixtures/faults.json)
// cannot drift apart: a fault missing from either side, or mapped to a requirement the catalogue
// does not know, fails here rather than in a self-check run. The same holds for the variant list
// (reference-server/variants.def) and fixtures/variants.json.
#include "checks/catalogue.h"
#include "faults.h"
#include "variants.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>

namespace {

using nlohmann::json;

json fault_map() {
  std::ifstream in(FAULTS_JSON);
  return json::parse(in).at("faults");
}

json variant_map() {
  std::ifstream in(VARIANTS_JSON);
  return json::parse(in).at("variants");
}

TEST(FaultMap, EveryFaultIsMappedAndEveryMappingIsAFault) {
  std::set<std::string> defined, mapped;
  for (const auto& info : refserver::fault_table()) {
    EXPECT_TRUE(defined.insert(std::string(info.name)).second) << "two faults named " << info.name;
    EXPECT_FALSE(info.rule.empty()) << info.name;
    EXPECT_FALSE(info.misbehaviour.empty()) << info.name;
    EXPECT_EQ(refserver::fault_from_name(info.name), info.fault) << info.name;
    EXPECT_EQ(refserver::fault_name(info.fault), info.name);
  }
  const json map = fault_map(); // named: a temporary would die before the loop body
  for (const auto& [name, entry] : map.items())
    mapped.insert(name);
  for (const auto& name : defined)
    EXPECT_TRUE(mapped.count(name))
        << name << " is defined but fixtures/faults.json maps it to nothing";
  for (const auto& name : mapped)
    EXPECT_TRUE(defined.count(name))
        << "fixtures/faults.json maps " << name << ", which is no fault";
}

TEST(FaultMap, EveryMappingNamesKnownRequirementsAndModes) {
  const auto& catalogue = conformance::Catalogue::instance();
  const json map = fault_map();
  for (const auto& [name, entry] : map.items()) {
    ASSERT_TRUE(entry.contains("caught_by")) << name;
    EXPECT_FALSE(entry.at("caught_by").empty()) << name << " is caught by nothing";
    for (const auto& id : entry.at("caught_by"))
      EXPECT_NE(catalogue.find(id.get<std::string>()), nullptr) << name << " names unknown " << id;
    for (const auto& [member, value] : entry.items())
      EXPECT_TRUE(member == "caught_by" || member == "mode" || member == "harness_args" ||
                  member == "registration_only")
          << name << " has an unknown member " << member;
    if (entry.contains("mode")) {
      EXPECT_TRUE(entry.at("mode") == "login-form" || entry.at("mode") == "https") << name;
    }
  }
}

TEST(FaultMap, EveryVariantIsDescribedAndEveryDescriptionIsAVariant) {
  std::set<std::string> defined, described;
  for (const auto& info : refserver::variant_table()) {
    EXPECT_TRUE(defined.insert(std::string(info.name)).second)
        << "two variants named " << info.name;
    EXPECT_FALSE(info.behaviour.empty()) << info.name;
    EXPECT_EQ(refserver::variant_from_name(info.name), info.variant) << info.name;
    EXPECT_EQ(refserver::variant_name(info.variant), info.name);
    // A behaviour is either allowed or a fault, never both.
    EXPECT_FALSE(refserver::fault_from_name(info.name)) << info.name << " is also a fault";
  }
  const json map = variant_map();
  for (const auto& [name, entry] : map.items())
    described.insert(name);
  for (const auto& name : defined)
    EXPECT_TRUE(described.count(name))
        << name << " is defined but fixtures/variants.json does not say what allows it";
  for (const auto& name : described)
    EXPECT_TRUE(defined.count(name))
        << "fixtures/variants.json describes " << name << ", which is no variant";
}

TEST(FaultMap, EveryVariantEntrySaysWhatAllowsItAndItsPattern) {
  const json map = variant_map();
  for (const auto& [name, entry] : map.items()) {
    ASSERT_TRUE(entry.contains("allows")) << name;
    ASSERT_TRUE(entry.at("allows").is_string()) << name;
    EXPECT_FALSE(entry.at("allows").get<std::string>().empty()) << name << " allows nothing";
    ASSERT_TRUE(entry.contains("pattern")) << name;
    ASSERT_TRUE(entry.at("pattern").is_number_integer()) << name;
    const int pattern = entry.at("pattern").get<int>();
    EXPECT_TRUE(pattern >= 1 && pattern <= 13) << name << " has pattern " << pattern;
    for (const auto& [member, value] : entry.items())
      EXPECT_TRUE(member == "pattern" || member == "allows" || member == "mode" ||
                  member == "harness_args")
          << name << " has an unknown member " << member;
    if (entry.contains("mode")) {
      EXPECT_EQ(entry.at("mode"), "login-form") << name;
    }
    if (entry.contains("harness_args")) {
      ASSERT_TRUE(entry.at("harness_args").is_array()) << name;
      for (const auto& arg : entry.at("harness_args"))
        EXPECT_TRUE(arg.is_string()) << name << " has a harness argument that is no string";
    }
  }
}

} // namespace
