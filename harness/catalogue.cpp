#include "catalogue.h"

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

Level Requirement::level_for(std::string_view profile) const {
  auto it = profile_levels.find(std::string(profile));
  return it == profile_levels.end() ? level : it->second;
}

Catalogue Catalogue::parse(std::string_view json_text) {
  auto doc = nlohmann::json::parse(json_text);
  Catalogue catalogue;
  catalogue.profiles_ = doc.at("profiles").get<std::vector<std::string>>();
  catalogue.default_profile_ = doc.at("default_profile").get<std::string>();
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
      for (const auto& [profile, value] : row.at("profile_levels").items()) {
        auto pl = parse_level(value.get<std::string>());
        if (!pl) throw std::runtime_error("requirement " + r.id + " has an unknown profile level");
        r.profile_levels[profile] = *pl;
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

bool Catalogue::has_profile(std::string_view name) const {
  return std::find(profiles_.begin(), profiles_.end(), name) != profiles_.end();
}

} // namespace conformance
