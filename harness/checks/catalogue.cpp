#include "checks/catalogue.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace conformance {

std::string_view level_name(Level level) {
  switch (level) {
  case Level::Must:
    return "MUST";
  case Level::Should:
    return "SHOULD";
  case Level::May:
    return "MAY";
  }
  return "MUST";
}

std::optional<Level> parse_level(std::string_view text) {
  if (text == "MUST") return Level::Must;
  if (text == "SHOULD") return Level::Should;
  if (text == "MAY") return Level::May;
  return std::nullopt;
}

Level Requirement::level_for(Profile profile) const {
  auto it = profile_levels.find(profile);
  return it == profile_levels.end() ? level : it->second;
}

Catalogue Catalogue::parse(std::string_view json_text) {
  auto doc = nlohmann::json::parse(json_text);
  Catalogue catalogue;
  catalogue.version_ = doc.value("catalogue_version", std::string("unversioned"));
  // The profiles are an enum in the code and names in the data; they must agree.
  std::vector<std::string> names = doc.at("profiles").get<std::vector<std::string>>();
  if (names.size() != kAllProfiles.size())
    throw std::runtime_error("the catalogue's profiles differ from the harness's: " +
                             profile_names());
  for (const std::string& name : names)
    if (!parse_profile(name))
      throw std::runtime_error("the catalogue names unknown profile " + name);
  if (parse_profile(doc.at("default_profile").get<std::string>()) != kDefaultProfile)
    throw std::runtime_error("the catalogue's default_profile differs from the harness's");
  for (const auto& row : doc.at("requirements")) {
    Requirement r;
    r.id = row.at("id").get<std::string>();
    r.area = row.at("area").get<std::string>();
    r.area_name = row.value("area_name", r.area);
    r.source = row.at("source").get<std::string>();
    auto level = parse_level(row.at("level").get<std::string>());
    if (!level) throw std::runtime_error("requirement " + r.id + " has an unknown level");
    r.level = *level;
    r.level_text = row.value("level_text", std::string(level_name(r.level)));
    r.summary = row.at("summary").get<std::string>();
    if (row.contains("profile_levels")) {
      for (const auto& [name, value] : row.at("profile_levels").items()) {
        auto pl = parse_level(value.get<std::string>());
        auto profile = parse_profile(name);
        if (!pl || !profile)
          throw std::runtime_error("requirement " + r.id + " has an unknown profile level");
        r.profile_levels[*profile] = *pl;
      }
    }
    catalogue.requirements_.push_back(std::move(r));
  }
  return catalogue;
}

const Catalogue& Catalogue::instance() {
  static const Catalogue catalogue = [] {
    Catalogue c = parse(embedded_requirements_json());
    c.add_exclusions(embedded_exclusions_json());
    return c;
  }();
  return catalogue;
}

void Catalogue::add_exclusions(std::string_view json_text) {
  auto doc = nlohmann::json::parse(json_text);
  for (const auto& row : doc.at("excluded")) {
    std::string id = row.at("id").get<std::string>();
    if (!find(id)) throw std::runtime_error("excluded.json names unknown requirement " + id);
    exclusions_[id] = row.at("reason").get<std::string>();
  }
}

std::optional<std::string> Catalogue::exclusion(std::string_view id) const {
  auto it = exclusions_.find(id);
  if (it == exclusions_.end()) return std::nullopt;
  return it->second;
}

const Requirement* Catalogue::find(std::string_view id) const {
  for (const auto& r : requirements_)
    if (r.id == id) return &r;
  return nullptr;
}

} // namespace conformance
