// Authorization drivers (DESIGN.md "Driver"): get through the authorization endpoint
// without a person and hand back where the user agent was finally sent. The
// redirect_uri itself is never fetched: a driver stops at the Location that reaches it.
#pragma once

#include "http/http_client.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace conformance {

// What the simulated user answers on a consent page.
enum class ConsentDecision { Approve, Deny };

struct AuthorizationResult {
  enum class Ending {
    RedirectedToClient,    // a Location reached the redirect_uri (scheme, host, port and path)
    ClientOriginOtherPath, // a Location reached the client's origin but another path
    StoppedAtServer,       // the server answered without sending the user agent on (error page...)
    NoResponse,            // transport failure
    TooManySteps,          // the redirect chain did not end within the step budget
    UnfollowableRedirect,  // a Location that is not http(s), cannot be parsed, or that the
                           // redirect guard refuses (an internal address; see HttpOptions)
    DriverFailed           // the driver itself failed (e.g. the login command exited non-zero)
  };
  Ending ending = Ending::NoResponse;
  std::string location;               // the final Location (for the redirect endings)
  oauth::Params query;                // parameters of that Location's query
  oauth::Params fragment;             // and of its fragment (implicit-style responses)
  HttpResponse last_response;         // the last response seen
  std::string last_url;               // the URL that answered with last_response
  std::vector<int> redirect_statuses; // status of every redirect followed or stopped at
  std::vector<std::string> locations; // every Location seen, in order
  // Status of every redirect that answered a form POST (a 307/308 there re-sends the body).
  std::vector<int> post_redirect_statuses;
  // Title (or URL when untitled) of each HTML page the driver went through, in order.
  std::vector<std::string> pages;
  // What each page in `pages` said to the reader (its visible text, redacted, at most
  // kMaxPageText bytes), for checks about what a consent page shows. Empty from drivers that
  // see no pages.
  std::vector<std::string> page_texts;
  static constexpr size_t kMaxPageText = 8192;
  std::string driver_error; // why, for DriverFailed
  // The driver pressed a deny-like control (asked to decline, it found one to use).
  bool declined = false;

  bool reached_client() const {
    return ending == Ending::RedirectedToClient || ending == Ending::ClientOriginOtherPath;
  }
  std::optional<std::string> param(std::string_view name) const; // query, then fragment
  std::optional<std::string> code() const { return param("code"); }
  std::optional<std::string> error() const { return param("error"); }
  // One line for messages, e.g. "redirected to the client with error=invalid_request".
  std::string describe() const;
  // Ends as DriverFailed with `why`, keeping what was seen so far; returns the result.
  AuthorizationResult& driver_failed(std::string why);
};

// One user agent's way through the authorization endpoint, a request at a time: a driver's
// decisions without its transport, so the checks (one blocking client) and the bench load
// generator (many flows in flight on libcurl's multi interface) walk the same way. The transport
// keeps one cookie jar for the whole walk.
class AuthorizationWalk {
public:
  // `remember_secrets`: codes and tokens met on the way are added to the redactor (off only for
  // the load generator, which reports no evidence and would otherwise grow it without bound).
  AuthorizationWalk(const std::string& authorization_url, std::string redirect_uri, int max_steps,
                    bool remember_secrets = true);
  virtual ~AuthorizationWalk() = default;

  bool finished() const { return finished_; }
  // The request to send now; only while !finished().
  const HttpRequest& request() const { return request_; }
  // The answer to request(): follows a redirect, stops at the client, or asks on_page().
  void on_response(HttpResponse response);
  AuthorizationResult& result() { return result_; }

protected:
  // A non-redirect answer: the next request (a form submission, a link), or nullopt to stop
  // there (StoppedAtServer, or DriverFailed when it called result().driver_failed()). The base
  // stops at every page, as an auto-consent walk should.
  virtual std::optional<HttpRequest> on_page(const HttpRequest& sent, const HttpResponse& page);

private:
  void end(AuthorizationResult::Ending ending);

  AuthorizationResult result_;
  HttpRequest request_;
  std::string redirect_uri_;
  int steps_left_;
  bool remember_secrets_;
  bool finished_ = false;
};

// Sends the walk's requests through `http`, with one fresh cookie jar, until it ends.
AuthorizationResult walk_through(HttpClient& http, AuthorizationWalk& walk);

class AuthorizationDriver {
public:
  virtual ~AuthorizationDriver() = default;
  virtual std::string_view name() const = 0;
  // Starts a fresh user agent at `authorization_url` and returns where it ends up.
  virtual AuthorizationResult authorize(const std::string& authorization_url,
                                        const std::string& redirect_uri) = 0;
  // Whether the driver can answer a consent page with Deny (only a form-filling one can).
  virtual bool can_decline() const { return false; }
  // Whether the harness sees the server's responses on the way (false when the login is
  // delegated to another program, which keeps the pages to itself).
  virtual bool sees_pages() const { return true; }
  // The driver as a walk another transport can drive (the bench load generator), or null when
  // its way through is not a sequence of requests the harness makes (a program, a person).
  virtual std::unique_ptr<AuthorizationWalk> start_walk(const std::string& authorization_url,
                                                        const std::string& redirect_uri,
                                                        ConsentDecision decision,
                                                        bool remember_secrets) const {
    (void)authorization_url, (void)redirect_uri, (void)decision, (void)remember_secrets;
    return nullptr;
  }
  // As above with an explicit consent answer; drivers that cannot decline ignore it.
  virtual AuthorizationResult authorize(const std::string& authorization_url,
                                        const std::string& redirect_uri, ConsentDecision decision) {
    (void)decision;
    return authorize(authorization_url, redirect_uri);
  }
};

// Follows the server's own redirects (GET, with a cookie jar) for auto-consent servers.
class RedirectDriver : public AuthorizationDriver {
public:
  explicit RedirectDriver(HttpClient& http, int max_steps = 12)
      : http_(http), max_steps_(max_steps) {}
  std::string_view name() const override { return "redirect"; }
  using AuthorizationDriver::authorize; // keep the ConsentDecision overload visible
  AuthorizationResult authorize(const std::string& authorization_url,
                                const std::string& redirect_uri) override;
  std::unique_ptr<AuthorizationWalk> start_walk(const std::string& authorization_url,
                                                const std::string& redirect_uri,
                                                ConsentDecision decision,
                                                bool remember_secrets) const override;

private:
  HttpClient& http_;
  int max_steps_;
};

// Records the redirect `location` (already resolved) and, when it reaches the client's
// origin, takes the response parameters from it, remembers any code or token as a secret
// and sets the ending: true means the driver stops here (the URL is never fetched).
bool arrive_at(AuthorizationResult& result, const std::string& location,
               const std::string& redirect_uri, bool remember_secrets = true);

// True when `location` has the scheme, host, port and path of `redirect_uri`.
bool location_reaches(const std::string& location, const std::string& redirect_uri);
// True when `location` has the scheme, host and port of `redirect_uri`.
bool same_origin(const std::string& location, const std::string& redirect_uri);

} // namespace conformance
