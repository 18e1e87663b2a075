// The harness's document server (CIMD): client ID metadata documents that the authorization
// server under test fetches when a check names their URL as client_id. Checks publish what they
// need under their own paths; everything else is a 404. Every request that arrives, whether it
// reads a document or not, is recorded, so "the server fetched it", "it did not follow the
// redirect" and "it fetched again after a change" are observed rather than guessed.
//
// The listener serves plain HTTP on --cimd-listen. The public URL (--cimd-base-url) is what the
// authorization server is given; a reverse proxy, a tunnel or an ingress maps it to the listener
// and forwards the path unchanged. Without a public URL the documents are named by the
// listener's own http://127.0.0.1:PORT address, which only a server on this machine with a
// testing exemption for it may fetch (the reference server's --cimd-allow-http-loopback).
#pragma once

#include "http/evidence.h"

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace conformance {

// What one published URL answers.
struct HostedResponse {
  int status = 200;
  std::string content_type = "application/json";
  HeaderList headers; // e.g. Cache-Control, Location
  std::string body;
};

// One request the listener received, as it arrived.
struct DocumentFetch {
  std::chrono::system_clock::time_point at;
  std::string method;  // empty when the bytes were not HTTP (a TLS handshake, say)
  std::string target;  // the request target as sent (path and query, not normalised)
  HeaderList headers;  // at most kMaxRecordedHeaders, each value cut at 1 KiB
  std::string peer;    // the connecting address
  int status = 0;      // what the listener answered
  bool served = false; // whether it was a published document
};

struct DocumentServerOptions {
  std::string listen_host = "127.0.0.1";
  int listen_port = 0;         // 0: a free one
  std::string public_base_url; // empty: http://127.0.0.1:PORT (the listener itself)
};

class ClientDocumentServer {
public:
  // Binds and starts serving; throws std::runtime_error naming the address when it cannot.
  explicit ClientDocumentServer(DocumentServerOptions options);
  ~ClientDocumentServer(); // stops the listener and waits for it
  ClientDocumentServer(const ClientDocumentServer&) = delete;
  ClientDocumentServer& operator=(const ClientDocumentServer&) = delete;

  // The URL documents are published under, without a trailing slash.
  const std::string& base_url() const { return base_url_; }
  int port() const { return port_; }
  // Whether the documents are named by the listener's own loopback http address (no public
  // URL): a real authorization server must refuse such a client_id (http, loopback).
  bool loopback_http() const { return loopback_http_; }

  // base_url() + path (path starts with '/').
  std::string url(std::string_view path) const;
  // Publishes `response` at `url`, replacing what was there: the listener answers exactly the
  // request target a fetch of `url` sends (its path and query, byte for byte; a fragment is never
  // sent). Whatever the URL's host, only this listener answers: the caller names hosts that lead
  // here (the public URL, or loopback spellings of it).
  void publish(const std::string& url, HostedResponse response);
  void withdraw(const std::string& url);

  // Requests received so far; a mark for fetches_since().
  size_t fetch_count() const;
  std::vector<DocumentFetch> fetches_since(size_t mark) const;

  // Requests kept in full; later ones are counted only.
  static constexpr size_t kMaxRecordedFetches = 4096;
  static constexpr size_t kMaxRecordedHeaders = 32;

  // The request target a URL is fetched with: its path (or "/") and query, without fragment.
  static std::string request_target(std::string_view url);

private:
  void record(DocumentFetch fetch);

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::string base_url_;
  bool loopback_http_ = false;

  mutable std::mutex mutex_;
  std::map<std::string, HostedResponse, std::less<>> published_; // by request target
  std::vector<DocumentFetch> fetches_;
  size_t fetch_total_ = 0;
};

// The run's document server, or null when the run has none (checks needing it then skip).
ClientDocumentServer* client_documents();
void set_client_documents(ClientDocumentServer* server);

} // namespace conformance
