// Where a request's head and body end, judged on the raw bytes before httplib parses them, with
// the limits that keep a hostile client from making either unbounded: the head (request line
// and header fields, RFC 9112 §2-5) by field count and bytes, the body (RFC 9112 §6-7) by its
// Content-Length or, when chunked, by the payload its chunks announce and the framing around
// them. Pure: no I/O, no httplib.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace refserver {

struct HeadLimits {
  size_t max_fields = 100;        // header field lines
  size_t max_bytes = 32 * 1024;   // the whole head, request line and blank line included
  size_t max_request_line = 8192; // httplib's own limit (CPPHTTPLIB_REQUEST_URI_MAX_LENGTH)
};

enum class HeadStatus {
  Incomplete,         // no blank line yet, and within the limits
  Complete,           // the head ends at `length`
  TooManyFields,      // 431 (RFC 6585 §5)
  TooLarge,           // 431
  RequestLineTooLong, // 414 (RFC 9110 §15.5.15)
};

struct HeadScan {
  HeadStatus status = HeadStatus::Incomplete;
  size_t skip = 0;   // empty lines before the request line, to drop (RFC 9112 §2.2)
  size_t length = 0; // Complete: the head's bytes after `skip`, through the blank line
};

// Finds the end of one request head in a buffer that grows between calls (same start), looking
// only at the bytes it has not seen, so a client trickling its head byte by byte costs one pass.
class HeadScanner {
public:
  explicit HeadScanner(HeadLimits limits) : limits_(limits) {}
  HeadScan scan(std::string_view buffer);

private:
  HeadLimits limits_;
  size_t seen_ = 0;       // bytes of the buffer already looked at
  size_t line_start_ = 0; // where the current line begins
  size_t skip_ = 0;       // leading empty lines
  size_t lines_ = 0;      // complete lines of the head so far, the request line included
};

enum class Framing {
  None,    // no body (RFC 9112 §6.3: a request without either header has none)
  Length,  // Content-Length bytes
  Chunked, // Transfer-Encoding: chunked
  Invalid, // a length that cannot be determined: 400, then close (RFC 9112 §6.3)
};

struct BodyFraming {
  Framing kind = Framing::None;
  uint64_t length = 0;      // Length: the declared size (UINT64_MAX when it does not fit)
  bool close_after = false; // both headers were sent: close after answering (RFC 9112 §6.1)
  std::string problem;      // Invalid: why
};

// The framing from every value of the request's Content-Length and Transfer-Encoding fields.
BodyFraming body_framing(const std::vector<std::string>& content_length,
                         const std::vector<std::string>& transfer_encoding);

// Follows a chunked body (RFC 9112 §7.1) as its bytes go by, without changing them: the payload
// its chunk sizes announce, the bytes its framing takes (size lines, extensions, trailers), and
// where it ends. A size that would carry the payload past its limit is caught when its line
// ends, before any of that chunk's data is read.
class ChunkedMeter {
public:
  ChunkedMeter(uint64_t max_payload, uint64_t max_framing)
      : max_payload_(max_payload), max_framing_(max_framing) {}

  // How many bytes may be passed on next: the rest of the current chunk's data, else one, so
  // each framing byte is judged before the next is read. 0 once the body is complete.
  size_t allowance() const;
  // Takes bytes just passed on (at most allowance()).
  void feed(std::string_view bytes);

  bool complete() const { return state_ == State::Done; }
  bool over_limit() const { return over_limit_; }
  bool malformed() const { return malformed_; }

private:
  enum class State { SizeLine, Data, DataEnd, Trailer, Done };
  void end_of_line();

  uint64_t max_payload_;
  uint64_t max_framing_;
  State state_ = State::SizeLine;
  std::string line_;       // the framing line being read (bounded by max_framing)
  uint64_t remaining_ = 0; // Data: bytes left in the chunk
  uint64_t payload_ = 0;
  uint64_t framing_ = 0;
  bool over_limit_ = false;
  bool malformed_ = false;
};

} // namespace refserver
