#include "drivers/authorization_driver.h"

#include "core/text.h"
#include "http/redaction.h"

#include <algorithm>

namespace conformance {
namespace {

std::string effective_port(const oauth::UrlParts& p) {
  if (!p.port.empty()) return p.port;
  if (p.scheme == "https") return "443";
  if (p.scheme == "http") return "80";
  return "";
}

} // namespace

bool same_origin(const std::string& location, const std::string& redirect_uri) {
  auto a = oauth::parse_url(location);
  auto b = oauth::parse_url(redirect_uri);
  return a && b && a->scheme == b->scheme && oauth::iequals(a->host, b->host) &&
         effective_port(*a) == effective_port(*b);
}

bool location_reaches(const std::string& location, const std::string& redirect_uri) {
  auto a = oauth::parse_url(location);
  auto b = oauth::parse_url(redirect_uri);
  auto path = [](const oauth::UrlParts& p) { return p.path.empty() ? std::string("/") : p.path; };
  return a && b && same_origin(location, redirect_uri) && path(*a) == path(*b);
}

std::optional<std::string> AuthorizationResult::param(std::string_view name) const {
  if (auto v = oauth::first_param(query, name)) return v;
  return oauth::first_param(fragment, name);
}

AuthorizationResult& AuthorizationResult::driver_failed(std::string why) {
  ending = Ending::DriverFailed;
  driver_error = std::move(why);
  return *this;
}

std::string AuthorizationResult::describe() const {
  // A form-filling driver records the pages it saw; the last one is where it got stuck.
  auto on_page = [this] {
    return pages.empty() ? std::string()
                         : " on page \"" + redactor().redact_text(pages.back()) + "\"";
  };
  switch (ending) {
  case Ending::RedirectedToClient:
  case Ending::ClientOriginOtherPath: {
    std::string where = ending == Ending::RedirectedToClient ? "redirected to the client"
                                                             : "redirected to the client's origin";
    std::string status =
        redirect_statuses.empty() ? "" : " (HTTP " + std::to_string(redirect_statuses.back()) + ")";
    if (auto e = error()) {
      std::string out = where + " with error=" + *e + status;
      if (auto d = param("error_description")) out += " (" + d->substr(0, 160) + ")";
      return out;
    }
    if (code()) return where + " with a code" + status;
    if (param("access_token")) return where + " with an access_token" + status;
    return where + " without code or error" + status;
  }
  case Ending::StoppedAtServer:
    return "stayed at the server: " + last_response.summary() + on_page();
  case Ending::NoResponse:
    return "no response from the authorization endpoint: " + last_response.summary();
  case Ending::TooManySteps:
    return "the redirect chain did not reach the client within the step limit" + on_page();
  case Ending::UnfollowableRedirect:
    return "redirected to an address the harness does not follow: " +
           redactor().redact_url(location) +
           (last_response.address_refused
                ? " (" + redactor().redact_text(last_response.transport_error) + ")"
                : "");
  case Ending::DriverFailed:
    return "the driver failed: " + redactor().redact_text(driver_error);
  }
  return "?";
}

bool arrive_at(AuthorizationResult& result, const std::string& location,
               const std::string& redirect_uri, bool remember_secrets) {
  result.location = location;
  result.locations.push_back(location);
  auto parts = oauth::parse_url(location);
  if (parts && same_origin(location, redirect_uri)) {
    result.query = oauth::parse_form(parts->query);
    result.fragment = oauth::parse_form(parts->fragment);
    if (remember_secrets) {
      if (auto code = result.code()) redactor().add_secret(*code);
      for (const char* t : {"access_token", "refresh_token", "id_token"})
        if (auto v = result.param(t)) redactor().add_secret(*v);
    }
    result.ending = location_reaches(location, redirect_uri)
                        ? AuthorizationResult::Ending::RedirectedToClient
                        : AuthorizationResult::Ending::ClientOriginOtherPath;
    return true;
  }
  if (!parts || (parts->scheme != "http" && parts->scheme != "https")) {
    result.ending = AuthorizationResult::Ending::UnfollowableRedirect;
    return true;
  }
  return false;
}

namespace {
const HeaderList kAcceptPages = {{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}};
} // namespace

AuthorizationWalk::AuthorizationWalk(const std::string& authorization_url, std::string redirect_uri,
                                     int max_steps, bool remember_secrets)
    : request_{"GET", authorization_url, kAcceptPages, ""}, redirect_uri_(std::move(redirect_uri)),
      steps_left_(max_steps), remember_secrets_(remember_secrets) {
  if (steps_left_ <= 0) end(AuthorizationResult::Ending::TooManySteps);
}

void AuthorizationWalk::end(AuthorizationResult::Ending ending) {
  result_.ending = ending;
  finished_ = true;
}

std::optional<HttpRequest> AuthorizationWalk::on_page(const HttpRequest&, const HttpResponse&) {
  return std::nullopt;
}

void AuthorizationWalk::on_response(HttpResponse response) {
  using Ending = AuthorizationResult::Ending;
  result_.last_url = request_.url;
  result_.last_response = std::move(response);
  const HttpResponse& r = result_.last_response;
  // The redirect guard would not connect where the server sent the user agent: a finding of
  // where it pointed, never a fetch.
  if (r.address_refused) return end(Ending::UnfollowableRedirect);
  if (!r.answered()) return end(Ending::NoResponse);
  --steps_left_;
  auto location_header = r.header("location");
  if (r.is_redirect() && location_header) {
    bool after_post = request_.method == "POST";
    result_.redirect_statuses.push_back(r.status);
    if (after_post) result_.post_redirect_statuses.push_back(r.status);
    auto resolved = oauth::resolve_url(request_.url, *location_header);
    if (arrive_at(result_, resolved.value_or(*location_header), redirect_uri_, remember_secrets_)) {
      finished_ = true; // arrive_at set the ending
      return;
    }
    if (after_post && (r.status == 307 || r.status == 308))
      request_.url = result_.location; // browsers repeat the POST, body and all
    else
      request_ = {"GET", result_.location, kAcceptPages, ""};
  } else if (r.is_redirect()) {
    return end(Ending::StoppedAtServer); // a redirect without a Location leads nowhere
  } else if (auto next = on_page(request_, r)) {
    request_ = std::move(*next);
  } else {
    // on_page may have said why the driver cannot go on (driver_failed).
    return end(result_.ending == Ending::DriverFailed ? Ending::DriverFailed
                                                      : Ending::StoppedAtServer);
  }
  if (steps_left_ <= 0) end(Ending::TooManySteps);
}

AuthorizationResult walk_through(HttpClient& http, AuthorizationWalk& walk) {
  CookieJar jar; // a fresh user agent per authorization
  while (!walk.finished())
    walk.on_response(http.send(walk.request(), &jar));
  return std::move(walk.result());
}

std::unique_ptr<AuthorizationWalk> RedirectDriver::start_walk(const std::string& authorization_url,
                                                              const std::string& redirect_uri,
                                                              ConsentDecision,
                                                              bool remember_secrets) const {
  return std::make_unique<AuthorizationWalk>(authorization_url, redirect_uri, max_steps_,
                                             remember_secrets);
}

AuthorizationResult RedirectDriver::authorize(const std::string& authorization_url,
                                              const std::string& redirect_uri) {
  auto walk = start_walk(authorization_url, redirect_uri, ConsentDecision::Approve, true);
  return walk_through(http_, *walk);
}

} // namespace conformance
