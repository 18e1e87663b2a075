// The WWW-Authenticate parser the protected-resource checks read challenges with. Input: one
// header value per line.
#include "fuzz_input.h"

#include "oauth/www_authenticate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto values =
      fuzzing::pieces(std::string_view(reinterpret_cast<const char*>(data), size), 64);
  const auto list = conformance::parse_www_authenticate(values);
  size_t total = 0;
  for (const auto& value : values) total += value.size();
  for (const auto& challenge : list.challenges) {
    // Whatever parsed came from the input: nothing grows out of it.
    if (challenge.scheme.empty()) fuzzing::violated("a challenge without a scheme");
    if (challenge.scheme.size() + challenge.token68.size() > total)
      fuzzing::violated("a challenge longer than its header");
    for (const auto& [name, value] : challenge.params) {
      if (name.size() + value.size() > total) fuzzing::violated("a parameter longer than its header");
      (void)challenge.param(name);
      (void)challenge.count(name);
    }
    (void)challenge.is("Bearer");
  }
  (void)list.find("bearer");
  return 0;
}
