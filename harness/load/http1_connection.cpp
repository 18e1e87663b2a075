#include "load/http1_connection.h"

#include "core/text.h"
#include "core/url.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

namespace conformance {
namespace {

// Failures are worded as libcurl words them, so a run counts the same failure kinds whichever
// client sent the request.
std::string curl_words(CURLcode code) { return curl_easy_strerror(code); }

// A chunk-size line (with its extensions) longer than this is not a server talking HTTP.
constexpr size_t kMaxChunkLine = 4096;

bool has_line_break(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

// The last comma-separated element of a header value, trimmed (Transfer-Encoding's coding
// that frames the body comes last, RFC 9112 §6.1).
std::string_view last_element(std::string_view value) {
  size_t comma = value.rfind(',');
  return oauth::trim(comma == std::string_view::npos ? value : value.substr(comma + 1));
}

bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    if (oauth::iequals(oauth::trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

} // namespace

std::optional<Http1Resolver::Address> Http1Resolver::resolve(const std::string& host,
                                                             const std::string& port) {
  std::string key = host + " " + port;
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  std::string name = host;
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']')
    name = name.substr(1, name.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* found = nullptr;
  std::optional<Address> address;
  if (getaddrinfo(name.c_str(), port.c_str(), &hints, &found) == 0 && found) {
    Address a;
    std::memcpy(&a.storage, found->ai_addr, found->ai_addrlen);
    a.length = found->ai_addrlen;
    address = a;
  }
  if (found) freeaddrinfo(found);
  cache_[key] = address;
  return address;
}

Http1Connection::Http1Connection(int epoll_fd, std::uint32_t id,
                                 std::vector<std::string> wanted_headers)
    : epoll_(epoll_fd), id_(id), wanted_(std::move(wanted_headers)) {}

Http1Connection::~Http1Connection() { close_socket(); }

std::uint64_t Http1Connection::tag_of(std::uint32_t id, std::uint32_t generation) {
  return (static_cast<std::uint64_t>(id) << 32) |
         (static_cast<std::uint64_t>(generation & 0x7fffffffu) << 1) | 1u;
}

bool Http1Connection::can_send(const HttpRequest& request) {
  if (request.url.size() < 7 || !oauth::iequals(std::string_view(request.url).substr(0, 7), "http://"))
    return false;
  if (has_line_break(request.method) || has_line_break(request.url)) return false;
  return std::none_of(request.headers.begin(), request.headers.end(), [](const auto& header) {
    return has_line_break(header.first) || has_line_break(header.second);
  });
}

bool Http1Connection::start(const HttpRequest& request, Http1Resolver& resolver,
                            const HttpOptions& options, Clock::time_point now) {
  response_ = HttpResponse{};
  head_.clear();
  head_scanned_ = 0;
  head_done_ = false;
  header_bytes_ = 0;
  received_any_ = false;
  body_ = Body::None;
  remaining_ = 0;
  chunk_ = Chunk::Size;
  line_.clear();
  keep_alive_ = true;
  retried_ = false;
  timeout_ms_ = static_cast<long>(options.timeout.count());
  deadline_ = now + options.timeout;
  cap_ = options.max_body_bytes;
  header_cap_ = std::min(options.max_header_bytes, cap_);
  head_request_ = request.method == "HEAD";
  resolver_ = &resolver;

  // The target is parsed once per URL: a load run sends the same few URLs again and again.
  if (request.url != url_) {
    auto parts = oauth::parse_url(request.url);
    if (!parts || parts->host.empty()) {
      url_.clear();
      return fail(curl_words(CURLE_URL_MALFORMAT));
    }
    std::string port = parts->port.empty() ? "80" : parts->port;
    if (parts->host != host_ || port != port_) {
      close_socket();
      address_.reset();
      host_ = parts->host;
      port_ = port;
    }
    path_ = parts->path.empty() ? "/" : parts->path;
    if (parts->has_query) path_ += "?" + parts->query;
    authority_ = parts->host + (parts->port.empty() ? "" : ":" + parts->port);
    url_ = request.url;
  }

  // The request, as CurlTransfer has libcurl send it: the same default headers, no Expect.
  bool has_host = false, has_accept = false, has_user_agent = false, has_type = false;
  for (const auto& [name, value] : request.headers) {
    has_host = has_host || oauth::iequals(name, "host");
    has_accept = has_accept || oauth::iequals(name, "accept");
    has_user_agent = has_user_agent || oauth::iequals(name, "user-agent");
    has_type = has_type || oauth::iequals(name, "content-type");
  }
  bool bodyless = request.method == "GET" || request.method == "HEAD";
  bool sends_body = !bodyless && (request.method == "POST" || !request.body.empty());
  out_.clear();
  out_.append(request.method).append(" ").append(path_).append(" HTTP/1.1\r\n");
  if (!has_host) out_.append("Host: ").append(authority_).append("\r\n");
  for (const auto& [name, value] : request.headers) {
    if (sends_body && oauth::iequals(name, "content-length")) continue; // ours is the true one
    out_.append(name).append(": ").append(value).append("\r\n");
  }
  if (!has_accept) out_.append("Accept: application/json, text/html;q=0.9, */*;q=0.5\r\n");
  if (!has_user_agent) out_.append("User-Agent: conformance/0.1\r\n");
  if (sends_body) {
    if (!has_type) out_.append("Content-Type: application/x-www-form-urlencoded\r\n");
    out_.append("Content-Length: ").append(std::to_string(request.body.size())).append("\r\n");
  }
  out_.append("\r\n");
  if (sends_body) out_.append(request.body);
  written_ = 0;

  if (state_ == State::Closed) return open();
  state_ = State::Writing;
  return write_some(); // a kept-alive connection: the request leaves at once
}

bool Http1Connection::open() {
  close_socket();
  if (!address_) address_ = resolver_->resolve(host_, port_);
  if (!address_) return fail(curl_words(CURLE_COULDNT_RESOLVE_HOST));
  fd_ = ::socket(address_->storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return fail("harness: socket() failed: " + std::string(std::strerror(errno)));
  ++generation_;
  int one = 1; // each request leaves in one segment at once, as libcurl's TCP_NODELAY does
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  requests_on_connection_ = 0;
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address_->storage), address_->length) ==
      0) {
    state_ = State::Writing;
    return write_some();
  }
  if (errno != EINPROGRESS) return fail(curl_words(CURLE_COULDNT_CONNECT));
  state_ = State::Connecting;
  watch(EPOLLOUT);
  return false;
}

void Http1Connection::close_socket() {
  if (fd_ >= 0) ::close(fd_); // which also takes it out of the epoll set
  fd_ = -1;
  watched_ = 0;
  state_ = State::Closed;
}

void Http1Connection::watch(std::uint32_t events) {
  if (fd_ < 0 || events == watched_) return;
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = tag_of(id_, generation_);
  epoll_ctl(epoll_, watched_ ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd_, &ev);
  watched_ = events;
}

bool Http1Connection::write_some() {
  while (written_ < out_.size()) {
    ssize_t n = ::send(fd_, out_.data() + written_, out_.size() - written_, MSG_NOSIGNAL);
    if (n > 0) {
      written_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      watch(EPOLLIN | EPOLLOUT); // an early answer is read while the rest waits
      return false;
    }
    if (requests_on_connection_ > 0 && !received_any_ && !retried_)
      return retry_on_new_connection();
    return fail(curl_words(CURLE_SEND_ERROR));
  }
  state_ = State::Reading;
  watch(EPOLLIN);
  return false;
}

bool Http1Connection::on_events(std::uint64_t tag, std::uint32_t events) {
  // An event read in the same batch as the close of the socket it was for.
  if (fd_ < 0 || tag != tag_of(id_, generation_)) return false;
  if (!busy()) { // between requests: the server closed, or sent what nobody asked for
    close_socket();
    return false;
  }
  if (state_ == State::Connecting) {
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0)
      return fail(curl_words(CURLE_COULDNT_CONNECT));
    state_ = State::Writing;
    if (write_some()) return true;
    return false;
  }
  if (state_ == State::Writing && (events & EPOLLOUT) && write_some()) return true;
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) return read_some();
  return false;
}

bool Http1Connection::read_some() {
  char buffer[16384];
  for (;;) {
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n > 0) {
      received_any_ = true;
      if (parse({buffer, static_cast<size_t>(n)})) return true;
      if (static_cast<size_t>(n) < sizeof buffer) return false; // epoll says when more comes
      continue;
    }
    if (n == 0) {
      if (head_done_ && body_ == Body::UntilClose) {
        keep_alive_ = false;
        return finish();
      }
      if (!received_any_ && requests_on_connection_ > 0 && !retried_)
        return retry_on_new_connection();
      return fail(curl_words(received_any_ ? CURLE_PARTIAL_FILE : CURLE_GOT_NOTHING));
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
    if (!received_any_ && requests_on_connection_ > 0 && !retried_)
      return retry_on_new_connection();
    return fail(curl_words(CURLE_RECV_ERROR));
  }
}

bool Http1Connection::retry_on_new_connection() {
  retried_ = true;
  written_ = 0;
  return open();
}

bool Http1Connection::over_cap(size_t more) const {
  return header_bytes_ + response_.body.size() + more > cap_;
}

bool Http1Connection::parse(std::string_view data) {
  std::string rest; // what followed a head, in the same read
  while (!head_done_) {
    if (data.empty()) return false;
    head_.append(data);
    // The head ends at an empty line; a bare LF ends a line too (RFC 9112 §2.2).
    size_t end = std::string::npos;
    for (size_t i = std::max<size_t>(head_scanned_, 1); i < head_.size(); ++i) {
      const void* hit = std::memchr(head_.data() + i, '\n', head_.size() - i);
      if (!hit) break;
      i = static_cast<size_t>(static_cast<const char*>(hit) - head_.data());
      if (head_[i - 1] == '\n' || (head_[i - 1] == '\r' && i >= 2 && head_[i - 2] == '\n')) {
        end = i + 1;
        break;
      }
    }
    if (end == std::string::npos) {
      head_scanned_ = head_.size();
      if (header_bytes_ + head_.size() > header_cap_) return fail(header_cap_error());
      return false;
    }
    header_bytes_ += end;
    if (header_bytes_ > header_cap_) return fail(header_cap_error());
    rest.assign(head_, end);
    head_.resize(end);
    switch (parse_head()) {
    case Head::Failed:
      return true;
    case Head::Interim: // 100 Continue and the like: the real answer follows
      head_.clear();
      head_scanned_ = 0;
      data = rest; // head_.append copies it before `rest` is reused
      continue;
    case Head::Final:
      head_done_ = true;
      data = rest;
      break;
    }
  }
  if (body_ == Body::None) {
    if (!data.empty()) keep_alive_ = false; // bytes nobody asked for: not reused
    return finish();
  }
  if (data.empty()) return false;
  return parse_body(data);
}

bool Http1Connection::parse_body(std::string_view data) {
  switch (body_) {
  case Body::None:
    return finish();
  case Body::UntilClose:
    if (over_cap(data.size())) return fail(body_cap_error());
    response_.body.append(data);
    return false;
  case Body::Length: {
    size_t take = std::min(remaining_, data.size());
    response_.body.append(data.substr(0, take));
    remaining_ -= take;
    if (remaining_ > 0) return false;
    if (take < data.size()) keep_alive_ = false;
    return finish();
  }
  case Body::Chunked:
    return parse_chunked(data);
  }
  return false;
}

std::string Http1Connection::header_cap_error() {
  response_.body_truncated = true;
  return "response headers exceed the " + std::to_string(header_cap_) + "-byte cap";
}

std::string Http1Connection::body_cap_error() {
  response_.body_truncated = true;
  return "response body exceeds the " + std::to_string(cap_) + "-byte cap";
}

Http1Connection::Head Http1Connection::parse_head() {
  std::string_view head(head_);
  auto next_line = [&head]() {
    size_t eol = head.find('\n');
    std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };
  // HTTP/1.x SSS [reason] (RFC 9112 §4)
  std::string_view status = next_line();
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (status.size() < 12 || status.substr(0, 7) != "HTTP/1." || !digit(status[7]) ||
      status[8] != ' ' || !digit(status[9]) || !digit(status[10]) || !digit(status[11]) ||
      (status.size() > 12 && status[12] != ' ')) {
    fail(curl_words(CURLE_WEIRD_SERVER_REPLY));
    return Head::Failed;
  }
  int code = (status[9] - '0') * 100 + (status[10] - '0') * 10 + (status[11] - '0');
  bool http10 = status[7] == '0';
  keep_alive_ = !http10;
  std::optional<size_t> length;
  bool has_coding = false, chunked = false;
  response_.headers.clear();
  while (!head.empty()) {
    std::string_view line = next_line();
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || line[0] == ' ' || line[0] == '\t') continue;
    std::string_view name = oauth::trim(line.substr(0, colon));
    std::string_view value = oauth::trim(line.substr(colon + 1));
    if (oauth::iequals(name, "content-length")) {
      // Digits only; two different lengths make the framing unknowable (RFC 9112 §6.3).
      size_t n = 0;
      if (value.empty() || value.size() > 18 || !std::all_of(value.begin(), value.end(), digit)) {
        fail(curl_words(CURLE_WEIRD_SERVER_REPLY));
        return Head::Failed;
      }
      for (char c : value)
        n = n * 10 + static_cast<size_t>(c - '0');
      if (length && *length != n) {
        fail(curl_words(CURLE_WEIRD_SERVER_REPLY));
        return Head::Failed;
      }
      length = n;
    } else if (oauth::iequals(name, "transfer-encoding")) {
      has_coding = true;
      chunked = oauth::iequals(last_element(value), "chunked");
    } else if (oauth::iequals(name, "connection")) {
      if (has_token(value, "close")) keep_alive_ = false;
      else if (has_token(value, "keep-alive")) keep_alive_ = true;
    }
    if (std::any_of(wanted_.begin(), wanted_.end(),
                    [&](const std::string& wanted) { return oauth::iequals(wanted, name); }))
      response_.headers.emplace_back(oauth::ascii_lower(name), std::string(value));
  }
  if (code >= 100 && code < 200 && code != 101) return Head::Interim;
  response_.status = code;
  // How the body is framed (RFC 9112 §6.3), in the order the rules are applied.
  if (head_request_ || code == 101 || code == 204 || code == 304) {
    body_ = Body::None;
    if (code == 101) keep_alive_ = false; // a switch of protocol the generator never asked for
  } else if (has_coding) {
    body_ = chunked ? Body::Chunked : Body::UntilClose;
    if (!chunked || length) keep_alive_ = false;
  } else if (length) {
    if (over_cap(*length)) {
      fail(body_cap_error());
      return Head::Failed;
    }
    body_ = *length ? Body::Length : Body::None;
    remaining_ = *length;
  } else {
    body_ = Body::UntilClose;
    keep_alive_ = false;
  }
  return Head::Final;
}

bool Http1Connection::parse_chunked(std::string_view data) {
  while (!data.empty()) {
    if (chunk_ == Chunk::Data) {
      size_t take = std::min(remaining_, data.size());
      response_.body.append(data.substr(0, take));
      data.remove_prefix(take);
      remaining_ -= take;
      if (remaining_ == 0) chunk_ = Chunk::DataEnd;
      continue;
    }
    // A line: a chunk's size, the CRLF after its data, or a trailer field.
    size_t nl = data.find('\n');
    size_t take = nl == std::string_view::npos ? data.size() : nl + 1;
    line_.append(data.substr(0, take));
    data.remove_prefix(take);
    if (chunk_ == Chunk::Trailer) {
      header_bytes_ += take;
      if (header_bytes_ > header_cap_) return fail(header_cap_error());
    } else if (line_.size() > kMaxChunkLine) {
      return fail(curl_words(CURLE_WEIRD_SERVER_REPLY));
    }
    if (nl == std::string_view::npos) return false;
    std::string_view line(line_);
    line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    switch (chunk_) {
    case Chunk::Size: {
      // Hex digits, then optional extensions after ';' (RFC 9112 §7.1.1), which are ignored.
      size_t size = 0, digits = 0;
      for (char c : line) {
        int v = c >= '0' && c <= '9' ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (v < 0) break;
        if (++digits > 15) return fail(curl_words(CURLE_WEIRD_SERVER_REPLY));
        size = size * 16 + static_cast<size_t>(v);
      }
      std::string_view after = oauth::trim(line.substr(digits));
      if (digits == 0 || (!after.empty() && after.front() != ';'))
        return fail(curl_words(CURLE_WEIRD_SERVER_REPLY));
      if (size == 0) {
        chunk_ = Chunk::Trailer;
      } else {
        if (over_cap(size)) return fail(body_cap_error());
        remaining_ = size;
        chunk_ = Chunk::Data;
      }
      break;
    }
    case Chunk::DataEnd:
      if (!line.empty()) return fail(curl_words(CURLE_WEIRD_SERVER_REPLY));
      chunk_ = Chunk::Size;
      break;
    case Chunk::Trailer:
      if (line.empty()) { // the end of the message
        line_.clear();
        if (!data.empty()) keep_alive_ = false;
        return finish();
      }
      break;
    case Chunk::Data:
      break;
    }
    line_.clear();
  }
  return false;
}

bool Http1Connection::fail(std::string error) {
  response_.transport_error = std::move(error);
  close_socket();
  return true;
}

bool Http1Connection::finish() {
  ++requests_on_connection_;
  if (keep_alive_) {
    state_ = State::Idle;
    watch(EPOLLIN); // so a close by the server while idle is seen
  } else {
    close_socket();
  }
  return true;
}

void Http1Connection::expire() {
  fail("timed out after " + std::to_string(timeout_ms_) + " ms");
}

HttpResponse Http1Connection::take_response() { return std::move(response_); }

} // namespace conformance
