// The outside tools the report tests judge our files with: xmllint against the JUnit schema, and
// headless Chromium building the HTML report's DOM. Both run as child processes with deadlines,
// so a hung tool fails the test instead of stalling it.
#pragma once

#include "drivers/subprocess.h"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace conformance::testing_tools {

// xmllint --schema on the JUnit 10 schema kept in fixtures/ (a copy of the shared one, so a
// clean checkout needs nothing beside it). Returns xmllint's result; its messages are in err.
inline ProcessResult validate_junit(const std::filesystem::path& file) {
  return run_process({"xmllint", "--noout", "--schema",
                      std::string(FIXTURES_DIR) + "/schemas/junit-10.xsd", file.string()},
                     std::chrono::seconds(60));
}

#ifdef CHROMIUM_BIN
// The DOM headless Chromium builds from the file, as --dump-dom prints it. The flags keep the
// browser off the network (this machine's network is closed, and a report must not need one)
// and give it a fresh profile in `scratch`; `extra_flags` come before the page.
inline ProcessResult chromium_dump_dom(const std::filesystem::path& page,
                                       const std::filesystem::path& scratch,
                                       const std::vector<std::string>& extra_flags = {}) {
  std::filesystem::create_directories(scratch / "profile");
  ProcessOptions options;
  options.environment = {{"HOME", scratch.string()}};
  std::vector<std::string> argv(
      {CHROMIUM_BIN, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
       "--no-first-run", "--disable-background-networking", "--disable-component-update",
       "--disable-sync", "--user-data-dir=" + (scratch / "profile").string(), "--dump-dom"});
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  argv.push_back("file://" + std::filesystem::absolute(page).string());
  return run_process(argv, std::chrono::seconds(90), options);
}
#endif

} // namespace conformance::testing_tools
