// How the fuzz targets read their input: one byte string split at NUL bytes into sections (a
// content type and a body, secrets and a text, ...). A NUL is what a mutator inserts and removes
// easily, and the seed files stay readable in an editor. Missing sections are empty.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace fuzzing {

// The first `count - 1` NUL-separated sections, and everything after them (NULs included) as
// the last one, so a body can still carry NUL bytes.
inline std::vector<std::string> sections(const uint8_t* data, size_t size, size_t count) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> out;
  while (out.size() + 1 < count) {
    const size_t nul = rest.find('\0');
    if (nul == std::string_view::npos) break;
    out.emplace_back(rest.substr(0, nul));
    rest.remove_prefix(nul + 1);
  }
  out.emplace_back(rest);
  out.resize(count);
  return out;
}

// Every line of a section (for lists: header values, secrets), at most `max_pieces`.
inline std::vector<std::string> pieces(std::string_view text, size_t max_pieces) {
  std::vector<std::string> out;
  while (out.size() < max_pieces) {
    const size_t end = text.find('\n');
    out.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

// A property the target checks failed: abort, so libFuzzer saves the input as a crash.
[[noreturn]] inline void violated(const char* what, std::string_view detail = {}) {
  const std::string shown(detail);
  std::fprintf(stderr, "property violated: %s\n%s\n", what, shown.c_str());
  std::abort();
}

} // namespace fuzzing
