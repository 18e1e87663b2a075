// Evidence: one recorded HTTP exchange, already redacted, and the sink that
// attaches exchanges to whatever check is running (DESIGN.md "Evidence").
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace conformance {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Exchange {
  std::string method;
  std::string url;
  HeaderList request_headers;
  std::string request_body;
  int status = 0; // 0 when no response arrived
  HeaderList response_headers;
  std::string response_body;
  bool response_truncated = false; // the body hit the size cap, or was shortened for the report
  std::string transport_error;     // empty when a response arrived
  double duration_ms = 0;
};

// A file that shows what an exchange cannot (a screenshot of the page a browser stopped at).
// Reports save `data` beside themselves and point to it; `file` is where it was saved.
struct Attachment {
  std::string name;       // short, file-name safe: "screenshot"
  std::string media_type; // "image/png"
  std::string caption;    // one line, already redacted: what it shows
  std::string data;       // the bytes
  std::string file;       // set once saved (cli/attachment_files.cpp): the path reports name
};

class EvidenceSink {
public:
  virtual ~EvidenceSink() = default;
  virtual void record(Exchange exchange) = 0;
  // Attachments are rare and never carry a request: sinks that keep none ignore them.
  virtual void attach(Attachment attachment) { (void)attachment; }
  // What is running, for messages ("Pkce.PlainMethodIsRejected"); empty when unknown.
  virtual std::string where() const { return {}; }
};

// The sink that receives exchanges on this thread (the running check, or none).
void set_evidence_sink(EvidenceSink* sink);
EvidenceSink* evidence_sink();

// Redacts `exchange` and hands it to the current sink, if any.
void record_exchange(Exchange exchange);
// Hands `attachment` (its caption redacted) to the current sink, if any.
void record_attachment(Attachment attachment);

} // namespace conformance
