// The settings flags of `conformance` and `conformance bench`, declared once: each flag names the
// member of the settings document (settings.h) it sets. The flags given on the command line
// become a document of that shape, merged over the --config file's with one rule (RFC 7386 merge
// patch): a flag wins over the file, and a NAME=VALUE flag replaces only the file's NAME. Both
// programs get their Settings through SettingsFlags::resolve().
#pragma once

#include "settings.h"

#include <CLI/CLI.hpp>
#include <map>
#include <string>
#include <vector>

namespace conformance {

enum class Program { Run, Bench };

class SettingsFlags {
public:
  // Declares on `app` every settings flag `program` takes, with --config and --print-settings.
  SettingsFlags(CLI::App& app, Program program);
  SettingsFlags(const SettingsFlags&) = delete;
  SettingsFlags& operator=(const SettingsFlags&) = delete;

  // After app.parse(): the config file (if any) with the given flags merged over it, read into
  // typed settings, secrets remembered for redaction. Throws SettingsError.
  Settings resolve() const;
  // The document resolve() reads (tests; --print-settings shows the typed result instead).
  nlohmann::json merged_document() const;
  // The flags alone, as a document.
  nlohmann::json command_line_document() const;

  bool print_requested() const { return print_settings_; }

private:
  struct Value {
    std::string text;
    double number = 0;
    long long integer = 0;
    bool on = false;
    std::vector<std::string> pairs;
  };
  const CLI::App& app_;
  Program program_;
  std::map<std::string, Value, std::less<>> values_; // by flag; nodes never move
  std::string config_path_;
  bool print_settings_ = false;
};

// Prints the resolved settings as JSON (secrets redacted) for --print-settings.
void print_settings(const Settings& settings);

} // namespace conformance
