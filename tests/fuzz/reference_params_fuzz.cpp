// The reference server's handling of what a client sends: decoded request parameters (the
// authorization and token endpoints' shared rules) and dynamic client registration. Input:
// a form body, NUL, a Content-Type, NUL, a registration body.
#include "fuzz_input.h"

#include "core/bounded_json.h"
#include "core/url.h"
#include "options.h"
#include "registration_endpoint.h"
#include "request_params.h"
#include "store.h"

#include <nlohmann/json.hpp>

namespace {

// One server for the whole run, as in production: registrations accumulate and the client cap
// (--max-clients) keeps the directory bounded.
struct Server {
  refserver::ServerOptions options;
  refserver::Store store;
  refserver::RegistrationService registration{options, store};
  Server() { options.max_clients = 256; }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Server server;
  const auto input = fuzzing::sections(data, size, 3);

  const auto params = oauth::parse_form(input[0]);
  const auto problem = refserver::malformed_parameters(params);
  (void)refserver::repeated_parameter(params);
  const auto kept = refserver::drop_empty(params);
  if (refserver::has_empty_value(params) != (kept.size() != params.size()))
    fuzzing::violated("has_empty_value disagrees with drop_empty", input[0]);
  if (const auto* resource = refserver::find_param(params, "resource"))
    (void)refserver::is_valid_resource(*resource);
  if (const auto* uri = refserver::find_param(params, "redirect_uri"))
    (void)refserver::redirect_uri_problem(*uri, server.options);
  if (!problem)
    for (const auto& [name, value] : params)
      if (name.size() > refserver::kMaxParameterBytes || !refserver::is_valid_utf8(value))
        fuzzing::violated("a malformed parameter passed", name);

  const auto response = server.registration.register_client(
      {.content_type = input[1], .body = input[2], .authorization = {}});
  if (response.status != 201 && (response.status < 400 || response.status >= 500))
    fuzzing::violated("registration answered neither 201 nor 4xx", response.body);
  if (oauth::parse_bounded_json(response.body).is_discarded())
    fuzzing::violated("registration answered with a body that is not JSON", response.body);
  return 0;
}
