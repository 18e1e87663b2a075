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

class EvidenceSink {
public:
  virtual ~EvidenceSink() = default;
  virtual void record(Exchange exchange) = 0;
  // What is running, for messages ("Pkce.PlainMethodIsRejected"); empty when unknown.
  virtual std::string where() const { return {}; }
};

// The sink that receives exchanges on this thread (the running check, or none).
void set_evidence_sink(EvidenceSink* sink);
EvidenceSink* evidence_sink();

// Redacts `exchange` and hands it to the current sink, if any.
void record_exchange(Exchange exchange);

} // namespace conformance
