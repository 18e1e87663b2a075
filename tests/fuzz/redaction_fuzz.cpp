// Redaction: whatever a server sends and whatever the secrets are, no secret the run knows is
// left in a report in the form it was learnt in. Input: secrets one per line, NUL, a content
// type, NUL, a text that is redacted as a body, a URL, a header value and a message.
#include "fuzz_input.h"

#include "http/redaction.h"

#include <string>
#include <string_view>

namespace {

// Each stretch of `out` between [REDACTED] markers came from the input unredacted: none may
// hold a secret (markers are split on, so a secret that spells part of one is not a false hit).
void expect_hidden(std::string_view out, const std::vector<std::string>& secrets,
                   const char* where) {
  size_t start = 0;
  while (start <= out.size()) {
    size_t marker = out.find(conformance::kRedacted, start);
    const size_t end = marker == std::string_view::npos ? out.size() : marker;
    const std::string_view stretch = out.substr(start, end - start);
    for (const auto& secret : secrets)
      if (!secret.empty() && stretch.find(secret) != std::string_view::npos)
        fuzzing::violated(where, std::string(out) + "\nsecret: " + secret);
    if (marker == std::string_view::npos) break;
    start = marker + conformance::kRedacted.size();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto input = fuzzing::sections(data, size, 3);
  auto secrets = fuzzing::pieces(input[0], 32);
  const std::string& content_type = input[1];
  const std::string& text = input[2];

  conformance::Redactor redactor;
  std::vector<std::string> known;
  for (size_t i = 0; i < secrets.size(); ++i) {
    // Alternate the two ways secrets are learnt; possible secrets count only from 8 bytes.
    if (i % 2 == 0) {
      redactor.add_secret(secrets[i]);
      known.push_back(secrets[i]);
    } else {
      redactor.add_possible_secret(secrets[i]);
      if (secrets[i].size() >= conformance::Redactor::kMinPossibleSecret) known.push_back(secrets[i]);
    }
  }
  // Secrets made only of marker characters cannot be told from the marker by this check.
  std::erase_if(known, [](const std::string& s) {
    return conformance::kRedacted.find(s) != std::string_view::npos;
  });
  expect_hidden(redactor.redact_body(text, content_type), known, "a secret left in a body");
  expect_hidden(redactor.redact_text(text), known, "a secret left in a message");
  expect_hidden(redactor.redact_header("x-echo", text), known, "a secret left in a header");
  expect_hidden(redactor.redact_url("https://as.example/cb?" + text), known,
                "a secret left in a URL");
  (void)conformance::Redactor::is_secret_name(text);
  return 0;
}
