// The requirement catalogue (suites/requirements.json, compiled into the binary)
// and the profiles that decide a row's level (DESIGN.md "Requirement", "Profile").
#pragma once

#include "oauth/profile.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conformance {

enum class Level { Must, Should, May };
std::string_view level_name(Level level);
std::optional<Level> parse_level(std::string_view text);

struct Requirement {
  std::string id;        // "PKCE-03"; stable, never positional
  std::string area;      // "PKCE"
  std::string area_name; // "PKCE", "Redirect URI", ...
  std::string source;    // spec sections
  Level level = Level::Must;
  std::string level_text;                  // the catalogue's wording, e.g. "MUST (if sent)"
  std::string summary;                     // our paraphrase
  std::map<Profile, Level> profile_levels; // where a version changes the level

  Level level_for(Profile profile) const;
};

class Catalogue {
public:
  static const Catalogue& instance(); // parsed once from the embedded JSON
  static Catalogue parse(std::string_view json_text);

  const Requirement* find(std::string_view id) const;
  const std::vector<Requirement>& requirements() const { return requirements_; }
  // The catalogue's own version (suites/requirements.json "catalogue_version"), bumped whenever
  // a row's meaning changes.
  const std::string& version() const { return version_; }
  // Why a row is not tested (suites/excluded.json), or nullopt when it is in scope.
  std::optional<std::string> exclusion(std::string_view id) const;
  // Reads suites/excluded.json's text into the catalogue; unknown IDs are an error.
  void add_exclusions(std::string_view json_text);

private:
  std::vector<Requirement> requirements_;
  std::string version_;
  std::map<std::string, std::string, std::less<>> exclusions_;
};

// The texts of suites/requirements.json and suites/excluded.json, embedded at build time.
std::string_view embedded_requirements_json();
std::string_view embedded_exclusions_json();

} // namespace conformance
