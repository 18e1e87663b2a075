#include "hosting/client_document_server.h"

#include "core/url.h"

#include <httplib.h>
#include <stdexcept>

namespace conformance {
namespace {

ClientDocumentServer* g_documents = nullptr;

// An authorization server reads a document with one GET; nothing it sends needs to be large.
constexpr size_t kMaxRequestBody = 4096;
constexpr size_t kMaxHeaderValue = 1024;

// Whether the handler already recorded the request being answered on this worker. httplib calls
// the logger next, on the same thread, after the answer has been written: recording there would
// let a reader who has seen the answer (the server under test, then the check) miss the record.
thread_local bool t_recorded = false;

DocumentFetch fetch_of(const httplib::Request& request, int status, bool served) {
  DocumentFetch fetch;
  fetch.at = std::chrono::system_clock::now();
  fetch.method = request.method;
  fetch.target = request.target;
  for (const auto& [name, value] : request.headers) {
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
        name == "LOCAL_PORT")
      continue; // httplib's own notes, not what the client sent
    if (fetch.headers.size() == ClientDocumentServer::kMaxRecordedHeaders) break;
    fetch.headers.emplace_back(name, value.substr(0, kMaxHeaderValue));
  }
  fetch.peer = request.remote_addr;
  fetch.status = status;
  fetch.served = served;
  return fetch;
}

} // namespace

ClientDocumentServer* client_documents() {
  return g_documents;
}
void set_client_documents(ClientDocumentServer* server) {
  g_documents = server;
}

std::string ClientDocumentServer::request_target(std::string_view url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t path = url.find_first_of("/?#", start);
  if (path == std::string_view::npos) return "/";
  std::string_view rest = url.substr(path);
  rest = rest.substr(0, rest.find('#'));
  std::string target(rest);
  if (target.empty() || target[0] != '/') target.insert(0, "/");
  return target;
}

ClientDocumentServer::ClientDocumentServer(DocumentServerOptions options)
    : server_(std::make_unique<httplib::Server>()) {
  httplib::Server& s = *server_;
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let this listener share
  // its port with another process's (and split the fetches between them).
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.set_payload_max_length(kMaxRequestBody);
  s.set_read_timeout(5, 0);
  s.set_write_timeout(5, 0);
  s.set_keep_alive_max_count(20);
  s.set_keep_alive_timeout(2);
  // A few workers: fetches are rare, and a server that opens many connections only queues.
  s.new_task_queue = [] { return new httplib::ThreadPool(4); };
  s.set_pre_routing_handler([this](const httplib::Request& request, httplib::Response& response) {
    HostedResponse found;
    bool served = false;
    {
      std::lock_guard lock(mutex_);
      auto it = published_.find(request.target);
      if (it != published_.end() && (request.method == "GET" || request.method == "HEAD")) {
        found = it->second;
        served = true;
      }
    }
    if (served) {
      response.status = found.status;
      for (const auto& [name, value] : found.headers) response.set_header(name, value);
      response.set_content(found.body, found.content_type);
    } else {
      response.status = 404;
      response.set_content("not a document of this conformance run\n", "text/plain");
    }
    record(fetch_of(request, response.status, served));
    t_recorded = true;
    return httplib::Server::HandlerResponse::Handled;
  });
  // Called for every answered request. The ones that never reached the handler (malformed, such
  // as a TLS handshake on this plain-HTTP port) are recorded here: each is one piece of evidence
  // that something connected.
  s.set_logger([this](const httplib::Request& request, const httplib::Response& response) {
    if (!t_recorded) record(fetch_of(request, response.status, false));
    t_recorded = false;
  });

  const std::string& host = options.listen_host;
  port_ = options.listen_port == 0 ? s.bind_to_any_port(host)
                                   : (s.bind_to_port(host, options.listen_port)
                                          ? options.listen_port
                                          : -1);
  if (port_ <= 0)
    throw std::runtime_error("the client document server cannot listen on " + host + ":" +
                             std::to_string(options.listen_port));
  if (options.public_base_url.empty()) {
    std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    base_url_ = "http://" + shown + ":" + std::to_string(port_);
    loopback_http_ = true;
  } else {
    base_url_ = options.public_base_url;
  }
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  thread_ = std::thread([&s] { s.listen_after_bind(); });
  // httplib's stop() does nothing until the loop runs: wait for it, or a server destroyed at
  // once would leave the thread listening and the destructor waiting forever.
  for (int i = 0; i < 5000 && !s.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

ClientDocumentServer::~ClientDocumentServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
  if (g_documents == this) g_documents = nullptr;
}

std::string ClientDocumentServer::url(std::string_view path) const {
  return base_url_ + std::string(path);
}

void ClientDocumentServer::publish(const std::string& url, HostedResponse response) {
  std::lock_guard lock(mutex_);
  published_[request_target(url)] = std::move(response);
}

void ClientDocumentServer::withdraw(const std::string& url) {
  std::lock_guard lock(mutex_);
  published_.erase(request_target(url));
}

void ClientDocumentServer::record(DocumentFetch fetch) {
  std::lock_guard lock(mutex_);
  ++fetch_total_;
  if (fetches_.size() < kMaxRecordedFetches) fetches_.push_back(std::move(fetch));
}

size_t ClientDocumentServer::fetch_count() const {
  std::lock_guard lock(mutex_);
  return fetch_total_;
}

std::vector<DocumentFetch> ClientDocumentServer::fetches_since(size_t mark) const {
  std::lock_guard lock(mutex_);
  if (mark >= fetches_.size()) return {};
  return {fetches_.begin() + static_cast<std::ptrdiff_t>(mark), fetches_.end()};
}

} // namespace conformance
