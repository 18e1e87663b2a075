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

void record_attachment(Attachment attachment) {
  if (!current_sink) return;
  attachment.caption = redactor().redact_text(attachment.caption);
  current_sink->attach(std::move(attachment));
}

} // namespace conformance
