#include "drivers/browser_driver.h"

#include "core/base64url.h"
#include "core/text.h"
#include "drivers/browser_page_plan.h"
#include "drivers/devtools_pipe.h"
#include "http/redaction.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <thread>

namespace conformance {

extern const char* const kBrowserPageScript; // browser_page_script.js, embedded by CMake

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// One fresh incognito context and its page; disposed (cookies and all) when it goes. The page
// is asked for without waiting, so its renderer can start while another tab is in use.
class Tab {
public:
  Tab(DevToolsPipe& pipe, Deadline deadline) : pipe_(pipe) {
    context_ = pipe.call("Target.createBrowserContext", {{"disposeOnDetach", true}}, {}, deadline)
                   .value("browserContextId", "");
    target_request_ = pipe.send("Target.createTarget",
                                {{"url", "about:blank"}, {"browserContextId", context_}}, {},
                                deadline);
    pipe.keep_answer(target_request_);
  }
  ~Tab() {
    try {
      pipe_.call("Target.disposeBrowserContext", {{"browserContextId", context_}}, {},
                 Clock::now() + std::chrono::seconds(5));
    } catch (const DevToolsError&) {
      // A browser that is gone took the context with it.
    }
  }
  Tab(const Tab&) = delete;
  Tab& operator=(const Tab&) = delete;

  // Waits for the page and attaches to it: before the first command to the page.
  void attach(Deadline deadline) {
    if (!session_.empty()) return;
    target_ = pipe_.result_of(target_request_, deadline).value("targetId", "");
    session_ = pipe_.call("Target.attachToTarget", {{"targetId", target_}, {"flatten", true}}, {},
                          deadline)
                   .value("sessionId", "");
  }
  const std::string& session() const { return session_; }
  const std::string& main_frame() const { return target_; } // a page's target id is its frame's

private:
  DevToolsPipe& pipe_;
  std::string context_, target_, session_;
  int target_request_ = 0;
};

} // namespace

struct BrowserDriver::Browser {
  explicit Browser(const ChromiumOptions& options)
      : process(options), pipe(process.command_fd(), process.event_fd()) {}
  ChromiumProcess process;
  DevToolsPipe pipe;
  std::string user_agent;
  // The next authorization's tab, started at the beginning of this one (declared after the
  // pipe: it is disposed through it).
  std::unique_ptr<Tab> spare;
};

namespace {

// Room for a single-page application's bundles; pages and API answers keep the run's own cap.
constexpr size_t kResourceBodyCap = 16 * 1024 * 1024;

HttpOptions resource_options(const HttpOptions& run) {
  HttpOptions options = run;
  options.max_body_bytes = std::max(run.max_body_bytes, kResourceBodyCap);
  return options;
}

// Requests whose exchanges are evidence: the pages and what their scripts send (a sign-in's API
// calls). Scripts, styles, images and fonts are fetched and answered but not recorded.
bool recorded_type(const std::string& type) {
  return type == "Document" || type == "XHR" || type == "Fetch" || type == "EventSource";
}

// Hop-by-hop and framing headers describe the harness's transfer, not the body it hands over.
bool passes_to_browser(const std::string& name) {
  for (const char* h : {"content-length", "content-encoding", "transfer-encoding", "connection",
                        "keep-alive"})
    if (name == h) return false;
  return true;
}

std::string page_name(const std::string& url, const std::string& title) {
  return redactor().redact_url(url) + (title.empty() ? "" : " (\"" + title + "\")");
}

class NoEvidence {
public:
  NoEvidence() : saved_(evidence_sink()) { set_evidence_sink(nullptr); }
  ~NoEvidence() { set_evidence_sink(saved_); }

private:
  EvidenceSink* saved_;
};

// One authorization in one tab: the events it handles, the page it is on, what it found.
class BrowserWalk {
public:
  BrowserWalk(DevToolsPipe& pipe, Tab& tab, HttpClient& http, HttpClient& resources,
              const BrowserDriverOptions& options, std::string redirect_uri,
              ConsentDecision decision, Deadline deadline)
      : pipe_(pipe), tab_(tab), http_(http), resources_(resources), options_(options),
        redirect_uri_(std::move(redirect_uri)), decision_(decision), deadline_(deadline) {}

  AuthorizationResult run(const std::string& authorization_url, const std::string& user_agent);

private:
  json call(std::string_view method, const json& params) {
    return pipe_.call(method, params, tab_.session(), deadline_,
                      [this](json& event) { on_event(event); });
  }
  void send(std::string_view method, const json& params) {
    pipe_.send(method, params, tab_.session(), deadline_);
  }
  void on_event(json& event);
  void on_request(const json& params);
  void answer(const std::string& request_id, const HttpResponse& response);
  void abort_request(const std::string& request_id, const char* reason) {
    send("Fetch.failRequest", {{"requestId", request_id}, {"errorReason", reason}});
  }
  void finish(AuthorizationResult::Ending ending) {
    result_.ending = ending;
    done_ = true;
  }
  // Handles events until the page has loaded and been quiet, the walk ended, or time ran out.
  void settle();
  // The page script's function `call` (e.g. "inspect()"), its value returned.
  json page(const std::string& call_expression);
  void act(const PagePlan& plan, const PageSnapshot& snapshot);
  void press(int control);
  void fail(const std::string& why, const std::string& url, const std::string& title);
  void attach_screenshot(const std::string& caption);
  bool timed_out() const { return Clock::now() >= deadline_; }

  DevToolsPipe& pipe_;
  Tab& tab_;
  HttpClient& http_;
  HttpClient& resources_;
  const BrowserDriverOptions& options_;
  std::string redirect_uri_;
  ConsentDecision decision_;
  Deadline deadline_;

  AuthorizationResult result_;
  bool done_ = false;
  bool loaded_ = false;
  int main_status_ = 0; // of the main frame's current document
  Clock::time_point last_activity_ = Clock::now();
  int world_ = 0; // execution context of the page script's isolated world, 0 when none
};

void BrowserWalk::on_event(json& event) {
  if (event.value("sessionId", "") != tab_.session()) return; // an earlier tab's
  const std::string method = event.value("method", "");
  const json& params = event.contains("params") ? event["params"] : json::object();
  // For diagnosing a sign-in the driver cannot get through: each DevTools event, timed, with
  // the URL of each request (redacted, as in the reports).
  static const bool trace = std::getenv("CONFORMANCE_BROWSER_TRACE") != nullptr;
  if (trace) {
    std::string url;
    auto request = params.is_object() ? params.find("request") : params.end();
    if (request != params.end() && request->is_object())
      url = redactor().redact_url(request->value("url", ""));
    std::fprintf(stderr, "[browser %.3f] %s %s\n",
                 std::chrono::duration<double>(Clock::now().time_since_epoch()).count(),
                 method.c_str(), url.c_str());
  }
  last_activity_ = Clock::now();
  if (method == "Fetch.requestPaused") {
    on_request(params);
  } else if (method == "Page.frameStartedLoading") {
    if (params.value("frameId", "") == tab_.main_frame()) loaded_ = false;
  } else if (method == "Page.frameNavigated") {
    const json& frame = params.contains("frame") ? params["frame"] : json::object();
    if (!frame.contains("parentId")) world_ = 0; // a new document: the old world is gone
  } else if (method == "Page.loadEventFired") {
    loaded_ = true;
  } else if (method == "Page.javascriptDialogOpening") {
    // An alert or "are you sure?" would hold the page: a user clicks OK.
    send("Page.handleJavaScriptDialog", {{"accept", true}});
  } else if (method == "Inspector.targetCrashed" || method == "Inspector.detached") {
    result_.driver_failed("the browser's page crashed or was closed");
    done_ = true;
  }
}

void BrowserWalk::on_request(const json& params) {
  const std::string id = params.value("requestId", "");
  const json& request = params.contains("request") ? params.at("request") : json::object();
  const std::string url = request.value("url", "");
  const std::string type = params.value("resourceType", "");
  const bool main_document =
      type == "Document" && params.value("frameId", "") == tab_.main_frame();
  if (done_) return abort_request(id, "Aborted");
  // Anything asking for the redirect URI (a redirect the browser follows, a script setting
  // location) has reached the client: record it, never load it.
  if (same_origin(url, redirect_uri_)) {
    arrive_at(result_, url, redirect_uri_);
    done_ = true;
    return abort_request(id, "Aborted");
  }
  auto parts = oauth::parse_url(url);
  if (!parts || (parts->scheme != "http" && parts->scheme != "https"))
    return abort_request(id, "BlockedByClient");

  HttpRequest out;
  out.method = request.value("method", "GET");
  out.url = url.substr(0, url.find('#'));
  if (request.contains("headers") && request["headers"].is_object())
    for (const auto& [name, value] : request["headers"].items())
      if (value.is_string()) out.headers.emplace_back(name, value.get<std::string>());
  if (request.contains("postDataEntries") && request["postDataEntries"].is_array()) {
    for (const json& entry : request["postDataEntries"])
      if (entry.is_object() && entry.contains("bytes") && entry["bytes"].is_string())
        out.body += oauth::base64_decode(entry["bytes"].get<std::string>()).value_or("");
  } else if (request.contains("postData") && request["postData"].is_string()) {
    out.body = request["postData"].get<std::string>();
  }

  const bool recorded = recorded_type(type);
  HttpResponse response;
  if (recorded) {
    response = http_.send(out);
  } else {
    NoEvidence quiet;
    response = resources_.send(out);
  }
  if (main_document) {
    result_.last_url = out.url;
    result_.last_response = response;
    main_status_ = response.status;
  }
  if (response.address_refused) {
    if (main_document) {
      result_.location = url;
      finish(AuthorizationResult::Ending::UnfollowableRedirect);
    }
    return abort_request(id, "AddressUnreachable");
  }
  if (!response.answered()) {
    if (main_document) finish(AuthorizationResult::Ending::NoResponse);
    return abort_request(id, response.transport_error.find("imeout") != std::string::npos
                                 ? "TimedOut"
                                 : "ConnectionFailed");
  }
  if (recorded && response.is_redirect()) {
    if (auto location = response.header("location")) {
      result_.redirect_statuses.push_back(response.status);
      if (out.method == "POST") result_.post_redirect_statuses.push_back(response.status);
      std::string resolved = oauth::resolve_url(out.url, *location).value_or(*location);
      if (arrive_at(result_, resolved, redirect_uri_)) {
        done_ = true; // arrive_at set the ending
        return abort_request(id, "Aborted");
      }
    }
  }
  answer(id, response);
}

void BrowserWalk::answer(const std::string& request_id, const HttpResponse& response) {
  json headers = json::array();
  for (const auto& [name, value] : response.headers)
    if (passes_to_browser(name)) headers.push_back({{"name", name}, {"value", value}});
  send("Fetch.fulfillRequest", {{"requestId", request_id},
                                {"responseCode", response.status},
                                {"responseHeaders", headers},
                                {"body", oauth::base64_encode(response.body)}});
}

void BrowserWalk::settle() {
  // Without a load event (a document that never finishes), this much quiet settles it too.
  const auto give_up_on_load = options_.quiet * 10;
  while (!done_ && !timed_out()) {
    auto quiet_until = last_activity_ + (loaded_ ? options_.quiet : give_up_on_load);
    auto event = pipe_.next_event(std::min(deadline_, quiet_until));
    if (event) {
      on_event(*event);
      continue;
    }
    if (Clock::now() >= quiet_until) return;
  }
}

json BrowserWalk::page(const std::string& call_expression) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      if (world_ == 0) {
        world_ = call("Page.createIsolatedWorld",
                      {{"frameId", tab_.main_frame()}, {"worldName", "conformance-driver"}})
                     .value("executionContextId", 0);
        call("Runtime.evaluate", {{"expression", kBrowserPageScript}, {"contextId", world_}});
      }
      json answer = call("Runtime.evaluate", {{"expression", "__conformance." + call_expression},
                                              {"contextId", world_},
                                              {"returnByValue", true}});
      if (answer.contains("exceptionDetails")) return json();
      return answer.contains("result") ? answer["result"].value("value", json()) : json();
    } catch (const DevToolsError& e) {
      // The document changed under us (a navigation): its world went with it.
      if (e.kind() != DevToolsError::Kind::Answer) throw;
      world_ = 0;
    }
  }
  return json();
}

void BrowserWalk::press(int control) {
  json where = page("target(" + std::to_string(control) + ")");
  if (where.is_object() && where.value("hit", false)) {
    // A real click where the control is: trusted events, as a person's.
    double x = where.value("x", 0.0), y = where.value("y", 0.0);
    for (const char* type : {"mouseMoved", "mousePressed", "mouseReleased"})
      call("Input.dispatchMouseEvent",
           {{"type", type}, {"x", x}, {"y", y}, {"button", "left"}, {"clickCount", 1}});
  } else {
    page("click(" + std::to_string(control) + ")"); // covered by something: click it directly
  }
}

void BrowserWalk::act(const PagePlan& plan, const PageSnapshot& snapshot) {
  for (const auto& fill : plan.fills) {
    const int input = fill.first; // a plain name: lambdas cannot capture bindings in C++17/clang-14
    const std::string& key = fill.second;
    const std::string& value = options_.fields.at(key);
    auto in = std::find_if(snapshot.inputs.begin(), snapshot.inputs.end(),
                           [&](const PageInput& i) { return i.index == input; });
    // Whatever goes into a password box is a secret, whatever the field is called.
    if (in != snapshot.inputs.end() && in->type == "password") redactor().add_secret(value);
    if (in != snapshot.inputs.end() && in->type == "select-one") {
      page("choose(" + std::to_string(input) + ", " + json(value).dump() + ")");
      continue;
    }
    if (page("clear(" + std::to_string(input) + ")") == json(true))
      call("Input.insertText", {{"text", value}});
  }
  if (plan.press) {
    press(*plan.press);
  } else {
    // No button: Enter in the last field submits its form, as a user would.
    for (const char* type : {"keyDown", "keyUp"})
      call("Input.dispatchKeyEvent", {{"type", type},
                                      {"key", "Enter"},
                                      {"code", "Enter"},
                                      {"windowsVirtualKeyCode", 13},
                                      {"text", std::string(type) == "keyDown" ? "\r" : ""}});
  }
  if (plan.declined) result_.declined = true;
  last_activity_ = Clock::now();
}

void BrowserWalk::attach_screenshot(const std::string& caption) {
  try {
    // A screenshot cannot be redacted: if a secret the run knows is on the page, none is taken.
    json text = page("visibleText()");
    if (text.is_string() &&
        redactor().redact_text(text.get<std::string>()) != text.get<std::string>()) {
      record_attachment({"screenshot-withheld", "text/plain",
                         caption + " (no screenshot: the page shows a secret)", "", ""});
      return;
    }
    json shot = pipe_.call("Page.captureScreenshot", {{"format", "png"}}, tab_.session(),
                           Clock::now() + std::chrono::seconds(10),
                           [this](json& event) { on_event(event); });
    if (auto png = oauth::base64_decode(shot.value("data", "")))
      record_attachment({"screenshot", "image/png", caption, std::move(*png), ""});
  } catch (const DevToolsError&) {
    // No picture of a page that is gone; the message still says where it was.
  }
}

void BrowserWalk::fail(const std::string& why, const std::string& url, const std::string& title) {
  result_.driver_failed(why);
  done_ = true;
  attach_screenshot("where the browser driver stopped: " + page_name(url, title));
}

AuthorizationResult BrowserWalk::run(const std::string& authorization_url,
                                     const std::string& user_agent) {
  call("Fetch.enable", {{"patterns", json::array({{{"urlPattern", "*"}, {"requestStage", "Request"}}})}});
  call("Page.enable", json::object());
  // Some sign-in pages turn away a browser that calls itself headless.
  if (!user_agent.empty()) call("Emulation.setUserAgentOverride", {{"userAgent", user_agent}});
  send("Page.navigate", {{"url", authorization_url}}); // answered once the page commits
  int actions = 0;
  std::string last_page;
  std::string acted_on; // the signature of the page the last action was taken on
  std::set<std::string> signed_in_with; // the fields of each sign-in step taken
  while (!done_) {
    settle();
    if (done_) break;
    PageSnapshot snapshot = snapshot_from_json(page("inspect()"));
    // The last action's effect may come late (a script that renders its next step after a
    // timer): until the page changes, wait, rather than press the same button twice.
    for (auto until = Clock::now() + options_.render_wait;
         !acted_on.empty() && page_signature(snapshot) == acted_on && !done_ &&
         Clock::now() < until && !timed_out();) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      settle();
      if (done_) break;
      snapshot = snapshot_from_json(page("inspect()"));
    }
    if (done_) break;
    if (timed_out()) {
      fail("the authorization did not reach the client within driver.timeout_seconds (" +
               std::to_string(options_.timeout.count()) + " s); it was at " +
               page_name(snapshot.url, snapshot.title),
           snapshot.url, snapshot.title);
      break;
    }
    std::string this_page = snapshot.title.empty() ? redactor().redact_url(snapshot.url)
                                                    : snapshot.title;
    if (this_page != last_page) {
      result_.pages.push_back(last_page = this_page);
      json text = page("visibleText()");
      result_.page_texts.push_back(
          text.is_string()
              ? redactor().redact_text(text.get<std::string>()).substr(0, AuthorizationResult::kMaxPageText)
              : "");
    }
    // An error page is the server's answer, as with the form driver: it stopped there.
    if (main_status_ != 0 && (main_status_ < 200 || main_status_ >= 300)) {
      finish(AuthorizationResult::Ending::StoppedAtServer);
      break;
    }
    PagePlan plan = plan_page(snapshot, options_.fields, decision_);
    // A script may render its form late: look again until something shows or time is up.
    for (auto until = Clock::now() + options_.render_wait;
         plan.kind == PagePlan::Kind::Nothing && !done_ && Clock::now() < until && !timed_out();) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      settle();
      if (done_) break;
      snapshot = snapshot_from_json(page("inspect()"));
      plan = plan_page(snapshot, options_.fields, decision_);
    }
    if (done_) break;
    if (plan.kind == PagePlan::Kind::Nothing) {
      if (snapshot.inputs.empty() && snapshot.controls.empty()) {
        // Nothing to fill or press at all: the server's own message page.
        finish(AuthorizationResult::Ending::StoppedAtServer);
        break;
      }
      std::string why = "the browser driver found nothing to " +
                        std::string(decision_ == ConsentDecision::Deny ? "decline with"
                                                                       : "fill or press") +
                        " on " + page_name(snapshot.url, snapshot.title);
      if (!snapshot.alert.empty()) why += "; the page says: " + snapshot.alert;
      fail(why, snapshot.url, snapshot.title);
      break;
    }
    std::string filled_keys;
    for (const auto& fill : plan.fills)
      filled_keys += fill.second + ",";
    // The same sign-in step again, now with a message: the credentials were refused. Trying
    // them once more could lock the account.
    if (plan.kind == PagePlan::Kind::SignIn && !snapshot.alert.empty() &&
        !signed_in_with.insert(filled_keys).second) {
      fail("the sign-in was refused on " + page_name(snapshot.url, snapshot.title) +
               "; the page says: " + snapshot.alert,
           snapshot.url, snapshot.title);
      break;
    }
    if (plan.kind == PagePlan::Kind::SignIn) signed_in_with.insert(filled_keys);
    if (actions >= options_.max_actions) {
      std::string why = "the browser driver was still on " +
                        page_name(snapshot.url, snapshot.title) + " after " +
                        std::to_string(actions) + " sign-in and consent steps";
      if (!snapshot.alert.empty()) why += "; the page says: " + snapshot.alert;
      fail(why, snapshot.url, snapshot.title);
      break;
    }
    act(plan, snapshot);
    acted_on = page_signature(snapshot);
    ++actions;
  }
  return std::move(result_);
}

} // namespace

BrowserDriver::BrowserDriver(HttpClient& http, BrowserDriverOptions options)
    : http_(http), resources_(resource_options(http.options())), options_(std::move(options)) {
  // As the form driver: what looks like a password never appears in evidence.
  for (const auto& [name, value] : options_.fields) {
    std::string lower = oauth::ascii_lower(name);
    if (!value.empty() &&
        (Redactor::is_secret_name(name) || lower.find("pass") != std::string::npos ||
         lower.find("secret") != std::string::npos || lower.find("otp") != std::string::npos ||
         lower.find("pin") != std::string::npos))
      redactor().add_secret(value);
  }
}

BrowserDriver::~BrowserDriver() = default;

BrowserDriver::Browser& BrowserDriver::browser() {
  if (browser_ && browser_->process.exited()) browser_.reset();
  if (browser_) return *browser_;
  auto started = std::make_unique<Browser>(options_.chromium);
  try {
    json version = started->pipe.call("Browser.getVersion", json::object(), {},
                                      Clock::now() + std::chrono::seconds(30));
    std::string ua = version.value("userAgent", "");
    if (auto at = ua.find("HeadlessChrome"); at != std::string::npos)
      ua.replace(at, 14, "Chrome");
    started->user_agent = ua;
  } catch (const DevToolsError& e) {
    std::string tail = started->process.stderr_tail();
    throw std::runtime_error("Chromium (" + options_.chromium.executable +
                             ") did not start: " + e.what() + (tail.empty() ? "" : ": " + tail));
  }
  browser_ = std::move(started);
  return *browser_;
}

AuthorizationResult BrowserDriver::authorize(const std::string& authorization_url,
                                             const std::string& redirect_uri) {
  return authorize(authorization_url, redirect_uri, ConsentDecision::Approve);
}

AuthorizationResult BrowserDriver::authorize(const std::string& authorization_url,
                                             const std::string& redirect_uri,
                                             ConsentDecision decision) {
  const Deadline deadline = Clock::now() + options_.timeout;
  AuthorizationResult result;
  try {
    Browser& b = browser();
    std::unique_ptr<Tab> tab = b.spare ? std::move(b.spare) : std::make_unique<Tab>(b.pipe, deadline);
    tab->attach(deadline);
    // A new renderer takes about half a second to start: the next one starts now, in parallel.
    b.spare = std::make_unique<Tab>(b.pipe, deadline);
    BrowserWalk walk(b.pipe, *tab, http_, resources_, options_, redirect_uri, decision, deadline);
    return walk.run(authorization_url, b.user_agent);
  } catch (const HttpGiveUp&) {
    throw; // the server stopped answering: the check ends in error with that
  } catch (const DevToolsError& e) {
    if (e.kind() == DevToolsError::Kind::Timeout && Clock::now() >= deadline)
      return result.driver_failed("the authorization did not reach the client within "
                                  "driver.timeout_seconds (" +
                                  std::to_string(options_.timeout.count()) + " s)");
    // A browser that went away is started afresh for the next authorization.
    if (e.kind() != DevToolsError::Kind::Answer) browser_.reset();
    return result.driver_failed(std::string("the browser failed: ") + e.what());
  } catch (const std::runtime_error& e) {
    browser_.reset();
    return result.driver_failed(e.what());
  }
}

} // namespace conformance
