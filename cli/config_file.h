// The configuration file (`--config FILE`): a JSON document in the shape settings.h reads, for
// everything the command line sets plus what is awkward as flags (static clients, the command
// driver). Any string may hold `${env:NAME}`, alone or inside a longer string, and is read from
// the environment, so secrets stay out of files.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace conformance {

// A setting that cannot be used, from the file or the flags; the message names its place.
class SettingsError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Replaces each ${env:NAME}; a variable that is not set is an error naming it.
std::string expand_environment(const std::string& value);

// The file's document with every ${env:NAME} expanded. A file that cannot be read, is not a JSON
// object, or names an unset variable is a SettingsError that names the file.
nlohmann::json load_config_file(const std::string& path);
// The same from the text (tests).
nlohmann::json parse_config_text(const std::string& text);

} // namespace conformance
