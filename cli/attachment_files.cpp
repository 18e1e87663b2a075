#include "attachment_files.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace conformance {
namespace {

namespace fs = std::filesystem;

// A GoogleTest name is short, but a parameterised one need not be: file names stop at 255 bytes.
constexpr std::size_t kMaxStem = 200;

std::string extension(const std::string& media_type) {
  std::string type;
  for (char c : media_type.substr(0, media_type.find(';')))
    if (c != ' ') type += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (type == "image/png") return "png";
  if (type == "image/jpeg") return "jpg";
  return "bin";
}

std::string sanitised(std::string text) {
  for (char& c : text)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
  return text;
}

} // namespace

std::string attachment_directory(const ReportOutputs& outputs) {
  for (const std::string* report : {&outputs.html, &outputs.json, &outputs.junit}) {
    if (report->empty()) continue;
    fs::path path(*report);
    return (path.parent_path() / (path.stem().string() + "-files")).string();
  }
  return {};
}

std::string attachment_file_name(const CheckResult& check, const Attachment& attachment, int k) {
  std::string stem = sanitised(check.suite + "." + check.name + "-" + attachment.name);
  if (stem.size() > kMaxStem) stem.resize(kMaxStem);
  return stem + "-" + std::to_string(k) + "." + extension(attachment.media_type);
}

void save_attachments(RunRecord& record, const std::string& directory) {
  bool pending = false;
  for (const auto& c : record.checks)
    for (const auto& a : c.attachments)
      pending = pending || (!a.data.empty() && a.file.empty());
  if (!pending) return; // a run without screenshots leaves no empty directory behind
  std::error_code ec;
  fs::create_directory(directory, ec);
  if (ec) throw std::runtime_error("cannot create " + directory + ": " + ec.message());
  std::string first_error;
  int failed = 0;
  for (auto& c : record.checks) {
    int k = 0;
    for (auto& a : c.attachments) {
      ++k;
      if (a.data.empty() || !a.file.empty()) continue;
      std::string path = (fs::path(directory) / attachment_file_name(c, a, k)).string();
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(a.data.data(), static_cast<std::streamsize>(a.data.size()));
      out.close();
      if (out) {
        a.file = path;
        continue;
      }
      fs::remove(path, ec); // no half-written picture for a report to point at
      if (failed++ == 0) first_error = "cannot write " + path;
    }
  }
  if (failed > 1) first_error += " (and " + std::to_string(failed - 1) + " more attachments)";
  if (failed > 0) throw std::runtime_error(first_error);
}

} // namespace conformance
