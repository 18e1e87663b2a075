#include "http/evidence.h"

#include "http/redaction.h"

namespace conformance {
namespace {
thread_local EvidenceSink* current_sink = nullptr;
}

void set_evidence_sink(EvidenceSink* sink) {
  current_sink = sink;
}
EvidenceSink* evidence_sink() {
  return current_sink;
}

void record_exchange(Exchange exchange) {
  if (!current_sink) return;
  current_sink->record(redactor().redact(std::move(exchange)));
}

} // namespace conformance
