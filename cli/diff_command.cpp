// `conformance diff OLD.json NEW.json`: reads two result records, prints what changed, writes
// the diff as JSON and Markdown on request, and gates on new failures.
#include "diff_command.h"

#include "core/bounded_json.h"
#include "exit_codes.h"
#include "report_file.h"
#include "run_diff.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

namespace conformance {
namespace {

// Far above any real record (evidence included, a full run is a few MiB), far below what would
// exhaust memory on a CI runner.
constexpr std::uintmax_t kMaxRecordBytes = 256u << 20;

// The record at `path`, parsed and validated; throws std::runtime_error with the reason.
nlohmann::json read_record(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error))
    throw std::runtime_error(std::filesystem::exists(path, error) ? "not a regular file"
                                                                  : "no such file");
  std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) throw std::runtime_error("cannot read: " + error.message());
  if (size > kMaxRecordBytes) throw std::runtime_error("over 256 MiB: not a result record");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error("cannot read");
  if (oauth::json_too_deep(bytes))
    throw std::runtime_error("refused: " + oauth::json_depth_refusal());
  nlohmann::json record = oauth::parse_bounded_json(bytes);
  if (record.is_discarded()) throw std::runtime_error("not JSON");
  try {
    validate_result_record(record);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string("not a result record: ") + e.what());
  }
  return record;
}

} // namespace

int diff_main(int argc, char** argv) {
  CLI::App app{"conformance diff: compares two JSON result records (--json) of conformance runs, "
               "OLD then NEW, check by check. Lists new failures, fixes, other outcome changes, "
               "checks no longer judged (now skipped), added and removed checks, and the "
               "requirements whose outcome changed; warns when the runs tested different targets, "
               "profiles or catalogue versions.\n"
               "Exit codes: 0 no new failure; 1 a check newly fails or errors (a failure the NEW "
               "run's --baseline accepted does not count); 2 an input cannot be read or is not a "
               "result record.",
               "conformance diff"};
  std::string old_path, new_path, json_path, markdown_path;
  app.add_option("old", old_path, "The earlier run's result record (conformance --json)")
      ->required();
  app.add_option("new", new_path, "The later run's result record")->required();
  app.add_option("--json", json_path, "Write the diff as JSON to this path");
  app.add_option("--summary-md", markdown_path,
                 "Write the diff as Markdown to this path (replaced, not appended to), e.g. for "
                 "a CI step summary");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitCannotRun;
  }

  nlohmann::json records[2];
  const std::string* paths[2] = {&old_path, &new_path};
  for (int i = 0; i < 2; ++i) {
    try {
      records[i] = read_record(*paths[i]);
    } catch (const std::exception& e) {
      std::cerr << "conformance diff: " << *paths[i] << ": " << e.what() << "\n";
      return kExitCannotRun;
    }
  }
  RunDiff diff;
  try {
    diff = compute_run_diff(records[0], records[1]);
  } catch (const std::exception& e) { // both were validated: only a bug lands here
    std::cerr << "conformance diff: " << e.what() << "\n";
    return kExitCannotRun;
  }
  std::fputs(run_diff_text(diff).c_str(), stdout);
  std::fflush(stdout);

  auto write = [](const std::string& path, const std::string& text) {
    if (path.empty()) return true;
    try {
      write_report_file(path, text);
      return true;
    } catch (const std::exception& e) {
      std::cerr << "conformance diff: " << path << ": " << e.what() << "\n";
      return false;
    }
  };
  // Messages were valid UTF-8 when parsed; `replace` only guards the dump against surprises.
  std::string json_text =
      run_diff_json(diff).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (!write(json_path, json_text) || !write(markdown_path, run_diff_markdown(diff)))
    return kExitCannotRun;
  return diff.has_new_failures() ? kExitFailures : kExitOk;
}

} // namespace conformance
