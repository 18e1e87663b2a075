// The reference server's connection gate reads raw request bytes before httplib does: where a
// head ends (and whether it is too big), the body's framing from its headers, and a chunked
// body followed byte by byte. Input: a head, NUL, Content-Length values one per line, NUL,
// Transfer-Encoding values one per line, NUL, a chunked body.
#include "fuzz_input.h"

#include "request_framing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto input = fuzzing::sections(data, size, 4);
  const std::string& head = input[0];
  const refserver::HeadLimits limits{.max_fields = 20, .max_bytes = 2048, .max_request_line = 512};

  // Trickled in small pieces, the head is judged as it is in one piece.
  refserver::HeadScanner whole(limits);
  const auto at_once = whole.scan(head);
  refserver::HeadScanner trickled(limits);
  refserver::HeadScan step;
  for (size_t end = 0; end < head.size();) {
    end = std::min(head.size(), end + 1 + head.size() % 7);
    step = trickled.scan(std::string_view(head).substr(0, end));
    if (step.status != refserver::HeadStatus::Incomplete) break;
  }
  if (!head.empty() && (step.status != at_once.status ||
                        (step.status == refserver::HeadStatus::Complete &&
                         (step.length != at_once.length || step.skip != at_once.skip))))
    fuzzing::violated("the head is judged differently when it arrives in pieces", head);
  if (at_once.status == refserver::HeadStatus::Complete &&
      (at_once.skip + at_once.length > head.size() || at_once.length > limits.max_bytes))
    fuzzing::violated("a complete head beyond the buffer or the limit", head);

  const auto framing = refserver::body_framing(fuzzing::pieces(input[1], 8),
                                               fuzzing::pieces(input[2], 8));
  if (framing.kind == refserver::Framing::Invalid && framing.problem.empty())
    fuzzing::violated("an invalid framing without a reason");

  // The meter never lets more through than the body has, and never more payload than allowed.
  constexpr uint64_t max_payload = 256, max_framing = 128;
  refserver::ChunkedMeter meter(max_payload, max_framing);
  std::string_view body = input[3];
  while (!body.empty() && !meter.complete() && !meter.over_limit() && !meter.malformed()) {
    const size_t allowed = meter.allowance();
    if (allowed == 0) fuzzing::violated("no allowance before the body is complete");
    const size_t take = std::min(allowed, body.size());
    meter.feed(body.substr(0, take));
    body.remove_prefix(take);
  }
  if (meter.complete() && meter.allowance() != 0)
    fuzzing::violated("an allowance after the body completed");
  return 0;
}
