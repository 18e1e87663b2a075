// The `form` authorization driver (DESIGN.md "Driver"): a scripted user agent that reads
// login and consent pages with a real HTML parser and submits their forms with
// configured values and a cookie jar, until a Location reaches the redirect_uri.
#pragma once

#include "drivers/authorization_driver.h"
#include "drivers/html.h"

#include <map>
#include <string>

namespace conformance {

struct FormDriverOptions {
  // Login fields by name (username, password...); a form holding all of them is the login. When
  // none does, a form showing some of them is one step of a sign-in in steps (username first,
  // then password), filled with those it shows.
  std::map<std::string, std::string> fields;
  int max_steps = 12; // requests, redirects and form submissions together
};

class FormDriver : public AuthorizationDriver {
public:
  FormDriver(HttpClient& http, FormDriverOptions options);
  std::string_view name() const override { return "form"; }
  bool can_decline() const override { return true; }
  AuthorizationResult authorize(const std::string& authorization_url,
                                const std::string& redirect_uri) override;
  AuthorizationResult authorize(const std::string& authorization_url,
                                const std::string& redirect_uri, ConsentDecision decision) override;
  std::unique_ptr<AuthorizationWalk> start_walk(const std::string& authorization_url,
                                                const std::string& redirect_uri,
                                                ConsentDecision decision,
                                                bool remember_secrets) const override;

private:
  HttpClient& http_;
  FormDriverOptions options_;
};

// The submit control a user would press: word match on name, value and label against
// approve-like (approve, allow, accept, consent, authorize, yes, continue, grant) or
// deny-like (deny, cancel, reject, decline, no) words. Null when none matches.
const SubmitControl* find_submit(const HtmlForm& form, ConsentDecision decision);

// The deny-like link (same words, on its label) a user would click to decline when the page
// offers no deny-like button, as oidc-provider's "[ Cancel ]" does. Null when none matches.
const HtmlLink* find_decline_link(const std::vector<HtmlLink>& links);

} // namespace conformance
