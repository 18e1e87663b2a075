#include "form_driver.h"

#include "redaction.h"
#include "text.h"

#include <algorithm>
#include <cctype>

namespace conformance {
namespace {

using Ending = AuthorizationResult::Ending;

const HeaderList kAccept = {{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}};

// Lower-case words of the given texts: a control's name, value and label, or a link's label
// ("Don't allow" -> don't, allow).
std::vector<std::string> words_of(std::initializer_list<const std::string*> texts) {
  std::vector<std::string> out;
  for (const std::string* text : texts) {
    std::string word;
    for (char c : *text + " ") {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '\'') {
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      } else if (!word.empty()) {
        out.push_back(word);
        word.clear();
      }
    }
  }
  return out;
}

bool has_word(const std::vector<std::string>& words,
              std::initializer_list<std::string_view> wanted) {
  return std::any_of(words.begin(), words.end(), [&](const std::string& w) {
    return std::find(wanted.begin(), wanted.end(), w) != wanted.end();
  });
}

bool has_word(const SubmitControl& s, std::initializer_list<std::string_view> wanted) {
  return has_word(words_of({&s.name, &s.value, &s.label}), wanted);
}

bool deny_words(const std::vector<std::string>& words) {
  return has_word(words, {"deny", "cancel", "reject", "decline", "no", "don't", "dont"});
}

bool deny_like(const SubmitControl& s) {
  return deny_words(words_of({&s.name, &s.value, &s.label}));
}

bool approve_like(const SubmitControl& s) {
  // "Don't allow" says allow but means no: anything deny-like is never an approval.
  return !deny_like(s) && has_word(s, {"approve", "allow", "accept", "consent", "authorize",
                                       "authorise", "yes", "continue", "grant"});
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
    if (deny_words(words_of({&link.label}))) return &link;
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

AuthorizationResult FormDriver::authorize(const std::string& authorization_url,
                                          const std::string& redirect_uri,
                                          ConsentDecision decision) {
  AuthorizationResult result;
  CookieJar jar; // a fresh user agent per authorization
  HttpRequest request{"GET", authorization_url, kAccept, ""};
  for (int step = 0; step < options_.max_steps; ++step) {
    result.last_url = request.url;
    result.last_response = http_.send(request, &jar);
    const HttpResponse& r = result.last_response;
    if (!r.answered()) {
      result.ending = Ending::NoResponse;
      return result;
    }
    auto location_header = r.header("location");
    if (r.is_redirect() && location_header) {
      bool after_post = request.method == "POST";
      result.redirect_statuses.push_back(r.status);
      if (after_post) result.post_redirect_statuses.push_back(r.status);
      auto resolved = oauth::resolve_url(request.url, *location_header);
      if (arrive_at(result, resolved.value_or(*location_header), redirect_uri)) return result;
      if (after_post && (r.status == 307 || r.status == 308)) {
        request.url = result.location; // browsers repeat the POST, body and all
      } else {
        request = {"GET", result.location, kAccept, ""};
      }
      continue;
    }
    if (r.status < 200 || r.status >= 300 || !r.is_html_media_type()) {
      result.ending = Ending::StoppedAtServer;
      return result;
    }

    std::string title = page_title(r.body);
    result.pages.push_back(title.empty() ? redactor().redact_url(request.url) : title);
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
    if (!chosen) {
      for (const HtmlForm& form : forms)
        if ((submit = find_submit(form, decision))) {
          chosen = &form;
          break;
        }
    }
    if (!chosen && decision == ConsentDecision::Deny) {
      // No button declines, but a link may ("[ Cancel ]"): follow it as a click would.
      std::vector<HtmlLink> links = parse_links(r.body);
      if (const HtmlLink* decline = find_decline_link(links)) {
        auto target = oauth::resolve_url(request.url, oauth::trim(decline->href));
        if (target) {
          request = {"GET", target->substr(0, target->find('#')), kAccept, ""};
          continue;
        }
      }
    }
    if (!chosen) {
      result.ending = Ending::StoppedAtServer;
      return result;
    }
    request = submission(*chosen, submit, overrides, request.url);
  }
  result.ending = Ending::TooManySteps;
  return result;
}

} // namespace conformance
