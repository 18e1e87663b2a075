// The URL and form helpers every request and redirect goes through (the harness's and the
// reference server's), and the special-use address classifier the redirect guard and the CIMD
// fetcher rely on. Input: a base URL, NUL, a reference (a Location value), NUL, a form body.
#include "fuzz_input.h"

#include "core/special_use_address.h"
#include "core/url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto input = fuzzing::sections(data, size, 3);
  const std::string& base = input[0];
  const std::string& reference = input[1];
  const std::string& body = input[2];

  if (const auto parts = oauth::parse_url(base)) {
    (void)oauth::is_loopback_host(parts->host);
    (void)oauth::special_use_address(parts->host);
  }
  if (const auto resolved = oauth::resolve_url(base, reference)) {
    if (!oauth::parse_url(*resolved)) fuzzing::violated("a resolved URL does not parse", *resolved);
    (void)oauth::origin_of(*resolved);
  }
  (void)oauth::origin_of(reference);

  // Encoding is undone by decoding, and form parsing is a fixpoint through form encoding.
  if (oauth::percent_decode(oauth::percent_encode(body), false) != body)
    fuzzing::violated("percent_decode(percent_encode(x)) != x", body);
  const auto params = oauth::parse_form(body);
  if (oauth::parse_form(oauth::form_encode(params)) != params)
    fuzzing::violated("parse_form(form_encode(p)) != p", body);
  (void)oauth::first_param(params, "code");
  (void)oauth::count_param(params, "state");

  // Appending keeps what was there and adds the parameters at the end of the query.
  if (!params.empty() && params.size() < 16 && base.find('#') == std::string::npos) {
    if (const auto before = oauth::parse_url(base)) {
      const std::string appended = oauth::append_query(base, params);
      const auto after = oauth::parse_url(appended);
      if (!after) fuzzing::violated("append_query made a URL that does not parse", appended);
      const auto query = oauth::parse_form(after->query);
      if (query.size() < params.size() ||
          !std::equal(params.begin(), params.end(), query.end() - params.size()))
        fuzzing::violated("append_query lost a parameter", appended);
    }
  }
  (void)oauth::is_loopback_ip(reference);
  (void)oauth::special_use_address(reference);
  return 0;
}
