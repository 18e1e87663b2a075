// Request head and body framing on raw bytes, with their limits.
#include "request_framing.h"

#include "core/text.h"

#include <algorithm>
#include <cctype>
#include <limits>

namespace refserver {
namespace {

bool is_empty_line(std::string_view line) {
  return line == "\n" || line == "\r\n";
}

// 1*DIGIT (RFC 9110 §8.6), saturating at UINT64_MAX; false for anything else.
bool parse_length(std::string_view text, uint64_t& out) {
  text = oauth::trim(text);
  if (text.empty()) return false;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
    value = value > (kMax - digit) / 10 ? kMax : value * 10 + digit;
  }
  out = value;
  return true;
}

} // namespace

HeadScan HeadScanner::scan(std::string_view buffer) {
  HeadScan out;
  for (size_t i = seen_; i < buffer.size(); ++i) {
    if (buffer[i] != '\n') continue;
    std::string_view line = buffer.substr(line_start_, i + 1 - line_start_);
    line_start_ = i + 1;
    if (lines_ == 0 && is_empty_line(line)) {
      skip_ = line_start_; // before the request line: ignored (RFC 9112 §2.2)
      continue;
    }
    if (lines_ == 0 && line.size() > limits_.max_request_line) {
      out.status = HeadStatus::RequestLineTooLong;
      return out;
    }
    if (lines_ > 0 && line == "\r\n") {
      seen_ = i + 1;
      out.skip = skip_;
      out.length = line_start_ - skip_;
      // Leading empty lines count too, or endless ones would never hit a limit.
      out.status = line_start_ > limits_.max_bytes ? HeadStatus::TooLarge : HeadStatus::Complete;
      return out;
    }
    // Lines httplib skips (a bare LF ending) still count: they are bytes and lines it reads.
    if (++lines_ > limits_.max_fields + 1) {
      out.status = HeadStatus::TooManyFields;
      return out;
    }
  }
  seen_ = buffer.size();
  if (lines_ == 0 && buffer.size() - line_start_ > limits_.max_request_line)
    out.status = HeadStatus::RequestLineTooLong;
  else if (buffer.size() > limits_.max_bytes)
    out.status = HeadStatus::TooLarge;
  return out;
}

BodyFraming body_framing(const std::vector<std::string>& content_length,
                         const std::vector<std::string>& transfer_encoding) {
  BodyFraming out;
  if (!transfer_encoding.empty()) {
    // Only chunked alone is understood; any other coding leaves the length unknown (RFC 9112
    // §6.3), and a Content-Length beside it must not be trusted instead.
    if (transfer_encoding.size() != 1 ||
        !oauth::iequals(oauth::trim(transfer_encoding.front()), "chunked")) {
      out.kind = Framing::Invalid;
      out.problem = "unsupported Transfer-Encoding (only chunked is accepted)";
      return out;
    }
    out.kind = Framing::Chunked;
    out.close_after = !content_length.empty();
    return out;
  }
  if (content_length.empty()) return out;
  // Several values (or fields) are only acceptable when they agree (RFC 9112 §6.3).
  bool first = true;
  for (const std::string& field : content_length) {
    std::string_view rest = field;
    while (true) {
      size_t comma = rest.find(',');
      uint64_t value = 0;
      if (!parse_length(rest.substr(0, comma), value) || (!first && value != out.length)) {
        out.kind = Framing::Invalid;
        out.problem = "invalid Content-Length";
        return out;
      }
      out.length = value;
      first = false;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  out.kind = Framing::Length;
  return out;
}

size_t ChunkedMeter::allowance() const {
  switch (state_) {
  case State::Done:
    return 0;
  case State::Data:
    return static_cast<size_t>(std::min<uint64_t>(remaining_, std::numeric_limits<size_t>::max()));
  default:
    return 1;
  }
}

void ChunkedMeter::feed(std::string_view bytes) {
  while (!bytes.empty() && state_ != State::Done) {
    if (state_ == State::Data) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, bytes.size()));
      remaining_ -= n;
      bytes.remove_prefix(n);
      if (remaining_ == 0) state_ = State::DataEnd;
      continue;
    }
    const char c = bytes.front();
    bytes.remove_prefix(1);
    if (++framing_ > max_framing_) over_limit_ = true;
    if (over_limit_) continue; // the stream stops here; keep line_ bounded
    line_ += c;
    if (c == '\n') end_of_line();
  }
}

void ChunkedMeter::end_of_line() {
  std::string line = std::move(line_);
  line_.clear();
  switch (state_) {
  case State::SizeLine: {
    // chunk-size is hex; extensions after it (";name=value") are ignored, as httplib does.
    uint64_t size = 0;
    size_t digits = 0;
    for (char c : line) {
      const int v = std::isxdigit(static_cast<unsigned char>(c))
                        ? (std::isdigit(static_cast<unsigned char>(c))
                               ? c - '0'
                               : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10)
                        : -1;
      if (v < 0) break;
      if (size > (std::numeric_limits<uint64_t>::max() >> 4)) {
        over_limit_ = true; // more than 64 bits of size: certainly past any limit
        return;
      }
      size = size * 16 + static_cast<uint64_t>(v);
      ++digits;
    }
    if (digits == 0) {
      malformed_ = true;
      return; // stays in SizeLine: httplib refuses the body itself
    }
    if (size == 0) {
      state_ = State::Trailer;
    } else if (size > max_payload_ - std::min(payload_, max_payload_)) {
      over_limit_ = true;
    } else {
      payload_ += size;
      remaining_ = size;
      state_ = State::Data;
    }
    return;
  }
  case State::DataEnd:
    if (!is_empty_line(line)) malformed_ = true;
    state_ = State::SizeLine;
    return;
  case State::Trailer:
    if (is_empty_line(line)) state_ = State::Done;
    return; // a trailer field: counted as framing, otherwise passed over
  default:
    return;
  }
}

} // namespace refserver
