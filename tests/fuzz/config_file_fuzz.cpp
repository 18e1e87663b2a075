// The configuration file and the baseline, both written by people (and sometimes generated):
// whatever they hold, the result is settings or an error that names the place, never a crash.
// Input: a configuration document, NUL, a baseline document.
#include "fuzz_input.h"

#include "checks/baseline.h"
#include "config_file.h"
#include "settings.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto input = fuzzing::sections(data, size, 2);
  try {
    const auto doc = conformance::parse_config_text(input[0]);
    for (auto completeness :
         {conformance::Completeness::MembersOnly, conformance::Completeness::Whole}) {
      try {
        const auto settings = conformance::settings_from_document(doc, completeness);
        (void)conformance::settings_document(settings).dump();
      } catch (const conformance::SettingsError& e) {
        if (std::string_view(e.what()).empty()) fuzzing::violated("an error that says nothing");
      }
    }
  } catch (const conformance::SettingsError& e) {
    if (std::string_view(e.what()).empty()) fuzzing::violated("an error that says nothing");
  }
  try {
    (void)conformance::parse_baseline(input[1]);
  } catch (const conformance::BaselineError& e) {
    if (std::string_view(e.what()).empty()) fuzzing::violated("an error that says nothing");
  }
  return 0;
}
