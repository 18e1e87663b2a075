#include "drivers/form_driver.h"

#include "core/text.h"
#include "drivers/control_words.h"
#include "http/redaction.h"

#include <algorithm>

namespace conformance {
namespace {

const HeaderList kAccept = {{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}};

std::vector<std::string> control_words(const SubmitControl& s) {
  return words_of({s.name, s.value, s.label});
}

bool deny_like(const SubmitControl& s) {
  return deny_words(control_words(s));
}

bool approve_like(const SubmitControl& s) {
  return approve_words(control_words(s));
}

// What pressing `submit` in `form` on the page at `page_url` sends.
HttpRequest submission(const HtmlForm& form, const SubmitControl* submit,
                       const std::map<std::string, std::string>& overrides,
                       const std::string& page_url) {
  oauth::Params data;
  for (const FormControl& field : form.fields) {
    auto configured = overrides.find(field.name);
    // Whatever goes into a password control is a secret, whatever the field is called.
    if (configured != overrides.end() && field.type == "password")
      redactor().add_secret(configured->second);
    data.emplace_back(field.name, configured != overrides.end() ? configured->second : field.value);
  }
  std::string action = form.action;
  std::string method = form.method;
  if (submit) {
    if (!submit->name.empty()) data.emplace_back(submit->name, submit->value);
    if (!submit->formaction.empty()) action = submit->formaction;
    if (!submit->formmethod.empty()) method = submit->formmethod;
  }
  // An empty action submits to the page itself (HTML form submission algorithm).
  std::string target = oauth::resolve_url(page_url, oauth::trim(action)).value_or(page_url);
  HttpRequest request;
  request.headers = kAccept;
  if (method == "post") {
    request.method = "POST";
    request.url = target.substr(0, target.find('#'));
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    // Browsers send Origin on every POST; servers often check it against CSRF.
    if (auto origin = oauth::origin_of(page_url)) request.headers.emplace_back("Origin", *origin);
    request.body = oauth::form_encode(data);
  } else {
    // A GET submission replaces the action's query with the form data.
    std::string base = target.substr(0, std::min(target.find('?'), target.find('#')));
    request.url = data.empty() ? base : base + "?" + oauth::form_encode(data);
  }
  return request;
}

// A page that runs a script: what renders a sign-in in JavaScript (no parsed form then).
bool renders_with_script(const std::string& html) {
  return oauth::ascii_lower(html).find("<script") != std::string::npos;
}

} // namespace

const SubmitControl* find_submit(const HtmlForm& form, ConsentDecision decision) {
  for (const SubmitControl& s : form.submits)
    if (decision == ConsentDecision::Approve ? approve_like(s) : deny_like(s)) return &s;
  return nullptr;
}

const HtmlLink* find_decline_link(const std::vector<HtmlLink>& links) {
  for (const HtmlLink& link : links) {
    std::string href(oauth::trim(link.href));
    // A fragment or script link navigates nowhere a server could see.
    if (href.empty() || href.front() == '#' ||
        oauth::ascii_lower(href).rfind("javascript:", 0) == 0)
      continue;
    if (deny_words(words_of({link.label}))) return &link;
  }
  return nullptr;
}

FormDriver::FormDriver(HttpClient& http, FormDriverOptions options)
    : http_(http), options_(std::move(options)) {
  // Passwords and the like are typed into pages; no evidence may ever show them. A username
  // stays visible: the redactor is global, and a common name would blank unrelated text.
  for (const auto& [name, value] : options_.fields) {
    std::string lower = oauth::ascii_lower(name);
    if (!value.empty() &&
        (Redactor::is_secret_name(name) || lower.find("pass") != std::string::npos ||
         lower.find("secret") != std::string::npos || lower.find("otp") != std::string::npos ||
         lower.find("pin") != std::string::npos))
      redactor().add_secret(value);
  }
}

AuthorizationResult FormDriver::authorize(const std::string& authorization_url,
                                          const std::string& redirect_uri) {
  return authorize(authorization_url, redirect_uri, ConsentDecision::Approve);
}

namespace {

// The form driver's way through: at each page, the login form (the one holding every configured
// field) or the form whose button gives the wanted answer, or a decline link.
class FormWalk : public AuthorizationWalk {
public:
  FormWalk(const std::string& authorization_url, const std::string& redirect_uri,
           const FormDriverOptions& options, ConsentDecision decision, bool remember_secrets)
      : AuthorizationWalk(authorization_url, redirect_uri, options.max_steps, remember_secrets),
        options_(options), decision_(decision) {}

protected:
  std::optional<HttpRequest> on_page(const HttpRequest& sent, const HttpResponse& r) override {
    if (r.status < 200 || r.status >= 300 || !r.is_html_media_type()) return std::nullopt;
    std::string title = page_title(r.body);
    result().pages.push_back(title.empty() ? redactor().redact_url(sent.url) : title);
    result().page_texts.push_back(
        redactor().redact_text(page_text(r.body)).substr(0, AuthorizationResult::kMaxPageText));
    auto forms = parse_forms(r.body);
    const HtmlForm* chosen = nullptr;
    const SubmitControl* submit = nullptr;
    std::map<std::string, std::string> overrides;
    if (!options_.fields.empty()) {
      for (const HtmlForm& form : forms) {
        bool has_all = std::all_of(
            options_.fields.begin(), options_.fields.end(), [&](const auto& configured) {
              return std::any_of(form.fields.begin(), form.fields.end(),
                                 [&](const FormControl& f) { return f.name == configured.first; });
            });
        if (!has_all) continue;
        chosen = &form;
        overrides = options_.fields;
        // The approve-like button when there is one, else the first: what pressing Enter does.
        submit = find_submit(form, ConsentDecision::Approve);
        if (!submit && !form.submits.empty()) submit = &form.submits.front();
        break;
      }
    }
    if (!chosen && !options_.fields.empty()) {
      // A sign-in in steps (a username page, then a password page): the form showing some of
      // the configured fields is this step's. Hidden inputs do not count, or a consent form
      // that carries the username along would be taken for a sign-in step.
      for (const HtmlForm& form : forms) {
        bool shows_one = std::any_of(form.fields.begin(), form.fields.end(), [&](const auto& f) {
          return f.type != "hidden" && options_.fields.count(f.name) > 0;
        });
        if (!shows_one) continue;
        chosen = &form;
        overrides = options_.fields;
        for (const SubmitControl& s : form.submits)
          if (sign_in_words(control_words(s)) || approve_like(s)) {
            submit = &s;
            break;
          }
        if (!submit && !form.submits.empty()) submit = &form.submits.front();
        break;
      }
    }
    if (!chosen) {
      for (const HtmlForm& form : forms)
        if ((submit = find_submit(form, decision_))) {
          chosen = &form;
          if (decision_ == ConsentDecision::Deny) result().declined = true;
          break;
        }
    }
    if (!chosen && decision_ == ConsentDecision::Deny) {
      // No button declines, but a link may ("[ Cancel ]"): follow it as a click would.
      std::vector<HtmlLink> links = parse_links(r.body);
      if (const HtmlLink* decline = find_decline_link(links))
        if (auto target = oauth::resolve_url(sent.url, oauth::trim(decline->href))) {
          result().declined = true;
          return HttpRequest{"GET", target->substr(0, target->find('#')), kAccept, ""};
        }
    }
    if (!chosen && forms.empty() && renders_with_script(r.body)) {
      result().driver_failed("the page at " + redactor().redact_url(sent.url) + " (\"" + title +
                             "\") has no HTML form and runs scripts: it renders its sign-in "
                             "with JavaScript, which the form driver cannot run; use "
                             "--driver browser");
      return std::nullopt;
    }
    if (!chosen) return std::nullopt;
    return submission(*chosen, submit, overrides, sent.url);
  }

private:
  const FormDriverOptions& options_;
  ConsentDecision decision_;
};

} // namespace

std::unique_ptr<AuthorizationWalk> FormDriver::start_walk(const std::string& authorization_url,
                                                          const std::string& redirect_uri,
                                                          ConsentDecision decision,
                                                          bool remember_secrets) const {
  return std::make_unique<FormWalk>(authorization_url, redirect_uri, options_, decision,
                                    remember_secrets);
}

AuthorizationResult FormDriver::authorize(const std::string& authorization_url,
                                          const std::string& redirect_uri,
                                          ConsentDecision decision) {
  auto walk = start_walk(authorization_url, redirect_uri, decision, true);
  return walk_through(http_, *walk);
}

} // namespace conformance
