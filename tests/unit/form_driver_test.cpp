// The form driver: reads login and consent pages with an HTML parser, fills and
// submits them like a browser (cookies, hidden fields, 303/307 semantics), and
// never lets the configured password reach the evidence.
#include "../fixture_server.h"
#include "drivers/form_driver.h"
#include "drivers/html.h"

#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

namespace {

using namespace conformance;
using Ending = AuthorizationResult::Ending;

const char* kCallback = "http://127.0.0.1:9/callback";

std::string page(const std::string& name) {
  std::ifstream in(std::string(FIXTURES_DIR) + "/pages/" + name);
  if (!in) throw std::runtime_error("missing fixture page " + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string field(const HtmlForm& form, const std::string& name) {
  for (const auto& f : form.fields)
    if (f.name == name) return f.value;
  return "<absent>";
}

bool has_field(const HtmlForm& form, const std::string& name) {
  return field(form, name) != "<absent>";
}

struct Collect : EvidenceSink {
  std::vector<Exchange> seen;
  void record(Exchange e) override { seen.push_back(std::move(e)); }
};

// --- parse_forms / page_title on each fixture page ---

TEST(FormParsing, NestedLoginPage) {
  std::string html = page("login_nested.html");
  EXPECT_EQ(page_title(html), "Sign in - Example Identity");
  auto forms = parse_forms(html);
  ASSERT_EQ(forms.size(), 1u);
  const HtmlForm& f = forms[0];
  EXPECT_EQ(f.id, "login-form");
  EXPECT_EQ(f.action, "/login");
  EXPECT_EQ(f.method, "post");
  EXPECT_EQ(field(f, "csrf_token"), "csrf-8f2a1c");
  EXPECT_EQ(field(f, "username"), "");
  EXPECT_EQ(field(f, "password"), "");
  EXPECT_FALSE(has_field(f, "remember")); // an unchecked checkbox is not sent
  EXPECT_EQ(f.fields.size(), 3u);
  ASSERT_EQ(f.submits.size(), 1u); // the type=button is not a submit
  EXPECT_EQ(f.submits[0].label, "Sign in");
  EXPECT_EQ(f.submits[0].name, "");
}

TEST(FormParsing, TableLoginPageWithASearchForm) {
  std::string html = page("login_table.html");
  EXPECT_EQ(page_title(html), "Member Login");
  auto forms = parse_forms(html);
  ASSERT_EQ(forms.size(), 2u);
  EXPECT_EQ(forms[0].action, "/search");
  EXPECT_EQ(forms[0].method, "get");
  EXPECT_TRUE(has_field(forms[0], "q"));
  const HtmlForm& f = forms[1];
  EXPECT_EQ(f.action, "login.cgi?step=1");
  EXPECT_EQ(f.method, "post");
  EXPECT_EQ(field(f, "user"), "");
  EXPECT_EQ(field(f, "pass"), "");
  EXPECT_EQ(field(f, "realm"), "staff"); // first option when none is selected
  EXPECT_EQ(field(f, "session"), "s-77");
  ASSERT_EQ(f.submits.size(), 1u); // reset is not a submit
  EXPECT_EQ(f.submits[0].name, "login");
  EXPECT_EQ(f.submits[0].value, "Log in");
  EXPECT_EQ(f.submits[0].label, "Log in");
}

TEST(FormParsing, ConsentPageWithTwoButtons) {
  std::string html = page("consent_buttons.html");
  EXPECT_EQ(page_title(html), "Authorize MCP Inspector");
  auto forms = parse_forms(html);
  ASSERT_EQ(forms.size(), 1u);
  const HtmlForm& f = forms[0];
  EXPECT_EQ(f.action, "/consent");
  EXPECT_EQ(field(f, "request_id"), "req-42");
  EXPECT_EQ(field(f, "csrf"), "csrf-consent-9");
  ASSERT_EQ(f.submits.size(), 2u);
  EXPECT_EQ(f.submits[0].value, "deny");
  EXPECT_EQ(f.submits[0].label, "Deny");
  EXPECT_EQ(f.submits[1].value, "approve");
  EXPECT_EQ(f.submits[1].label, "Allow");
  EXPECT_EQ(find_submit(f, ConsentDecision::Approve), &f.submits[1]);
  EXPECT_EQ(find_submit(f, ConsentDecision::Deny), &f.submits[0]);
}

TEST(FormParsing, ConsentPageWithFormactionButtons) {
  std::string html = page("consent_formaction.html");
  EXPECT_EQ(page_title(html), "Grant access");
  auto forms = parse_forms(html);
  ASSERT_EQ(forms.size(), 1u);
  const HtmlForm& f = forms[0];
  EXPECT_EQ(f.action, "");
  EXPECT_EQ(f.method, "post");
  EXPECT_EQ(field(f, "txn"), "t-1001");
  ASSERT_EQ(f.submits.size(), 2u);
  EXPECT_EQ(f.submits[0].formaction, "/consent/deny");
  EXPECT_EQ(f.submits[1].formaction, "/consent/allow");
  ASSERT_NE(find_submit(f, ConsentDecision::Approve), nullptr);
  EXPECT_EQ(find_submit(f, ConsentDecision::Approve)->formaction, "/consent/allow");
  EXPECT_EQ(find_submit(f, ConsentDecision::Deny)->formaction, "/consent/deny");
}

TEST(FormParsing, PageWithoutUsableForm) {
  std::string html = page("no_form.html");
  EXPECT_EQ(page_title(html), "Something went wrong");
  auto forms = parse_forms(html);
  ASSERT_EQ(forms.size(), 1u);
  EXPECT_EQ(field(forms[0], "comment"), "Tell us what happened");
  EXPECT_TRUE(forms[0].submits.empty());
}

TEST(FormParsing, ControlsOutsideTheFormJoinItById) {
  auto forms = parse_forms(R"(<form id="f" action="/a"></form>
      <input form="f" name="outside" value="1"><button form="f" name="go" value="yes">Go</button>
      <input type="checkbox" name="c" checked form="f"><input name="dis" disabled form="f">)");
  ASSERT_EQ(forms.size(), 1u);
  EXPECT_EQ(field(forms[0], "outside"), "1");
  EXPECT_EQ(field(forms[0], "c"), "on");
  EXPECT_FALSE(has_field(forms[0], "dis"));
  ASSERT_EQ(forms[0].submits.size(), 1u);
  EXPECT_EQ(forms[0].submits[0].label, "Go");
}

TEST(FormParsing, DenyWordsWinOverApproveWords) {
  HtmlForm f;
  f.submits = {{"", "", "Don't allow", "", ""}, {"", "", "Not now", "", ""}};
  EXPECT_EQ(find_submit(f, ConsentDecision::Approve), nullptr);
  EXPECT_EQ(find_submit(f, ConsentDecision::Deny), &f.submits[0]);
}

TEST(FormParsing, DeclineLinkSkipsFragmentAndScriptLinks) {
  auto links = parse_links(page("consent_cancel_link.html"));
  const HtmlLink* decline = find_decline_link(links);
  ASSERT_NE(decline, nullptr);
  EXPECT_EQ(decline->href, "/interaction/uid-77/abort");
  EXPECT_EQ(find_decline_link(parse_links("<a href='#'>Cancel</a><a href='/help'>Help</a>")),
            nullptr);
}

// --- end to end against a fixture authorization server ---

// /authorize -> /login (cookie) -> POST /login -> /consent -> POST /consent -> the client.
// `post_status` answers both POSTs; with 307/308 the POST lands on a second URL that
// must receive the same body again.
void serve_flow(FixtureServer& fx, int post_status = 303) {
  const std::string login = page("login_nested.html");
  const std::string consent = page("consent_buttons.html");
  fx.routes().Get("/authorize", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Set-Cookie", "sid=browser-1; Path=/");
    res.set_redirect("/login", 303);
  });
  fx.routes().Get("/login", [login](const httplib::Request&, httplib::Response& res) {
    res.set_content(login, "text/html; charset=utf-8");
  });
  auto check_login = [login](const httplib::Request& req, httplib::Response& res) {
    bool ok = req.get_header_value("Cookie").find("sid=browser-1") != std::string::npos &&
              req.get_param_value("csrf_token") == "csrf-8f2a1c" &&
              req.get_param_value("username") == "alice" &&
              req.get_param_value("password") == "hunter2-correct-horse";
    if (ok) {
      res.set_redirect("/consent", 303);
    } else {
      res.set_content(login, "text/html"); // shown again, as a real login does
    }
  };
  auto decide = [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_param_value("csrf") != "csrf-consent-9" ||
        req.get_param_value("request_id") != "req-42") {
      res.status = 400;
      res.set_content("bad consent form", "text/plain");
      return;
    }
    std::string decision = req.get_param_value("decision");
    res.set_redirect(decision == "approve"
                         ? std::string(kCallback) + "?code=code-from-form&state=st1"
                         : std::string(kCallback) + "?error=access_denied&state=st1",
                     303);
  };
  if (post_status == 303) {
    fx.routes().Post("/login", check_login);
    fx.routes().Post("/consent", decide);
  } else {
    fx.routes().Post("/login", [post_status](const httplib::Request&, httplib::Response& res) {
      res.set_redirect("/login/verify", post_status);
    });
    fx.routes().Post("/login/verify", check_login);
    fx.routes().Post("/consent", [post_status](const httplib::Request&, httplib::Response& res) {
      res.set_redirect("/consent/decide", post_status);
    });
    fx.routes().Post("/consent/decide", decide);
  }
  fx.routes().Get("/consent", [consent](const httplib::Request&, httplib::Response& res) {
    res.set_content(consent, "text/html");
  });
}

FormDriverOptions alice() {
  return {{{"username", "alice"}, {"password", "hunter2-correct-horse"}}};
}

TEST(FormDriverFlow, LogsInAndApprovesToTheClient) {
  FixtureServer fx;
  serve_flow(fx);
  fx.start();
  HttpClient http;
  FormDriver driver(http, alice());
  EXPECT_EQ(driver.name(), "form");
  EXPECT_TRUE(driver.can_decline());
  auto result = driver.authorize(fx.url("/authorize"), kCallback);
  EXPECT_EQ(result.ending, Ending::RedirectedToClient) << result.describe();
  EXPECT_EQ(result.code().value_or(""), "code-from-form");
  EXPECT_EQ(result.param("state").value_or(""), "st1");
  EXPECT_EQ(result.post_redirect_statuses, (std::vector<int>{303, 303}));
  EXPECT_EQ(result.redirect_statuses, (std::vector<int>{303, 303, 303}));
  EXPECT_EQ(result.pages,
            (std::vector<std::string>{"Sign in - Example Identity", "Authorize MCP Inspector"}));
}

TEST(FormDriverFlow, DenyDecisionEndsWithAccessDenied) {
  FixtureServer fx;
  serve_flow(fx);
  fx.start();
  HttpClient http;
  FormDriver driver(http, alice());
  AuthorizationDriver& as_base = driver;
  auto result = as_base.authorize(fx.url("/authorize"), kCallback, ConsentDecision::Deny);
  EXPECT_EQ(result.ending, Ending::RedirectedToClient) << result.describe();
  EXPECT_EQ(result.error().value_or(""), "access_denied");
  EXPECT_FALSE(result.code());
}

// A consent page that declines only through a link (oidc-provider's development pages do): the
// driver approves with the lone "Continue" button and declines by following "[ Cancel ]".
TEST(FormDriverFlow, DeclinesThroughACancelLink) {
  FixtureServer fx;
  const std::string consent = page("consent_cancel_link.html");
  fx.routes().Get("/authorize", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/interaction/uid-77", 303);
  });
  fx.routes().Get("/interaction/uid-77",
                  [consent](const httplib::Request&, httplib::Response& res) {
                    res.set_content(consent, "text/html");
                  });
  fx.routes().Post("/interaction/uid-77/confirm",
                   [](const httplib::Request&, httplib::Response& res) {
                     res.set_redirect(std::string(kCallback) + "?code=code-from-continue", 303);
                   });
  fx.routes().Get("/interaction/uid-77/abort", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect(std::string(kCallback) + "?error=access_denied", 303);
  });
  fx.start();
  HttpClient http;
  FormDriver driver(http, alice());
  AuthorizationDriver& as_base = driver;
  auto approved = as_base.authorize(fx.url("/authorize"), kCallback, ConsentDecision::Approve);
  EXPECT_EQ(approved.code().value_or(""), "code-from-continue") << approved.describe();
  auto denied = as_base.authorize(fx.url("/authorize"), kCallback, ConsentDecision::Deny);
  EXPECT_EQ(denied.ending, Ending::RedirectedToClient) << denied.describe();
  EXPECT_EQ(denied.error().value_or(""), "access_denied");
}

TEST(FormDriverFlow, RepeatsThePostOnA307) {
  FixtureServer fx;
  serve_flow(fx, 307);
  fx.start();
  HttpClient http;
  FormDriver driver(http, alice());
  auto result = driver.authorize(fx.url("/authorize"), kCallback);
  EXPECT_EQ(result.ending, Ending::RedirectedToClient) << result.describe();
  EXPECT_EQ(result.code().value_or(""), "code-from-form");
  EXPECT_EQ(result.post_redirect_statuses, (std::vector<int>{307, 303, 307, 303}));
}

TEST(FormDriverFlow, FollowsFormactionOfTheApproveButton) {
  FixtureServer fx;
  const std::string consent = page("consent_formaction.html");
  fx.routes().Get("/authorize", [consent](const httplib::Request&, httplib::Response& res) {
    res.set_content(consent, "text/html");
  });
  fx.routes().Post("/consent/allow", [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_param_value("txn") != "t-1001") {
      res.status = 400;
      return;
    }
    res.set_redirect(std::string(kCallback) + "?code=via-formaction", 302);
  });
  fx.routes().Post("/consent/deny", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect(std::string(kCallback) + "?error=access_denied", 302);
  });
  fx.start();
  HttpClient http;
  FormDriver driver(http, {});
  auto approved = driver.authorize(fx.url("/authorize"), kCallback);
  EXPECT_EQ(approved.code().value_or(""), "via-formaction") << approved.describe();
  auto denied = driver.authorize(fx.url("/authorize"), kCallback, ConsentDecision::Deny);
  EXPECT_EQ(denied.error().value_or(""), "access_denied") << denied.describe();
}

TEST(FormDriverFlow, RejectedCredentialsRunOutOfStepsNamingThePage) {
  FixtureServer fx;
  const std::string login = page("login_nested.html");
  fx.routes().Get("/authorize", [login](const httplib::Request&, httplib::Response& res) {
    res.set_content(login, "text/html");
  });
  fx.routes().Post("/login", [login](const httplib::Request&, httplib::Response& res) {
    res.set_content(login, "text/html");
  });
  fx.start();
  HttpClient http;
  FormDriver driver(http, {alice().fields, 6});
  auto result = driver.authorize(fx.url("/authorize"), kCallback);
  EXPECT_TRUE(result.ending == Ending::TooManySteps || result.ending == Ending::StoppedAtServer);
  EXPECT_FALSE(result.reached_client());
  EXPECT_NE(result.describe().find("Sign in - Example Identity"), std::string::npos)
      << result.describe();
}

TEST(FormDriverFlow, StopsAtAPageWithoutUsableForm) {
  FixtureServer fx;
  const std::string html = page("no_form.html");
  fx.routes().Get("/authorize", [html](const httplib::Request&, httplib::Response& res) {
    res.set_content(html, "text/html");
  });
  fx.start();
  HttpClient http;
  FormDriver driver(http, alice());
  auto result = driver.authorize(fx.url("/authorize"), kCallback);
  EXPECT_EQ(result.ending, Ending::StoppedAtServer);
  EXPECT_NE(result.describe().find("Something went wrong"), std::string::npos) << result.describe();
}

TEST(FormDriverFlow, StopsAtANonHtmlResponse) {
  FixtureServer fx;
  fx.routes().Get("/authorize", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"error":"invalid_request"})", "application/json");
  });
  fx.start();
  HttpClient http;
  FormDriver driver(http, alice());
  auto result = driver.authorize(fx.url("/authorize"), kCallback);
  EXPECT_EQ(result.ending, Ending::StoppedAtServer);
  EXPECT_TRUE(result.pages.empty());
}

TEST(FormDriverFlow, PasswordNeverReachesEvidence) {
  FixtureServer fx;
  serve_flow(fx, 307);
  fx.start();
  Collect sink;
  set_evidence_sink(&sink);
  HttpClient http;
  FormDriver driver(http, alice());
  auto result = driver.authorize(fx.url("/authorize"), kCallback);
  set_evidence_sink(nullptr);
  ASSERT_EQ(result.ending, Ending::RedirectedToClient) << result.describe();
  ASSERT_FALSE(sink.seen.empty());
  bool login_posted = false;
  for (const Exchange& e : sink.seen) {
    std::string all = e.url + "\n" + e.request_body + "\n" + e.response_body;
    for (const auto& [n, v] : e.request_headers)
      all += n + ": " + v + "\n";
    for (const auto& [n, v] : e.response_headers)
      all += n + ": " + v + "\n";
    EXPECT_EQ(all.find("hunter2-correct-horse"), std::string::npos) << all;
    if (e.method == "POST" && e.request_body.find("username=") != std::string::npos)
      login_posted = true;
  }
  EXPECT_TRUE(login_posted);
  EXPECT_EQ(result.describe().find("hunter2"), std::string::npos);
}

} // namespace

// A sign-in in steps on plain HTML: a username page, then a password page (which carries the
// username along as a hidden input), then the consent page.
TEST(FormDriverFlow, SignsInInSteps) {
  FixtureServer fx;
  const std::string consent = page("consent_buttons.html");
  fx.routes().Get("/authorize", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<title>Who are you?</title><form method=post action=/identify>"
                    "<label>Username <input name=username></label><button>Next</button></form>",
                    "text/html");
  });
  fx.routes().Post("/identify", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content("<title>Your password</title><form method=post action=/verify>"
                    "<input type=hidden name=username value=\"" +
                        req.get_param_value("username") +
                        "\"><input type=password name=password><button>Sign in</button>"
                        "<button name=back value=1>Back</button></form>",
                    "text/html");
  });
  fx.routes().Post("/verify", [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_param_value("username") == "alice" &&
        req.get_param_value("password") == "hunter2-correct-horse" && !req.has_param("back"))
      res.set_redirect("/consent", 303);
    else
      res.set_content("<title>Wrong</title><p>no</p>", "text/html");
  });
  fx.routes().Get("/consent", [consent](const httplib::Request&, httplib::Response& res) {
    res.set_content(consent, "text/html");
  });
  fx.routes().Post("/consent", [](const httplib::Request& req, httplib::Response& res) {
    res.set_redirect(std::string(kCallback) + (req.get_param_value("decision") == "approve"
                                                   ? "?code=stepped-code"
                                                   : "?error=access_denied"),
                     303);
  });
  fx.start();
  HttpClient http;
  FormDriver driver(http, alice());
  auto result = driver.authorize(fx.url("/authorize"), kCallback);
  EXPECT_EQ(result.ending, Ending::RedirectedToClient) << result.describe();
  EXPECT_EQ(result.code().value_or(""), "stepped-code");
  EXPECT_EQ(result.pages, (std::vector<std::string>{"Who are you?", "Your password",
                                                    "Authorize MCP Inspector"}));
  // Asked to decline, it still signs in first, then declines on the consent page.
  auto denied = driver.authorize(fx.url("/authorize"), kCallback, ConsentDecision::Deny);
  EXPECT_EQ(denied.error().value_or(""), "access_denied") << denied.describe();
}

// A page rendered by a script has no form to parse: the form driver says so and names the
// driver that can, rather than reporting that it stayed at the server.
TEST(FormDriverFlow, NamesTheBrowserDriverOnAScriptOnlyPage) {
  FixtureServer fx;
  fx.routes().Get("/authorize", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<!DOCTYPE html><title>Sign in</title><main id=app></main>"
                    "<script src=/assets/login.js></script>",
                    "text/html");
  });
  fx.start();
  HttpClient http;
  FormDriver driver(http, alice());
  auto result = driver.authorize(fx.url("/authorize"), kCallback);
  EXPECT_EQ(result.ending, Ending::DriverFailed) << result.describe();
  EXPECT_NE(result.describe().find("--driver browser"), std::string::npos) << result.describe();
  EXPECT_NE(result.describe().find("\"Sign in\""), std::string::npos) << result.describe();
}
