// A main() for the fuzz targets in builds without libFuzzer (the default gcc build): runs each
// file given, or each file in each directory given, through LLVMFuzzerTestOneInput once. The
// seed corpora thus replay as ordinary tests on every build, and a crash file a fuzzer found
// can be reproduced under gdb or valgrind without clang.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

size_t replay(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", file.c_str());
    std::exit(2);
  }
  const std::vector<char> bytes{std::istreambuf_iterator<char>(in), {}};
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return 1;
}

} // namespace

int main(int argc, char** argv) {
  size_t inputs = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path path = argv[i];
    if (std::filesystem::is_directory(path)) {
      for (const auto& entry : std::filesystem::directory_iterator(path))
        if (entry.is_regular_file()) inputs += replay(entry.path());
    } else {
      inputs += replay(path);
    }
  }
  if (inputs == 0) {
    std::fprintf(stderr, "no inputs: pass corpus files or directories\n");
    return 2;
  }
  std::printf("replayed %zu inputs\n", inputs);
  return 0;
}
