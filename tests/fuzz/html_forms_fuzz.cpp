// The HTML the form driver reads (login, consent and error pages): forms, links, title, and the
// resources a page loads, with the depth pre-scan that keeps gumbo linear. Input: a page.
#include "fuzz_input.h"

#include "drivers/html.h"
#include "drivers/html_depth.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view page(reinterpret_cast<const char*>(data), size);
  const size_t bound = conformance::html_depth_bound(page);
  const size_t prefix = conformance::html_prefix_within_depth(page, 64);
  if (prefix > page.size()) fuzzing::violated("a prefix longer than the page");
  if (bound <= 64 && prefix != page.size())
    fuzzing::violated("a page within the depth was cut");
  for (const auto& form : conformance::parse_forms(page)) {
    if (form.method != "get" && form.method != "post" && form.method != "dialog")
      fuzzing::violated("a form method outside get/post/dialog", form.method);
    // gumbo turns each invalid byte into U+FFFD (three bytes), so names may grow up to 3x.
    for (const auto& field : form.fields)
      if (field.name.size() > 3 * page.size()) fuzzing::violated("a field name out of nowhere");
  }
  (void)conformance::parse_links(page);
  (void)conformance::page_title(page);
  (void)conformance::loaded_resources(page);
  return 0;
}
